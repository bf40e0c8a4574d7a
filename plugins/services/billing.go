package services

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/money"
)

// runPageSize is how many contracts a billing run charges per round trip.
const runPageSize = 500

// period is a billing month.
type period struct {
	year  int
	month time.Month
}

// parsePeriod reads "YYYY-MM" (2000-01 to 2999-12).
func parsePeriod(s string) (period, error) {
	y, m, ok := strings.Cut(strings.TrimSpace(s), "-")
	year, yerr := strconv.Atoi(y)
	month, merr := strconv.Atoi(m)
	if !ok || len(y) != 4 || len(m) != 2 || yerr != nil || merr != nil || year < 2000 || month < 1 || month > 12 {
		if strings.TrimSpace(s) == "" {
			return period{}, sdk.InvalidField("period", "is required (a month YYYY-MM)")
		}
		return period{}, sdk.InvalidField("period", "must be a month YYYY-MM from 2000-01 on, got %q", s)
	}
	return period{year: year, month: time.Month(month)}, nil
}

// String renders the period as YYYY-MM.
func (p period) String() string { return fmt.Sprintf("%04d-%02d", p.year, int(p.month)) }

// lastDay is the period's last day.
func (p period) lastDay() time.Time {
	return time.Date(p.year, p.month+1, 0, 0, 0, 0, 0, time.UTC)
}

// dueDate is the period's billing day, or its last day when the month is
// shorter (billing day 31 in February is the 28th or 29th).
func (p period) dueDate(billingDay int) string {
	last := p.lastDay()
	return time.Date(p.year, p.month, min(billingDay, last.Day()), 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
}

// billableContract is what a billing run reads of an active contract.
type billableContract struct {
	ID         string          `json:"id"`
	ClientID   string          `json:"client_id"`
	MonthlyFee decimal.Decimal `json:"monthly_fee"`
	Currency   string          `json:"currency"`
	TaxCode    string          `json:"tax_code"`
	BillingDay int             `json:"billing_day"`
}

// chargeRow is a row of charges. Status and issued_at are left out of
// inserts: a charge starts open, issued when its run commits.
type chargeRow struct {
	ID           string          `json:"id"`
	ContractID   string          `json:"contract_id"`
	ClientID     string          `json:"client_id"`
	BillingRunID string          `json:"billing_run_id"`
	Period       string          `json:"period"`
	DueDate      string          `json:"due_date"`
	Currency     string          `json:"currency"`
	TaxCode      string          `json:"tax_code"`
	TaxRate      decimal.Decimal `json:"tax_rate"`
	Subtotal     money.Amount    `json:"subtotal"`
	Tax          money.Amount    `json:"tax"`
	Total        money.Amount    `json:"total"`
	Paid         money.Amount    `json:"paid"`
	// Credited is the sum of the charge's credits.
	Credited money.Amount   `json:"credited"`
	Status   string         `json:"status,omitempty"`
	Version  int64          `json:"version,omitempty"`
	IssuedAt *sdk.Timestamp `json:"issued_at,omitempty"`
	fiscalState
}

// chargeView is a charge as the API shows it, with what is still owed.
type chargeView struct {
	chargeRow
	Balance money.Amount `json:"balance"`
}

// balance is what the charge still owes: its total less its payments and
// credits (negative when a paid charge was credited: owed to the client).
func (r chargeRow) balance() decimal.Decimal {
	return r.Total.Sub(r.Paid.Decimal).Sub(r.Credited.Decimal)
}

func (r chargeRow) view() chargeView {
	return chargeView{chargeRow: r, Balance: money.AmountOf(r.balance())}
}

// chargeFor computes the charge of contract k for period p in run: one
// line of the monthly fee taxed at rate, by the platform's calculator
// (prices exclude tax; IVA rounded to the currency's minor unit).
func chargeFor(k billableContract, rate money.TaxRate, p period, run string) (chargeRow, error) {
	cur, err := money.CurrencyOf(k.Currency)
	if err != nil {
		return chargeRow{}, err
	}
	res, err := money.Calculate(money.Document{Currency: cur, Lines: []money.Line{
		{Quantity: decimal.NewFromInt(1), UnitPrice: k.MonthlyFee, Tax: rate},
	}})
	if err != nil {
		return chargeRow{}, err
	}
	return chargeRow{
		ID: uuid.NewString(), ContractID: k.ID, ClientID: k.ClientID, BillingRunID: run,
		Period: p.String(), DueDate: p.dueDate(k.BillingDay), Currency: cur.Code,
		TaxCode: rate.Code, TaxRate: rate.Rate,
		Subtotal: money.AmountOf(res.Net), Tax: money.AmountOf(res.Tax), Total: money.AmountOf(res.Total),
		Paid: money.AmountOf(decimal.Zero), Credited: money.AmountOf(decimal.Zero),
	}, nil
}

// billingRunRow is a row of billing_runs.
type billingRunRow struct {
	ID             string         `json:"id"`
	Period         string         `json:"period"`
	ChargesCreated int            `json:"charges_created"`
	AlreadyBilled  int            `json:"already_billed"`
	CreatedBy      *string        `json:"created_by"`
	CreatedAt      *sdk.Timestamp `json:"created_at,omitempty"`
}

// billingRunInput is POST /billing-runs.
type billingRunInput struct {
	Period string `json:"period"`
}

// insertedCharge is what the insert of a run's charges returns of each
// charge it wrote.
type insertedCharge struct {
	ID         string       `json:"id"`
	ContractID string       `json:"contract_id"`
	ClientID   string       `json:"client_id"`
	Total      money.Amount `json:"total"`
	Currency   string       `json:"currency"`
	IssuedAt   time.Time    `json:"issued_at"`
}

// createBillingRun handles POST /billing-runs: one charge per contract
// active now that started by the period's end, unless it already has one
// for the period — whatever ran before or runs at the same time, since the
// insert skips what the unique (contract, period) key already holds. Each
// charge publishes services.charge.created, the revenue event.
func createBillingRun(c *sdk.Context) error {
	e, err := newEnv(c)
	if err != nil {
		return err
	}
	var in billingRunInput
	if err := c.Bind(&in); err != nil {
		return err
	}
	p, err := parsePeriod(in.Period)
	if err != nil {
		return err
	}
	run := billingRunRow{ID: uuid.NewString(), Period: p.String(), CreatedBy: userOf(c)}
	after := uuid.Nil.String()
	for {
		var page []billableContract
		if err := c.DB().Query(qBillableContracts, &page, p.lastDay().Format(time.DateOnly), after, runPageSize); err != nil {
			return fmt.Errorf("billing run: read contracts: %w", err)
		}
		if len(page) == 0 {
			break
		}
		charges := make([]chargeRow, len(page))
		for i, k := range page {
			rate, ok := e.rates[k.TaxCode]
			if !ok {
				return sdk.Conflict("unknown_tax_rate", fmt.Sprintf("contract %s names tax rate %q, which %s does not have", k.ID, k.TaxCode, e.company.Country)).
					WithDetails(map[string]any{"contract_id": k.ID})
			}
			if charges[i], err = chargeFor(k, rate, p, run.ID); err != nil {
				return fmt.Errorf("billing run: contract %s: %w", k.ID, err)
			}
		}
		var inserted []insertedCharge
		if err := c.DB().Query(qInsertCharges, &inserted, charges); err != nil {
			return fmt.Errorf("billing run: insert charges: %w", err)
		}
		run.ChargesCreated += len(inserted)
		run.AlreadyBilled += len(page) - len(inserted)
		for _, ch := range inserted {
			if _, err := c.Events().Publish(TopicChargeCreated, map[string]string{
				"charge_id": ch.ID, "contract_id": ch.ContractID, "client_id": ch.ClientID, "billing_run_id": run.ID,
				"period": run.Period, "total": ch.Total.StringFixed(2), "currency": ch.Currency,
				"issued_at": ch.IssuedAt.UTC().Format(time.RFC3339Nano),
			}); err != nil {
				return err
			}
		}
		if len(page) < runPageSize {
			break
		}
		after = page[len(page)-1].ID
	}
	if err := c.DB().InsertReturning("billing_runs", run, &run); err != nil {
		return fmt.Errorf("billing run: record: %w", err)
	}
	return c.JSON(http.StatusCreated, run)
}

// getBillingRun handles GET /billing-runs/{id}.
func getBillingRun(c *sdk.Context) error {
	id, err := c.PathUUID("id", "billing run")
	if err != nil {
		return err
	}
	var row billingRunRow
	if err := c.DB().Get("billing_runs", id, &row); err != nil {
		if isCode(err, "not_found") {
			return notFound("billing run", id)
		}
		return fmt.Errorf("get billing run: %w", err)
	}
	return c.JSON(http.StatusOK, row)
}

// listBillingRuns handles GET /billing-runs (?period=), newest first.
func listBillingRuns(c *sdk.Context) error {
	limit, err := c.Limit(50)
	if err != nil {
		return err
	}
	var where []sdk.Filter
	if v := c.Query("period"); v != "" {
		p, err := parsePeriod(v)
		if err != nil {
			return sdk.InvalidQuery("period", "must be a month YYYY-MM, got %q", v)
		}
		where = append(where, sdk.Eq("period", p.String()))
	}
	var rows []billingRunRow
	next, err := c.DB().List("billing_runs", sdk.Query{Where: where, OrderBy: []sdk.Order{sdk.Desc("created_at")}, Limit: limit, Cursor: c.Cursor()}, &rows)
	if err != nil {
		return fmt.Errorf("list billing runs: %w", err)
	}
	return c.JSON(http.StatusOK, sdk.NewPage(rows, next))
}

// getCharge handles GET /charges/{id}: its fiscal_* as the host's
// document is now (stored when it changed).
func getCharge(c *sdk.Context) error {
	id, err := c.PathUUID("id", "charge")
	if err != nil {
		return err
	}
	var row chargeRow
	if err := c.DB().Get("charges", id, &row); err != nil {
		if isCode(err, "not_found") {
			return notFound("charge", id)
		}
		return fmt.Errorf("get charge: %w", err)
	}
	if err := refreshCharge(c, &row); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, row.view())
}

// listCharges handles GET /charges (?status=&fiscal_status=&client_id=
// &contract_id=&billing_run_id=&period=), oldest first.
func listCharges(c *sdk.Context) error {
	limit, err := c.Limit(50)
	if err != nil {
		return err
	}
	var where []sdk.Filter
	status, err := queryEnum(c, "status", ChargeOpen, ChargePartiallyPaid, ChargePaid, ChargeCredited)
	if err != nil {
		return err
	}
	if status != "" {
		where = append(where, sdk.Eq("status", status))
	}
	if v := c.Query("fiscal_status"); v != "" {
		if !fiscalStatusPattern.MatchString(v) {
			return sdk.InvalidQuery("fiscal_status", "must be a fiscal document status such as pending or authorized, got %q", v)
		}
		where = append(where, sdk.Eq("fiscal_status", v))
	}
	for _, col := range []string{"client_id", "contract_id", "billing_run_id"} {
		id, err := c.QueryUUID(col)
		if err != nil {
			return err
		}
		if id != "" {
			where = append(where, sdk.Eq(col, id))
		}
	}
	if v := c.Query("period"); v != "" {
		p, err := parsePeriod(v)
		if err != nil {
			return sdk.InvalidQuery("period", "must be a month YYYY-MM, got %q", v)
		}
		where = append(where, sdk.Eq("period", p.String()))
	}
	var rows []chargeRow
	next, err := c.DB().List("charges", sdk.Query{Where: where, OrderBy: []sdk.Order{sdk.Asc("issued_at")}, Limit: limit, Cursor: c.Cursor()}, &rows)
	if err != nil {
		return fmt.Errorf("list charges: %w", err)
	}
	views := make([]chargeView, len(rows))
	for i, r := range rows {
		views[i] = r.view()
	}
	return c.JSON(http.StatusOK, sdk.NewPage(views, next))
}
