package sdk

import (
	"encoding/json"
	"fmt"
)

// Secret returns the value of the company's secret name for this vertical:
// a credential (an API token, a certificate, a webhook signing key) that
// the company's admins stored encrypted through the host's API
// (PUT /api/v1/companies/{id}/verticals/{vertical}/secrets/{name}). Only
// the request's company and this vertical's secrets are reachable.
//
// A secret that is not set is a 422 *Error with code secret_not_set and
// the name in its details: returned from a handler, it tells the client
// the company has not configured it. Never log, return or store the value.
func (c *Context) Secret(name string) ([]byte, error) {
	return c.host.getSecret(c.ctx, name)
}

// Audit appends an entry to the company's audit log: action is dotted
// snake_case starting with the vertical's name (such as
// "cpg.sale.voided"), target names what was acted on (such as
// "sale:<id>"), details is a JSON object of facts (at most 16 KiB; never a
// secret, a password or a card number). The entry joins the call's unit
// of work: it is kept only if the request commits. The host records the
// caller (user or API key), where the request came from and its id.
func (c *Context) Audit(action, target string, details map[string]any) error {
	var data []byte
	if details != nil {
		var err error
		if data, err = json.Marshal(details); err != nil {
			return fmt.Errorf("audit %s: details: %w", action, err)
		}
	}
	return c.host.appendAudit(c.ctx, action, target, data)
}
