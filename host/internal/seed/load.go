package seed

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/plugins"
	sdkmoney "github.com/nexuspos/nexus/sdk/money"
	"github.com/nexuspos/nexus/sdk/taxid"
)

// invoiceShare is the percentage of a Mexican company's transactions for
// which a customer asks for a CFDI of its own.
const invoiceShare = 15

// load writes one company's data: each vertical's through its Seed call,
// then the host's CFDI invoices of a Mexican company in one transaction.
func load(ctx context.Context, d Deps, o Options, c *company) (map[string]int64, error) {
	counts := map[string]int64{}
	in := plugins.SeedInput{Index: c.idx, Seed: o.Seed, Transactions: c.transactions, Days: o.Days, End: o.End,
		Members: []plugins.SeedMember{
			{UserID: c.owner.id, Email: c.owner.email, Role: auth.RoleOwner},
			{UserID: c.cashier.id, Email: c.cashier.email, Role: auth.RoleCashier},
		}}
	pc := plugins.Company{ID: c.id, Name: c.name, Country: c.country, Currency: c.currency, Timezone: c.timezone, TaxID: c.taxID}
	for _, v := range d.Verticals {
		rows, seeded, err := d.Seeder.Seed(ctx, v.Name, pc, v.Config, in)
		if err != nil {
			return counts, fmt.Errorf("company %s: %w", c.name, err)
		}
		if !seeded {
			d.Log.Debug("vertical does not seed", "vertical", v.Name)
		}
		for table, n := range rows {
			counts[table] += n
		}
	}
	if c.country != "MX" {
		return counts, nil
	}
	n, err := loadInvoices(ctx, d, o, c)
	for table, k := range n {
		counts[table] += k
	}
	return counts, err
}

// loadInvoices writes a Mexican company's CFDI invoices: those its
// customers asked for, a daily global invoice to the general public and
// its suppliers' invoices, about two a week.
func loadInvoices(ctx context.Context, d Deps, o Options, c *company) (map[string]int64, error) {
	tx, err := d.Pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("company %s: begin: %w", c.name, err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	for _, sql := range []string{fastCommitSQL, skipTriggersSQL} {
		if _, err := tx.Exec(ctx, sql); err != nil {
			return nil, fmt.Errorf("company %s: %w", c.name, err)
		}
	}
	if _, err := tx.Exec(ctx, setTenantSQL, c.id.String()); err != nil {
		return nil, fmt.Errorf("company %s: set tenant: %w", c.name, err)
	}
	g, err := newInvoiceGen(o, c, newWriter(tx))
	if err != nil {
		return nil, err
	}
	g.issued(c.transactions * invoiceShare / 100)
	g.global()
	g.received()
	if err := g.w.flush(ctx); err != nil {
		return nil, fmt.Errorf("company %s: %w", c.name, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("company %s: commit: %w", c.name, err)
	}
	return g.w.counts, nil
}

// rate is a tax rate in the forms the rows need.
type rate struct {
	// bp is the rate in hundredths of a percent (1600 for 16 %).
	bp   int64
	tasa pgtype.Numeric
	cfdi string
}

// partner is a customer or supplier of the company.
type partner struct {
	rfc, name string
}

// invoiceGen generates one company's invoices. Everything it draws comes
// from r, so a seed reproduces them.
type invoiceGen struct {
	c     *company
	r     *rand.Rand
	w     *writer
	days  int
	first time.Time // local midnight of the first day
	rates []*rate   // [0] is the standard rate
	custs []partner
	supps []partner
	folio int
}

var (
	firstNames    = []string{"María", "José", "Guadalupe", "Juan", "Ana", "Luis", "Sofía", "Carlos", "Lucía", "Miguel"}
	lastNames     = []string{"García", "Hernández", "López", "Martínez", "González", "Pérez", "Rodríguez", "Sánchez", "Ramírez", "Torres"}
	supplierNames = []string{"Distribuidora del Centro", "Servicios Integrales", "Comercializadora Norte"}
	concepts      = []struct{ clave, desc string }{
		{"53101600", "Mercancía"}, {"43211500", "Equipo de cómputo"}, {"80141600", "Servicio de publicidad"},
		{"78101800", "Servicio de envío"}, {"14111500", "Papelería"},
	}
)

// newInvoiceGen prepares c's invoices; its random source differs from any
// vertical's for the same seed and company.
func newInvoiceGen(o Options, c *company, w *writer) (*invoiceGen, error) {
	g := &invoiceGen{c: c, w: w, days: o.Days, r: rand.New(rand.NewPCG(uint64(o.Seed), uint64(c.idx)+1<<32))}
	end := o.End.In(c.loc)
	g.first = time.Date(end.Year(), end.Month(), end.Day()-o.Days, 0, 0, 0, 0, c.loc)
	rates, err := sdkmoney.RatesFor(c.country)
	if err != nil {
		return nil, fmt.Errorf("company %s: %w", c.name, err)
	}
	for _, code := range []string{"iva16", "iva0"} {
		tr, ok := rates[code]
		if !ok {
			return nil, fmt.Errorf("company %s: no tax rate %s", c.name, code)
		}
		g.rates = append(g.rates, &rate{bp: tr.Rate.Shift(4).IntPart(),
			tasa: micros(tr.Rate.Shift(6).IntPart()), cfdi: tr.CFDITasaOCuota})
	}
	for i := range 30 {
		g.custs = append(g.custs, partner{
			rfc:  taxid.SampleRFC(uint64(c.idx)*1000+uint64(i), true),
			name: firstNames[i%10] + " " + lastNames[(i*7+i/10)%10] + " " + lastNames[(i*3+1)%10]})
	}
	for _, n := range supplierNames {
		g.supps = append(g.supps, partner{rfc: taxid.SampleRFC(uint64(g.r.Int64N(1<<40)), false), name: n + " SA de CV"})
	}
	return g, nil
}

// id draws a UUID from g.r.
func (g *invoiceGen) id() uuid.UUID { return newUUID(g.r) }

// day returns local midnight of day d (0 is the first) plus offset.
func (g *invoiceGen) day(d int, offset time.Duration) time.Time {
	return time.Date(g.first.Year(), g.first.Month(), g.first.Day()+d, 0, 0, 0, 0, g.c.loc).Add(offset)
}

// line draws an invoice line of one to three units.
func (g *invoiceGen) line() invoiceLine {
	k := concepts[g.r.IntN(len(concepts))]
	r := g.rates[0]
	if g.r.IntN(10) == 9 {
		r = g.rates[1]
	}
	q := int64(1 + g.r.IntN(3))
	base := q * int64(100+g.r.IntN(4900)) * 100
	return invoiceLine{clave: k.clave, ident: fmt.Sprintf("SKU-%04d", g.r.IntN(10000)), desc: k.desc, q: q,
		base: base, tax: roundDiv(base*r.bp, 10000), rate: r}
}

// issued writes n invoices to the company's customers, in opening hours.
func (g *invoiceGen) issued(n int) {
	for range n {
		cust := g.custs[g.r.IntN(len(g.custs))]
		inv := invoice{tipo: "I", direction: "issued", serie: "A",
			fecha:     g.day(g.r.IntN(g.days), 9*time.Hour+time.Duration(g.r.IntN(12*3600))*time.Second),
			emisor:    party{rfc: g.c.taxID, name: g.c.name, regimen: "601"},
			receptor:  party{rfc: cust.rfc, name: cust.name, regimen: "612", cp: "06600", uso: "G03"},
			formaPago: []string{"01", "04", "03", "06"}[g.r.IntN(4)]}
		for range 1 + g.r.IntN(3) {
			inv.lines = append(inv.lines, g.line())
		}
		g.invoice(inv)
	}
}

// global writes, per day, the global invoice to the general public.
func (g *invoiceGen) global() {
	for d := range g.days {
		inv := invoice{tipo: "I", direction: "issued", serie: "G", fecha: g.day(d, 22*time.Hour),
			emisor:    party{rfc: g.c.taxID, name: g.c.name, regimen: "601"},
			receptor:  party{rfc: "XAXX010101000", name: "PUBLICO EN GENERAL", regimen: "616", cp: "06600", uso: "S01"},
			formaPago: "01"}
		for _, r := range g.rates {
			base := int64(2000+g.r.IntN(48000)) * 100
			inv.lines = append(inv.lines, invoiceLine{clave: "01010101", ident: "VENTAS", q: 1,
				desc: "Venta del día", base: base, tax: roundDiv(base*r.bp, 10000), rate: r})
		}
		g.invoice(inv)
	}
}

// received writes the suppliers' invoices: about two a week.
func (g *invoiceGen) received() {
	for d := range g.days {
		if g.r.IntN(7) >= 2 {
			continue
		}
		s := g.supps[g.r.IntN(len(g.supps))]
		base := int64(5000+g.r.IntN(145000)) * 100
		r := g.rates[0]
		g.invoice(invoice{tipo: "I", direction: "received", serie: "F", fecha: g.day(d, 12*time.Hour),
			emisor:    party{rfc: s.rfc, name: s.name, regimen: "601"},
			receptor:  party{rfc: g.c.taxID, name: g.c.name, regimen: "601", cp: "06600", uso: "G01"},
			formaPago: "03",
			lines: []invoiceLine{{clave: "53101600", ident: "MERC", q: 1, desc: "Mercancía para reventa",
				base: base, tax: roundDiv(base*r.bp, 10000), rate: r}}})
	}
}
