package sdk_test

import (
	"fmt"
	"net/http"
	"time"

	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/money"
)

// The examples below are handlers: they need the host (or sdktest) at the
// other end of their Context, so they are compiled, not run. sdktest runs
// such handlers against a real database in a vertical's own tests.

// charge is a row of a vertical's charges table.
type charge struct {
	ID       string       `json:"id"`
	ClientID string       `json:"client_id"`
	Total    money.Amount `json:"total"`
	Status   string       `json:"status,omitempty"`
	Version  int64        `json:"version,omitempty"`
}

// A list: ?limit= and ?cursor= in, one page of the table and the next
// cursor out, in the platform's envelope.
func ExampleDB_List() {
	_ = func(c *sdk.Context) error {
		limit, err := c.Limit(50)
		if err != nil {
			return err
		}
		client, err := c.QueryUUID("client_id")
		if err != nil {
			return err
		}
		var where []sdk.Filter
		if client != "" {
			where = append(where, sdk.Eq("client_id", client))
		}
		var rows []charge
		next, err := c.DB().List("charges", sdk.Query{Where: where, OrderBy: []sdk.Order{sdk.Desc("issued_at")},
			Limit: limit, Cursor: c.Cursor()}, &rows)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, sdk.NewPage(rows, next))
	}
}

// A create: bind and check the body, insert, publish in the same unit of
// work (the event leaves only if the request commits).
func ExampleDB_InsertReturning() {
	_ = func(c *sdk.Context) error {
		var in struct {
			ClientID string       `json:"client_id"`
			Total    money.Amount `json:"total"`
		}
		if err := c.Bind(&in); err != nil {
			return err
		}
		client, err := sdk.UUID("client_id", in.ClientID)
		if err != nil {
			return err
		}
		if err := money.PositiveAmountLimits.Check("total", in.Total.Decimal); err != nil {
			return err
		}
		var row charge
		if err := c.DB().InsertReturning("charges", charge{ID: newID(), ClientID: client, Total: in.Total}, &row); err != nil {
			return err
		}
		if _, err := c.Events().Publish("billing.charge.created", map[string]string{"charge_id": row.ID}); err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, row)
	}
}

// Several operations in one round trip: lock the charge, read it and its
// payments' sum, then move its status through the state machine.
func ExampleDB_Batch() {
	_ = func(c *sdk.Context) error {
		id, err := c.PathUUID("id", "charge")
		if err != nil {
			return err
		}
		var (
			row  charge
			sums []struct {
				Paid decimal.Decimal `json:"paid"`
			}
		)
		b := c.DB().Batch()
		b.Lock("charges", id)
		b.Get("charges", id, &row)
		b.Aggregate("payments", sdk.Aggregation{Where: []sdk.Filter{sdk.Eq("charge_id", id)},
			Aggregates: []sdk.Agg{sdk.Sum("amount", "paid")}}, &sums)
		if err := b.Run(); err != nil {
			return err
		}
		if len(sums) == 1 && sums[0].Paid.GreaterThanOrEqual(row.Total.Decimal) {
			if err := c.DB().Transition("charges", id, "pay", "paid in full", &row); err != nil {
				return err
			}
		}
		return c.JSON(http.StatusOK, row)
	}
}

// An update that applies only to the version the client read (409
// version_conflict otherwise), reading the row back.
func ExampleIfVersion() {
	_ = func(c *sdk.Context) error {
		id, err := c.PathUUID("id", "charge")
		if err != nil {
			return err
		}
		var in struct {
			Version int64 `json:"version"`
		}
		if err := c.Bind(&in); err != nil {
			return err
		}
		var row charge
		if err := c.DB().Update("charges", id, map[string]any{"note": "reviewed"}, sdk.IfVersion(in.Version), sdk.Into(&row)); err != nil {
			return err
		}
		return c.JSON(http.StatusOK, row)
	}
}

// A value computed once and shared by replicas until a write invalidates
// its tag.
func ExampleCache_GetOrLoad() {
	_ = func(c *sdk.Context) error {
		id, err := c.PathUUID("id", "client")
		if err != nil {
			return err
		}
		body, err := c.Cache().GetOrLoad("statement:"+id, time.Minute, []string{"client:" + id}, func() ([]byte, error) {
			return []byte(`{"client_id":"` + id + `"}`), nil
		})
		if err != nil {
			return err
		}
		return c.Blob(http.StatusOK, body)
	}
}

// A lock across the host's replicas, e.g. one billing run per company at
// a time.
func ExampleLocks_Acquire() {
	_ = func(c *sdk.Context) error {
		lock, err := c.Locks().Acquire("billing-run", time.Minute, 5*time.Second)
		if err != nil {
			return err
		}
		defer func() { _ = lock.Release() }()
		return c.NoContent(http.StatusNoContent)
	}
}

// A webhook sender signs "<timestamp>.<body>"; SignedWebhook checks it
// before the handler runs. Sign is what a test (or the sender) computes:
// the hex HMAC-SHA256 (openssl dgst -sha256 -hmac secret agrees).
func ExampleHMACScheme_Sign() {
	scheme := sdk.HMACScheme{SignatureHeader: "X-Signature", TimestampHeader: "X-Timestamp"}
	fmt.Println(scheme.Sign([]byte("secret"), "", "1733400000", []byte(`{"paid":true}`)))
	// Output: 0f848aa6cf54433dd5681145e0cbc78311054f1b0354fe24fa2e8d688d1ccec1
}

// newID stands for the vertical's id source (uuid.NewString).
func newID() string { return "0b5e3f1a-6d0e-4d7e-9a55-2f1f7c9e8a11" }
