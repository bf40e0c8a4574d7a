package cpg_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestBankReconciliationEndToEnd drives the real host and plugin: the
// host reconciles a bank statement with the CPG vertical's declared
// payment sources. One deposit settles a day's card sales; the cash sale
// never reaches the reconciliation; another company's identical deposit
// finds nothing.
func TestBankReconciliationEndToEnd(t *testing.T) {
	t.Parallel()
	p := startPlatform(t)
	a := p.newCompany(t, "MX")
	shirt, hat := a.product("BNK-1", "116.00", "50.00"), a.product("BNK-2", "77.00", "30.00")
	a.stock(shirt, "10")
	a.stock(hat, "10")
	session := a.session("100.00")
	// Prices include tax: the card pays the total.
	card := func(variant, quantity, amount, reference string) {
		a.ok(http.StatusCreated, "cashier", "POST", "/sales", map[string]any{"session_id": session, "lines": []any{line(variant, quantity)},
			"payments": []any{map[string]any{"method": "card", "amount": amount, "reference": reference}}})
	}
	card(shirt, "1", "116.00", "AUT 482913")
	card(shirt, "2", "232.00", "")
	a.sell(session, hat, "1", "77.00")

	// The statement is posted the next day in the company's time zone.
	mx, err := time.LoadLocation("America/Mexico_City")
	require.NoError(t, err)
	tomorrow := time.Now().In(mx).AddDate(0, 0, 1).Format(time.DateOnly)
	statement := "fecha,importe,concepto\n" + tomorrow + ",348.00,VENTAS TARJETA\n" + tomorrow + ",77.00,DEPOSITO EFECTIVO\n"
	importStatement := func(token string) {
		t.Helper()
		acct := p.h.Expect(http.StatusCreated, http.MethodPost, "/api/v1/bank/accounts", token, map[string]any{
			"name": "Operación", "bank": "BBVA", "currency": "MXN",
			"csv_mapping": map[string]any{"date": "fecha", "amount": "importe", "description": "concepto"},
		}).JSON(t)["id"].(string)
		p.h.Expect(http.StatusCreated, http.MethodPost, "/api/v1/bank/accounts/"+acct+"/imports", token, statement, "Content-Type", "text/csv")
	}
	importStatement(a.Tokens["owner"])

	var res struct {
		Examined int `json:"examined"`
		Matched  []struct {
			Target   string `json:"target"`
			Payments []struct {
				Source string `json:"source"`
			} `json:"payments"`
		} `json:"matched"`
		WithoutCandidates int `json:"without_candidates"`
	}
	p.h.Expect(http.StatusOK, http.MethodPost, "/api/v1/bank/reconcile", a.Tokens["manager"], nil).Decode(t, &res)
	require.Equal(t, 2, res.Examined)
	require.Len(t, res.Matched, 1, "the card deposit")
	require.Equal(t, "payment", res.Matched[0].Target)
	require.Len(t, res.Matched[0].Payments, 2, "one deposit settles both card sales of the day")
	require.Equal(t, "cpg_pos_payments", res.Matched[0].Payments[0].Source)
	require.Equal(t, 1, res.WithoutCandidates, "cash never reaches the reconciliation")

	var rep struct {
		Payments struct {
			Data []any `json:"data"`
		} `json:"payments"`
	}
	p.h.Expect(http.StatusOK, http.MethodGet, "/api/v1/bank/reports/unreconciled", a.Tokens["viewer"], nil).Decode(t, &rep)
	require.Empty(t, rep.Payments.Data, "the cash sale is no open payment")

	b := p.newCompany(t, "MX")
	importStatement(b.Tokens["owner"])
	p.h.Expect(http.StatusOK, http.MethodPost, "/api/v1/bank/reconcile", b.Tokens["manager"], nil).Decode(t, &res)
	require.Equal(t, 2, res.Examined)
	require.Empty(t, res.Matched, "company A's payments are not company B's")
	require.Equal(t, 2, res.WithoutCandidates)

	require.False(t, strings.Contains(p.h.Log(), "payment sources were left out"), "both CPG payment sources are valid:\n%s", p.h.Log())
}
