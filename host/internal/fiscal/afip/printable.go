package afip

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"html/template"

	"rsc.io/qr"

	"github.com/nexuspos/nexus/host/internal/fiscal"
	sdkfiscal "github.com/nexuspos/nexus/sdk/fiscal"
)

// receiptPage is the printable receipt: what RG 4291 asks a receipt to
// show, with AFIP's QR.
var receiptPage = template.Must(template.New("receipt").Parse(`<!doctype html>
<html lang="es"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>body{font-family:sans-serif;max-width:40em;margin:1em auto}table{width:100%;border-collapse:collapse}
td,th{border-bottom:1px solid #ccc;padding:.2em;text-align:left}.n{text-align:right}.letter{font-size:2em;border:2px solid;padding:0 .3em}</style>
</head><body>
<h1><span class="letter">{{.Letter}}</span> {{.Name}} {{.Number}}</h1>
<p>Emisor: {{.Company}} — CUIT {{.CUIT}}{{if .Address}} — {{.Address}}{{end}}{{if .GrossIncome}} — IIBB {{.GrossIncome}}{{end}}{{if .ActivityStart}} — Inicio de actividades {{.ActivityStart}}{{end}}</p>
<p>Fecha: {{.Date}} — Receptor: {{.Customer}}</p>
<table><tr><th>Descripción</th><th class="n">Cantidad</th><th class="n">Precio</th><th class="n">Importe</th></tr>
{{range .Lines}}<tr><td>{{.Description}}</td><td class="n">{{.Quantity}}</td><td class="n">{{.UnitPrice}}</td><td class="n">{{.Amount}}</td></tr>
{{end}}</table>
{{range .Taxes}}<p class="n">{{.}}</p>{{end}}
<p class="n"><strong>Total {{.Currency}} {{.Total}}</strong></p>
<p>CAE: {{.CAE}} — Vencimiento del CAE: {{.CAEDue}}</p>
<p><a href="{{.QRURL}}"><img alt="QR AFIP" src="{{.QRImage}}" width="160" height="160"></a></p>
<p>Comprobante autorizado por AFIP</p>
</body></html>
`))

type receiptLine struct {
	Description, Quantity, UnitPrice, Amount string
}

// Printable implements fiscal.Issuer: an HTML receipt carrying the CAE and
// AFIP's QR (the image and its URL).
func (is *Issuer) Printable(_ context.Context, env *fiscal.Env, doc *fiscal.Document) (fiscal.Printable, error) {
	cfg, err := configOf(env)
	if err != nil {
		return fiscal.Printable{}, err
	}
	url, _ := doc.Details["qr_url"].(string)
	code, err := qr.Encode(url, qr.M)
	if err != nil {
		return fiscal.Printable{}, fmt.Errorf("afip printable: qr: %w", err)
	}
	tipo, _ := number(doc.Details["receipt_type"])
	pos, _ := number(doc.Details["point_of_sale"])
	in := doc.Input
	name := "Factura"
	if doc.Kind == sdkfiscal.KindCreditNote {
		name = "Nota de crédito"
	}
	customer := "Consumidor final"
	if in.Customer.Name != "" || in.Customer.TaxID != "" {
		customer = in.Customer.Name + " " + in.Customer.TaxID
	}
	data := map[string]any{
		"Title": fmt.Sprintf("%s %s %05d-%08d", name, letter(int(tipo)), pos, *doc.Number), "Letter": letter(int(tipo)), "Name": name,
		"Number": fmt.Sprintf("%05d-%08d", pos, *doc.Number), "Company": env.Company.Name, "CUIT": cfg.CUIT,
		"Address": cfg.Address, "GrossIncome": cfg.GrossIncome, "ActivityStart": cfg.ActivityStart,
		"Date": in.Date, "Customer": customer, "Currency": in.Currency, "Total": amount(in.Totals.Total),
		"CAE": *doc.AuthorizationCode, "CAEDue": deref(doc.AuthorizationExpires), "QRURL": template.URL(url),
		"QRImage": template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(code.PNG())),
	}
	var lines []receiptLine
	for _, l := range in.Lines {
		lines = append(lines, receiptLine{l.Description, l.Quantity.String(), amount(l.UnitPrice), amount(l.Net)})
	}
	data["Lines"] = lines
	data["Taxes"] = printedTaxes(in, letter(int(tipo)))
	var b bytes.Buffer
	if err := receiptPage.Execute(&b, data); err != nil {
		return fiscal.Printable{}, fmt.Errorf("afip printable: %w", err)
	}
	return fiscal.Printable{ContentType: "text/html; charset=utf-8", Filename: fmt.Sprintf("%s-%05d-%08d.html", letter(int(tipo)), pos, *doc.Number),
		Body: b.Bytes()}, nil
}

// printedTaxes are the receipt's tax lines: IVA per rate on an A receipt
// (B and C include it in the prices), every tributo on all of them.
func printedTaxes(in *sdkfiscal.Input, letter string) []string {
	var out []string
	for _, t := range in.Totals.Taxes {
		switch {
		case t.Type != sdkfiscal.TaxIVA:
			out = append(out, fmt.Sprintf("%s %s%% s/ %s: %s", tributoName(t.Type, t.Description), t.Rate.Shift(2), amount(t.Base), amount(t.Amount)))
		case letter == "A" && t.Exempt:
			out = append(out, "Exento: "+amount(t.Base))
		case letter == "A":
			out = append(out, fmt.Sprintf("IVA %s%%: %s", t.Rate.Shift(2), amount(t.Amount)))
		}
	}
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
