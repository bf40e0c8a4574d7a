package cfdi_test

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi"
	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi/cfditest"
	"github.com/nexuspos/nexus/host/internal/invoices"
)

func TestPeriodOf(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		periodicidad string
		day          time.Time
		meses        string
	}{
		{cfdi.PeriodicidadDiaria, time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC), "12"},
		{cfdi.PeriodicidadSemanal, time.Date(2026, 1, 7, 0, 0, 0, 0, time.UTC), "01"},
		{cfdi.PeriodicidadQuincenal, time.Date(2026, 2, 28, 0, 0, 0, 0, time.UTC), "02"},
		{cfdi.PeriodicidadMensual, time.Date(2026, 9, 30, 0, 0, 0, 0, time.UTC), "09"},
		{cfdi.PeriodicidadBimestral, time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC), "13"},
		{cfdi.PeriodicidadBimestral, time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), "13"},
		{cfdi.PeriodicidadBimestral, time.Date(2026, 6, 15, 0, 0, 0, 0, time.UTC), "15"},
		{cfdi.PeriodicidadBimestral, time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC), "18"},
	} {
		g, err := cfdi.PeriodOf(tc.periodicidad, tc.day)
		require.NoError(t, err)
		require.Equal(t, cfdi.Global{Periodicidad: tc.periodicidad, Meses: tc.meses, Anio: tc.day.Year()}, g)
	}
	_, err := cfdi.PeriodOf("06", time.Now())
	require.ErrorIs(t, err, cfdi.ErrInvalidDocument)
}

func TestGlobalCFDI(t *testing.T) {
	t.Parallel()
	day := time.Date(2026, 12, 5, 23, 0, 0, 0, cfditest.MexicoCity)
	header := cfditest.Sale(day)
	header.FormaPago = "01"
	period, err := cfdi.PeriodOf(cfdi.PeriodicidadDiaria, day)
	require.NoError(t, err)
	d, err := cfdi.GlobalDocument(header, period, []cfdi.Ticket{
		{Number: "T-0001", Parts: []cfdi.TicketPart{{Net: dec("86.21"), Traslados: []cfdi.Tax{iva16}}}},
		{Number: "T-0002", Parts: []cfdi.TicketPart{
			{Net: dec("43.10"), Traslados: []cfdi.Tax{iva16}},
			{Net: dec("20.00"), Traslados: []cfdi.Tax{cfditest.IVA0}},
		}},
	})
	require.NoError(t, err)
	c, doc, cadena := cfditest.Sealed(t, d)
	cfditest.Checks(t, doc, c.Sello, cadena)

	require.Equal(t, "|01|12|2026|", attrChain(t, doc, "cfdi:InformacionGlobal", "Periodicidad", "Meses", "Año"))
	require.Equal(t, cfdi.RFCPublicoGeneral, c.Receptor.Rfc)
	require.Equal(t, "616", c.Receptor.RegimenFiscalReceptor)
	require.Equal(t, "S01", c.Receptor.UsoCFDI)
	require.Equal(t, "06600", c.Receptor.DomicilioFiscalReceptor)
	require.Equal(t, "PUE", c.MetodoPago)
	require.Len(t, c.Conceptos, 3)
	require.Equal(t, "T-0002", c.Conceptos[2].NoIdentificacion)
	require.Equal(t, "149.31", c.SubTotal)
	require.Equal(t, "20.69", c.Impuestos.TotalImpuestosTrasladados) // 13.79 + 6.90
	require.Equal(t, "170.00", c.Total)

	_, err = cfdi.GlobalDocument(header, period, nil)
	require.ErrorIs(t, err, cfdi.ErrInvalidDocument)
	_, err = cfdi.GlobalDocument(header, period, []cfdi.Ticket{{Number: "T-1"}})
	require.ErrorIs(t, err, cfdi.ErrInvalidDocument)
}

func TestCreditNote(t *testing.T) {
	t.Parallel()
	ret := sale()
	ret.Folio = "NC-1"
	ret.Lines = ret.Lines[:1]
	ret.Lines[0].Cantidad, ret.Lines[0].Descuento = decimal.NewFromInt(1), decimal.Zero
	d := cfdi.CreditNote(ret, related)
	require.Equal(t, invoices.TipoEgreso, d.Tipo)
	require.Equal(t, cfdi.UsoDevoluciones, d.Receptor.UsoCFDI)
	c, doc, cadena := cfditest.Sealed(t, d)
	cfditest.Checks(t, doc, c.Sello, cadena)
	require.Equal(t, "|01|", attrChain(t, doc, "cfdi:CfdiRelacionados", "TipoRelacion"))
	require.Contains(t, cadena, "|E|01|PUE|06600|01|"+related+"|")

	// A credit note to the public in general keeps S01 and its period.
	pub := ret
	pub.Receptor = cfdi.GlobalReceptor("06600")
	pub.Global = &cfdi.Global{Periodicidad: cfdi.PeriodicidadDiaria, Meses: "12", Anio: 2026}
	note := cfdi.CreditNote(pub, related)
	require.Equal(t, cfdi.UsoSinEfectos, note.Receptor.UsoCFDI)
	require.Equal(t, pub.Global, note.Global)
	c, doc, cadena = cfditest.Sealed(t, note)
	cfditest.Checks(t, doc, c.Sello, cadena)
}

// attrChain is "|a|b|...|" of attributes of the first elem in doc.
func attrChain(t *testing.T, doc []byte, elem string, names ...string) string {
	t.Helper()
	s := "|"
	for _, n := range names {
		s += attr(t, doc, elem, n) + "|"
	}
	return s
}

func TestPeriodBounds(t *testing.T) {
	t.Parallel()
	day := func(s string) time.Time {
		d, err := time.ParseInLocation(time.DateOnly, s, cfditest.MexicoCity)
		require.NoError(t, err)
		return d
	}
	for _, tc := range []struct {
		periodicidad, day, start, end string
	}{
		{cfdi.PeriodicidadDiaria, "2026-12-31", "2026-12-31", "2027-01-01"},
		// 2026-12-05 is a Saturday: its week is Monday 11-30 to Sunday
		// 12-06, cut at the month's start.
		{cfdi.PeriodicidadSemanal, "2026-12-05", "2026-12-01", "2026-12-07"},
		{cfdi.PeriodicidadSemanal, "2026-11-30", "2026-11-30", "2026-12-01"},
		{cfdi.PeriodicidadSemanal, "2026-12-07", "2026-12-07", "2026-12-14"},
		{cfdi.PeriodicidadSemanal, "2026-12-31", "2026-12-28", "2027-01-01"},
		{cfdi.PeriodicidadQuincenal, "2026-02-15", "2026-02-01", "2026-02-16"},
		{cfdi.PeriodicidadQuincenal, "2026-02-16", "2026-02-16", "2026-03-01"},
		{cfdi.PeriodicidadMensual, "2026-12-31", "2026-12-01", "2027-01-01"},
		{cfdi.PeriodicidadBimestral, "2026-02-28", "2026-01-01", "2026-03-01"},
		{cfdi.PeriodicidadBimestral, "2026-12-01", "2026-11-01", "2027-01-01"},
	} {
		start, end, err := cfdi.PeriodBounds(tc.periodicidad, day(tc.day))
		require.NoError(t, err)
		require.Equal(t, day(tc.start), start, "%s %s", tc.periodicidad, tc.day)
		require.Equal(t, day(tc.end), end, "%s %s", tc.periodicidad, tc.day)
		g, err := cfdi.PeriodOf(tc.periodicidad, end.AddDate(0, 0, -1))
		require.NoError(t, err)
		first, err := cfdi.PeriodOf(tc.periodicidad, start)
		require.NoError(t, err)
		require.Equal(t, first, g, "a period lies in one month or bimester")
	}
	_, _, err := cfdi.PeriodBounds("06", day("2026-12-05"))
	require.ErrorIs(t, err, cfdi.ErrInvalidDocument)
}
