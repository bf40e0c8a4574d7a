package seed

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

	sdkmoney "github.com/nexuspos/nexus/sdk/money"
)

// flushRows is how many buffered rows trigger a COPY while sales are
// generated.
const flushRows = 60000

// Payment methods, in the order cash sessions count them.
var methods = [4]string{"cash", "card", "transfer", "mercadopago"}

// rate is a tax rate in the forms the rows need.
type rate struct {
	code string
	// bp is the rate in hundredths of a percent (1600 for 16 %).
	bp   int64
	tasa pgtype.Numeric
	cfdi string
}

type location struct {
	id   uuid.UUID
	name string
}

type customer struct {
	id          uuid.UUID
	name, taxID string
}

type variant struct {
	id, productID    uuid.UUID
	sku, description string
	price, cost      int64 // cents
	rate             *rate
	taxCode          string
}

type register struct {
	id    uuid.UUID
	store int
}

type session struct {
	id       uuid.UUID
	register *register
	received [4]int64 // cents received per method, net of change
}

// gen generates one company's rows. Everything it draws comes from r, so a
// seed reproduces the company's data.
type gen struct {
	c      *company
	r      *rand.Rand
	w      *writer
	days   int
	first  time.Time // local midnight of the first day
	scale  int64     // price multiplier of the currency
	rates  []*rate   // [0] is the standard rate
	stores []location
	wh     location
	cons   []location
	consC  []customer
	custs  []customer
	supps  []customer
	vars   []variant
	regs   []register
	sess   []session // day × register
	// sold[store][variant] and the consigned quantities per variant.
	sold      [][]int64
	consOut   []int64
	consIn    [][]int64
	dayWeight []int // cumulative weights of the days
	folio     int
	global    []map[*rate][2]int64 // anonymous sales per day: rate → base, tax
}

// load writes one company's data in one transaction.
func load(ctx context.Context, d Deps, o Options, c *company) (map[string]int64, error) {
	tx, err := d.Pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("company %s: begin: %w", c.name, err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if _, err := tx.Exec(ctx, setTenantSQL, c.id.String()); err != nil {
		return nil, fmt.Errorf("company %s: set tenant: %w", c.name, err)
	}
	if _, err := tx.Exec(ctx, fastCommitSQL); err != nil {
		return nil, fmt.Errorf("company %s: %w", c.name, err)
	}
	// The rows are consistent by construction (the tests check every
	// foreign key): a superuser skips the per-row foreign-key triggers,
	// which would otherwise take most of the time.
	if _, err := tx.Exec(ctx, skipTriggersSQL); err != nil {
		return nil, fmt.Errorf("company %s: %w", c.name, err)
	}
	g := newGen(o, c, newWriter(tx))
	if _, err := tx.Exec(ctx, ensurePrincipalSQL, c.id, principalLocationID(c.id), g.first.AddDate(0, 0, -30)); err != nil {
		return nil, fmt.Errorf("company %s: default location: %w", c.name, err)
	}
	g.catalog()
	g.consignments()
	if err := g.w.flush(ctx); err != nil {
		return nil, fmt.Errorf("company %s: %w", c.name, err)
	}
	for range c.sales {
		g.sale()
		if g.w.pending() >= flushRows {
			if err := g.w.flush(ctx); err != nil {
				return nil, fmt.Errorf("company %s: %w", c.name, err)
			}
		}
	}
	g.receipts()
	ids, expected, counted := g.closeSessions()
	if c.country == "MX" {
		g.globalInvoices()
		g.receivedInvoices()
	}
	if err := g.w.flush(ctx); err != nil {
		return nil, fmt.Errorf("company %s: %w", c.name, err)
	}
	if _, err := tx.Exec(ctx, closeSessionsSQL, c.id, ids, expected, counted); err != nil {
		return nil, fmt.Errorf("company %s: close cash sessions: %w", c.name, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("company %s: commit: %w", c.name, err)
	}
	g.w.counts["cpg.locations"]++ // the default location
	return g.w.counts, nil
}

func newGen(o Options, c *company, w *writer) *gen {
	g := &gen{c: c, w: w, days: o.Days, scale: 1,
		r: rand.New(rand.NewPCG(uint64(o.Seed), uint64(c.idx)+1))}
	end := o.End.In(c.loc)
	g.first = time.Date(end.Year(), end.Month(), end.Day()-o.Days, 0, 0, 0, 0, c.loc)
	rates, err := sdkmoney.RatesFor(c.country)
	if err != nil {
		panic(err) // countries are MX and AR, both known
	}
	codes := []string{"iva16", "iva0"}
	if c.country == "AR" {
		codes = []string{"iva21", "iva10_5"}
		g.scale = 60
	}
	for _, code := range codes {
		tr := rates[code]
		g.rates = append(g.rates, &rate{code: code, bp: tr.Rate.Shift(4).IntPart(),
			tasa: micros(tr.Rate.Shift(6).IntPart()), cfdi: tr.CFDITasaOCuota})
	}
	return g
}

// day returns local midnight of day d (0 is the first) plus offset.
func (g *gen) day(d int, offset time.Duration) time.Time {
	return time.Date(g.first.Year(), g.first.Month(), g.first.Day()+d, 0, 0, 0, 0, g.c.loc).Add(offset)
}

func (g *gen) id() uuid.UUID { return newUUID(g.r) }

var (
	storeNames     = []string{"Principal", "Sucursal Centro", "Sucursal Plaza"}
	consigneeNames = []string{"Boutique Lupita", "Tienda Don Pepe", "Bazar Las Flores"}
	firstNames     = []string{"María", "José", "Guadalupe", "Juan", "Ana", "Luis", "Sofía", "Carlos", "Lucía", "Miguel"}
	lastNames      = []string{"García", "Hernández", "López", "Martínez", "González", "Pérez", "Rodríguez", "Sánchez", "Ramírez", "Torres"}
	supplierNames  = []string{"Textiles Industriales", "Confecciones Unidas", "Hilados Finos"}
	garments       = []string{"Playera", "Camisa", "Pantalón", "Vestido", "Sudadera", "Chamarra", "Falda", "Short", "Blusa", "Suéter"}
	styles         = []string{"Básica", "Slim", "Oversize", "Clásica", "Deportiva", "Casual", "Vintage", "Urbana"}
	fabrics        = []string{"Algodón", "Lino", "Mezclilla", "Poliéster", "Seda", "Lana"}
	brands         = []string{"Nexa", "Río", "Cumbre", "Alba", "Sol"}
	sizes          = []string{"XS", "S", "M", "L", "XL", "XXL"}
	colors         = []string{"Negro", "Blanco", "Gris", "Rojo", "Azul", "Verde", "Amarillo", "Rosa", "Café", "Beige"}
)

// catalog writes locations, customers, suppliers, products, variants,
// registers and cash sessions.
func (g *gen) catalog() {
	c, w := g.c, g.w
	created := g.first.AddDate(0, 0, -30)
	g.stores = []location{{id: principalLocationID(c.id), name: storeNames[0]}}
	for _, n := range storeNames[1:] {
		s := location{id: g.id(), name: n}
		g.stores = append(g.stores, s)
		w.add("cpg.locations", c.id, s.id, s.name, strings.ToLower(s.name), "store", nil, false, created)
	}
	g.wh = location{id: g.id(), name: "Almacén General"}
	w.add("cpg.locations", c.id, g.wh.id, g.wh.name, strings.ToLower(g.wh.name), "warehouse", nil, false, created)
	for i, n := range consigneeNames {
		cu := customer{id: g.id(), name: n, taxID: g.personTaxID(1000 + i)}
		l := location{id: g.id(), name: "Consignación " + n}
		g.cons, g.consC = append(g.cons, l), append(g.consC, cu)
		w.add("cpg.locations", c.id, l.id, l.name, strings.ToLower(l.name), "consignee", cu.id, false, created)
		w.add("cpg.customers", c.id, cu.id, cu.name, cu.taxID, nil, l.id, created)
	}
	for i := range 30 {
		cu := customer{id: g.id(), name: firstNames[i%10] + " " + lastNames[(i*7+i/10)%10] + " " + lastNames[(i*3+1)%10],
			taxID: g.personTaxID(i)}
		g.custs = append(g.custs, cu)
		email := fmt.Sprintf("cliente%02d@example.com", i+1)
		w.add("cpg.customers", c.id, cu.id, cu.name, cu.taxID, email, nil, created)
	}
	for i, n := range supplierNames {
		s := customer{id: g.id(), name: n + " SA de CV"}
		if c.country == "MX" {
			s.taxID = rfc(uint64(g.r.Int64N(1<<40)), false)
		} else {
			s.name = n + " SRL"
			s.taxID = cuit("30", uint64(20000000+g.r.IntN(60000000)))
		}
		g.supps = append(g.supps, s)
		w.add("cpg.suppliers", c.id, s.id, s.name, s.taxID, fmt.Sprintf("ventas%d@proveedor.example.com", i+1), created)
	}

	products := min(max(c.sales/40, 24), 400)
	barcodePrefix := "750"
	if c.country == "AR" {
		barcodePrefix = "779"
	}
	for p := range products {
		pid := g.id()
		name := fmt.Sprintf("%s %s %s", garments[p%len(garments)], styles[(p/len(garments))%len(styles)],
			fabrics[(p/(len(garments)*len(styles)))%len(fabrics)])
		if p >= len(garments)*len(styles)*len(fabrics) {
			name += fmt.Sprintf(" %d", p+1)
		}
		rt := g.rates[0]
		if p%10 == 9 {
			rt = g.rates[1]
		}
		attrs, _ := json.Marshal(map[string]string{"brand": brands[p%len(brands)], "material": fabrics[(p/(len(garments)*len(styles)))%len(fabrics)]})
		w.add("cpg.products", c.id, pid, name, strings.ToLower(name), rt.code, string(attrs), created, created)
		price := (int64(49+10*g.r.IntN(150))*100 + 90) * g.scale
		nSizes, nColors := 1+g.r.IntN(4), 1+g.r.IntN(2)
		firstSize, firstColor := g.r.IntN(len(sizes)-nSizes+1), g.r.IntN(len(colors))
		for s := range nSizes {
			for k := range nColors {
				size, color := sizes[firstSize+s], colors[(firstColor+k)%len(colors)]
				v := variant{id: g.id(), productID: pid, price: price, rate: rt, taxCode: rt.code,
					cost:        roundDiv(price*int64(45+g.r.IntN(20)), 100),
					sku:         fmt.Sprintf("%s-%04d-%s-%s", strings.ToUpper(fold(garments[p%len(garments)])[:3]), p+1, size, strings.ToUpper(fold(color)[:3])),
					description: name + " " + size + " " + color}
				barcode := ean13(fmt.Sprintf("%s%09d", barcodePrefix, len(g.vars)+1))
				w.add("cpg.variants", c.id, v.id, pid, v.sku, barcode, size, color, amount(v.price), amount(v.cost),
					qty(5), created, created)
				g.vars = append(g.vars, v)
			}
		}
	}

	for s := range g.stores {
		for k := range 2 {
			r := register{id: g.id(), store: s}
			g.regs = append(g.regs, r)
			w.add("cpg.registers", c.id, r.id, g.stores[s].id, fmt.Sprintf("Caja %d", k+1), created)
		}
	}
	float := amount(100000 * g.scale)
	for d := range g.days {
		opened, closed := g.day(d, 8*time.Hour+45*time.Minute), g.day(d, 21*time.Hour+15*time.Minute)
		for i := range g.regs {
			s := session{id: g.id(), register: &g.regs[i]}
			g.sess = append(g.sess, s)
			w.add("cpg.cash_sessions", c.id, s.id, s.register.id, g.stores[s.register.store].id, "closed", float,
				c.cashier.id, opened, c.cashier.id, closed, closed)
		}
	}
	// Fridays and Saturdays sell most, Mondays least.
	weekday := [7]int{8, 7, 8, 9, 10, 13, 15}
	total := 0
	for d := range g.days {
		total += weekday[g.day(d, 0).Weekday()]
		g.dayWeight = append(g.dayWeight, total)
	}
	g.sold = make([][]int64, len(g.stores))
	for i := range g.sold {
		g.sold[i] = make([]int64, len(g.vars))
	}
	g.consOut = make([]int64, len(g.vars))
	g.consIn = make([][]int64, len(g.cons))
	for i := range g.consIn {
		g.consIn[i] = make([]int64, len(g.vars))
	}
	g.global = make([]map[*rate][2]int64, g.days)
}

// personTaxID returns an individual's tax id: a 13-character RFC in Mexico,
// a CUIT with prefix 20 in Argentina.
func (g *gen) personTaxID(i int) string {
	n := uint64(g.c.idx)*1000 + uint64(i)
	if g.c.country == "MX" {
		return rfc(n*7+3, true)
	}
	return cuit("20", 20000000+n*37)
}

// fold drops the accents of the Spanish letters in names, for SKUs.
func fold(s string) string {
	return strings.NewReplacer("á", "a", "é", "e", "í", "i", "ó", "o", "ú", "u", "ñ", "n", "Á", "A", "É", "E").Replace(s)
}

// pickVariant draws a variant, the first ones more often.
func (g *gen) pickVariant() int { return min(g.r.IntN(len(g.vars)), g.r.IntN(len(g.vars))) }

// consignments writes consignments from the warehouse to each consignee:
// the last one per consignee is still a draft, the others were sent.
func (g *gen) consignments() {
	c, w := g.c, g.w
	per := min(max(c.sales/1500, 1), 40)
	for ci, l := range g.cons {
		for k := range per {
			id := g.id()
			created := g.day(g.r.IntN(g.days), 10*time.Hour+time.Duration(g.r.IntN(6*3600))*time.Second)
			sent := k < per-1
			n := 3 + g.r.IntN(4)
			seen := map[int]bool{}
			var valuePrice, valueCost int64
			for line := 1; line <= n; line++ {
				v := g.pickVariant()
				if seen[v] {
					continue
				}
				seen[v] = true
				vr := &g.vars[v]
				q := int64(5 + g.r.IntN(16))
				valuePrice += q * vr.price
				valueCost += q * vr.cost
				w.add("cpg.consignment_lines", c.id, g.id(), id, line, vr.id, qty(q), amount(vr.price), amount(vr.cost), vr.taxCode)
				if sent {
					at := created.Add(2 * time.Hour)
					g.consOut[v] += q
					g.consIn[ci][v] += q
					w.add("cpg.stock_movements", c.id, g.id(), vr.id, g.wh.id, "consign_out", qty(-q), amount(vr.cost),
						"consignment", id, c.owner.id, at)
					w.add("cpg.stock_movements", c.id, g.id(), vr.id, l.id, "consign_out", qty(q), amount(vr.cost),
						"consignment", id, c.owner.id, at)
				}
			}
			status, sentAt := "draft", any(nil)
			if sent {
				status, sentAt = "sent", created.Add(2*time.Hour)
			}
			w.add("cpg.consignments", c.id, id, g.consC[ci].id, g.wh.id, l.id, status, c.currency,
				fmt.Sprintf("Consignación %d para %s", k+1, g.consC[ci].name), amount(valuePrice), amount(valueCost),
				c.owner.id, created, sentAt, created.Add(2*time.Hour))
		}
	}
}

// saleLine is a generated sale line, kept for the sale's invoice.
type saleLine struct {
	v                  *variant
	q, gross, net, tax int64
}

// sale writes one completed sale with its lines, payment and movements,
// and its invoice when a Mexican customer asked for one.
func (g *gen) sale() {
	c, w := g.c, g.w
	d := sort.SearchInts(g.dayWeight, g.r.IntN(g.dayWeight[len(g.dayWeight)-1])+1)
	s := &g.sess[d*len(g.regs)+g.r.IntN(len(g.regs))]
	store := s.register.store
	at := g.day(d, 9*time.Hour+time.Duration(g.r.IntN(12*3600))*time.Second)
	user := c.cashier
	if g.r.IntN(4) == 0 {
		user = c.owner
	}
	var cust *customer
	if g.r.IntN(100) < 15 {
		cust = &g.custs[g.r.IntN(len(g.custs))]
	}
	n := 1
	for x := g.r.IntN(100); n < 5 && x >= []int{35, 65, 85, 95}[n-1]; n++ {
	}
	id := g.id()
	lines := make([]saleLine, 0, n)
	var gross, net, tax int64
	for line := 1; line <= n; line++ {
		vi := g.pickVariant()
		v := &g.vars[vi]
		q := int64(1)
		switch x := g.r.IntN(10); {
		case x == 9:
			q = 3
		case x >= 7:
			q = 2
		}
		l := saleLine{v: v, q: q, gross: q * v.price}
		l.net = roundDiv(l.gross*10000, 10000+v.rate.bp)
		l.tax = l.gross - l.net
		gross, net, tax = gross+l.gross, net+l.net, tax+l.tax
		lines = append(lines, l)
		w.add("cpg.sale_lines", c.id, g.id(), id, line, v.id, v.productID, v.sku, v.description, qty(q),
			amount(v.price), amount(v.price), amount(v.cost), v.taxCode, v.rate.tasa, amount(l.gross), amount(0), amount(0),
			amount(l.net), amount(l.tax), amount(l.gross))
		w.add("cpg.stock_movements", c.id, g.id(), v.id, g.stores[store].id, "sale", qty(-q), amount(v.cost),
			"sale", id, user.id, at)
		g.sold[store][vi] += q
	}
	weights := [4]int{50, 35, 10, 5}
	if c.country == "AR" {
		weights = [4]int{40, 30, 10, 20}
	}
	m := 0
	for x := g.r.IntN(100); x >= weights[m]; m++ {
		x -= weights[m]
	}
	tendered, ref := gross, any(nil)
	switch methods[m] {
	case "cash":
		if g.r.IntN(2) == 0 {
			unit := 5000 * g.scale
			tendered = (gross + unit - 1) / unit * unit
		}
	case "card":
		ref = fmt.Sprintf("AUT-%06d", g.r.IntN(1000000))
	case "transfer":
		ref = fmt.Sprintf("SPEI-%010d", g.r.Int64N(1e10))
	default:
		ref = fmt.Sprintf("MP-%d", 10000000000+g.r.Int64N(1e10))
	}
	change := tendered - gross
	s.received[m] += tendered - change
	w.add("cpg.payments", c.id, g.id(), s.id, id, 1, methods[m], amount(tendered), amount(change), ref, at)
	var custID, custName, custTax any
	if cust != nil {
		custID, custName, custTax = cust.id, cust.name, cust.taxID
	}
	w.add("cpg.sales", c.id, id, s.id, s.register.id, g.stores[store].id, user.id, user.email, custID, custName, custTax,
		"completed", c.currency, true, amount(gross), amount(0), amount(net), amount(tax), amount(gross), amount(tendered),
		amount(change), at, at)
	if c.country != "MX" {
		return
	}
	if cust == nil {
		day := g.global[d]
		if day == nil {
			day = map[*rate][2]int64{}
			g.global[d] = day
		}
		for _, l := range lines {
			t := day[l.v.rate]
			day[l.v.rate] = [2]int64{t[0] + l.net, t[1] + l.tax}
		}
		return
	}
	inv := invoice{tipo: "I", direction: "issued", serie: "A", fecha: at.Add(10 * time.Minute),
		emisor:    party{rfc: c.taxID, name: c.name, regimen: "601"},
		receptor:  party{rfc: cust.taxID, name: cust.name, regimen: "612", cp: "06600", uso: "G03"},
		formaPago: map[string]string{"cash": "01", "card": "04", "transfer": "03", "mercadopago": "06"}[methods[m]]}
	for _, l := range lines {
		inv.lines = append(inv.lines, invoiceLine{clave: "53101600", ident: l.v.sku, q: l.q, desc: l.v.description,
			base: l.net, tax: l.tax, rate: l.v.rate})
	}
	g.invoice(inv)
}

// receipts writes each store's and the warehouse's opening purchase order,
// received in full the day before the first sale, and then the stock.
func (g *gen) receipts() {
	c, w := g.c, g.w
	ordered, received := g.day(-2, 10*time.Hour), g.day(-1, 9*time.Hour)
	locs := append(append([]location{}, g.stores...), g.wh)
	for li, l := range locs {
		po, receipt := g.id(), g.id()
		type receiptLine struct {
			VariantID  uuid.UUID `json:"variant_id"`
			Quantity   string    `json:"quantity"`
			UnitCost   string    `json:"unit_cost"`
			CostBefore string    `json:"cost_before"`
			CostAfter  string    `json:"cost_after"`
		}
		rl := make([]receiptLine, 0, len(g.vars))
		var totalCost int64
		for vi := range g.vars {
			v := &g.vars[vi]
			out := g.consOut[vi]
			if li < len(g.stores) {
				out = g.sold[li][vi]
			}
			q := out + 5 + int64(g.r.IntN(36))
			totalCost += q * v.cost
			w.add("cpg.purchase_order_lines", c.id, g.id(), po, vi+1, v.id, qty(q), amount(v.cost), qty(q))
			w.add("cpg.stock_movements", c.id, g.id(), v.id, l.id, "receipt", qty(q), amount(v.cost),
				"purchase_receipt", receipt, c.owner.id, received)
			w.add("cpg.stock", c.id, g.id(), v.id, l.id, qty(q-out), received)
			cost := fmt.Sprintf("%d.%02d", v.cost/100, v.cost%100)
			rl = append(rl, receiptLine{VariantID: v.id, Quantity: fmt.Sprint(q), UnitCost: cost, CostBefore: cost, CostAfter: cost})
		}
		linesJSON, _ := json.Marshal(rl)
		w.add("cpg.purchase_orders", c.id, po, g.supps[li%len(g.supps)].id, l.id, "received", c.currency,
			"Inventario inicial", amount(totalCost), c.owner.id, ordered, received)
		w.add("cpg.purchase_receipts", c.id, receipt, po, l.id, string(linesJSON), c.owner.id, received)
	}
	for ci, l := range g.cons {
		for vi, q := range g.consIn[ci] {
			if q > 0 {
				w.add("cpg.stock", c.id, g.id(), g.vars[vi].id, l.id, qty(q), received)
			}
		}
	}
}

// closeSessions writes each session's counts (one in eight sessions counts
// a small cash difference) and returns the totals to record on the
// sessions.
func (g *gen) closeSessions() (ids []uuid.UUID, expected, counted []pgtype.Numeric) {
	c, w := g.c, g.w
	float := 100000 * g.scale
	for i := range g.sess {
		s := &g.sess[i]
		var exp, cnt int64
		for m, want := range s.received {
			if m == 0 {
				want += float
			} else if want == 0 {
				continue
			}
			got := want
			if m == 0 && g.r.IntN(8) == 0 {
				got += int64(g.r.IntN(9)-4) * 50
			}
			exp, cnt = exp+want, cnt+got
			w.add("cpg.cash_session_counts", c.id, g.id(), s.id, methods[m], amount(want), amount(got), amount(got-want))
		}
		ids = append(ids, s.id)
		expected, counted = append(expected, amount(exp)), append(counted, amount(cnt))
	}
	return ids, expected, counted
}

// globalInvoices writes, per day, the global CFDI of the anonymous sales.
func (g *gen) globalInvoices() {
	for d, day := range g.global {
		if len(day) == 0 {
			continue
		}
		inv := invoice{tipo: "I", direction: "issued", serie: "G", fecha: g.day(d, 22*time.Hour),
			emisor:    party{rfc: g.c.taxID, name: g.c.name, regimen: "601"},
			receptor:  party{rfc: "XAXX010101000", name: "PUBLICO EN GENERAL", regimen: "616", cp: "06600", uso: "S01"},
			formaPago: "01"}
		for _, r := range g.rates {
			if t, ok := day[r]; ok {
				inv.lines = append(inv.lines, invoiceLine{clave: "01010101", ident: "VENTAS", q: 1,
					desc: "Venta del día", base: t[0], tax: t[1], rate: r})
			}
		}
		g.invoice(inv)
	}
}

// receivedInvoices writes the suppliers' invoices: about two a week.
func (g *gen) receivedInvoices() {
	for d := range g.days {
		if g.r.IntN(7) >= 2 {
			continue
		}
		s := g.supps[g.r.IntN(len(g.supps))]
		base := int64(5000+g.r.IntN(145000)) * 100
		r := g.rates[0]
		g.invoice(invoice{tipo: "I", direction: "received", serie: "F", fecha: g.day(d, 12*time.Hour),
			emisor:    party{rfc: s.taxID, name: s.name, regimen: "601"},
			receptor:  party{rfc: g.c.taxID, name: g.c.name, regimen: "601", cp: "06600", uso: "G01"},
			formaPago: "03",
			lines: []invoiceLine{{clave: "53101600", ident: "MERC", q: 1, desc: "Mercancía para reventa",
				base: base, tax: roundDiv(base*r.bp, 10000), rate: r}}})
	}
}
