package afip

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/host/internal/fiscal"
	"github.com/nexuspos/nexus/host/internal/httpx"
	sdkfiscal "github.com/nexuspos/nexus/sdk/fiscal"
	"github.com/nexuspos/nexus/sdk/outbound"
	"github.com/nexuspos/nexus/sdk/taxid"
)

// AFIP's endpoints per environment.
const (
	HomologationWSAA = "https://wsaahomo.afip.gov.ar/ws/services/LoginCms"
	HomologationWSFE = "https://wswhomo.afip.gov.ar/wsfev1/service.asmx"
	ProductionWSAA   = "https://wsaa.afip.gov.ar/ws/services/LoginCms"
	ProductionWSFE   = "https://servicios1.afip.gov.ar/wsfev1/service.asmx"
)

// Options configures an Issuer.
type Options struct {
	// WSAAURL and WSFEURL, when set, replace the environment's endpoints
	// (NEXUS_AFIP_WSAA_URL, NEXUS_AFIP_WSFE_URL).
	WSAAURL string
	WSFEURL string
}

// Issuer issues Argentine receipts through WSAA and WSFEv1.
type Issuer struct {
	opts Options
}

// New returns an Issuer.
func New(opts Options) *Issuer { return &Issuer{opts: opts} }

// Country implements fiscal.Issuer.
func (is *Issuer) Country() string { return "AR" }

type endpoints struct{ WSAA, WSFE string }

func (is *Issuer) endpoints(env *fiscal.Env) endpoints {
	e := endpoints{HomologationWSAA, HomologationWSFE}
	if env.Settings.Environment == fiscal.Production {
		e = endpoints{ProductionWSAA, ProductionWSFE}
	}
	if is.opts.WSAAURL != "" {
		e.WSAA = is.opts.WSAAURL
	}
	if is.opts.WSFEURL != "" {
		e.WSFE = is.opts.WSFEURL
	}
	return e
}

// config is a company's Argentine settings.
type config struct {
	// CUIT issues the receipts (default: the company's tax id).
	CUIT string `json:"cuit"`
	// IVACondition is the company's: responsable_inscripto, monotributo
	// or exento.
	IVACondition string `json:"iva_condition"`
	// PointsOfSale are the company's electronic points of sale; receipts
	// are issued on the document's (Input.PointOfSale), or the first.
	PointsOfSale []int `json:"points_of_sale"`
	// ActivityStart (YYYY-MM-DD) and GrossIncome are printed on receipts.
	ActivityStart string `json:"activity_start,omitempty"`
	GrossIncome   string `json:"gross_income,omitempty"`
	Address       string `json:"address,omitempty"`
}

func (c config) cuitNumber() int64 {
	n, _ := strconv.ParseInt(c.CUIT, 10, 64)
	return n
}

// CheckConfig implements fiscal.Issuer.
func (is *Issuer) CheckConfig(_ context.Context, c fiscal.Company, raw json.RawMessage) (json.RawMessage, error) {
	var cfg config
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return nil, fiscal.InvalidConfig("", "an object with cuit, iva_condition, points_of_sale, activity_start, gross_income, address")
	}
	if cfg.CUIT == "" {
		cfg.CUIT = c.TaxID
	}
	norm, err := taxid.ValidateCUIT(cfg.CUIT)
	if err != nil {
		return nil, fiscal.InvalidConfig("cuit", "a CUIT of 11 digits with its check digit")
	}
	cfg.CUIT = norm
	switch cfg.IVACondition {
	case "responsable_inscripto", "monotributo", "exento":
	default:
		return nil, fiscal.InvalidConfig("iva_condition", "responsable_inscripto, monotributo or exento")
	}
	if len(cfg.PointsOfSale) == 0 {
		return nil, fiscal.InvalidConfig("points_of_sale", "at least one point of sale")
	}
	for i, p := range cfg.PointsOfSale {
		if p < 1 || p > 99998 || slices.Index(cfg.PointsOfSale, p) != i {
			return nil, fiscal.InvalidConfig("points_of_sale", "distinct numbers from 1 to 99998")
		}
	}
	return json.Marshal(cfg)
}

func configOf(env *fiscal.Env) (config, error) {
	var cfg config
	if err := json.Unmarshal(env.Settings.Config, &cfg); err != nil || cfg.CUIT == "" || len(cfg.PointsOfSale) == 0 {
		return config{}, httpx.Unprocessable("fiscal_not_configured", "the company's AFIP settings are incomplete: cuit, iva_condition and points_of_sale")
	}
	return cfg, nil
}

// plan is how one document is issued.
type plan struct {
	cfg      config
	pos      int
	cbteTipo int
	rec      receiver
	series   string
	// rate is the exchange rate of a receipt in a foreign currency, set
	// by Issue and Status (Plan needs none).
	rate rate
}

func (is *Issuer) plan(env *fiscal.Env, doc *fiscal.Document) (plan, error) {
	if doc.Kind == sdkfiscal.KindPaymentReceipt {
		return plan{}, httpx.Unprocessable("fiscal_document_not_applicable",
			"a payment receipt is not applicable in Argentina: AFIP has no such document (a deferred invoice's due date is payment_due)").
			WithDetails(map[string]any{"kind": string(doc.Kind), "country": "AR"})
	}
	cfg, err := configOf(env)
	if err != nil {
		return plan{}, err
	}
	rec, err := receiverOf(doc.Input.Customer)
	if err != nil {
		return plan{}, err
	}
	p := plan{cfg: cfg, pos: cfg.PointsOfSale[0], rec: rec}
	if n := doc.Input.PointOfSale; n != 0 {
		if !slices.Contains(cfg.PointsOfSale, n) {
			return plan{}, fieldError("point_of_sale", fmt.Sprintf("one of the company's points of sale %v", cfg.PointsOfSale))
		}
		p.pos = n
	}
	p.cbteTipo = receiptType(cfg.IVACondition, rec.Condition, doc.Input.Kind)
	if letter(p.cbteTipo) == "A" && rec.DocTipo != docTipoCUIT {
		return plan{}, fieldError("customer.tax_id", "an A receipt (to a responsable inscripto or monotributista) needs the customer's CUIT")
	}
	p.series = fmt.Sprintf("%s-%d-%d", cfg.CUIT, p.pos, p.cbteTipo)
	if _, err := detail(doc, p, 0); err != nil {
		return plan{}, err
	}
	return p, nil
}

// Plan implements fiscal.Issuer: the series is CUIT-point of sale-type.
func (is *Issuer) Plan(_ context.Context, env *fiscal.Env, doc *fiscal.Document) (fiscal.Plan, error) {
	p, err := is.plan(env, doc)
	if err != nil {
		return fiscal.Plan{}, err
	}
	return fiscal.Plan{Series: p.series}, nil
}

// detail builds receipt n of doc.
func detail(doc *fiscal.Document, p plan, n int64) (FECAEDetRequest, error) {
	in := doc.Input
	mon, ok := moneda(in.Currency)
	if !ok {
		return FECAEDetRequest{}, fieldError("currency", "ARS, USD, EUR or BRL")
	}
	cotiz := decimal.NewFromInt(1)
	if !in.ExchangeRate.IsZero() {
		cotiz = in.ExchangeRate
	}
	if !p.rate.value.IsZero() {
		cotiz = p.rate.value
	}
	d := FECAEDetRequest{
		Concepto: conceptoGoods, DocTipo: p.rec.DocTipo, DocNro: p.rec.DocNro, CbteDesde: n, CbteHasta: n,
		CbteFch: yyyymmdd(in.Date), ImpTotal: amount(in.Totals.Total), ImpTotConc: "0.00", ImpOpEx: "0.00", ImpTrib: "0.00",
		MonId: mon, MonCotiz: cotiz.String(), CondicionIVAReceptorId: p.rec.CondicionID,
	}
	switch in.Concept {
	case sdkfiscal.ConceptServices:
		d.Concepto = 2
	case sdkfiscal.ConceptGoodsAndServices:
		d.Concepto = 3
	}
	if d.Concepto != conceptoGoods {
		d.FchServDesde, d.FchServHasta, d.FchVtoPago = yyyymmdd(in.ServiceFrom), yyyymmdd(in.ServiceTo), yyyymmdd(in.PaymentDue)
	}
	amounts, err := amountsOf(in, letter(p.cbteTipo))
	if err != nil {
		return FECAEDetRequest{}, err
	}
	d.ImpNeto, d.ImpIVA, d.ImpOpEx, d.ImpTrib = amounts.neto, amounts.iva, amounts.opEx, amounts.trib
	d.Iva, d.Tributos = amounts.alicuotas, amounts.tributos
	if doc.Related != nil {
		rel, err := relatedReceipt(doc.Related, p.cfg.CUIT)
		if err != nil {
			return FECAEDetRequest{}, err
		}
		d.CbtesAsoc = []CbteAsoc{rel}
	}
	return d, nil
}

// relatedReceipt is the CbteAsoc of the invoice a credit note reverses.
func relatedReceipt(rel *fiscal.Document, cuit string) (CbteAsoc, error) {
	tipo, okT := number(rel.Details["receipt_type"])
	pos, okP := number(rel.Details["point_of_sale"])
	date, _ := rel.Details["date"].(string)
	if !okT || !okP || rel.Number == nil {
		return CbteAsoc{}, fieldError("related_document_id", "the related document is not an AFIP receipt")
	}
	return CbteAsoc{Tipo: int(tipo), PtoVta: int(pos), Nro: *rel.Number, Cuit: cuit, CbteFch: yyyymmdd(date)}, nil
}

// number reads a JSON number stored in details.
func number(v any) (int64, bool) {
	switch n := v.(type) {
	case float64:
		return int64(n), true
	case int:
		return int64(n), true
	case int64:
		return n, true
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	}
	return 0, false
}

// Issue implements fiscal.Issuer: FECompUltimoAutorizado, then
// FECAESolicitar with the next number, recorded first.
func (is *Issuer) Issue(ctx context.Context, env *fiscal.Env, doc *fiscal.Document) (fiscal.Outcome, error) {
	p, err := is.plan(env, doc)
	if err != nil {
		return fiscal.Outcome{}, err
	}
	if p.rate, err = is.rateOf(ctx, env, p.cfg, doc); err != nil {
		return fiscal.Outcome{}, err
	}
	last, err := is.lastNumber(ctx, env, p.cfg, p.pos, p.cbteTipo)
	if err != nil {
		return fiscal.Outcome{}, err
	}
	n := last + 1
	d, err := detail(doc, p, n)
	if err != nil {
		return fiscal.Outcome{}, err
	}
	facts := map[string]any{"point_of_sale": p.pos, "receipt_type": p.cbteTipo, "date": doc.Input.Date,
		"total": amount(doc.Input.Totals.Total), "doc_tipo": p.rec.DocTipo, "doc_nro": p.rec.DocNro}
	p.rate.facts(facts)
	if err := env.Attempt(ctx, fiscal.Attempt{Series: p.series, Number: n, Facts: facts}); err != nil {
		return fiscal.Outcome{}, err
	}
	var res FECAESolicitarResponse
	err = is.authed(ctx, env, p.cfg, func(a Auth) error {
		op := FECAESolicitar{Xmlns: WSFENamespace, Auth: a}
		op.FeCAEReq.FeCabReq.CantReg, op.FeCAEReq.FeCabReq.PtoVta, op.FeCAEReq.FeCabReq.CbteTipo = 1, p.pos, p.cbteTipo
		op.FeCAEReq.FeDetReq.FECAEDetRequest = []FECAEDetRequest{d}
		res = FECAESolicitarResponse{}
		if err := is.call(ctx, env, "FECAESolicitar", op, &res, false); err != nil {
			return err
		}
		return refusal("FECAESolicitar", res.Result.Errors)
	})
	switch {
	case errors.Is(err, errNoAnswer):
		env.Log().Warn("AFIP gave no answer to FECAESolicitar", "company_id", env.Company.ID, "series", p.series, "number", n, "error", err)
		return fiscal.Outcome{Result: fiscal.Unknown}, nil
	case errors.Is(err, outbound.ErrCircuitOpen), errors.Is(err, outbound.ErrRateLimited):
		return fiscal.Outcome{}, fiscal.Unavailable(serviceWSFE, err)
	case err != nil:
		return fiscal.Outcome{}, err
	}
	r := res.Result
	if len(r.FeDetResp) == 0 {
		if len(r.Errors) == 0 {
			return fiscal.Outcome{Result: fiscal.Unknown}, nil
		}
		return fiscal.Outcome{Result: fiscal.Rejected, Messages: messages(r.Errors, nil), Details: is.details(p, doc, "")}, nil
	}
	det := r.FeDetResp[0]
	if det.Resultado != "A" || det.CAE == "" {
		return fiscal.Outcome{Result: fiscal.Rejected, Messages: messages(r.Errors, det.Observaciones), Details: is.details(p, doc, "")}, nil
	}
	return is.authorized(p, doc, n, det.CAE, det.CAEFchVto, messages(nil, det.Observaciones))
}

// authorized is the outcome of receipt n authorized with cae.
func (is *Issuer) authorized(p plan, doc *fiscal.Document, n int64, cae, due string, msgs []sdkfiscal.Message) (fiscal.Outcome, error) {
	cotiz := "1"
	if !doc.Input.ExchangeRate.IsZero() {
		cotiz = doc.Input.ExchangeRate.String()
	}
	if !p.rate.value.IsZero() {
		cotiz = p.rate.value.String()
	}
	mon, _ := moneda(doc.Input.Currency)
	q := qrData{Fecha: doc.Input.Date, Cuit: p.cfg.cuitNumber(), PtoVta: p.pos, TipoCmp: p.cbteTipo, NroCmp: n,
		Importe: json.Number(amount(doc.Input.Totals.Total)), Moneda: mon, Ctz: json.Number(cotiz), CodAut: json.Number(cae)}
	if p.rec.DocTipo != docTipoNone {
		q.TipoDocRec, q.NroDocRec = p.rec.DocTipo, p.rec.DocNro
	}
	url, err := qrURL(q)
	if err != nil {
		return fiscal.Outcome{}, err
	}
	return fiscal.Outcome{Result: fiscal.Authorized, Series: p.series, Number: n, AuthorizationCode: cae,
		AuthorizationExpires: isoDate(due), Details: is.details(p, doc, url), Messages: msgs}, nil
}

// details are the receipt's facts shown with the document.
func (is *Issuer) details(p plan, doc *fiscal.Document, qr string) map[string]any {
	d := map[string]any{"cuit": p.cfg.CUIT, "point_of_sale": p.pos, "receipt_type": p.cbteTipo,
		"receipt_letter": letter(p.cbteTipo), "date": doc.Input.Date, "doc_tipo": p.rec.DocTipo, "doc_nro": p.rec.DocNro,
		"condicion_iva_receptor_id": p.rec.CondicionID}
	if qr != "" {
		d["qr_url"] = qr
	}
	p.rate.details(d)
	return d
}

// Status implements fiscal.Issuer: FECompConsultar of the attempt's
// number, compared with what the attempt sent.
func (is *Issuer) Status(ctx context.Context, env *fiscal.Env, doc *fiscal.Document) (fiscal.Outcome, error) {
	p, err := is.plan(env, doc)
	if err != nil {
		return fiscal.Outcome{}, err
	}
	a := doc.Attempt
	if a == nil || a.Series != p.series {
		return fiscal.Outcome{Result: fiscal.NotIssued}, nil
	}
	p.rate = rateOfAttempt(a)
	res, err := is.consult(ctx, env, p.cfg, p.pos, p.cbteTipo, a.Number)
	if err != nil {
		return fiscal.Outcome{}, err
	}
	if res == nil {
		return fiscal.Outcome{Result: fiscal.NotIssued}, nil
	}
	g := res.Result.ResultGet
	total, err := decimal.NewFromString(g.ImpTotal)
	same := err == nil && total.Equal(doc.Input.Totals.Total) && g.DocNro == p.rec.DocNro && g.DocTipo == p.rec.DocTipo &&
		g.CbteFch == yyyymmdd(doc.Input.Date)
	if !same {
		// Another receipt holds the number: this attempt was not issued.
		return fiscal.Outcome{Result: fiscal.NotIssued}, nil
	}
	if g.Resultado != "A" || g.CodAutorizacion == "" {
		return fiscal.Outcome{Result: fiscal.Rejected, Messages: messages(nil, g.Observaciones), Details: is.details(p, doc, "")}, nil
	}
	return is.authorized(p, doc, a.Number, g.CodAutorizacion, g.FchVto, messages(nil, g.Observaciones))
}

// Cancel implements fiscal.Issuer: AFIP does not cancel receipts.
func (is *Issuer) Cancel(context.Context, *fiscal.Env, *fiscal.Document, string) (fiscal.CancelOutcome, error) {
	return fiscal.CancelOutcome{}, httpx.Unprocessable("fiscal_cancel_unsupported",
		"AFIP receipts are not cancelled: issue a credit note (kind credit_note, related_document_id) instead")
}
