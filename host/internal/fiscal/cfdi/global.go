package cfdi

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/host/internal/invoices"
)

// Periodicidad keys of a global CFDI (c_Periodicidad).
const (
	PeriodicidadDiaria    = "01"
	PeriodicidadSemanal   = "02"
	PeriodicidadQuincenal = "03"
	PeriodicidadMensual   = "04"
	PeriodicidadBimestral = "05"
)

// What SAT asks a global CFDI's lines to say: one line per ticket, "Venta"
// of one "ACT" (activity) under the generic product key.
const (
	globalClaveProdServ = "01010101"
	globalClaveUnidad   = "ACT"
	globalDescripcion   = "Venta"
	// UsoDevoluciones is UsoCFDI G02 (devoluciones, descuentos o
	// bonificaciones), the use of a credit note to a named customer.
	UsoDevoluciones = "G02"
)

// PeriodOf is the InformacionGlobal of the period of kind periodicidad
// that contains day: Meses is the month (01–12), or 13–18 for the
// bimonthly periods January–February to November–December.
func PeriodOf(periodicidad string, day time.Time) (Global, error) {
	m := int(day.Month())
	switch periodicidad {
	case PeriodicidadDiaria, PeriodicidadSemanal, PeriodicidadQuincenal, PeriodicidadMensual:
	case PeriodicidadBimestral:
		m = 13 + (m-1)/2
	default:
		return Global{}, invalid("Global.Periodicidad", "must be 01 to 05, got %q", periodicidad)
	}
	return Global{Periodicidad: periodicidad, Meses: fmt.Sprintf("%02d", m), Anio: day.Year()}, nil
}

// PeriodBounds is the period of kind periodicidad that contains day (a
// date of the issuer's calendar, in its location): its first day and the
// day after its last, at midnight in day's location. Weeks start on
// Monday, fortnights on the 1st and the 16th, bimesters in January, March,
// May, July, September and November. A week that spans two months is cut
// at the month's end, so every period lies in one month (or bimester) and
// its InformacionGlobal (PeriodOf of its first day) says which.
func PeriodBounds(periodicidad string, day time.Time) (start, end time.Time, err error) {
	y, m, d := day.Date()
	loc := day.Location()
	date := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, loc) }
	monthEnd := date(y, m+1, 1)
	switch periodicidad {
	case PeriodicidadDiaria:
		return date(y, m, d), date(y, m, d+1), nil
	case PeriodicidadSemanal:
		back := (int(day.Weekday()) + 6) % 7 // days since Monday
		start, end = date(y, m, d-back), date(y, m, d-back+7)
		if start.Month() != m {
			start = date(y, m, 1)
		}
		if end.After(monthEnd) {
			end = monthEnd
		}
		return start, end, nil
	case PeriodicidadQuincenal:
		if d <= 15 {
			return date(y, m, 1), date(y, m, 16), nil
		}
		return date(y, m, 16), monthEnd, nil
	case PeriodicidadMensual:
		return date(y, m, 1), monthEnd, nil
	case PeriodicidadBimestral:
		first := m - (m-1)%2
		return date(y, first, 1), date(y, first+2, 1), nil
	default:
		return time.Time{}, time.Time{}, invalid("Global.Periodicidad", "must be 01 to 05, got %q", periodicidad)
	}
}

// Ticket is one anonymous sale of a global CFDI's period.
type Ticket struct {
	// Number identifies the sale (its ticket or folio); it becomes the
	// lines' NoIdentificacion.
	Number string
	// Parts are the sale's net amounts (after discounts, before tax) per
	// tax treatment: a sale with goods at 16 % and at 0 % has two.
	Parts []TicketPart
}

// TicketPart is the amount of a sale under one set of taxes.
type TicketPart struct {
	Net       decimal.Decimal
	Traslados []Tax
}

// GlobalDocument is the global CFDI of anonymous sales: header gives the
// issuer, Fecha, Serie, Folio, FormaPago, Moneda and LugarExpedicion; the
// Receptor is GlobalReceptor, MetodoPago PUE, and each part of each
// ticket is one line "Venta" of 1 ACT at its net amount. Build checks the
// result like any document.
func GlobalDocument(header Document, period Global, tickets []Ticket) (Document, error) {
	if len(tickets) == 0 {
		return Document{}, invalid("Tickets", "a global CFDI needs at least one sale")
	}
	d := header
	d.Tipo = invoices.TipoIngreso
	d.MetodoPago = metodoPUE
	d.Receptor = GlobalReceptor(header.LugarExpedicion)
	d.Global = &period
	d.Relacionados = nil
	d.Lines = nil
	for i, t := range tickets {
		if t.Number == "" || len(t.Number) > 100 {
			return Document{}, invalid(fmt.Sprintf("Tickets[%d].Number", i+1), "must have 1 to 100 characters")
		}
		if len(t.Parts) == 0 {
			return Document{}, invalid(fmt.Sprintf("Tickets[%d].Parts", i+1), "a sale needs at least one amount")
		}
		for _, p := range t.Parts {
			d.Lines = append(d.Lines, Line{
				ClaveProdServ: globalClaveProdServ, NoIdentificacion: t.Number, Cantidad: decimal.NewFromInt(1),
				ClaveUnidad: globalClaveUnidad, Descripcion: globalDescripcion, ValorUnitario: p.Net,
				Traslados: p.Traslados,
			})
		}
	}
	return d, nil
}

// CreditNote turns the document of a return into the Egreso that credits
// the CFDIs in related (TipoRelacion 01): lines and taxes are the returned
// ones, as in d. A named customer's use becomes G02 (devoluciones); a
// credit note to the public in general keeps S01 and its
// InformacionGlobal, which SAT requires whenever the Receptor is the
// public in general.
func CreditNote(d Document, related ...string) Document {
	d.Tipo = invoices.TipoEgreso
	d.Relacionados = []invoices.Relacionados{{TipoRelacion: RelacionNotaCredito, UUIDs: related}}
	if d.Receptor.Rfc != RFCPublicoGeneral {
		d.Receptor.UsoCFDI = UsoDevoluciones
		d.Global = nil
	}
	return d
}
