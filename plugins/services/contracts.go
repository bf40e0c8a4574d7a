package services

import (
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/money"
)

// contractRow is a row of contracts. Status is left out of inserts: a
// contract starts as a draft, its state machine's initial state.
type contractRow struct {
	ID          string         `json:"id"`
	ClientID    string         `json:"client_id"`
	Description string         `json:"description"`
	MonthlyFee  money.Amount   `json:"monthly_fee"`
	Currency    string         `json:"currency"`
	TaxCode     string         `json:"tax_code"`
	StartDate   string         `json:"start_date"`
	BillingDay  int            `json:"billing_day"`
	Status      string         `json:"status,omitempty"`
	Version     int64          `json:"version,omitempty"`
	CreatedAt   *sdk.Timestamp `json:"created_at,omitempty"`
	UpdatedAt   *sdk.Timestamp `json:"updated_at,omitempty"`
}

// contractInput is POST /contracts. Currency defaults to the company's
// and tax_rate to the configured default rate.
type contractInput struct {
	ClientID    string       `json:"client_id"`
	Description string       `json:"description"`
	MonthlyFee  money.Amount `json:"monthly_fee"`
	Currency    string       `json:"currency,omitempty"`
	TaxRate     string       `json:"tax_rate,omitempty"`
	StartDate   string       `json:"start_date"`
	BillingDay  int          `json:"billing_day"`
}

// createContract handles POST /contracts: a draft contract of a client.
func createContract(c *sdk.Context) error {
	e, err := newEnv(c)
	if err != nil {
		return err
	}
	var in contractInput
	if err := c.Bind(&in); err != nil {
		return err
	}
	row := contractRow{ID: uuid.NewString()}
	if row.ClientID, err = sdk.UUID("client_id", in.ClientID); err != nil {
		return err
	}
	if row.Description, err = sdk.Text("description", in.Description, 200); err != nil {
		return err
	}
	if err := money.PositiveAmountLimits.Check("monthly_fee", in.MonthlyFee.Decimal); err != nil {
		return err
	}
	row.MonthlyFee = in.MonthlyFee
	row.Currency = e.currency.Code
	if in.Currency != "" {
		cur, err := money.CurrencyOf(in.Currency)
		if err != nil {
			return err
		}
		row.Currency = cur.Code
	}
	row.TaxCode = e.cfg.DefaultTaxRate
	if in.TaxRate != "" {
		if _, ok := e.rates[in.TaxRate]; !ok {
			return sdk.InvalidField("tax_rate", "is not a tax rate of %s, got %q", e.company.Country, in.TaxRate)
		}
		row.TaxCode = in.TaxRate
	}
	start, err := parseDate("start_date", in.StartDate)
	if err != nil {
		return err
	}
	row.StartDate = start.Format(time.DateOnly)
	if in.BillingDay < 1 || in.BillingDay > 31 {
		return sdk.InvalidField("billing_day", "must be a day of the month from 1 to 31 (past a month's end, its last day), got %d", in.BillingDay)
	}
	row.BillingDay = in.BillingDay
	if err := c.DB().InsertReturning("contracts", row, &row); err != nil {
		if isCode(err, "reference_not_found") {
			return sdk.Unprocessable("unknown_client", "client_id "+row.ClientID+" does not exist").
				WithDetails(map[string]any{"field": "client_id", "id": row.ClientID})
		}
		return fmt.Errorf("create contract: %w", err)
	}
	return created(c, row)
}

// getContract handles GET /contracts/{id}.
func getContract(c *sdk.Context) error {
	id, err := c.PathUUID("id", "contract")
	if err != nil {
		return err
	}
	var row contractRow
	if err := c.DB().Get("contracts", id, &row); err != nil {
		if isCode(err, "not_found") {
			return notFound("contract", id)
		}
		return fmt.Errorf("get contract: %w", err)
	}
	return c.JSON(http.StatusOK, row)
}

// listContracts handles GET /contracts (?status=&client_id=), oldest first.
func listContracts(c *sdk.Context) error {
	limit, err := c.Limit(50)
	if err != nil {
		return err
	}
	var where []sdk.Filter
	status, err := queryEnum(c, "status", ContractDraft, ContractActive, ContractSuspended, ContractTerminated)
	if err != nil {
		return err
	}
	if status != "" {
		where = append(where, sdk.Eq("status", status))
	}
	client, err := c.QueryUUID("client_id")
	if err != nil {
		return err
	}
	if client != "" {
		where = append(where, sdk.Eq("client_id", client))
	}
	var rows []contractRow
	next, err := c.DB().List("contracts", sdk.Query{Where: where, OrderBy: []sdk.Order{sdk.Asc("created_at")}, Limit: limit, Cursor: c.Cursor()}, &rows)
	if err != nil {
		return fmt.Errorf("list contracts: %w", err)
	}
	return c.JSON(http.StatusOK, sdk.NewPage(rows, next))
}

// transitionInput is the optional body of a contract transition.
type transitionInput struct {
	Note string `json:"note,omitempty"`
}

// contractTopics name the event each transition publishes,
// services.contract.<name>.
var contractTopics = map[string]string{
	eventActivate: "activated", eventSuspend: "suspended", eventResume: "resumed", eventTerminate: "terminated",
}

// contractTransition handles POST /contracts/{id}/<event>: the host's
// state machine moves the contract (409 invalid_transition when its
// status does not allow event) and records the note in its history.
func contractTransition(event string) sdk.HandlerFunc {
	return func(c *sdk.Context) error {
		id, err := c.PathUUID("id", "contract")
		if err != nil {
			return err
		}
		var in transitionInput
		if err := bindOptional(c, &in); err != nil {
			return err
		}
		note, err := sdk.OptionalText("note", in.Note, 500)
		if err != nil {
			return err
		}
		var row contractRow
		if err := c.DB().Transition("contracts", id, event, deref(note), &row); err != nil {
			if isCode(err, "not_found") {
				return notFound("contract", id)
			}
			return err
		}
		if _, err := c.Events().Publish(topicContractPrefix+contractTopics[event], map[string]string{"contract_id": id, "status": row.Status}); err != nil {
			return err
		}
		return c.JSON(http.StatusOK, row)
	}
}

// deref returns *s, or "" for nil.
func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
