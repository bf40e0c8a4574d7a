package probe

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/google/uuid"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/outbound"
)

// WebhookScheme is how the probe's senders sign their calls.
var WebhookScheme = sdk.HMACScheme{
	SignatureHeader: "X-Probe-Signature",
	TimestampHeader: "X-Probe-Timestamp",
	IDHeader:        "X-Probe-Delivery",
}

// WebhookSecret is the secret a company's probe webhook is signed with.
// A real vertical reads it from the company's secrets.
func WebhookSecret(companyID string) []byte { return []byte("probe-webhook-secret-" + companyID) }

// outboundConfig makes breakers open fast in tests.
var outboundConfig = outbound.Config{MaxAttempts: 1, FailureThreshold: 3, OpenTimeout: time.Hour, Timeout: 5 * time.Second}

func webhooks() []sdk.Webhook {
	return []sdk.Webhook{
		// Every call is recorded before its signature is checked, so a
		// test sees whether the host called the plugin at all.
		sdk.WebhookPOST("/payments", "A signed payment notification: writes a note", func(c *sdk.Context) error {
			record(c, "webhook-calls")
			return sdk.SignedWebhook(WebhookScheme, func(c *sdk.Context) ([]byte, error) {
				return WebhookSecret(c.Company().ID), nil
			}, paymentHook)(c)
		}),
		{Method: http.MethodPost, Pattern: "/small", Summary: "A webhook taking at most 64 bytes", MaxBodyBytes: 64,
			Handler: func(c *sdk.Context) error { return c.NoContent(http.StatusNoContent) }},
	}
}

// paymentHook writes the payment as a note and answers its id.
func paymentHook(c *sdk.Context) error {
	n, err := insertNote(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"note_id": n.ID, "company_id": c.Company().ID})
}

func jobs() []sdk.Job {
	return []sdk.Job{
		{Name: "tick", Schedule: "@every 1h", PerCompany: true, Summary: "Write a note for each company",
			Handler: func(c *sdk.Context, run sdk.JobRun) error {
				n := note{ID: uuid.NewString(), Body: "tick " + run.ID}
				return c.DB().Insert("notes", n)
			}},
		{Name: "global_tick", Schedule: "@every 1h", Summary: "Record a run in the probe directory",
			Handler: func(c *sdk.Context, run sdk.JobRun) error {
				record(c, "global-ticks")
				return nil
			}},
		{Name: "broken", Schedule: "@every 1h", MaxAttempts: 1, Summary: "Fail every run",
			Handler: func(*sdk.Context, sdk.JobRun) error { return errors.New("broken on purpose") }},
	}
}

// record appends a line to file in $NEXUS_VERTICAL_PROBE_DIR.
func record(c *sdk.Context, file string) {
	dir := os.Getenv("NEXUS_VERTICAL_PROBE_DIR")
	if dir == "" {
		return
	}
	f, err := os.OpenFile(filepath.Join(dir, file), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	fmt.Fprintln(f, c.Company().ID, c.RequestID())
}

// callUpstream calls ?url= through the outbound client as service
// "upstream" and answers the status it got, or the error.
func callUpstream(c *sdk.Context) error {
	req, err := http.NewRequestWithContext(c.Context(), http.MethodGet, c.Query("url"), nil)
	if err != nil {
		return sdk.BadRequest("invalid_url", err.Error())
	}
	res, err := c.HTTP("upstream").Do(req)
	if err != nil {
		return c.JSON(http.StatusOK, map[string]any{"error": err.Error()})
	}
	defer res.Body.Close()
	return c.JSON(http.StatusOK, map[string]any{"status": res.StatusCode})
}
