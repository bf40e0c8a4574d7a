package sdk

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/require"

	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
	"github.com/nexuspos/nexus/sdk/money"
)

// TestBindAmounts posts bodies to a route that reads money.Amount fields
// with Bind and checks them with money.Limits: a malformed amount and one
// outside the field's limits both answer 422 invalid_field naming the
// field and the reason; a JSON number is a 400, the wrong type, as for
// every string field; a good one is read exactly and rendered with the
// currency's decimals.
func TestBindAmounts(t *testing.T) {
	t.Parallel()
	type payment struct {
		Amount money.Amount `json:"amount"`
	}
	type body struct {
		Fee      money.Amount `json:"fee"`
		Payments []payment    `json:"payments"`
	}
	route := POST("/fees", RoleCashier, "fees", func(c *Context) error {
		var in body
		if err := c.Bind(&in); err != nil {
			return err
		}
		if err := money.PositiveAmountLimits.Check("fee", in.Fee.Decimal); err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, in)
	})
	s := newServer(manifestFunc(func() Manifest { return Manifest{Name: "shop", Routes: []Route{route}} }), hclog.NewNullLogger())
	post := func(t *testing.T, body string) (int32, map[string]any) {
		t.Helper()
		res, err := s.HandleRoute(context.Background(), &nexusv1.RouteRequest{RouteId: route.RouteID(), Method: "POST",
			Path: "/fees", Body: []byte(body), Principal: &nexusv1.Principal{Role: string(RoleCashier)}})
		require.NoError(t, err)
		var out map[string]any
		require.NoError(t, json.Unmarshal(res.GetBody(), &out), string(res.GetBody()))
		return res.GetStatus(), out
	}

	status, out := post(t, `{"fee":"1160","payments":[{"amount":"0.5"}]}`)
	require.EqualValues(t, http.StatusCreated, status, out)
	require.Equal(t, map[string]any{"fee": "1160.00", "payments": []any{map[string]any{"amount": "0.50"}}}, out)

	status, out = post(t, `{"fee":1160}`)
	require.EqualValues(t, http.StatusBadRequest, status, "a number where a string belongs is the wrong type, as for any field")
	require.Equal(t, map[string]any{"field": "fee"}, out["error"].(map[string]any)["details"])

	tests := []struct {
		name, body, field, reason string
	}{
		{"exponent", `{"fee":"1e5"}`, "fee", money.AmountSyntax},
		{"NaN", `{"fee":"NaN"}`, "fee", money.AmountSyntax},
		{"nested", `{"fee":"1","payments":[{"amount":"1"},{"amount":"1,5"}]}`, "payments.amount", money.AmountSyntax},
		{"zero", `{"fee":"0"}`, "fee", "must not be zero"},
		{"too precise", `{"fee":"1.001"}`, "fee", "must have at most 2 decimals"},
		{"negative", `{"fee":"-1"}`, "fee", "must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, out := post(t, tt.body)
			require.EqualValues(t, http.StatusUnprocessableEntity, status, out)
			e := out["error"].(map[string]any)
			require.Equal(t, "invalid_field", e["code"])
			require.Equal(t, map[string]any{"field": tt.field, "reason": tt.reason}, e["details"])
		})
	}
}

// TestAmountSchema: the JSON Schema of a money.Amount field says what the
// field holds: a string with the decimal pattern, not an object.
func TestAmountSchema(t *testing.T) {
	t.Parallel()
	raw, err := JSONSchema(struct {
		Total money.Amount  `json:"total"`
		Paid  *money.Amount `json:"paid,omitempty"`
	}{})
	require.NoError(t, err)
	var s struct {
		Properties map[string]map[string]any `json:"properties"`
	}
	require.NoError(t, json.Unmarshal([]byte(raw), &s))
	for _, name := range []string{"total", "paid"} {
		require.Equal(t, "string", s.Properties[name]["type"], raw)
		require.Equal(t, money.DecimalPattern, s.Properties[name]["pattern"], raw)
	}
}
