package webui_test

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/hosttest"
	"github.com/nexuspos/nexus/host/internal/fiscal/afip/afiptest"
	"github.com/nexuspos/nexus/host/internal/webui"
)

// chromium is the browser the test drives: NEXUS_TEST_CHROMIUM, or
// Debian's package (make browser-deps installs it).
func chromium(t *testing.T) string {
	if p := os.Getenv("NEXUS_TEST_CHROMIUM"); p != "" {
		return p
	}
	p, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatalf("the browser test needs chromium (make browser-deps installs Debian's) or NEXUS_TEST_CHROMIUM: %v", err)
	}
	return p
}

// TestBrowser runs every web/e2e/*.test.mjs (playwright-core driving
// headless chromium), one after the other, against one real host with the
// CPG and services verticals. app.test.mjs: login with refresh-token
// rotation, a sale with split payment and change, its receipt, the
// dashboard showing it, a return, closing the session, a cashier kept out
// of administration, the company switcher (the other company's figures, in
// its currency), axe-core on every main screen. shell.test.mjs: the
// services vertical's pages, opened from the menu its manifest declares,
// showing the plugin's data; a cashier not shown, nor let into, what is
// above its role; the platform admin's companies page. Each script's
// screenshots land in web/test-output/<script>.
func TestBrowser(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs("../../..")
	require.NoError(t, err)
	web := filepath.Join(root, "web")
	browser := chromium(t)
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("the browser test needs node on PATH: %v", err)
	}
	if _, err := os.Stat(filepath.Join(web, "node_modules", "playwright-core")); err != nil {
		t.Fatalf("web/node_modules is missing: run make web (npm ci): %v", err)
	}
	if !webui.New().Built() {
		t.Fatal("the web app is not built into the host: run make web (make build does) before go test")
	}

	// Mercado Pago is a local fake: cpg.test.mjs charges a sale by QR.
	var h *hosttest.Host
	mp := startMercadoPago(t, func() string { return h.URL })
	// So is AFIP: fiscal.test.mjs opens an invoice it authorized.
	afipFake := afiptest.New(t)
	h = hosttest.Start(t, hosttest.PluginDir(t, map[string]string{
		"cpg":      hosttest.Build(t, "github.com/nexuspos/nexus/plugins/cpg/cmd/nexus-vertical-cpg"),
		"services": hosttest.Build(t, "github.com/nexuspos/nexus/plugins/services/cmd/nexus-vertical-services"),
	}), "NEXUS_MERCADOPAGO_BASE_URL="+mp.fake.URL,
		"NEXUS_AFIP_WSAA_URL="+afipFake.WSAAURL(), "NEXUS_AFIP_WSFE_URL="+afipFake.WSFEURL())
	tn := h.NewTenant("MX", "cpg")
	owner := tn.Tokens["owner"]
	const api = "/api/v1/verticals/cpg"
	product := h.Expect(http.StatusCreated, "POST", api+"/products", owner, map[string]any{
		"name": "Refresco de cola", "tax_rate": "16",
		"variants": []map[string]any{{"sku": "COLA-600", "barcode": "7501234567893", "price": "17.50", "cost": "11.00", "reorder_point": "40"}},
	}).JSON(t)
	variant := product["variants"].([]any)[0].(map[string]any)["id"].(string)
	loc := h.Expect(http.StatusOK, "GET", api+"/settings", owner, nil).JSON(t)["principal_location_id"].(string)
	h.Expect(http.StatusCreated, "POST", api+"/stock/adjustments", owner, map[string]any{
		"location_id": loc, "reason": "conteo", "lines": []map[string]any{{"variant_id": variant, "quantity": "30"}},
	})
	h.Expect(http.StatusCreated, "POST", api+"/registers", owner, map[string]any{"location_id": loc, "name": "Caja 1"})
	// The owner is also a manager of an Argentine company: the company
	// switcher's other entry, with its own (empty) revenue, in pesos.
	other := h.NewTenant("AR")
	ownerEmail := "owner-" + tn.ID + "@hosttest.local"
	inv := h.Expect(http.StatusCreated, "POST", "/api/v1/companies/"+other.ID+"/invitations", other.Tokens["owner"],
		map[string]string{"email": ownerEmail, "role": "manager"}).JSON(t)
	h.Expect(http.StatusCreated, "POST", "/api/v1/invitations/accept", owner, map[string]any{"token": inv["token"]})

	// The services vertical's pages are tried in a company of their own,
	// whose revenue does not show in the first company's dashboard.
	svc := h.NewTenant("MX", "services")
	services := servicesData(t, h, svc.Tokens["owner"])
	// An Argentine company whose sale's invoice AFIP authorized.
	invoiced := afipInvoice(t, h, afipFake)

	scripts, err := filepath.Glob(filepath.Join(web, "e2e", "*.test.mjs"))
	require.NoError(t, err)
	require.NotEmpty(t, scripts)
	env := []string{
		"NEXUS_URL=" + h.URL,
		"CHROMIUM=" + browser,
		"OWNER_EMAIL=" + ownerEmail, "OWNER_PASSWORD=password-owner",
		"OTHER_COMPANY_ID=" + other.ID,
		"CASHIER_EMAIL=cashier-" + tn.ID + "@hosttest.local", "CASHIER_PASSWORD=password-cashier",
		"ADMIN_EMAIL=" + hosttest.AdminEmail, "ADMIN_PASSWORD=" + hosttest.AdminPassword,
		"BARCODE=7501234567893",
		"SERVICES_OWNER_EMAIL=owner-" + svc.ID + "@hosttest.local", "SERVICES_OWNER_PASSWORD=password-owner",
		"SERVICES_CASHIER_EMAIL=cashier-" + svc.ID + "@hosttest.local", "SERVICES_CASHIER_PASSWORD=password-cashier",
		"SERVICES_CLIENT=" + services.client, "SERVICES_CONTRACT=" + services.contract, "SERVICES_PERIOD=" + services.period,
	}
	env = append(env, mp.env()...)
	env = append(env, invoiced.env()...)
	require.NoError(t, os.RemoveAll(filepath.Join(web, "test-output")))
	for _, script := range scripts {
		name := strings.TrimSuffix(filepath.Base(script), ".test.mjs")
		t.Run(name, func(t *testing.T) {
			runScript(t, web, script, append(env, "OUT_DIR="+filepath.Join(web, "test-output", name)))
		})
	}
}

// runScript runs one browser test script with env, failing t if it fails.
func runScript(t *testing.T, web, script string, env []string) {
	// A script takes about a minute on the busy development machine; the
	// bound leaves room for a busier one.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", script)
	cmd.Dir = web
	cmd.Env = append(os.Environ(), env...)
	// The browser is ended with the script's whole process group.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	t.Logf("%s:\n%s", filepath.Base(script), stdout.String())
	if runErr != nil {
		t.Fatalf("%s: %v (screenshots in web/test-output)\n%s", script, runErr, stderr.String())
	}
}

// servicesFixture is what servicesData wrote: names the browser test
// looks for.
type servicesFixture struct{ client, contract, period string }

// servicesData gives the company of owner a client with an active monthly contract
// billed for the current month, through the services vertical's API.
func servicesData(t *testing.T, h *hosttest.Host, owner string) servicesFixture {
	const api = "/api/v1/verticals/services"
	f := servicesFixture{client: "Despacho Contable Ruiz", contract: "Contabilidad mensual"}
	mx, err := time.LoadLocation("America/Mexico_City")
	require.NoError(t, err)
	f.period = time.Now().In(mx).Format("2006-01")
	client := h.Expect(http.StatusCreated, "POST", api+"/clients", owner, map[string]any{
		"name": f.client, "tax_id": hosttest.NewRFC(),
	}).JSON(t)
	contract := h.Expect(http.StatusCreated, "POST", api+"/contracts", owner, map[string]any{
		"client_id": client["id"], "description": f.contract, "monthly_fee": "8500.00",
		"start_date": "2026-01-01", "billing_day": 1,
	}).JSON(t)
	h.Expect(http.StatusOK, "POST", api+"/contracts/"+contract["id"].(string)+"/activate", owner, map[string]any{})
	run := h.Expect(http.StatusCreated, "POST", api+"/billing-runs", owner, map[string]any{"period": f.period}).JSON(t)
	require.EqualValues(t, 1, run["charges_created"])
	return f
}
