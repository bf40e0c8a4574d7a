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

// TestBrowser runs web/e2e/app.test.mjs (playwright-core driving headless
// chromium) against a real host with the CPG vertical: login with
// refresh-token rotation, a sale with split payment and change, its
// receipt, the dashboard showing it, a return, closing the session, a
// cashier kept out of administration, the company switcher (the other
// company's figures, in its currency), axe-core on every main screen.
// Screenshots land in web/test-output.
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

	h := hosttest.Start(t, hosttest.PluginDir(t, map[string]string{
		"cpg": hosttest.Build(t, "github.com/nexuspos/nexus/plugins/cpg/cmd/nexus-vertical-cpg"),
	}))
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

	out := filepath.Join(web, "test-output")
	require.NoError(t, os.RemoveAll(out))
	// The script takes about a minute on the busy development machine; the
	// bound leaves room for a busier one.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "e2e/app.test.mjs")
	cmd.Dir = web
	cmd.Env = append(os.Environ(),
		"NEXUS_URL="+h.URL,
		"CHROMIUM="+browser,
		"OUT_DIR="+out,
		"OWNER_EMAIL="+ownerEmail, "OWNER_PASSWORD=password-owner",
		"OTHER_COMPANY_ID="+other.ID,
		"CASHIER_EMAIL=cashier-"+tn.ID+"@hosttest.local", "CASHIER_PASSWORD=password-cashier",
		"BARCODE=7501234567893",
	)
	// The browser is ended with the script's whole process group.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	t.Logf("browser test:\n%s", stdout.String())
	if runErr != nil {
		t.Fatalf("web/e2e/app.test.mjs: %v (screenshots in %s)\n%s", runErr, out, stderr.String())
	}
}
