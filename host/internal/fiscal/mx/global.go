package mx

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/host/internal/fiscal"
	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi"
	sdkfiscal "github.com/nexuspos/nexus/sdk/fiscal"
)

// detailPeriodicidad is the global document's detail holding its
// c_Periodicidad, which its InformacionGlobal says.
const detailPeriodicidad = "periodicidad"

// What each ticket's lines of a global CFDI are (cfdi.GlobalDocument makes
// them so again when it builds the CFDI).
const (
	globalDescription = "Venta"
	globalUnit        = "ACT"
)

// Held implements fiscal.GlobalIssuer: an invoice in pesos, paid (PUE, not
// deferred), to the public in general waits for its period's global CFDI.
// Anything else is stamped at once: an anonymous sale in another currency
// or on credit as a global CFDI of its own (a global's tickets share one Moneda and
// are paid), a named customer's as its own CFDI.
func (*Issuer) Held(_ *fiscal.Env, doc *fiscal.Document) (bool, error) {
	in := doc.Input
	if doc.Global || doc.Kind != sdkfiscal.KindInvoice || in == nil || !anonymous(in) {
		return false, nil
	}
	_, paid := formasPago[in.PaymentForm]
	return paid && !in.Deferred && strings.EqualFold(in.Currency, monedaMXN), nil
}

// periodicidad is the company's, "01" (daily) when its settings predate
// the setting.
func periodicidad(c Config) string {
	if c.Periodicidad == "" {
		return cfdi.PeriodicidadDiaria
	}
	return c.Periodicidad
}

// Period implements fiscal.GlobalIssuer: the period of the company's
// periodicidad that contains day (cfdi.PeriodBounds).
func (*Issuer) Period(env *fiscal.Env, day time.Time) (fiscal.Period, error) {
	c, err := config(env)
	if err != nil {
		return fiscal.Period{}, err
	}
	p := periodicidad(c)
	start, end, err := cfdi.PeriodBounds(p, day)
	if err != nil {
		return fiscal.Period{}, err
	}
	return fiscal.Period{Key: p + ":" + start.Format(time.DateOnly), Start: start, End: end,
		Details: map[string]any{detailPeriodicidad: p}}, nil
}

// GlobalInput implements fiscal.GlobalIssuer: one line per member and set
// of tax rates ("Venta" of 1 ACT at the net amount, the member's source id
// as the ticket number), the totals the sums of the members' own, dated
// on the period's first day. FormaPago is the form that paid the largest
// amount, as SAT's filling guide asks when a global's sales were paid in
// several ways.
func (*Issuer) GlobalInput(_ *fiscal.Env, p fiscal.Period, members []*fiscal.Document) (sdkfiscal.Input, error) {
	in := sdkfiscal.Input{Kind: sdkfiscal.KindInvoice, Currency: monedaMXN, Date: p.Start.Format(time.DateOnly)}
	paid := map[string]decimal.Decimal{}
	for _, m := range members {
		if m.Input == nil {
			return sdkfiscal.Input{}, fmt.Errorf("mx: held document %s has no input", m.ID)
		}
		paid[m.Input.PaymentForm] = paid[m.Input.PaymentForm].Add(m.Input.Totals.Total)
		in.Lines = append(in.Lines, ticketLines(m.Input)...)
	}
	in.Totals = sdkfiscal.TotalsOf(in.Lines)
	forms := make([]string, 0, len(paid))
	for f := range paid {
		forms = append(forms, f)
	}
	sort.Slice(forms, func(i, j int) bool {
		if c := paid[forms[i]].Cmp(paid[forms[j]]); c != 0 {
			return c > 0
		}
		return formasPago[forms[i]] < formasPago[forms[j]]
	})
	if len(forms) > 0 {
		in.PaymentForm = forms[0]
	}
	return in, nil
}

// taxKey identifies a tax apart from its amounts.
func taxKey(t sdkfiscal.Tax) string {
	return fmt.Sprintf("%s@%s/%s/%t/%t/%s", t.Type, t.Rate, t.Quota, t.Exempt, t.Withheld, t.Description)
}

// ticketLines are a held sale's lines in its global CFDI: its net and tax
// amounts (and bases) summed per set of taxes (a sale with goods at 16 %
// and at 0 % has two), leaving out a part of no amount.
func ticketLines(in *sdkfiscal.Input) []sdkfiscal.Line {
	type part struct {
		net   decimal.Decimal
		taxes []sdkfiscal.Tax
	}
	parts := map[string]*part{}
	var keys []string
	for _, l := range in.Lines {
		ids := make([]string, 0, len(l.Taxes))
		for _, t := range l.Taxes {
			ids = append(ids, taxKey(t))
		}
		sort.Strings(ids)
		k := strings.Join(ids, "+")
		p, ok := parts[k]
		if !ok {
			p = &part{}
			for _, t := range l.Taxes {
				t.Base, t.Amount = decimal.Zero, decimal.Zero
				p.taxes = append(p.taxes, t)
			}
			parts[k] = p
			keys = append(keys, k)
		}
		p.net = p.net.Add(l.Net)
		for _, t := range l.Taxes {
			for i := range p.taxes {
				if taxKey(p.taxes[i]) == taxKey(t) {
					p.taxes[i].Base = p.taxes[i].Base.Add(t.Base)
					p.taxes[i].Amount = p.taxes[i].Amount.Add(t.Amount)
					break
				}
			}
		}
	}
	sort.Strings(keys)
	number := ticketNumber(in.SourceID)
	out := make([]sdkfiscal.Line, 0, len(keys))
	for _, k := range keys {
		p := parts[k]
		if p.net.IsZero() {
			continue
		}
		total := p.net
		for _, t := range p.taxes {
			if t.Withheld {
				total = total.Sub(t.Amount)
			} else {
				total = total.Add(t.Amount)
			}
		}
		out = append(out, sdkfiscal.Line{Description: globalDescription, Code: number, ProductKey: genericProduct,
			UnitKey: globalUnit, Quantity: decimal.NewFromInt(1), UnitPrice: p.net, Net: p.net, Taxes: p.taxes, Total: total})
	}
	return out
}

// ticketNumber is a sale's NoIdentificacion in a global CFDI (at most 100
// characters).
func ticketNumber(source string) string {
	if len(source) > 100 {
		return source[:100]
	}
	return source
}

// globalTickets are the tickets of a global document's input: its lines
// grouped by ticket number, in order.
func globalTickets(lines []cfdi.Line) []cfdi.Ticket {
	var out []cfdi.Ticket
	for _, l := range lines {
		part := cfdi.TicketPart{Net: l.Cantidad.Mul(l.ValorUnitario).Sub(l.Descuento), Traslados: l.Traslados}
		if n := len(out); n > 0 && out[n-1].Number == l.NoIdentificacion {
			out[n-1].Parts = append(out[n-1].Parts, part)
			continue
		}
		out = append(out, cfdi.Ticket{Number: l.NoIdentificacion, Parts: []cfdi.TicketPart{part}})
	}
	return out
}

// globalPeriod is the InformacionGlobal of a global document: the
// periodicidad it was made with and its first day (its input's date).
func globalPeriod(doc *fiscal.Document) (cfdi.Global, error) {
	p, _ := doc.Details[detailPeriodicidad].(string)
	day, err := time.Parse(time.DateOnly, doc.Input.Date)
	if err != nil {
		return cfdi.Global{}, fmt.Errorf("mx: global document %s dated %q: %w", doc.ID, doc.Input.Date, err)
	}
	return cfdi.PeriodOf(p, day)
}
