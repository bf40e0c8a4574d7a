package services

import (
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/money"
)

// buckets are a balance split by days past due.
type buckets struct {
	D0to30  money.Amount `json:"0-30"`
	D31to60 money.Amount `json:"31-60"`
	D61to90 money.Amount `json:"61-90"`
	D90Plus money.Amount `json:"90+"`
}

// agingRow is what the aging queries return for one group.
type agingRow struct {
	ClientID   string       `json:"client_id"`
	ClientName string       `json:"client_name"`
	Currency   string       `json:"currency"`
	D0to30     money.Amount `json:"d0_30"`
	D31to60    money.Amount `json:"d31_60"`
	D61to90    money.Amount `json:"d61_90"`
	D90Plus    money.Amount `json:"d90_plus"`
	Total      money.Amount `json:"total"`
	Charges    int          `json:"charges"`
}

// agingLine is one row of the aging report: a client's (or, in the
// summary, the company's) receivables in one currency.
type agingLine struct {
	ClientID   string       `json:"client_id,omitempty"`
	ClientName string       `json:"client_name,omitempty"`
	Currency   string       `json:"currency"`
	Buckets    buckets      `json:"buckets"`
	Total      money.Amount `json:"total"`
	Charges    int          `json:"charges"`
}

func (r agingRow) line() agingLine {
	return agingLine{ClientID: r.ClientID, ClientName: r.ClientName, Currency: r.Currency,
		Buckets: buckets{r.D0to30, r.D31to60, r.D61to90, r.D90Plus}, Total: r.Total, Charges: r.Charges}
}

// agingReport is GET /reports/aging: the company's receivables per
// currency (summary) and a page of them per client (data).
type agingReport struct {
	AsOf     string      `json:"as_of"`
	Timezone string      `json:"timezone"`
	Summary  []agingLine `json:"summary"`
	sdk.Page[agingLine]
}

// agingCursor is the keyset position of the last client row of a page.
type agingCursor struct {
	Name     string `json:"n"`
	ClientID string `json:"c"`
	Currency string `json:"k"`
}

// agingReportHandler handles GET /reports/aging?as_of=YYYY-MM-DD: what
// clients owed at the end of that day in the company's time zone (default
// today there), split by days past due into 0–30, 31–60, 61–90 and 90+;
// charges not yet due count in 0–30. A charge counts once issued that day
// or before, less the payments made by that day's end.
func agingReportHandler(c *sdk.Context) error {
	e, err := newEnv(c)
	if err != nil {
		return err
	}
	asOf := e.today()
	if v := c.Query("as_of"); v != "" {
		d, err := time.Parse(time.DateOnly, v)
		if err != nil || d.Year() < 2000 || d.Year() > 2999 {
			return sdk.InvalidQuery("as_of", "must be a date YYYY-MM-DD from 2000 on, got %q", v)
		}
		asOf = d.Format(time.DateOnly)
	}
	limit, err := c.Limit(100)
	if err != nil {
		return err
	}
	cur := agingCursor{ClientID: uuid.Nil.String()}
	if c.Cursor() != "" {
		if err := sdk.DecodeCursor(c.Cursor(), &cur); err != nil {
			return err
		}
		if _, err := uuid.Parse(cur.ClientID); err != nil {
			return sdk.InvalidCursor()
		}
	}
	tz := e.loc.String()
	var rows, summary []agingRow
	b := c.DB().Batch()
	b.Query(qAgingClients, &rows, tz, asOf, cur.Name, cur.ClientID, cur.Currency, limit+1)
	b.Query(qAgingSummary, &summary, tz, asOf)
	if err := b.Run(); err != nil {
		return fmt.Errorf("aging: %w", err)
	}
	rows, next := sdk.KeysetPage(rows, limit, func(r agingRow) agingCursor {
		return agingCursor{Name: r.ClientName, ClientID: r.ClientID, Currency: r.Currency}
	})
	lines := make([]agingLine, len(rows))
	for i, r := range rows {
		lines[i] = r.line()
	}
	rep := agingReport{AsOf: asOf, Timezone: tz, Summary: make([]agingLine, len(summary)), Page: sdk.NewPage(lines, next)}
	for i, r := range summary {
		rep.Summary[i] = r.line()
	}
	return c.JSON(http.StatusOK, rep)
}
