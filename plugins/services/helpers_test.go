package services_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/plugins/services"
	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/sdktest"
	"github.com/nexuspos/nexus/sdk/taxid"
)

// tenant is one company of a harness, acting as its owner unless asked
// for another role.
type tenant struct {
	t *testing.T
	h *sdktest.Harness
}

// newHarness serves the vertical with a database of its own.
func newHarness(t *testing.T) *sdktest.Harness {
	t.Helper()
	return sdktest.New(t, services.New(), sdktest.WithDatabase())
}

// mexican and argentine return a fresh company of the harness in MX or AR.
func mexican(t *testing.T, h *sdktest.Harness) *tenant {
	return &tenant{t: t, h: h.WithCompany(sdktest.NewCompany())}
}

func argentine(t *testing.T, h *sdktest.Harness) *tenant {
	c := sdktest.NewCompany()
	c.Country, c.Currency, c.Timezone, c.TaxID = "AR", "ARS", "America/Argentina/Buenos_Aires", "30712345671"
	return &tenant{t: t, h: h.WithCompany(c)}
}

// in returns the tenant in another time zone.
func (tn *tenant) in(tz string) *tenant {
	c := tn.h.Company()
	c.Timezone = tz
	return &tenant{t: tn.t, h: tn.h.WithCompany(c)}
}

// as returns the tenant acting with role.
func (tn *tenant) as(role sdk.Role) *tenant {
	p := tn.h.Principal()
	p.Role = role
	return &tenant{t: tn.t, h: tn.h.As(p)}
}

// do sends body (a string is sent as is, anything else as JSON).
func (tn *tenant) do(method, path string, body any) *sdktest.Response {
	tn.t.Helper()
	var s string
	switch b := body.(type) {
	case nil:
	case string:
		s = b
	default:
		data, err := json.Marshal(b)
		require.NoError(tn.t, err)
		s = string(data)
	}
	return tn.h.Do(method, path, s)
}

// ok requires status and returns the JSON object answered.
func (tn *tenant) ok(status int, method, path string, body any) map[string]any {
	tn.t.Helper()
	res := tn.do(method, path, body)
	require.Equal(tn.t, status, res.Status, "%s %s: %s", method, path, res.Body)
	var out map[string]any
	res.Decode(tn.t, &out)
	return out
}

// fail requires an error envelope with status and code.
func (tn *tenant) fail(status int, code, method, path string, body any) map[string]any {
	tn.t.Helper()
	res := tn.do(method, path, body)
	require.Equal(tn.t, status, res.Status, "%s %s: %s", method, path, res.Body)
	require.Equal(tn.t, code, res.ErrorCode(), "%s %s: %s", method, path, res.Body)
	var out map[string]any
	res.Decode(tn.t, &out)
	return out["error"].(map[string]any)
}

// page requires a list answer with the platform's envelope.
func (tn *tenant) page(path string) ([]map[string]any, *string) {
	tn.t.Helper()
	res := tn.do(http.MethodGet, path, nil)
	require.Equal(tn.t, http.StatusOK, res.Status, "GET %s: %s", path, res.Body)
	var p struct {
		Data       []map[string]any `json:"data"`
		NextCursor *string          `json:"next_cursor"`
	}
	res.Decode(tn.t, &p)
	require.NotNil(tn.t, p.Data, "GET %s: data must be an array: %s", path, res.Body)
	return p.Data, p.NextCursor
}

var rfcSeq atomic.Int64

// newRFC returns a fresh RFC of a persona física whose check digit
// matches, and the same RFC with a wrong check digit.
func newRFC(t *testing.T) (valid, mismatch string) {
	t.Helper()
	n := rfcSeq.Add(1)
	body := fmt.Sprintf("GOMA%02d%02d%02dH%d", 70+n/300%30, 1+n/28%12, 1+n%28, n%10)
	d, err := taxid.RFCCheckDigit(body)
	require.NoError(t, err)
	wrong := '0'
	if d == '0' {
		wrong = '1'
	}
	return body + string(d), body + string(wrong)
}

var cuitSeq atomic.Int64

// newCUIT returns a fresh CUIT of a company.
func newCUIT(t *testing.T) string {
	t.Helper()
	for {
		body := fmt.Sprintf("30%08d", 71000000+cuitSeq.Add(1))
		if d, err := taxid.CUITCheckDigit(body); err == nil {
			return fmt.Sprintf("%s%d", body, d)
		}
	}
}

// client creates a client and returns its id.
func (tn *tenant) client(name string) string {
	tn.t.Helper()
	var tax string
	if tn.h.Company().Country == "AR" {
		tax = newCUIT(tn.t)
	} else {
		tax, _ = newRFC(tn.t)
	}
	return tn.ok(http.StatusCreated, "POST", "/clients", map[string]any{"name": name, "tax_id": tax})["id"].(string)
}

// contract creates a contract of client with extra fields and, unless
// status is draft, moves it there; it returns its id.
func (tn *tenant) contract(client, fee, status string, extra map[string]any) string {
	tn.t.Helper()
	body := map[string]any{"client_id": client, "description": "Contabilidad mensual", "monthly_fee": fee,
		"start_date": "2026-01-01", "billing_day": 10}
	for k, v := range extra {
		body[k] = v
	}
	id := tn.ok(http.StatusCreated, "POST", "/contracts", body)["id"].(string)
	switch status {
	case services.ContractActive:
		tn.ok(http.StatusOK, "POST", "/contracts/"+id+"/activate", nil)
	case services.ContractSuspended:
		tn.ok(http.StatusOK, "POST", "/contracts/"+id+"/activate", nil)
		tn.ok(http.StatusOK, "POST", "/contracts/"+id+"/suspend", nil)
	}
	return id
}

// run runs billing for period and returns the run.
func (tn *tenant) run(period string) map[string]any {
	tn.t.Helper()
	return tn.ok(http.StatusCreated, "POST", "/billing-runs", map[string]any{"period": period})
}

// charges lists every charge of the tenant matching query.
func (tn *tenant) charges(query string) []map[string]any {
	tn.t.Helper()
	rows, next := tn.page("/charges?limit=500&" + query)
	require.Nil(tn.t, next)
	return rows
}

// topics counts the committed events of the harness per topic for the
// tenant's company.
func (tn *tenant) topics() map[string]int {
	out := map[string]int{}
	for _, ev := range tn.h.Events() {
		if ev.CompanyID == tn.h.Company().ID {
			out[ev.Topic]++
		}
	}
	return out
}

// parallel runs fn n times at once.
func parallel(n int, fn func(i int)) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(i)
		}()
	}
	wg.Wait()
}
