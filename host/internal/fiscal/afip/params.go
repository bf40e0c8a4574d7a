package afip

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/host/internal/fiscal"
	"github.com/nexuspos/nexus/host/internal/httpx"
)

// WSFEv1's parameter tables (FEParamGet*), as GET
// /api/v1/fiscal/ar/parameters/{table} names them. Every table but the
// points of sale and the exchange rate is kept in the host's cache for a
// day per (environment, CUIT): AFIP changes them by resolution, not by
// the hour. The points of sale are asked each time (an admin enables or
// blocks one at AFIP and expects to see it), and so is the exchange rate.
const (
	TablePointsOfSale       = "points_of_sale"          // FEParamGetPtosVenta
	TableExchangeRate       = "exchange_rate"           // FEParamGetCotizacion (query currency, date)
	TableReceiptTypes       = "receipt_types"           // FEParamGetTiposCbte
	TableDocumentTypes      = "document_types"          // FEParamGetTiposDoc
	TableIVARates           = "iva_rates"               // FEParamGetTiposIva
	TableCurrencies         = "currencies"              // FEParamGetTiposMonedas
	TableTaxTypes           = "tax_types"               // FEParamGetTiposTributos
	TableReceiverConditions = "receiver_iva_conditions" // FEParamGetCondicionIvaReceptor (query receipt_class)
)

// cachedTables are the operations of the tables kept for a day.
var cachedTables = map[string]string{
	TableReceiptTypes:       "FEParamGetTiposCbte",
	TableDocumentTypes:      "FEParamGetTiposDoc",
	TableIVARates:           "FEParamGetTiposIva",
	TableCurrencies:         "FEParamGetTiposMonedas",
	TableTaxTypes:           "FEParamGetTiposTributos",
	TableReceiverConditions: "FEParamGetCondicionIvaReceptor",
}

// paramTTL is how long a parameter table is kept.
const paramTTL = 24 * time.Hour

// Tables lists the tables Parameters serves, sorted.
func Tables() []string {
	out := []string{TablePointsOfSale, TableExchangeRate}
	for t := range cachedTables {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// FEParamGet is a parameter request that takes Auth alone; XMLName is the
// operation (FEParamGetTiposCbte, FEParamGetPtosVenta...).
type FEParamGet struct {
	XMLName xml.Name
	Xmlns   string `xml:"xmlns,attr"`
	Auth    Auth
}

// FEParamGetCotizacion asks for AFIP's exchange rate of MonId on FchCotiz
// (YYYYMMDD; the latest when empty).
type FEParamGetCotizacion struct {
	XMLName  xml.Name `xml:"FEParamGetCotizacion"`
	Xmlns    string   `xml:"xmlns,attr"`
	Auth     Auth
	MonId    string
	FchCotiz string `xml:",omitempty"`
}

// FEParamGetCondicionIvaReceptor asks for the receivers' IVA conditions
// accepted on receipts of class ClaseCmp (A, B, C, ALEY, 49), or on any.
type FEParamGetCondicionIvaReceptor struct {
	XMLName  xml.Name `xml:"FEParamGetCondicionIvaReceptor"`
	Xmlns    string   `xml:"xmlns,attr"`
	Auth     Auth
	ClaseCmp string `xml:",omitempty"`
}

// ParamRow is a row of a parameter table: CbteTipo, DocTipo, IvaTipo,
// Moneda and TributoTipo carry Id, Desc, FchDesde and FchHasta (YYYYMMDD,
// or NULL when open); CondicionIvaReceptor carries Id, Desc and Cmp_Clase
// (the receipt classes it is accepted on, such as "A/ALEY/C").
type ParamRow struct {
	Id       string
	Desc     string
	FchDesde string
	FchHasta string
	CmpClase string `xml:"Cmp_Clase"`
}

// PtoVenta is a point of sale of the CUIT: EmisionTipo says whether it
// issues with CAE or CAEA, Bloqueado is S when AFIP blocked it, FchBaja
// the day it was withdrawn (empty or NULL when it was not).
type PtoVenta struct {
	Nro         int
	EmisionTipo string
	Bloqueado   string
	FchBaja     string
}

// paramAnswer is the Result element of a parameter answer.
type paramAnswer interface{ errs() []codeMsg }

// FEParamGetResponse is the answer to a table request: the operation's
// Result element, whatever its name, its rows in ResultGet.
type FEParamGetResponse struct {
	Result struct {
		ResultGet struct {
			Rows []ParamRow `xml:",any"`
		}
		Errors []codeMsg `xml:"Errors>Err"`
		Events []codeMsg `xml:"Events>Evt"`
	} `xml:",any"`
}

func (r *FEParamGetResponse) errs() []codeMsg { return r.Result.Errors }

// FEParamGetPtosVentaResponse is FEParamGetPtosVenta's answer.
type FEParamGetPtosVentaResponse struct {
	Result struct {
		PtosVenta []PtoVenta `xml:"ResultGet>PtoVenta"`
		Errors    []codeMsg  `xml:"Errors>Err"`
		Events    []codeMsg  `xml:"Events>Evt"`
	} `xml:"FEParamGetPtosVentaResult"`
}

func (r *FEParamGetPtosVentaResponse) errs() []codeMsg { return r.Result.Errors }

// FEParamGetCotizacionResponse is FEParamGetCotizacion's answer.
type FEParamGetCotizacionResponse struct {
	Result struct {
		ResultGet *struct {
			MonId    string
			MonCotiz string
			FchCotiz string
		}
		Errors []codeMsg `xml:"Errors>Err"`
		Events []codeMsg `xml:"Events>Evt"`
	} `xml:"FEParamGetCotizacionResult"`
}

func (r *FEParamGetCotizacionResponse) errs() []codeMsg { return r.Result.Errors }

// codeNoResults is WSFEv1's "no data in our records" (an empty table).
const codeNoResults = codeNotFound

// paramCall sends a parameter request built by req with the company's
// ticket and decodes its answer into out. AFIP's Errors are the error
// (errAuthority), except 602 (no rows: out is left empty).
func (is *Issuer) paramCall(ctx context.Context, env *fiscal.Env, cfg config, op string, req func(Auth) any, out paramAnswer) error {
	err := is.authed(ctx, env, cfg, func(a Auth) error {
		if err := is.call(ctx, env, op, req(a), out, true); err != nil {
			return err
		}
		errs := out.errs()
		if err := refusal(op, errs); err != nil {
			return err
		}
		switch {
		case len(errs) == 1 && errs[0].Code == codeNoResults:
			return nil
		case len(errs) > 0:
			return errAuthority(op, errs)
		}
		return nil
	})
	return readError(err)
}

// errAuthority is the error of AFIP's Errors to op, their codes and
// messages as AFIP sent them: a 503 for AFIP's own failures (500 to
// 502), a 422 fiscal_authority_error otherwise (the request or the
// company's standing at AFIP is wrong: an admin must act).
func errAuthority(op string, errs []codeMsg) *httpx.Error {
	list := make([]map[string]any, len(errs))
	for i, e := range errs {
		list[i] = map[string]any{"code": strconv.Itoa(e.Code), "message": e.Msg}
	}
	details := map[string]any{"service": serviceWSFE, "operation": op, "errors": list}
	msg := fmt.Sprintf("AFIP answered %s with error %d: %s", op, errs[0].Code, errs[0].Msg)
	if errs[0].Code >= 500 && errs[0].Code <= 502 {
		e := httpx.Unavailable("fiscal_service_unavailable", msg).WithDetails(details)
		e.Err = fmt.Errorf("afip %s: error %d", op, errs[0].Code)
		return e
	}
	return httpx.Unprocessable("fiscal_authority_error", msg).WithDetails(details)
}

// PointOfSale is one of the CUIT's points of sale at AFIP.
type PointOfSale struct {
	Number int `json:"number"`
	// EmissionType is AFIP's EmisionTipo ("CAE", "CAEA"...).
	EmissionType string `json:"emission_type"`
	Blocked      bool   `json:"blocked"`
	// WithdrawnOn is the day AFIP withdrew it (YYYY-MM-DD), if it did.
	WithdrawnOn string `json:"withdrawn_on,omitempty"`
}

// pointsOfSale is FEParamGetPtosVenta: the CUIT's points of sale, asked
// every time.
func (is *Issuer) pointsOfSale(ctx context.Context, env *fiscal.Env, cfg config) ([]PointOfSale, error) {
	var res FEParamGetPtosVentaResponse
	op := "FEParamGetPtosVenta"
	err := is.paramCall(ctx, env, cfg, op, func(a Auth) any {
		return FEParamGet{XMLName: xml.Name{Local: op}, Xmlns: WSFENamespace, Auth: a}
	}, &res)
	if err != nil {
		return nil, err
	}
	out := make([]PointOfSale, 0, len(res.Result.PtosVenta))
	for _, p := range res.Result.PtosVenta {
		out = append(out, PointOfSale{Number: p.Nro, EmissionType: strings.TrimSpace(p.EmisionTipo),
			Blocked: strings.EqualFold(strings.TrimSpace(p.Bloqueado), "S"), WithdrawnOn: paramDate(p.FchBaja)})
	}
	return out, nil
}

// Param is a row of a parameter table as the API answers it.
type Param struct {
	ID          string `json:"id"`
	Description string `json:"description"`
	// ValidFrom and ValidTo (YYYY-MM-DD) bound the row's validity; an
	// open end is omitted.
	ValidFrom string `json:"valid_from,omitempty"`
	ValidTo   string `json:"valid_to,omitempty"`
	// ReceiptClasses are the receipt classes a receiver's IVA condition
	// is accepted on (receiver_iva_conditions only).
	ReceiptClasses []string `json:"receipt_classes,omitempty"`
}

// table returns a cached table (see cachedTables) of the company's CUIT:
// the shared cache's copy for a day, otherwise AFIP's. class narrows
// receiver_iva_conditions to a receipt class.
func (is *Issuer) table(ctx context.Context, env *fiscal.Env, cfg config, table, class string) ([]Param, error) {
	op := cachedTables[table]
	key := "afip:param:" + string(env.Settings.Environment) + ":" + cfg.CUIT + ":" + table
	if class != "" {
		key += ":" + class
	}
	b, err := env.Cache().GetOrLoad(ctx, key, paramTTL, nil, func(ctx context.Context) ([]byte, error) {
		var res FEParamGetResponse
		err := is.paramCall(ctx, env, cfg, op, func(a Auth) any {
			if op == "FEParamGetCondicionIvaReceptor" {
				return FEParamGetCondicionIvaReceptor{Xmlns: WSFENamespace, Auth: a, ClaseCmp: class}
			}
			return FEParamGet{XMLName: xml.Name{Local: op}, Xmlns: WSFENamespace, Auth: a}
		}, &res)
		if err != nil {
			return nil, err
		}
		rows := make([]Param, 0, len(res.Result.ResultGet.Rows))
		for _, r := range res.Result.ResultGet.Rows {
			p := Param{ID: strings.TrimSpace(r.Id), Description: strings.TrimSpace(r.Desc),
				ValidFrom: paramDate(r.FchDesde), ValidTo: paramDate(r.FchHasta)}
			if c := strings.TrimSpace(r.CmpClase); c != "" {
				p.ReceiptClasses = strings.Split(c, "/")
			}
			rows = append(rows, p)
		}
		return json.Marshal(rows)
	})
	if err != nil {
		return nil, err
	}
	var rows []Param
	if err := json.Unmarshal(b, &rows); err != nil {
		return nil, fmt.Errorf("afip %s: cached table: %w", op, err)
	}
	return rows, nil
}

// paramDate turns AFIP's YYYYMMDD into YYYY-MM-DD; NULL or empty is "".
func paramDate(d string) string {
	d = strings.TrimSpace(d)
	if d == "" || strings.EqualFold(d, "NULL") {
		return ""
	}
	return isoDate(d)
}

// ExchangeRate is AFIP's exchange rate of a currency (FEParamGetCotizacion).
type ExchangeRate struct {
	// Currency is the ISO 4217 code, MonID AFIP's.
	Currency string `json:"currency"`
	MonID    string `json:"mon_id"`
	// Rate is pesos per unit of the currency.
	Rate decimal.Decimal `json:"rate"`
	// Date is the day AFIP quoted it (YYYY-MM-DD).
	Date string `json:"date"`
}

// exchangeRate asks AFIP for the rate of currency (ISO 4217) on date
// (YYYY-MM-DD; AFIP's latest when empty).
func (is *Issuer) exchangeRate(ctx context.Context, env *fiscal.Env, cfg config, currency, date string) (ExchangeRate, error) {
	mon, ok := moneda(currency)
	if !ok {
		return ExchangeRate{}, fieldError("currency", "ARS, USD, EUR or BRL")
	}
	var res FEParamGetCotizacionResponse
	op := "FEParamGetCotizacion"
	err := is.paramCall(ctx, env, cfg, op, func(a Auth) any {
		return FEParamGetCotizacion{Xmlns: WSFENamespace, Auth: a, MonId: mon, FchCotiz: yyyymmdd(date)}
	}, &res)
	if err != nil {
		return ExchangeRate{}, err
	}
	g := res.Result.ResultGet
	if g == nil {
		return ExchangeRate{}, errAuthority(op, []codeMsg{{Code: codeNoResults, Msg: "AFIP has no exchange rate of " + mon + " for that date"}})
	}
	rate, err := decimal.NewFromString(g.MonCotiz)
	if err != nil || !rate.IsPositive() {
		return ExchangeRate{}, fiscal.Unavailable(serviceWSFE, fmt.Errorf("afip %s: %w: MonCotiz %q", op, errNoAnswer, g.MonCotiz))
	}
	return ExchangeRate{Currency: currency, MonID: mon, Rate: rate, Date: paramDate(g.FchCotiz)}, nil
}
