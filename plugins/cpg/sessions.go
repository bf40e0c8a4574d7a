package cpg

import (
	"fmt"
	"net/http"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/money"
)

// Cash session states and events.
const (
	SessionOpen   = "open"
	SessionClosed = "closed"
	// eventClose closes a session within the difference limit (cashier).
	eventClose = "close"
	// eventCloseOverLimit closes a session beyond it (manager).
	eventCloseOverLimit = "close_over_limit"
)

// sessionRow is a row of cash_sessions.
type sessionRow struct {
	ID              string         `json:"id"`
	RegisterID      string         `json:"register_id"`
	LocationID      string         `json:"location_id"`
	Status          string         `json:"status,omitempty"`
	OpeningFloat    money.Amount   `json:"opening_float"`
	OpenedBy        *string        `json:"opened_by"`
	OpenedAt        sdk.Timestamp  `json:"opened_at"`
	ClosedBy        *string        `json:"closed_by,omitempty"`
	ClosedAt        *sdk.Timestamp `json:"closed_at,omitempty"`
	ExpectedTotal   *money.Amount  `json:"expected_total,omitempty"`
	CountedTotal    *money.Amount  `json:"counted_total,omitempty"`
	DifferenceTotal *money.Amount  `json:"difference_total,omitempty"`
	Version         int64          `json:"version,omitempty"`
}

// sessionInput is POST /cash-sessions.
type sessionInput struct {
	RegisterID   string `json:"register_id"`
	OpeningFloat string `json:"opening_float"`
}

// openSession handles POST /cash-sessions: one open session per register.
func openSession(c *sdk.Context) error {
	var in sessionInput
	if err := c.Bind(&in); err != nil {
		return err
	}
	s := sessionRow{ID: uuid.NewString(), OpenedBy: nullable(c.Principal().UserID), OpenedAt: now()}
	var err error
	if s.RegisterID, err = sdk.UUID("register_id", in.RegisterID); err != nil {
		return err
	}
	if s.OpeningFloat.Decimal, err = money.AmountLimits.Parse("opening_float", in.OpeningFloat); err != nil {
		return err
	}
	var reg registerRow
	if err := c.DB().Get("registers", s.RegisterID, &reg); err != nil {
		if isCode(err, "not_found") {
			return unknownRef("register_id", s.RegisterID)
		}
		return fmt.Errorf("open session: %w", err)
	}
	s.LocationID = reg.LocationID
	b := c.DB().Batch()
	b.Insert("cash_sessions", s)
	view := queueSession(b, s.ID)
	if err := b.Run(); err != nil {
		if isCode(err, "duplicate") {
			return sdk.Conflict("session_already_open", "register "+s.RegisterID+" already has an open cash session")
		}
		return fmt.Errorf("open session: %w", err)
	}
	return c.JSON(http.StatusCreated, view())
}

// sessionView is a session as the API shows it, with its live or final
// figures.
type sessionView struct {
	sessionRow
	Counts     []countView `json:"counts,omitempty"`
	Sales      int64       `json:"sales"`
	SalesTotal string      `json:"sales_total"`
	Voided     int64       `json:"voided"`
	OverLimit  *bool       `json:"over_limit,omitempty"`
}

// countView is one payment method of a session.
type countView struct {
	Method     string `json:"method"`
	Expected   string `json:"expected"`
	Counted    string `json:"counted,omitempty"`
	Difference string `json:"difference,omitempty"`
}

// salesSummary is what qSessionSales returns.
type salesSummary struct {
	Sales  int64           `json:"sales"`
	Total  decimal.Decimal `json:"total"`
	Voided int64           `json:"voided"`
}

// received is one payment method's net receipts in a session.
type received struct {
	Method string          `json:"method"`
	Amount decimal.Decimal `json:"amount"`
}

func receivedMap(rows []received) map[string]decimal.Decimal {
	m := map[string]decimal.Decimal{}
	for _, r := range rows {
		m[r.Method] = r.Amount
	}
	return m
}

// getSession handles GET /cash-sessions/{id}: an open session shows what it
// should hold now per method, a closed one its close.
func getSession(c *sdk.Context) error {
	id, err := c.PathUUID("id", "cash session")
	if err != nil {
		return err
	}
	b := c.DB().Batch()
	view := queueSession(b, id)
	if err := b.Run(); err != nil {
		return fmt.Errorf("get session: %w", err)
	}
	return c.JSON(http.StatusOK, view())
}

// queueSession queues the reads of a session's view on b; the returned
// function builds the view once b has run. Opening, reading and closing a
// session all answer this view.
func queueSession(b *sdk.Batch, id string) func() sessionView {
	var (
		s       sessionRow
		recv    []received
		summary []salesSummary
		counts  []methodCount
	)
	b.Get("cash_sessions", id, &s)
	b.Query(qSessionExpected, &recv, id)
	b.Query(qSessionSales, &summary, id)
	b.List("cash_session_counts", sdk.Query{Where: []sdk.Filter{sdk.Eq("session_id", id)}, OrderBy: []sdk.Order{sdk.Asc("method")}}, &counts)
	return func() sessionView {
		v := sessionView{sessionRow: s, SalesTotal: money.AmountOf(decimal.Zero).String()}
		if len(summary) == 1 {
			v.Sales, v.SalesTotal, v.Voided = summary[0].Sales, money.AmountOf(summary[0].Total).String(), summary[0].Voided
		}
		if s.Status == SessionClosed {
			for _, m := range counts {
				v.Counts = append(v.Counts, countView{Method: m.Method, Expected: money.AmountOf(m.Expected).String(), Counted: money.AmountOf(m.Counted).String(), Difference: money.AmountOf(m.Difference).String()})
			}
			return v
		}
		live := computeClose(s.OpeningFloat.Decimal, receivedMap(recv), nil, decimal.Zero)
		for _, m := range live.Counts {
			v.Counts = append(v.Counts, countView{Method: m.Method, Expected: money.AmountOf(m.Expected).String()})
		}
		return v
	}
}

// listSessions handles GET /cash-sessions (?register_id=, ?status=).
func listSessions(c *sdk.Context) error {
	limit, err := c.Limit(50)
	if err != nil {
		return err
	}
	reg, err := c.QueryUUID("register_id")
	if err != nil {
		return err
	}
	var where []sdk.Filter
	if reg != "" {
		where = append(where, sdk.Eq("register_id", reg))
	}
	if st := c.Query("status"); st != "" {
		if st != SessionOpen && st != SessionClosed {
			return sdk.BadRequest("invalid_query", "status must be open or closed")
		}
		where = append(where, sdk.Eq("status", st))
	}
	var rows []sessionRow
	next, err := c.DB().List("cash_sessions", sdk.Query{Where: where, OrderBy: []sdk.Order{sdk.Desc("opened_at")}, Limit: limit, Cursor: c.Cursor()}, &rows)
	if err != nil {
		return fmt.Errorf("list sessions: %w", err)
	}
	if rows == nil {
		rows = []sessionRow{}
	}
	return c.JSON(http.StatusOK, sdk.NewPage(rows, next))
}

// countInput is one counted amount at close.
type countInput struct {
	Method string `json:"method"`
	Amount string `json:"amount"`
}

// closeInput is POST /cash-sessions/{id}/close.
type closeInput struct {
	Counted []countInput `json:"counted"`
	Note    string       `json:"note"`
}

// closeSession handles POST /cash-sessions/{id}/close. The server computes
// expected per method from the database under a lock that waits for the
// session's in-flight sales; a difference above the company's limit needs a
// manager (the state machine's close_over_limit event).
func closeSession(c *sdk.Context) error {
	e, err := newEnv(c)
	if err != nil {
		return err
	}
	id, err := c.PathUUID("id", "cash session")
	if err != nil {
		return err
	}
	var in closeInput
	if err := c.Bind(&in); err != nil {
		return err
	}
	counted, err := checkCounts(in.Counted)
	if err != nil {
		return err
	}
	note, err := sdk.OptionalText("note", in.Note, 1000)
	if err != nil {
		return err
	}
	var (
		s    sessionRow
		recv []received
	)
	b := c.DB().Batch()
	b.Lock("cash_sessions", id)
	b.Get("cash_sessions", id, &s)
	b.Query(qSessionExpected, &recv, id)
	if err := b.Run(); err != nil {
		return fmt.Errorf("close session: %w", err)
	}
	if s.Status != SessionOpen {
		return sdk.Conflict("session_closed", "cash session "+id+" is already closed")
	}
	res := computeClose(s.OpeningFloat.Decimal, receivedMap(recv), counted, e.cfg.CashDifferenceLimit)
	event := eventClose
	if res.OverLimit {
		event = eventCloseOverLimit
		if !c.Principal().Role.AtLeast(sdk.RoleManager) {
			return errForbidden("manager_required", fmt.Sprintf("the difference exceeds the limit of %s per method: a manager must close this session",
				money.AmountOf(e.cfg.CashDifferenceLimit))).WithDetails(map[string]any{
				"difference": money.AmountOf(res.Difference), "limit": money.AmountOf(e.cfg.CashDifferenceLimit), "counts": countViews(res.Counts),
			})
		}
	}
	closedAt := now()
	rows := make([]map[string]any, len(res.Counts))
	for i, m := range res.Counts {
		rows[i] = map[string]any{"id": uuid.NewString(), "session_id": id, "method": m.Method,
			"expected": m.Expected, "counted": m.Counted, "difference": m.Difference}
	}
	noteText := ""
	if note != nil {
		noteText = *note
	}
	b = c.DB().Batch()
	b.Transition("cash_sessions", id, event, noteText, nil)
	b.Update("cash_sessions", id, map[string]any{
		"closed_by": nullable(c.Principal().UserID), "closed_at": closedAt,
		"expected_total": res.Expected, "counted_total": res.Counted, "difference_total": res.Difference,
	})
	if len(rows) > 0 {
		b.Insert("cash_session_counts", rows)
	}
	view := queueSession(b, id)
	if err := b.Run(); err != nil {
		return fmt.Errorf("close session: %w", err)
	}
	if err := auditCloseDifference(c, id, res, e.cfg.CashDifferenceLimit); err != nil {
		return fmt.Errorf("close session: %w", err)
	}
	v := view()
	v.OverLimit = &res.OverLimit
	return c.JSON(http.StatusOK, v)
}

func countViews(ms []methodCount) []countView {
	out := make([]countView, len(ms))
	for i, m := range ms {
		out[i] = countView{Method: m.Method, Expected: money.AmountOf(m.Expected).String(), Counted: money.AmountOf(m.Counted).String(), Difference: money.AmountOf(m.Difference).String()}
	}
	return out
}
