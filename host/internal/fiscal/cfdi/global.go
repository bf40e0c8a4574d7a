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
