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
)

// Matching limits and defaults.
const (
	// DefaultWindowDays is how far apart movement and invoice dates may be.
	DefaultWindowDays = 30
	// DefaultMinScore is the least score an automatic match needs.
	DefaultMinScore = 60
	// ambiguityMargin is how far the best candidate must lead the next,
	// from the movement's and the invoice's side, to be matched
	// automatically.
	ambiguityMargin = 10
	// maxSubsetSize is the most invoices one movement is matched to
	// automatically.
	maxSubsetSize = 5
	// maxSubsetCandidates bounds the invoices of one counterparty the
	// one-to-many search looks at (the closest in date).
	maxSubsetCandidates = 20
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

// invoiceIn is an open invoice as the matcher sees it.
type invoiceIn struct {
	id           uuid.UUID
	uuid         string
	serie, folio string
	// day is the invoice's date in the company's time zone, at 00:00 UTC
	// like a movement's posting date.
	day          time.Time
	moneyIn      bool
	counterparty string
	total        decimal.Decimal
	currency     string
}

// moneyIn reports whether an invoice brings money in: one the company
// issued (a sale) or a credit note it received; the others (purchases,
// credit notes it issued) take money out.
func moneyIn(direction, tipo string) bool {
	return (direction == "issued") == (tipo == "I")
}

// candidate is one way to explain a movement.
type candidate struct {
	invoices []int
	score    int
	reasons  map[string]int
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

// matcher pairs movements with invoices.
type matcher struct {
	movements []movementIn
	invoices  []invoiceIn
	window    int
	minScore  int

	// evidence caches each movement's tokens.
	tokens []map[string]bool
}

// match decides the automatic matches: one-to-one first, then one movement
// to several invoices of one counterparty whose totals add up to it.
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
	// Two movements may each settle on subsets sharing an invoice:
	// neither is then matched.
	uses := map[int]int{}
	for _, p := range many {
		for _, i := range p.invoices {
			uses[i]++
		}
	}
	for _, p := range many {
		shared := false
		for _, i := range p.invoices {
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

// oneToOne accepts the pairs where the movement's best invoice leads its
// others by ambiguityMargin, the invoice's best movement is this one by the
// same margin, and the score reaches minScore. It returns the accepted
// pairs and, for every other movement, its candidates (maybe none).
func (m *matcher) oneToOne(claimed map[int]bool) ([]proposal, []unresolved) {
	byMovement := make([][]candidate, len(m.movements))
	byInvoice := map[int][]int{}
	for mi, mv := range m.movements {
		for ii := range m.invoices {
			inv := &m.invoices[ii]
			if !m.compatible(mv, inv) || !inv.total.Equal(mv.amount.Abs()) {
				continue
			}
			byMovement[mi] = append(byMovement[mi], m.score(mi, []int{ii}, true))
			byInvoice[ii] = append(byInvoice[ii], mi)
		}
		sortCandidates(byMovement[mi])
	}
	scoreOf := func(mi, ii int) int {
		for _, c := range byMovement[mi] {
			if c.invoices[0] == ii {
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
		ii := best.invoices[0]
		clear := len(cands) == 1 || best.score-cands[1].score >= ambiguityMargin
		for _, other := range byInvoice[ii] {
			if other != mi && best.score-scoreOf(other, ii) < ambiguityMargin {
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
			claimed[ii] = true
		}
	}
	return accepted, open
}

// oneToMany looks for one subset (2 to maxSubsetSize invoices of one
// counterparty, unclaimed) whose totals add up to the movement exactly.
// It returns the proposal when exactly one subset scores at least
// minScore; otherwise ok reports whether there is anything to tell.
func (m *matcher) oneToMany(mi int, claimed map[int]bool) (p *proposal, u unresolved, ok bool) {
	mv := m.movements[mi]
	target := mv.amount.Abs()
	groups := map[string][]int{}
	for ii := range m.invoices {
		inv := &m.invoices[ii]
		if claimed[ii] || !m.compatible(mv, inv) || !inv.total.IsPositive() || !inv.total.LessThan(target) {
			continue
		}
		groups[inv.counterparty] = append(groups[inv.counterparty], ii)
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
		slices.SortFunc(g, func(a, b int) int {
			return cmp.Or(cmp.Compare(daysApart(mv.postedOn, m.invoices[a].day), daysApart(mv.postedOn, m.invoices[b].day)), cmp.Compare(a, b))
		})
		g = g[:min(len(g), maxSubsetCandidates)]
		values := make([]int64, len(g))
		for i, ii := range g {
			values[i] = m.invoices[ii].total.Shift(2).IntPart()
		}
		for _, subset := range subsetsSumming(values, target.Shift(2).IntPart(), maxSubsetSize, 2-len(found), &budget) {
			picked := make([]int, len(subset))
			for i, si := range subset {
				picked[i] = g[si]
			}
			slices.Sort(picked)
			found = append(found, picked)
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

// compatible reports whether an invoice could explain a movement: same
// currency, same direction of money, dates within the window.
func (m *matcher) compatible(mv movementIn, inv *invoiceIn) bool {
	return inv.currency == mv.currency && inv.moneyIn == mv.amount.IsPositive() &&
		daysApart(mv.postedOn, inv.day) <= m.window
}

// score rates movement mi against invoices; exact says whether their
// totals equal the movement's amount.
func (m *matcher) score(mi int, invoices []int, exact bool) candidate {
	mv := m.movements[mi]
	reasons := map[string]int{}
	if exact {
		reasons["amount"] = pointsAmount
	}
	farthest := 0
	for _, ii := range invoices {
		farthest = max(farthest, daysApart(mv.postedOn, m.invoices[ii].day))
	}
	switch {
	case m.window <= 0 && farthest == 0:
		reasons["date"] = pointsDate
	case farthest < m.window:
		reasons["date"] = pointsDate * (m.window - farthest) / m.window
	}
	tokens := m.tokens[mi]
	compact := strings.ReplaceAll(mv.text, " ", "")
	for _, ii := range invoices {
		inv := &m.invoices[ii]
		if inv.counterparty != "" && tokens[inv.counterparty] {
			reasons["rfc"] = pointsRFC
		}
		hex := strings.ToUpper(strings.ReplaceAll(inv.uuid, "-", ""))
		if hex != "" && (strings.Contains(compact, hex) || tokens[hex[:8]]) {
			reasons["uuid"] = pointsUUID
		}
		if folioMentioned(tokens, mv.text, inv.serie, inv.folio) {
			reasons["folio"] = pointsFolio
		}
	}
	total := 0
	for k, v := range reasons {
		if v == 0 {
			delete(reasons, k)
		}
		total += v
	}
	return candidate{invoices: invoices, score: min(total, 100), reasons: reasons}
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
	d := int(a.Sub(b).Hours() / 24)
	if d < 0 {
		return -d
	}
	return d
}

// sortCandidates orders candidates best first, ties by invoice order.
func sortCandidates(c []candidate) {
	slices.SortStableFunc(c, func(a, b candidate) int {
		return cmp.Or(cmp.Compare(b.score, a.score), slices.Compare(a.invoices, b.invoices))
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
