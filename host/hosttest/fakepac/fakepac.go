// Package fakepac lets a vertical's end-to-end tests issue Mexican CFDIs
// through a real host: it starts the host's local fake of SW sapien's PAC
// API (authentication, stamping with a TimbreFiscalDigital after checking
// the Sello against the cadena original, cancellation), gives the host its
// URL (Env) and sets a company up with it as its admin would through the
// public API (NewTenant: a company of the test CSD's RFC, its CFDI
// settings, the CSD and the PAC account as fiscal credentials). Verticals
// cannot import the host's internal packages; this is their way to the
// same fake and test CSD the host's own tests use. Production code must
// never import it.
package fakepac

import (
	"encoding/base64"
	"net/http"
	"testing"

	"github.com/nexuspos/nexus/host/hosttest"
	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi/cfditest"
	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi/pac/pactest"
	"github.com/nexuspos/nexus/host/internal/fiscal/mx"
)

// RFC is the taxpayer of the test CSD, and so of the companies NewTenant
// makes (one per host: a company's RFC is unique in its country).
const RFC = cfditest.RFC

// PathStamp is the PAC's stamping endpoint, for Calls.
const PathStamp = "/cfdi33/stamp/v4"

// The fake PAC's account.
const (
	user     = "fakepac@pac.test"
	password = "fakepac-account-1"
)

// Server is a running fake PAC.
type Server struct{ fake *pactest.Server }

// Start starts a fake PAC, stopped when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{fake: pactest.New(user, password)}
	t.Cleanup(s.fake.Close)
	return s
}

// Env is the host's environment that sends every company's PAC requests
// to the fake (NEXUS_CFDI_PAC_URL): pass it to hosttest.Start.
func (s *Server) Env() []string { return []string{"NEXUS_CFDI_PAC_URL=" + s.fake.URL} }

// NewTenant makes a Mexican company of RFC with verticals enabled and
// sets it up to issue CFDIs with the fake, through the host's API as its
// owner: CFDI settings in homologation (régimen 601, issued from postal
// code 06600), the test CSD and the fake's PAC account.
func (s *Server) NewTenant(t testing.TB, h *hosttest.Host, verticals ...string) hosttest.Tenant {
	t.Helper()
	tn := h.NewTenantWithTaxID("MX", RFC, verticals...)
	owner := tn.Tokens["owner"]
	h.Expect(http.StatusOK, http.MethodPut, "/api/v1/fiscal/settings", owner, map[string]any{
		"environment": "homologation",
		"config":      map[string]any{"name": cfditest.Name, "regimen_fiscal": "601", "lugar_expedicion": "06600"},
	})
	cer, key := cfditest.CSDFiles(t)
	for name, value := range map[string]string{
		mx.SecretCSDCertificate: base64.StdEncoding.EncodeToString(cer), mx.SecretCSDKey: base64.StdEncoding.EncodeToString(key),
		mx.SecretCSDPassword: cfditest.Password, mx.SecretPACUser: user, mx.SecretPACPassword: password,
	} {
		h.Expect(http.StatusNoContent, http.MethodPut, "/api/v1/fiscal/credentials/"+name, owner, map[string]string{"value": value})
	}
	return tn
}

// Calls counts the requests the fake received on path (PathStamp).
func (s *Server) Calls(path string) int { return s.fake.Calls(path) }
