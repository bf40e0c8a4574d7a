package payments

import (
	"net/http"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/nexuspos/nexus/host/internal/apidoc"
	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/httpx"
)

// CompanyRoutes mounts a company's payment setup and payments on r, which
// the host mounts at /api/v1/companies/{id}, behind access (the tenancy
// package's: the {id} company when the caller holds the role there):
//
//	GET /payments/mercadopago        the setup, credentials as set/unset (admin)
//	PUT /payments/mercadopago        ConfigInput → the setup (admin)
//	GET /payments/{payment_id}       one payment, any vertical's (manager)
func (s *Service) CompanyRoutes(r chi.Router, access func(r *http.Request, min auth.Role) (uuid.UUID, auth.Principal, error)) {
	r.Get("/payments/mercadopago", httpx.Handle(func(w http.ResponseWriter, r *http.Request) error {
		companyID, _, err := access(r, auth.RoleAdmin)
		if err != nil {
			return err
		}
		c, err := s.Config(r.Context(), companyID)
		if err != nil {
			return err
		}
		httpx.WriteJSON(w, http.StatusOK, c)
		return nil
	}))
	r.Put("/payments/mercadopago", httpx.Handle(func(w http.ResponseWriter, r *http.Request) error {
		companyID, _, err := access(r, auth.RoleAdmin)
		if err != nil {
			return err
		}
		var in ConfigInput
		if err := httpx.DecodeJSON(r, &in); err != nil {
			return err
		}
		c, err := s.PutConfig(r.Context(), companyID, in)
		if err != nil {
			return err
		}
		httpx.WriteJSON(w, http.StatusOK, c)
		return nil
	}))
	r.Get("/payments/{payment_id}", httpx.Handle(func(w http.ResponseWriter, r *http.Request) error {
		companyID, _, err := access(r, auth.RoleManager)
		if err != nil {
			return err
		}
		id, err := uuid.Parse(chi.URLParam(r, "payment_id"))
		if err != nil {
			return errPaymentNotFound()
		}
		p, err := s.get(r.Context(), companyID, id)
		if err != nil {
			return err
		}
		httpx.WriteJSON(w, http.StatusOK, p)
		return nil
	}))
}

// Docs describe CompanyRoutes, relative to /api/v1/companies.
var Docs = []apidoc.Op{
	{Method: http.MethodGet, Pattern: "/{id}/payments/mercadopago", Summary: "The company's Mercado Pago setup; credentials only as set or not (admin)",
		Response: CompanyConfig{}},
	{Method: http.MethodPut, Pattern: "/{id}/payments/mercadopago", Summary: "Set up Mercado Pago: environment, methods, QR point of sale, access token and webhook secret (admin)",
		Request: ConfigInput{}, Response: CompanyConfig{}},
	{Method: http.MethodGet, Pattern: "/{id}/payments/{payment_id}", Summary: "One payment of the company, with its provider status, fee and refunds (manager)",
		Response: Payment{}},
}

// WebhookDocs describe WebhookRoutes, relative to WebhookMount.
var WebhookDocs = []apidoc.Op{
	{Method: http.MethodPost, Pattern: "/{company_id}", Summary: "Mercado Pago's payment notification: x-signature checked with the company's webhook secret, then the payment is fetched from Mercado Pago and applied once",
		Query: []string{"data.id", "type"}, Public: true},
}
