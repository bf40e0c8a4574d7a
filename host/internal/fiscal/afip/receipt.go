package afip

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/host/internal/fiscal"
	"github.com/nexuspos/nexus/host/internal/httpx"
	sdkfiscal "github.com/nexuspos/nexus/sdk/fiscal"
	"github.com/nexuspos/nexus/sdk/taxid"
)

// IVA conditions, as companies and customers name them, with AFIP's
// CondicionIVAReceptorId.
var conditions = map[string]int{
	"responsable_inscripto": 1,
	"exento":                4,
	"consumidor_final":      5,
	"monotributo":           6,
	"no_categorizado":       7,
	"proveedor_exterior":    8,
	"cliente_exterior":      9,
	"liberado":              10,
	"monotributo_social":    13,
	"no_alcanzado":          15,
	"monotributo_promovido": 16,
}

// Receipt types (CbteTipo).
const (
	FacturaA      = 1
	NotaCreditoA  = 3
	FacturaB      = 6
	NotaCreditoB  = 8
	FacturaC      = 11
	NotaCreditoC  = 13
	docTipoCUIT   = 80
	docTipoDNI    = 96
	docTipoNone   = 99
	conceptoGoods = 1
)

// letter is the receipt letter of a type.
func letter(cbteTipo int) string {
	switch cbteTipo {
	case FacturaA, NotaCreditoA:
		return "A"
	case FacturaB, NotaCreditoB:
		return "B"
	default:
		return "C"
	}
}

// receiptType is the CbteTipo of a document of kind k from an issuer of
// condition issuer to a receiver of condition receiver: a responsable
// inscripto issues A to responsables inscriptos and monotributistas and B
// to everyone else; monotributistas and exentos issue C.
func receiptType(issuer, receiver string, k sdkfiscal.Kind) int {
	t := FacturaC
	if issuer == "responsable_inscripto" {
		switch receiver {
		case "responsable_inscripto", "monotributo", "monotributo_social", "monotributo_promovido":
			t = FacturaA
		default:
			t = FacturaB
		}
	}
	if k == sdkfiscal.KindCreditNote {
		switch t {
		case FacturaA:
			return NotaCreditoA
		case FacturaB:
			return NotaCreditoB
		default:
			return NotaCreditoC
		}
	}
	return t
}

// receiver is the customer as WSFEv1 identifies them.
type receiver struct {
	DocTipo     int
	DocNro      int64
	CondicionID int
	Condition   string
}

// receiverOf reads the customer of in: a CUIT (11 digits, mod-11 checked)
// or a DNI, or nobody (a final consumer); an A receipt needs a CUIT.
func receiverOf(c sdkfiscal.Customer) (receiver, error) {
	r := receiver{DocTipo: docTipoNone, Condition: c.Condition}
	if r.Condition == "" {
		r.Condition = "consumidor_final"
	}
	id, ok := conditions[r.Condition]
	if !ok {
		return r, fieldError("customer.condition", "an IVA condition: "+conditionNames())
	}
	r.CondicionID = id
	digits := strings.NewReplacer("-", "", ".", "", " ", "").Replace(c.TaxID)
	switch {
	case digits == "":
	case c.TaxIDType == "dni" || (c.TaxIDType == "" && len(digits) <= 8):
		n, err := strconv.ParseInt(digits, 10, 64)
		if err != nil || n <= 0 || len(digits) > 8 {
			return r, fieldError("customer.tax_id", "a DNI of up to 8 digits")
		}
		r.DocTipo, r.DocNro = docTipoDNI, n
	case c.TaxIDType == "" || c.TaxIDType == "cuit" || c.TaxIDType == "cuil":
		norm, err := taxid.ValidateCUIT(digits)
		if err != nil {
			return r, fieldError("customer.tax_id", "a CUIT of 11 digits with its check digit")
		}
		n, _ := strconv.ParseInt(norm, 10, 64)
		r.DocTipo, r.DocNro = docTipoCUIT, n
	default:
		return r, fieldError("customer.tax_id_type", "cuit, cuil or dni in Argentina")
	}
	return r, nil
}

func conditionNames() string {
	return "responsable_inscripto, monotributo, exento, consumidor_final, no_categorizado, proveedor_exterior, " +
		"cliente_exterior, liberado, monotributo_social, no_alcanzado, monotributo_promovido"
}

// fieldError is a 422 naming an input field.
func fieldError(field, reason string) *httpx.Error {
	return httpx.Unprocessable("invalid_field", field+": "+reason).WithDetails(map[string]any{"field": field, "reason": reason})
}

// alicuotas are AFIP's ids of the IVA rates (AlicIva Id).
var alicuotas = map[string]int{"0": 3, "0.105": 4, "0.21": 5, "0.27": 6, "0.05": 8, "0.025": 9}

// alicuotaID is the AlicIva Id of rate.
func alicuotaID(rate decimal.Decimal) (int, bool) {
	id, ok := alicuotas[rate.String()]
	return id, ok
}

// tributoType is an AFIP Tributo type: its id (FEParamGetTiposTributos)
// and the description sent and printed when the vertical gives none.
type tributoType struct {
	id   int
	desc string
}

// tributos are the SDK's Argentine tax types as AFIP's Tributo types.
var tributos = map[string]tributoType{
	sdkfiscal.TaxNational:                   {1, "Impuestos nacionales"},
	sdkfiscal.TaxProvincial:                 {2, "Impuestos provinciales"},
	sdkfiscal.TaxMunicipal:                  {3, "Impuestos municipales"},
	sdkfiscal.TaxInternal:                   {4, "Impuestos internos"},
	sdkfiscal.TaxGrossIncome:                {5, "Ingresos brutos"},
	sdkfiscal.TaxIVAPerception:              {6, "Percepción de IVA"},
	sdkfiscal.TaxGrossIncomePerception:      {7, "Percepción de ingresos brutos"},
	sdkfiscal.TaxMunicipalPerception:        {8, "Percepción de impuestos municipales"},
	sdkfiscal.TaxOtherPerception:            {9, "Otras percepciones"},
	sdkfiscal.TaxIVAPerceptionUncategorized: {13, "Percepción de IVA a no categorizado"},
	sdkfiscal.TaxOther:                      {99, "Otro tributo"},
}

// maxTributoDesc bounds a Tributo's Desc (WSFEv1's string(80)).
const maxTributoDesc = 80

// tributoName is how a tax of type typ with description desc is named to
// AFIP and on the receipt.
func tributoName(typ, desc string) string {
	if desc != "" {
		return desc
	}
	return tributos[typ].desc
}

// receiptAmounts are a receipt's amounts as FECAESolicitar takes them.
type receiptAmounts struct {
	neto, iva, opEx, trib string
	alicuotas             []AlicIva
	tributos              []Tributo
}

// amountsOf splits in's totals into WSFEv1's: IVA per rate (AlicIva,
// ImpIVA), exempt IVA's base as ImpOpEx, the tributos (Tributos,
// ImpTrib) and the taxed net (ImpNeto). A C receipt carries no IVA: its
// ImpNeto is its total less its tributos. A tax AFIP does not take —
// Mexico's IEPS and ISR, a withheld or per-unit tax — is refused naming
// the line's tax.
func amountsOf(in *sdkfiscal.Input, letter string) (receiptAmounts, error) {
	for i, l := range in.Lines {
		for j, t := range l.Taxes {
			at := fmt.Sprintf("lines[%d].taxes[%d]", i, j)
			_, tributo := tributos[t.Type]
			switch {
			case t.Type != sdkfiscal.TaxIVA && !tributo:
				return receiptAmounts{}, fieldError(at+".type", fmt.Sprintf("%q is not an Argentine tax: iva or a tributo (%s)", t.Type, tributoNames()))
			case t.Withheld:
				return receiptAmounts{}, fieldError(at+".withheld", "an AFIP receipt carries no withholdings")
			case !t.Quota.IsZero():
				return receiptAmounts{}, fieldError(at+".quota", "AFIP takes a tax at a rate, not per unit")
			case utf8.RuneCountInString(tributoName(t.Type, t.Description)) > maxTributoDesc:
				return receiptAmounts{}, fieldError(at+".description", fmt.Sprintf("at most %d characters for AFIP", maxTributoDesc))
			}
		}
	}
	var iva, opEx, trib decimal.Decimal
	var out receiptAmounts
	// IVA per AlicIva id, in the totals' order.
	var ids []int
	bases, amounts := map[int]decimal.Decimal{}, map[int]decimal.Decimal{}
	for i, t := range in.Totals.Taxes {
		switch {
		case t.Type == sdkfiscal.TaxIVA && t.Exempt:
			opEx = opEx.Add(t.Base)
		case t.Type == sdkfiscal.TaxIVA:
			id, ok := alicuotaID(t.Rate)
			if !ok {
				return receiptAmounts{}, fieldError(fmt.Sprintf("totals.taxes[%d].rate", i), "an IVA rate AFIP knows: 0, 0.025, 0.05, 0.105, 0.21 or 0.27")
			}
			if _, seen := bases[id]; !seen {
				ids = append(ids, id)
			}
			iva, bases[id], amounts[id] = iva.Add(t.Amount), bases[id].Add(t.Base), amounts[id].Add(t.Amount)
		default:
			trib = trib.Add(t.Amount)
			out.tributos = append(out.tributos, Tributo{Id: tributos[t.Type].id, Desc: tributoName(t.Type, t.Description),
				BaseImp: amount(t.Base), Alic: amount(t.Rate.Shift(2)), Importe: amount(t.Amount)})
		}
	}
	for _, id := range ids {
		out.alicuotas = append(out.alicuotas, AlicIva{Id: id, BaseImp: amount(bases[id]), Importe: amount(amounts[id])})
	}
	neto := in.Totals.Net.Sub(opEx)
	if letter == "C" {
		neto, iva, opEx, out.alicuotas = in.Totals.Total.Sub(trib), decimal.Zero, decimal.Zero, nil
	}
	out.neto, out.iva, out.opEx, out.trib = amount(neto), amount(iva), amount(opEx), amount(trib)
	return out, nil
}

// tributoNames lists the SDK's Argentine tributo types.
func tributoNames() string {
	names := make([]string, 0, len(tributos))
	for k := range tributos {
		names = append(names, k)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// moneda is AFIP's currency code (MonId) of an ISO 4217 code.
func moneda(iso string) (string, bool) {
	m, ok := map[string]string{"ARS": "PES", "USD": "DOL", "EUR": "060", "BRL": "012"}[iso]
	return m, ok
}

// amount formats an amount as WSFEv1 takes it: two decimals.
func amount(d decimal.Decimal) string { return d.StringFixed(2) }

// yyyymmdd turns a date YYYY-MM-DD into WSFEv1's YYYYMMDD.
func yyyymmdd(date string) string { return strings.ReplaceAll(date, "-", "") }

// isoDate turns WSFEv1's YYYYMMDD into YYYY-MM-DD.
func isoDate(d string) string {
	if len(d) != 8 {
		return d
	}
	return d[:4] + "-" + d[4:6] + "-" + d[6:]
}

// qrBase is the URL AFIP's receipt QR points to.
const qrBase = "https://www.afip.gob.ar/fe/qr/?p="

// qrData is the JSON AFIP's QR carries (its published format, version 1).
type qrData struct {
	Ver        int         `json:"ver"`
	Fecha      string      `json:"fecha"`
	Cuit       int64       `json:"cuit"`
	PtoVta     int         `json:"ptoVta"`
	TipoCmp    int         `json:"tipoCmp"`
	NroCmp     int64       `json:"nroCmp"`
	Importe    json.Number `json:"importe"`
	Moneda     string      `json:"moneda"`
	Ctz        json.Number `json:"ctz"`
	TipoDocRec int         `json:"tipoDocRec,omitempty"`
	NroDocRec  int64       `json:"nroDocRec,omitempty"`
	TipoCodAut string      `json:"tipoCodAut"`
	CodAut     json.Number `json:"codAut"`
}

// qrURL is the URL of AFIP's QR for an authorized receipt.
func qrURL(q qrData) (string, error) {
	q.Ver, q.TipoCodAut = 1, "E"
	b, err := json.Marshal(q)
	if err != nil {
		return "", fmt.Errorf("afip qr: %w", err)
	}
	return qrBase + base64.StdEncoding.EncodeToString(b), nil
}

// messages turns WSFEv1's Errors and Observaciones into the document's
// messages, codes as AFIP sent them.
func messages(errs, obs []codeMsg) []sdkfiscal.Message {
	out := make([]sdkfiscal.Message, 0, len(errs)+len(obs))
	for _, e := range errs {
		out = append(out, sdkfiscal.Message{Type: "error", Code: strconv.Itoa(e.Code), Message: e.Msg})
	}
	for _, o := range obs {
		out = append(out, sdkfiscal.Message{Type: "observation", Code: strconv.Itoa(o.Code), Message: o.Msg})
	}
	return out
}

// Compile-time check that Issuer is a fiscal.Issuer.
var _ fiscal.Issuer = (*Issuer)(nil)
