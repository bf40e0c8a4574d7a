package banking

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
)

// Score points. A candidate's score is their sum, at most 100.
const (
	// pointsAmount rewards an amount equal to the cent.
	pointsAmount = 50
	// pointsDate is the most the date gives: all of it on the same day,
	// none at the edge of the window.
	pointsDate = 20
	// pointsRFC rewards the counterparty's RFC in the description.
	pointsRFC = 15
	// pointsUUID rewards the invoice's UUID (or its first eight
	// characters) in the description.
	pointsUUID = 30
	// pointsFolio rewards the invoice's serie and folio (or a folio of at
	// least three characters) in the description.
	pointsFolio = 15
	// pointsReference rewards a payment's reference (card authorization,
	// transfer reference) in the description.
	pointsReference = 30
)

// Matching limits and defaults.
const (
	// DefaultWindowDays is how far apart movement and invoice dates may be.
	DefaultWindowDays = 30
	// DefaultPaymentWindowDays is how many days after a payment was taken
	// the movement paying it may be posted: card settlements arrive one to
	// three days later, more over a weekend or a holiday.
	DefaultPaymentWindowDays = 7
	// settlementDays is how late a payment's movement may be and still
	// get every date point.
	settlementDays = 3
	// DefaultMinScore is the least score an automatic match needs.
	DefaultMinScore = 60
	// ambiguityMargin is how far the best candidate must lead the next,
	// from the movement's and the invoice's side, to be matched
	// automatically.
	ambiguityMargin = 10
	// maxSubsetSize is the most invoices one movement is matched to
	// automatically, and the most payments unless they are all of a
	// method's payments of one day.
	maxSubsetSize = 5
	// maxSubsetCandidates bounds the targets of one group the one-to-many
	// search looks at (the closest in date).
	maxSubsetCandidates = 20
	// maxDayPayments bounds the payments of one method and day one
	// movement may settle at once.
	maxDayPayments = 500
	// subsetBudget bounds the steps of one movement's one-to-many search.
	subsetBudget = 200_000
	// maxShownCandidates bounds the candidates reported per movement.
	maxShownCandidates = 5
)

// Reasons a movement with candidates was not matched automatically.
const (
	unresolvedAmbiguous   = "ambiguous"
	unresolvedLowScore    = "low_score"
	unresolvedConflict    = "conflict"
	unresolvedSearchLimit = "search_limit"
)

// movementIn is a movement as the matcher sees it.
type movementIn struct {
	id       uuid.UUID
	postedOn time.Time
	amount   decimal.Decimal
	currency string
	// text is the normalized description and reference.
	text string
}

// Kinds of target a movement is matched to.
const (
	targetInvoice = "invoice"
	targetPayment = "payment"
)

// targetIn is what a movement may be matched to, as the matcher sees it:
// an open invoice or an unmatched payment of a vertical's payment source.
type targetIn struct {
	kind string
	id   uuid.UUID
	// source is a payment's source, "" for an invoice.
	source string
	// uuid, serie and folio identify an invoice, "" for a payment.
	uuid         string
	serie, folio string
	// reference is a payment's normalized reference, or "".
	reference string
	// day is the invoice's date or the payment's, in the company's time
	// zone, at 00:00 UTC like a movement's posting date.
	day     time.Time
	moneyIn bool
	// counterparty is an invoice's counterparty RFC, "" for a payment.
	counterparty string
	// group is what the targets of one subset share: an invoice's
	// counterparty, or a payment's method and day (a card settlement pays
	// the card payments of one day).
	group string
	// total is positive: an invoice's total, a payment's absolute amount.
	total    decimal.Decimal
	currency string
}

// paymentGroup is the one-to-many group of a payment.
func paymentGroup(method string, day time.Time) string {
	return "payment:" + method + ":" + day.Format(time.DateOnly)
}

// moneyIn reports whether an invoice brings money in: one the company
// issued (a sale) or a credit note it received; the others (purchases,
// credit notes it issued) take money out.
func moneyIn(direction, tipo string) bool {
	return (direction == "issued") == (tipo == "I")
}

// candidate is one way to explain a movement: targets of one kind.
type candidate struct {
	targets []int
	score   int
	reasons map[string]int
}

// proposal is an automatic match the matcher settled on.
type proposal struct {
	movement int
	candidate
}

// unresolved is a movement with candidates that was not matched.
type unresolved struct {
	movement   int
	reason     string
	candidates []candidate
}

// matcher pairs movements with invoices and payments.
type matcher struct {
	movements []movementIn
	targets   []targetIn
	// window bounds how far apart a movement and an invoice may be, in
	// days; paymentWindow how many days after a payment its movement may
	// be posted.
	window        int
	paymentWindow int
	minScore      int

	// evidence caches each movement's tokens.
	tokens []map[string]bool
}

// match decides the automatic matches: one-to-one first, then one movement
// to several targets of one group whose totals add up to it.
func (m *matcher) match() ([]proposal, []unresolved) {
	m.tokens = make([]map[string]bool, len(m.movements))
	for i, mv := range m.movements {
		m.tokens[i] = map[string]bool{}
		for _, t := range strings.Fields(mv.text) {
			m.tokens[i][t] = true
		}
	}
	claimed := map[int]bool{}
	accepted, open := m.oneToOne(claimed)

	var many []proposal
	var unres []unresolved
	for _, o := range open {
		if len(o.candidates) > 0 {
			unres = append(unres, o)
			continue
		}
		p, u, ok := m.oneToMany(o.movement, claimed)
		switch {
		case p != nil:
			many = append(many, *p)
		case ok:
			unres = append(unres, u)
		}
	}
	// Two movements may each settle on subsets sharing a target: neither
	// is then matched.
	uses := map[int]int{}
	for _, p := range many {
		for _, i := range p.targets {
			uses[i]++
		}
	}
	for _, p := range many {
		shared := false
		for _, i := range p.targets {
			shared = shared || uses[i] > 1
		}
		if shared {
			unres = append(unres, unresolved{movement: p.movement, reason: unresolvedConflict, candidates: []candidate{p.candidate}})
			continue
		}
		accepted = append(accepted, p)
	}
	slices.SortFunc(accepted, func(a, b proposal) int { return cmp.Compare(a.movement, b.movement) })
	slices.SortFunc(unres, func(a, b unresolved) int { return cmp.Compare(a.movement, b.movement) })
	return accepted, unres
}

// oneToOne accepts the pairs where the movement's best target leads its
// others by ambiguityMargin, the target's best movement is this one by the
// same margin, and the score reaches minScore. It returns the accepted
// pairs and, for every other movement, its candidates (maybe none).
func (m *matcher) oneToOne(claimed map[int]bool) ([]proposal, []unresolved) {
	byMovement := make([][]candidate, len(m.movements))
	byTarget := map[int][]int{}
	for mi, mv := range m.movements {
		for ti := range m.targets {
			t := &m.targets[ti]
			if !m.compatible(mv, t) || !t.total.Equal(mv.amount.Abs()) {
				continue
			}
			byMovement[mi] = append(byMovement[mi], m.score(mi, []int{ti}, true))
			byTarget[ti] = append(byTarget[ti], mi)
		}
		sortCandidates(byMovement[mi])
	}
	scoreOf := func(mi, ti int) int {
		for _, c := range byMovement[mi] {
			if c.targets[0] == ti {
				return c.score
			}
		}
		return 0
	}
	var accepted []proposal
	var open []unresolved
	for mi, cands := range byMovement {
		if len(cands) == 0 {
			open = append(open, unresolved{movement: mi})
			continue
		}
		best := cands[0]
		ti := best.targets[0]
		clear := len(cands) == 1 || best.score-cands[1].score >= ambiguityMargin
		for _, other := range byTarget[ti] {
			if other != mi && best.score-scoreOf(other, ti) < ambiguityMargin {
				clear = false
			}
		}
		switch {
		case !clear:
			open = append(open, unresolved{movement: mi, reason: unresolvedAmbiguous, candidates: firstCandidates(cands)})
		case best.score < m.minScore:
			open = append(open, unresolved{movement: mi, reason: unresolvedLowScore, candidates: firstCandidates(cands)})
		default:
			accepted = append(accepted, proposal{movement: mi, candidate: best})
			claimed[ti] = true
		}
	}
	return accepted, open
}

// oneToMany looks for one subset of unclaimed targets of one group (2 to
// maxSubsetSize invoices of one counterparty, 2 to maxSubsetSize payments
// of one method and day, or all of them) whose totals add up to the
// movement exactly. It returns the proposal when exactly one subset scores
// at least minScore; otherwise ok reports whether there is anything to
// tell.
func (m *matcher) oneToMany(mi int, claimed map[int]bool) (p *proposal, u unresolved, ok bool) {
	mv := m.movements[mi]
	target := mv.amount.Abs()
	if !target.Equal(target.Truncate(2)) {
		// Sums are of whole cents: a bank's sub-cent amount (115.8331) is
		// no sum of them, and searching its truncation would call a
		// near match exact.
		return nil, unresolved{}, false
	}
	groups := map[string][]int{}
	for ti := range m.targets {
		t := &m.targets[ti]
		// Sums are searched in whole cents.
		if claimed[ti] || !m.compatible(mv, t) || !t.total.IsPositive() || !t.total.LessThan(target) || !t.total.Equal(t.total.Truncate(2)) {
			continue
		}
		groups[t.group] = append(groups[t.group], ti)
	}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	budget := subsetBudget
	var found [][]int
	for _, k := range keys {
		g := groups[k]
		if len(g) < 2 {
			continue
		}
		if whole := m.wholeDay(g, target); whole != nil {
			// The amounts are positive, so no smaller subset of the group
			// adds up to the movement too.
			found = append(found, whole)
		} else {
			found = append(found, m.subsets(mv, g, target, 2-len(found), &budget)...)
		}
		if len(found) >= 2 || budget <= 0 {
			break
		}
	}
	cands := make([]candidate, len(found))
	for i, f := range found {
		cands[i] = m.score(mi, f, true)
	}
	sortCandidates(cands)
	switch {
	case budget <= 0:
		return nil, unresolved{movement: mi, reason: unresolvedSearchLimit, candidates: cands}, true
	case len(found) == 0:
		return nil, unresolved{}, false
	case len(found) > 1:
		return nil, unresolved{movement: mi, reason: unresolvedAmbiguous, candidates: cands}, true
	case cands[0].score < m.minScore:
		return nil, unresolved{movement: mi, reason: unresolvedLowScore, candidates: cands}, true
	}
	return &proposal{movement: mi, candidate: cands[0]}, unresolved{}, true
}

// wholeDay returns group g, sorted, when it is one method's payments of
// one day (at most maxDayPayments) and they add up to target: the usual
// settlement of a day's card sales. It returns nil otherwise.
func (m *matcher) wholeDay(g []int, target decimal.Decimal) []int {
	if m.targets[g[0]].kind != targetPayment || len(g) > maxDayPayments {
		return nil
	}
	sum := decimal.Zero
	for _, ti := range g {
		sum = sum.Add(m.targets[ti].total)
	}
	if !sum.Equal(target) {
		return nil
	}
	whole := slices.Clone(g)
	slices.Sort(whole)
	return whole
}

// subsets returns up to limit subsets (2 to maxSubsetSize targets) of the
// maxSubsetCandidates targets of g closest in date to mv whose totals add
// up to target, each sorted.
func (m *matcher) subsets(mv movementIn, g []int, target decimal.Decimal, limit int, budget *int) [][]int {
	g = slices.Clone(g)
	slices.SortFunc(g, func(a, b int) int {
		return cmp.Or(cmp.Compare(daysApart(mv.postedOn, m.targets[a].day), daysApart(mv.postedOn, m.targets[b].day)), cmp.Compare(a, b))
	})
	g = g[:min(len(g), maxSubsetCandidates)]
	values := make([]int64, len(g))
	for i, ti := range g {
		values[i] = m.targets[ti].total.Shift(2).IntPart()
	}
	var out [][]int
	for _, subset := range subsetsSumming(values, target.Shift(2).IntPart(), maxSubsetSize, limit, budget) {
		picked := make([]int, len(subset))
		for i, si := range subset {
			picked[i] = g[si]
		}
		slices.Sort(picked)
		out = append(out, picked)
	}
	return out
}

// compatible reports whether a target could explain a movement: same
// currency, same direction of money, and dates within the window: either
// side of the movement for an invoice, up to paymentWindow days before it
// for a payment.
func (m *matcher) compatible(mv movementIn, t *targetIn) bool {
	if t.currency != mv.currency || t.moneyIn != mv.amount.IsPositive() {
		return false
	}
	if t.kind == targetPayment {
		late := daysAfter(mv.postedOn, t.day)
		return late >= 0 && late <= m.paymentWindow
	}
	return daysApart(mv.postedOn, t.day) <= m.window
}

// datePoints rates how well a target's date fits a movement's: all of
// pointsDate on the same day (for a payment, up to settlementDays later),
// none at the edge of the window.
func (m *matcher) datePoints(mv movementIn, t *targetIn) int {
	d, window := daysApart(mv.postedOn, t.day), m.window
	if t.kind == targetPayment {
		d, window = max(daysAfter(mv.postedOn, t.day)-settlementDays, 0), max(m.paymentWindow-settlementDays, 0)
	}
	switch {
	case d == 0:
		return pointsDate
	case d < window:
		return pointsDate * (window - d) / window
	}
	return 0
}

// score rates movement mi against targets; exact says whether their
// totals equal the movement's amount.
func (m *matcher) score(mi int, targets []int, exact bool) candidate {
	mv := m.movements[mi]
	reasons := map[string]int{}
	if exact {
		reasons["amount"] = pointsAmount
	}
	date := pointsDate
	for _, ti := range targets {
		date = min(date, m.datePoints(mv, &m.targets[ti]))
	}
	reasons["date"] = date
	tokens := m.tokens[mi]
	compact := strings.ReplaceAll(mv.text, " ", "")
	for _, ti := range targets {
		t := &m.targets[ti]
		if t.counterparty != "" && tokens[t.counterparty] {
			reasons["rfc"] = pointsRFC
		}
		hex := strings.ToUpper(strings.ReplaceAll(t.uuid, "-", ""))
		if hex != "" && (strings.Contains(compact, hex) || tokens[hex[:8]]) {
			reasons["uuid"] = pointsUUID
		}
		if folioMentioned(tokens, mv.text, t.serie, t.folio) {
			reasons["folio"] = pointsFolio
		}
		if referenceMentioned(tokens, compact, t.reference) {
			reasons["reference"] = pointsReference
		}
	}
	total := 0
	for k, v := range reasons {
		if v == 0 {
			delete(reasons, k)
		}
		total += v
	}
	return candidate{targets: targets, score: min(total, 100), reasons: reasons}
}

// referenceMentioned reports whether a description carries a payment's
// reference (normalized): as a word, or, when it has at least six
// characters, anywhere once spaces are dropped. References of fewer than
// four characters, or of zeros only, prove nothing.
func referenceMentioned(tokens map[string]bool, compact, ref string) bool {
	if len(ref) < 4 || strings.Trim(ref, "0 ") == "" {
		return false
	}
	if tokens[ref] {
		return true
	}
	flat := strings.ReplaceAll(ref, " ", "")
	return len(flat) >= 6 && strings.Contains(compact, flat)
}

// folioMentioned reports whether a description names the invoice by serie
// and folio ("A1024", "A 1024", "A-1024") or by a folio of at least three
// characters on its own.
func folioMentioned(tokens map[string]bool, text, serie, folio string) bool {
	serie, folio = normalizeText(serie), normalizeText(folio)
	if folio == "" || strings.Trim(folio, "0") == "" {
		return false
	}
	if serie != "" && (tokens[serie+folio] || strings.Contains(" "+text+" ", " "+serie+" "+folio+" ")) {
		return true
	}
	return len(folio) >= 3 && tokens[folio]
}

// daysApart is the number of days between two dates at 00:00 UTC.
func daysApart(a, b time.Time) int {
	d := daysAfter(a, b)
	if d < 0 {
		return -d
	}
	return d
}

// daysAfter is how many days date a (at 00:00 UTC) comes after date b,
// negative when it comes before.
func daysAfter(a, b time.Time) int {
	return int(a.Sub(b).Hours() / 24)
}

// sortCandidates orders candidates best first, ties by target order.
func sortCandidates(c []candidate) {
	slices.SortStableFunc(c, func(a, b candidate) int {
		return cmp.Or(cmp.Compare(b.score, a.score), slices.Compare(a.targets, b.targets))
	})
}

func firstCandidates(c []candidate) []candidate {
	return c[:min(len(c), maxShownCandidates)]
}

// subsetsSumming returns up to limit sets of indexes of values (2 to
// maxSize of them) that add up to target, spending at most *budget steps.
// values must be positive.
func subsetsSumming(values []int64, target int64, maxSize, limit int, budget *int) [][]int {
	if limit <= 0 {
		return nil
	}
	order := make([]int, len(values))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Or(cmp.Compare(values[b], values[a]), cmp.Compare(a, b)) })
	sorted := make([]int64, len(values))
	for i, o := range order {
		sorted[i] = values[o]
	}
	// suffix[k] is the sum of sorted[k:].
	suffix := make([]int64, len(sorted)+1)
	for k := len(sorted) - 1; k >= 0; k-- {
		suffix[k] = suffix[k+1] + sorted[k]
	}
	var out [][]int
	chosen := make([]int, 0, maxSize)
	var search func(start int, remaining int64)
	search = func(start int, remaining int64) {
		if remaining == 0 {
			if len(chosen) >= 2 {
				set := make([]int, len(chosen))
				for i, k := range chosen {
					set[i] = order[k]
				}
				out = append(out, set)
			}
			return
		}
		if len(chosen) == maxSize {
			return
		}
		for k := start; k < len(sorted) && len(out) < limit; k++ {
			*budget--
			if *budget <= 0 || suffix[k] < remaining {
				return
			}
			if sorted[k] > remaining {
				continue
			}
			chosen = append(chosen, k)
			search(k+1, remaining-sorted[k])
			chosen = chosen[:len(chosen)-1]
		}
	}
	search(0, target)
	return out
}
