package cpg

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/gtin"
	"github.com/nexuspos/nexus/sdk/taxid"
)

// seedMember is a user of a seeded company.
type seedMember struct {
	id    uuid.UUID
	email string
}

// seedCompany is the company being seeded.
type seedCompany struct {
	id                             uuid.UUID
	name, country, currency, taxID string
	idx                            int
	loc                            *time.Location
	// sales is how many sales to generate.
	sales          int
	owner, cashier seedMember
}

// newSeedCompany reads the company of e and the users the host created
// for it: an owner (required) and a cashier (the owner when none).
func newSeedCompany(e *env, req sdk.SeedRequest) (*seedCompany, error) {
	id, err := uuid.Parse(e.company.ID)
	if err != nil {
		return nil, fmt.Errorf("seed: company id %q: %w", e.company.ID, err)
	}
	loc, err := time.LoadLocation(e.company.Timezone)
	if err != nil {
		return nil, fmt.Errorf("seed: company time zone %q: %w", e.company.Timezone, err)
	}
	c := &seedCompany{id: id, name: e.company.Name, country: e.company.Country, currency: e.company.Currency,
		taxID: e.company.TaxID, idx: req.Index, loc: loc, sales: req.Transactions}
	var haveOwner, haveCashier bool
	for _, m := range req.Members {
		uid, err := uuid.Parse(m.UserID)
		if err != nil {
			return nil, fmt.Errorf("seed: member %s: user id %q: %w", m.Email, m.UserID, err)
		}
		switch {
		case m.Role == sdk.RoleOwner && !haveOwner:
			c.owner, haveOwner = seedMember{id: uid, email: m.Email}, true
		case m.Role == sdk.RoleCashier && !haveCashier:
			c.cashier, haveCashier = seedMember{id: uid, email: m.Email}, true
		}
	}
	if !haveOwner {
		return nil, sdk.BadRequest("invalid_seed", "seed: the request names no owner of the company")
	}
	if !haveCashier {
		c.cashier = c.owner
	}
	return c, nil
}

// cents is an amount in minor units, written as a decimal with two places.
type cents int64

// String implements fmt.Stringer.
func (c cents) String() string { return fixed(int64(c), 2) }

// micros is a value in millionths, written as a decimal with six places.
type micros int64

// String implements fmt.Stringer.
func (m micros) String() string { return fixed(int64(m), 6) }

// fixed formats n / 10^places with exactly places decimals.
func fixed(n int64, places int) string {
	sign := ""
	if n < 0 {
		sign, n = "-", -n
	}
	s := strconv.FormatInt(n, 10)
	if len(s) <= places {
		s = strings.Repeat("0", places-len(s)+1) + s
	}
	return sign + s[:len(s)-places] + "." + s[len(s)-places:]
}

// roundDiv divides a by b (b > 0), rounding half away from zero.
func roundDiv(a, b int64) int64 {
	if a < 0 {
		return -roundDiv(-a, b)
	}
	return (2*a + b) / (2 * b)
}

// seedMethods are the payment methods, in the order cash sessions count them.
var seedMethods = [4]string{"cash", "card", "transfer", "mercadopago"}

// seedRate is a tax rate in the forms the rows need.
type seedRate struct {
	code string
	// bp is the rate in hundredths of a percent (1600 for 16 %).
	bp   int64
	tasa micros
}

type seedLocation struct {
	id   uuid.UUID
	name string
}

type seedCustomer struct {
	id          uuid.UUID
	name, taxID string
}

type seedVariant struct {
	id, productID    uuid.UUID
	sku, description string
	price, cost      int64 // cents
	rate             *seedRate
	taxCode          string
}

type seedRegister struct {
	id    uuid.UUID
	store int
}

type seedSession struct {
	id       uuid.UUID
	register *seedRegister
	received [4]int64 // cents received per method, net of change
}

// seedGen generates one company's rows. Everything it draws comes from r, so a
// seed reproduces the company's data.
type seedGen struct {
	c      *seedCompany
	r      *rand.Rand
	w      *seedWriter
	days   int
	first  time.Time   // local midnight of the first day
	scale  int64       // price multiplier of the currency
	rates  []*seedRate // [0] is the standard rate
	stores []seedLocation
	wh     seedLocation
	cons   []seedLocation
	consC  []seedCustomer
	custs  []seedCustomer
	supps  []seedCustomer
	vars   []seedVariant
	regs   []seedRegister
	sess   []seedSession // day × register
	// sold[store][variant] and the consigned quantities per variant.
	sold      [][]int64
	consOut   []int64
	consIn    [][]int64
	dayWeight []int // cumulative weights of the days
}

// newSeedGen prepares the generation of req for the company of e.
func newSeedGen(e *env, req sdk.SeedRequest, w *seedWriter) (*seedGen, error) {
	c, err := newSeedCompany(e, req)
	if err != nil {
		return nil, err
	}
	days := req.Days
	if days <= 0 {
		return nil, sdk.BadRequest("invalid_seed", fmt.Sprintf("seed: days must be positive, got %d", days))
	}
	g := &seedGen{c: c, w: w, days: days, scale: 1,
		r: rand.New(rand.NewPCG(uint64(req.Seed), uint64(req.Index)+1))}
	end := req.End.In(c.loc)
	g.first = time.Date(end.Year(), end.Month(), end.Day()-days, 0, 0, 0, 0, c.loc)
	codes := []string{"iva16", "iva0"}
	if c.country == "AR" {
		codes = []string{"iva21", "iva10_5"}
		g.scale = 60
	}
	for _, code := range codes {
		tr, ok := e.rates[code]
		if !ok {
			return nil, sdk.Conflict("unsupported_country", fmt.Sprintf("seed: country %q has no tax rate %s", c.country, code))
		}
		g.rates = append(g.rates, &seedRate{code: code, bp: tr.Rate.Shift(4).IntPart(),
			tasa: micros(tr.Rate.Shift(6).IntPart())})
	}
	return g, nil
}

// day returns local midnight of day d (0 is the first) plus offset.
func (g *seedGen) day(d int, offset time.Duration) time.Time {
	return time.Date(g.first.Year(), g.first.Month(), g.first.Day()+d, 0, 0, 0, 0, g.c.loc).Add(offset)
}

// id draws a version 4 UUID from g.r, so a seed reproduces it.
func (g *seedGen) id() uuid.UUID {
	var u uuid.UUID
	a, b := g.r.Uint64(), g.r.Uint64()
	for i := range 8 {
		u[i] = byte(a >> (8 * i))
		u[8+i] = byte(b >> (8 * i))
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u
}

var (
	seedStoreNames     = []string{"Principal", "Sucursal Centro", "Sucursal Plaza"}
	seedConsigneeNames = []string{"Boutique Lupita", "Tienda Don Pepe", "Bazar Las Flores"}
	seedFirstNames     = []string{"María", "José", "Guadalupe", "Juan", "Ana", "Luis", "Sofía", "Carlos", "Lucía", "Miguel"}
	seedLastNames      = []string{"García", "Hernández", "López", "Martínez", "González", "Pérez", "Rodríguez", "Sánchez", "Ramírez", "Torres"}
	seedSupplierNames  = []string{"Textiles Industriales", "Confecciones Unidas", "Hilados Finos"}
	seedGarments       = []string{"Playera", "Camisa", "Pantalón", "Vestido", "Sudadera", "Chamarra", "Falda", "Short", "Blusa", "Suéter"}
	seedStyles         = []string{"Básica", "Slim", "Oversize", "Clásica", "Deportiva", "Casual", "Vintage", "Urbana"}
	seedFabrics        = []string{"Algodón", "Lino", "Mezclilla", "Poliéster", "Seda", "Lana"}
	seedBrands         = []string{"Nexa", "Río", "Cumbre", "Alba", "Sol"}
	seedSizes          = []string{"XS", "S", "M", "L", "XL", "XXL"}
	seedColors         = []string{"Negro", "Blanco", "Gris", "Rojo", "Azul", "Verde", "Amarillo", "Rosa", "Café", "Beige"}
)

// catalog writes locations, customers, suppliers, products, variants,
// registers and cash sessions.
func (g *seedGen) catalog() {
	c, w := g.c, g.w
	created := g.first.AddDate(0, 0, -30)
	g.stores = []seedLocation{{id: uuid.MustParse(PrincipalLocationID(c.id.String())), name: seedStoreNames[0]}}
	for _, n := range seedStoreNames[1:] {
		s := seedLocation{id: g.id(), name: n}
		g.stores = append(g.stores, s)
		w.add("locations", s.id, s.name, strings.ToLower(s.name), "store", nil, false, created)
	}
	g.wh = seedLocation{id: g.id(), name: "Almacén General"}
	w.add("locations", g.wh.id, g.wh.name, strings.ToLower(g.wh.name), "warehouse", nil, false, created)
	for i, n := range seedConsigneeNames {
		cu := seedCustomer{id: g.id(), name: n, taxID: g.personTaxID(1000 + i)}
		l := seedLocation{id: g.id(), name: "Consignación " + n}
		g.cons, g.consC = append(g.cons, l), append(g.consC, cu)
		w.add("locations", l.id, l.name, strings.ToLower(l.name), "consignee", cu.id, false, created)
		w.add("customers", cu.id, cu.name, cu.taxID, nil, l.id, created)
	}
	for i := range 30 {
		cu := seedCustomer{id: g.id(), name: seedFirstNames[i%10] + " " + seedLastNames[(i*7+i/10)%10] + " " + seedLastNames[(i*3+1)%10],
			taxID: g.personTaxID(i)}
		g.custs = append(g.custs, cu)
		email := fmt.Sprintf("cliente%02d@example.com", i+1)
		w.add("customers", cu.id, cu.name, cu.taxID, email, nil, created)
	}
	for i, n := range seedSupplierNames {
		s := seedCustomer{id: g.id(), name: n + " SA de CV"}
		if c.country == "MX" {
			s.taxID = taxid.SampleRFC(uint64(g.r.Int64N(1<<40)), false)
		} else {
			s.name = n + " SRL"
			s.taxID = taxid.SampleCUIT("30", uint64(20000000+g.r.IntN(60000000)))
		}
		g.supps = append(g.supps, s)
		w.add("suppliers", s.id, s.name, s.taxID, fmt.Sprintf("ventas%d@proveedor.example.com", i+1), created)
	}

	products := min(max(c.sales/40, 24), 400)
	barcodePrefix := "750"
	if c.country == "AR" {
		barcodePrefix = "779"
	}
	for p := range products {
		pid := g.id()
		name := fmt.Sprintf("%s %s %s", seedGarments[p%len(seedGarments)], seedStyles[(p/len(seedGarments))%len(seedStyles)],
			seedFabrics[(p/(len(seedGarments)*len(seedStyles)))%len(seedFabrics)])
		if p >= len(seedGarments)*len(seedStyles)*len(seedFabrics) {
			name += fmt.Sprintf(" %d", p+1)
		}
		rt := g.rates[0]
		if p%10 == 9 {
			rt = g.rates[1]
		}
		attrs, _ := json.Marshal(map[string]string{"brand": seedBrands[p%len(seedBrands)], "material": seedFabrics[(p/(len(seedGarments)*len(seedStyles)))%len(seedFabrics)]})
		w.add("products", pid, name, strings.ToLower(name), rt.code, string(attrs), created, created)
		price := (int64(49+10*g.r.IntN(150))*100 + 90) * g.scale
		nSizes, nColors := 1+g.r.IntN(4), 1+g.r.IntN(2)
		firstSize, firstColor := g.r.IntN(len(seedSizes)-nSizes+1), g.r.IntN(len(seedColors))
		for s := range nSizes {
			for k := range nColors {
				size, color := seedSizes[firstSize+s], seedColors[(firstColor+k)%len(seedColors)]
				v := seedVariant{id: g.id(), productID: pid, price: price, rate: rt, taxCode: rt.code,
					cost:        roundDiv(price*int64(45+g.r.IntN(20)), 100),
					sku:         fmt.Sprintf("%s-%04d-%s-%s", strings.ToUpper(seedFold(seedGarments[p%len(seedGarments)])[:3]), p+1, size, strings.ToUpper(seedFold(color)[:3])),
					description: name + " " + size + " " + color}
				barcode, err := gtin.Complete(fmt.Sprintf("%s%09d", barcodePrefix, len(g.vars)+1))
				if err != nil {
					// The prefix and the variant's number are 12 digits.
					panic(err)
				}
				w.add("variants", v.id, pid, v.sku, barcode, size, color, cents(v.price), cents(v.cost),
					int64(5), created, created)
				g.vars = append(g.vars, v)
			}
		}
	}

	for s := range g.stores {
		for k := range 2 {
			r := seedRegister{id: g.id(), store: s}
			g.regs = append(g.regs, r)
			w.add("registers", r.id, g.stores[s].id, fmt.Sprintf("Caja %d", k+1), created)
		}
	}
	float := cents(100000 * g.scale)
	for d := range g.days {
		opened, closed := g.day(d, 8*time.Hour+45*time.Minute), g.day(d, 21*time.Hour+15*time.Minute)
		for i := range g.regs {
			s := seedSession{id: g.id(), register: &g.regs[i]}
			g.sess = append(g.sess, s)
			w.add("cash_sessions", s.id, s.register.id, g.stores[s.register.store].id, "closed", float,
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
}

// personTaxID returns an individual's tax id: a 13-character RFC in Mexico,
// a CUIT with prefix 20 in Argentina.
func (g *seedGen) personTaxID(i int) string {
	n := uint64(g.c.idx)*1000 + uint64(i)
	if g.c.country == "MX" {
		return taxid.SampleRFC(n*7+3, true)
	}
	return taxid.SampleCUIT("20", 20000000+n*37)
}

// seedFold drops the accents of the Spanish letters in names, for SKUs.
func seedFold(s string) string {
	return strings.NewReplacer("á", "a", "é", "e", "í", "i", "ó", "o", "ú", "u", "ñ", "n", "Á", "A", "É", "E").Replace(s)
}

// pickVariant draws a variant, the first ones more often.
func (g *seedGen) pickVariant() int { return min(g.r.IntN(len(g.vars)), g.r.IntN(len(g.vars))) }

// consignments writes consignments from the warehouse to each consignee:
// the last one per consignee is still a draft, the others were sent.
func (g *seedGen) consignments() {
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
				w.add("consignment_lines", g.id(), id, line, vr.id, int64(q), cents(vr.price), cents(vr.cost), vr.taxCode)
				if sent {
					at := created.Add(2 * time.Hour)
					g.consOut[v] += q
					g.consIn[ci][v] += q
					w.add("stock_movements", g.id(), vr.id, g.wh.id, "consign_out", int64(-q), cents(vr.cost),
						"consignment", id, c.owner.id, at)
					w.add("stock_movements", g.id(), vr.id, l.id, "consign_out", int64(q), cents(vr.cost),
						"consignment", id, c.owner.id, at)
				}
			}
			status, sentAt := "draft", any(nil)
			if sent {
				status, sentAt = "sent", created.Add(2*time.Hour)
			}
			w.add("consignments", id, g.consC[ci].id, g.wh.id, l.id, status, c.currency,
				fmt.Sprintf("Consignación %d para %s", k+1, g.consC[ci].name), cents(valuePrice), cents(valueCost),
				c.owner.id, created, sentAt, created.Add(2*time.Hour))
		}
	}
}

// sale line is a generated sale line.
type seedSaleLine struct {
	v                  *seedVariant
	q, gross, net, tax int64
}

// sale writes one completed sale with its lines, payment and movements,
func (g *seedGen) sale() {
	c, w := g.c, g.w
	d := sort.SearchInts(g.dayWeight, g.r.IntN(g.dayWeight[len(g.dayWeight)-1])+1)
	s := &g.sess[d*len(g.regs)+g.r.IntN(len(g.regs))]
	store := s.register.store
	at := g.day(d, 9*time.Hour+time.Duration(g.r.IntN(12*3600))*time.Second)
	user := c.cashier
	if g.r.IntN(4) == 0 {
		user = c.owner
	}
	var cust *seedCustomer
	if g.r.IntN(100) < 15 {
		cust = &g.custs[g.r.IntN(len(g.custs))]
	}
	n := 1
	for x := g.r.IntN(100); n < 5 && x >= []int{35, 65, 85, 95}[n-1]; n++ {
	}
	id := g.id()
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
		l := seedSaleLine{v: v, q: q, gross: q * v.price}
		l.net = roundDiv(l.gross*10000, 10000+v.rate.bp)
		l.tax = l.gross - l.net
		gross, net, tax = gross+l.gross, net+l.net, tax+l.tax
		w.add("sale_lines", g.id(), id, line, v.id, v.productID, v.sku, v.description, int64(q),
			cents(v.price), cents(v.price), cents(v.cost), v.taxCode, v.rate.tasa, cents(l.gross), cents(0), cents(0),
			cents(l.net), cents(l.tax), cents(l.gross))
		w.add("stock_movements", g.id(), v.id, g.stores[store].id, "sale", int64(-q), cents(v.cost),
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
	switch seedMethods[m] {
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
	w.add("payments", g.id(), s.id, id, 1, seedMethods[m], cents(tendered), cents(change), ref, at)
	var custID, custName, custTax any
	if cust != nil {
		custID, custName, custTax = cust.id, cust.name, cust.taxID
	}
	w.add("sales", id, s.id, s.register.id, g.stores[store].id, user.id, user.email, custID, custName, custTax,
		"completed", c.currency, true, cents(gross), cents(0), cents(net), cents(tax), cents(gross), cents(tendered),
		cents(change), at, at)
}

// receipts writes each store's and the warehouse's opening purchase order,
// received in full the day before the first sale, and then the stock.
func (g *seedGen) receipts() {
	c, w := g.c, g.w
	ordered, received := g.day(-2, 10*time.Hour), g.day(-1, 9*time.Hour)
	locs := append(append([]seedLocation{}, g.stores...), g.wh)
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
			w.add("purchase_order_lines", g.id(), po, vi+1, v.id, int64(q), cents(v.cost), int64(q))
			w.add("stock_movements", g.id(), v.id, l.id, "receipt", int64(q), cents(v.cost),
				"purchase_receipt", receipt, c.owner.id, received)
			w.add("stock", g.id(), v.id, l.id, int64(q-out), received)
			cost := fmt.Sprintf("%d.%02d", v.cost/100, v.cost%100)
			rl = append(rl, receiptLine{VariantID: v.id, Quantity: fmt.Sprint(q), UnitCost: cost, CostBefore: cost, CostAfter: cost})
		}
		linesJSON, _ := json.Marshal(rl)
		w.add("purchase_orders", po, g.supps[li%len(g.supps)].id, l.id, "received", c.currency,
			"Inventario inicial", cents(totalCost), c.owner.id, ordered, received)
		w.add("purchase_receipts", receipt, po, l.id, string(linesJSON), c.owner.id, received)
	}
	for ci, l := range g.cons {
		for vi, q := range g.consIn[ci] {
			if q > 0 {
				w.add("stock", g.id(), g.vars[vi].id, l.id, int64(q), received)
			}
		}
	}
}

// sessionTotals are the close totals of a cash session.
type sessionTotals struct {
	id                string
	expected, counted cents
}

// closeSessions writes each session's counts (one in eight sessions counts
// a small cash difference) and returns the totals to record on the
// sessions.
func (g *seedGen) closeSessions() []sessionTotals {
	w := g.w
	float := 100000 * g.scale
	totals := make([]sessionTotals, 0, len(g.sess))
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
			w.add("cash_session_counts", g.id(), s.id, seedMethods[m], cents(want), cents(got), cents(got-want))
		}
		totals = append(totals, sessionTotals{id: s.id.String(), expected: cents(exp), counted: cents(cnt)})
	}
	return totals
}
