// Package fakeafip lets a vertical's end-to-end tests issue Argentine
// receipts through a real host: it starts the host's local fake of AFIP's
// WSAA and WSFEv1 (the SOAP they speak, CMS-signed tickets, strictly
// numbered receipts, a WSFEv1 that can be taken down), gives the host its
// endpoints (Env) and sets a company up with it as its admin would through
// the public API (Enroll: fiscal settings, the point of sale enabled at
// the fake and the certificate its authority signed for the company's
// CUIT). Verticals cannot import the
// host's internal packages; this is their way to the same fake the host's
// own tests use. Production code must never import it.
package fakeafip

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/nexuspos/nexus/host/hosttest"
	"github.com/nexuspos/nexus/host/internal/fiscal/afip"
	"github.com/nexuspos/nexus/host/internal/fiscal/afip/afiptest"
)

// Operations of WSFEv1 the fake counts (Calls).
const (
	OpLastAuthorized = "FECompUltimoAutorizado"
	OpRequestCAE     = "FECAESolicitar"
)

// Server is a running fake AFIP.
type Server struct{ fake *afiptest.Server }

// Start starts a fake AFIP, stopped when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	return &Server{fake: afiptest.New(t)}
}

// Env is the host's environment that sends every company's AFIP calls to
// the fake (NEXUS_AFIP_WSAA_URL, NEXUS_AFIP_WSFE_URL): pass it to
// hosttest.Start.
func (s *Server) Env() []string {
	return []string{"NEXUS_AFIP_WSAA_URL=" + s.fake.WSAAURL(), "NEXUS_AFIP_WSFE_URL=" + s.fake.WSFEURL()}
}

// Enroll sets Argentine company tn up to issue receipts with the fake,
// through the host's API as its owner: fiscal settings in homologation as
// a responsable inscripto on point of sale pointOfSale, issuing a document
// for every sale when autoIssue, and the certificate and key the fake's
// authority issued for the company's CUIT.
func (s *Server) Enroll(t testing.TB, h *hosttest.Host, tn hosttest.Tenant, pointOfSale int, autoIssue bool) {
	t.Helper()
	owner := tn.Tokens["owner"]
	cuit, _ := h.Expect(http.StatusOK, http.MethodGet, "/api/v1/companies/"+tn.ID, owner, nil).JSON(t)["tax_id"].(string)
	h.Expect(http.StatusOK, http.MethodPut, "/api/v1/fiscal/settings", owner, map[string]any{
		"environment": "homologation", "auto_issue": autoIssue,
		"config": map[string]any{"iva_condition": "responsable_inscripto", "points_of_sale": []int{pointOfSale}},
	})
	// AFIP has the point of sale enabled for CAE, as FEParamGetPtosVenta
	// answers when the settings are PUT again with the credentials stored.
	n, err := strconv.ParseInt(cuit, 10, 64)
	if err != nil {
		t.Fatalf("fakeafip: company %s has no CUIT (tax_id %q)", tn.ID, cuit)
	}
	s.fake.SetPointsOfSale(n, afip.PtoVenta{Nro: pointOfSale, EmisionTipo: "CAE", Bloqueado: "N"})
	cert, key := s.fake.Credentials(t, cuit)
	h.Expect(http.StatusNoContent, http.MethodPut, "/api/v1/fiscal/credentials/"+afip.CredentialCertificate, owner, map[string]string{"value": string(cert)})
	h.Expect(http.StatusNoContent, http.MethodPut, "/api/v1/fiscal/credentials/"+afip.CredentialKey, owner, map[string]string{"value": string(key)})
}

// SetDown makes every WSFEv1 call answer 500 until set back: the host's
// breaker for the company's WSFEv1 opens after a few such calls.
func (s *Server) SetDown(down bool) { s.fake.SetDown(down) }

// Calls counts the calls of WSFEv1 operation op the fake received.
func (s *Server) Calls(op string) int { return s.fake.Calls(op) }

// Receipts counts the receipts the fake authorized for CUIT cuit on point
// of sale pos with AFIP receipt type typ (1 Factura A, 6 B, 3 and 8 their
// credit notes).
func (s *Server) Receipts(cuit int64, pos, typ int) int { return len(s.fake.Receipts(cuit, pos, typ)) }
