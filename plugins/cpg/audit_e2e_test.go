package cpg_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/plugins/cpg"
)

// testAudit: price overrides, voids, refunds and cash-session closes with
// a difference land in the company's audit log with the caller (user or
// API key), origin and request id the host saw, not values the plugin
// chose; a request that fails leaves no entry; admins read them with
// filters, and another company sees none of them.
func testAudit(t *testing.T, p *platform) {
	a, b := p.newCompany(t, "MX"), p.newCompany(t, "MX")
	variant := a.product("AUD-1", "10.00", "4.00")
	a.stock(variant, "20")
	session := a.session("100.00")
	log := func(tok, company, query string) auditPage {
		t.Helper()
		res := p.h.Expect(http.StatusOK, "GET", "/api/v1/companies/"+company+"/audit?"+query, tok, nil)
		var page auditPage
		res.Decode(t, &page)
		return page
	}
	admin := a.Tokens["admin"]
	origin := func(reqID string) []string {
		return []string{"User-Agent", "pos-terminal/2.1", "X-Request-ID", reqID}
	}

	// A cashier may not override a price: 403, and nothing is recorded.
	override := saleBody(session, "20.00", map[string]any{"variant_id": variant, "quantity": "2", "unit_price": "8.00"})
	a.fail(http.StatusForbidden, "price_override_forbidden", "cashier", "POST", "/sales", override)
	require.Empty(t, log(admin, a.ID, "action=cpg.").Data, "a refused request appends nothing")

	// A manager's override, at list price on one line and off it on the other.
	override["lines"] = append(override["lines"].([]any), line(variant, "1"))
	override["payments"] = []any{map[string]any{"method": "cash", "amount": "30.00"}}
	overridden := a.ok(http.StatusCreated, "manager", "POST", "/sales", override, origin("audit-override-"+a.ID)...)
	plain := a.sell(session, variant, "3", "40.00")

	// A manager's API key voids the overridden sale.
	key := p.h.Expect(http.StatusCreated, "POST", "/api/v1/companies/"+a.ID+"/api-keys", a.Tokens["admin"],
		map[string]any{"name": "Caja 9", "role": "manager"}).JSON(t)
	res := p.h.Expect(http.StatusOK, "POST", base+"/sales/"+overridden["id"].(string)+"/void", key["key"].(string),
		map[string]any{"reason": "wrong customer"}, origin("audit-void-"+a.ID)...)
	require.Equal(t, "voided", res.JSON(t)["status"])

	// A full return of the plain sale is refunded in cash from the session.
	ret := a.ok(http.StatusCreated, "manager", "POST", "/sales/"+plain["id"].(string)+"/returns",
		map[string]any{"session_id": session, "reason": "damaged"}, origin("audit-refund-"+a.ID)...)

	// The drawer should hold 100 + 40 - 10 (change) - 30 (refund) = 100;
	// 98.50 is counted.
	a.ok(http.StatusOK, "cashier", "POST", "/cash-sessions/"+session+"/close",
		map[string]any{"counted": []any{map[string]any{"method": "cash", "amount": "98.50"}}}, origin("audit-close-"+a.ID)...)

	all := log(admin, a.ID, "action=cpg.").Data
	require.Len(t, all, 4, "%v", all)
	byAction := map[string]auditRow{}
	for _, e := range all {
		require.Equal(t, "cpg", e.Vertical)
		require.Equal(t, "pos-terminal/2.1", e.UserAgent, "the host records the user agent")
		require.Equal(t, "127.0.0.1", e.IP, "the host records the address")
		byAction[e.Action] = e
	}

	o := byAction[cpg.AuditPriceOverridden]
	require.Equal(t, "sale:"+overridden["id"].(string), o.Target)
	require.Equal(t, "audit-override-"+a.ID, o.RequestID)
	require.Equal(t, auditActor{Type: "user", Label: "manager-" + a.ID + "@cpg.test"}, withoutID(o.Actor))
	require.EqualValues(t, 1, o.Details["overridden_lines"], "the line at list price is no override")
	ol := o.Details["lines"].([]any)[0].(map[string]any)
	require.Equal(t, map[string]any{"line_no": float64(1), "variant_id": variant, "sku": "AUD-1", "list_price": "10.00",
		"unit_price": "8.00", "quantity": "2"}, ol)

	v := byAction[cpg.AuditSaleVoided]
	require.Equal(t, "sale:"+overridden["id"].(string), v.Target)
	require.Equal(t, "audit-void-"+a.ID, v.RequestID)
	require.Equal(t, "api_key", v.Actor.Type, "a key's action is the key's")
	require.Equal(t, key["id"], v.Actor.ID)
	require.Equal(t, "Caja 9", v.Actor.Label)
	require.Equal(t, map[string]any{"total": "26.00", "reason": "wrong customer"}, v.Details)

	r := byAction[cpg.AuditSaleRefunded]
	require.Equal(t, "sale:"+plain["id"].(string), r.Target)
	require.Equal(t, "audit-refund-"+a.ID, r.RequestID)
	require.Equal(t, ret["id"], r.Details["return_id"])
	require.Equal(t, "30.00", r.Details["total"])
	require.Equal(t, []any{map[string]any{"method": "cash", "amount": "30.00"}}, r.Details["refunds"])

	c := byAction[cpg.AuditSessionDifference]
	require.Equal(t, "cash_session:"+session, c.Target)
	require.Equal(t, "audit-close-"+a.ID, c.RequestID)
	require.Equal(t, "cashier-"+a.ID+"@cpg.test", c.Actor.Label)
	require.Equal(t, "-1.50", c.Details["difference"])
	require.Equal(t, false, c.Details["over_limit"])

	// Filters: one action, one actor, a prefix.
	voids := log(admin, a.ID, "action="+cpg.AuditSaleVoided).Data
	require.Len(t, voids, 1)
	require.Equal(t, v.ID, voids[0].ID)
	byKey := log(admin, a.ID, "actor="+url.QueryEscape(key["id"].(string))).Data
	require.Len(t, byKey, 1, "the key did one thing: %v", byKey)
	require.Equal(t, cpg.AuditSaleVoided, byKey[0].Action)
	require.Len(t, log(admin, a.ID, "action=cpg.sale.").Data, 3)
	require.Len(t, log(admin, a.ID, "action=cpg.&limit=2").Data, 2)

	// Managers do not read the log; another company's admin reads
	// neither A's log nor A's entries in its own.
	p.h.Expect(http.StatusForbidden, "GET", "/api/v1/companies/"+a.ID+"/audit", a.Tokens["manager"], nil)
	p.h.Expect(http.StatusNotFound, "GET", "/api/v1/companies/"+a.ID+"/audit", b.Tokens["admin"], nil)
	require.Empty(t, log(b.Tokens["admin"], b.ID, "action=cpg.").Data)

	// A close without a difference is not a finding.
	quiet := b.session("50.00")
	b.ok(http.StatusOK, "cashier", "POST", "/cash-sessions/"+quiet+"/close",
		map[string]any{"counted": []any{map[string]any{"method": "cash", "amount": "50.00"}}})
	require.Empty(t, log(b.Tokens["admin"], b.ID, "action=cpg.").Data)
}

// auditPage is a page of the audit log.
type auditPage struct {
	Data []auditRow `json:"data"`
}

// auditRow is an audit log entry as the API answers it.
type auditRow struct {
	ID        string         `json:"id"`
	Actor     auditActor     `json:"actor"`
	Action    string         `json:"action"`
	Target    string         `json:"target"`
	Details   map[string]any `json:"details"`
	Vertical  string         `json:"vertical"`
	IP        string         `json:"ip"`
	UserAgent string         `json:"user_agent"`
	RequestID string         `json:"request_id"`
}

type auditActor struct {
	Type  string `json:"type"`
	ID    any    `json:"id"`
	Label string `json:"label"`
}

func withoutID(a auditActor) auditActor {
	a.ID = nil
	return a
}
