package fiscal

import (
	"net/http"

	"github.com/nexuspos/nexus/host/internal/apidoc"
	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/host/internal/secrets"
	"github.com/nexuspos/nexus/sdk/fiscal"
)

// Docs describe the routes Routes mounts, relative to /api/v1/fiscal.
var Docs = []apidoc.Op{
	{Method: http.MethodGet, Pattern: "/documents", Summary: "The company's fiscal documents (AFIP receipts, CFDI, and MX global CFDIs the host made of the sales held as pending_global), newest first, filtered (viewer)",
		Query: listParams, Response: httpx.Page[fiscal.Document]{}},
	{Method: http.MethodGet, Pattern: "/documents/{id}", Summary: "A fiscal document with the vertical's input, the authority's code and messages; a cancellation waiting for the receiver (MX) is status cancellation_requested with SAT's answer in details.cancellation (viewer)",
		Response: fiscal.Document{}},
	{Method: http.MethodGet, Pattern: "/documents/{id}/printable", Summary: "The printable receipt of an authorized document: AR HTML with AFIP's QR, MX PDF; a sale in a global CFDI is 409 fiscal_document_in_global (print the global) (viewer)"},
	{Method: http.MethodGet, Pattern: "/settings", Summary: "The company's fiscal settings (admin)", Response: Settings{}},
	{Method: http.MethodPut, Pattern: "/settings", Summary: "Set the company's fiscal settings, validated for its country (admin)",
		Request: settingsBody{}, Response: Settings{}},
	{Method: http.MethodGet, Pattern: "/credentials", Summary: "The company's fiscal credentials: names and update times, never values (admin)",
		Response: httpx.Page[secrets.Secret]{}},
	{Method: http.MethodPut, Pattern: "/credentials/{name}", Summary: "Store a fiscal credential (certificate, key, password), sealed (admin)",
		Request: credentialBody{}, Status: http.StatusNoContent},
	{Method: http.MethodDelete, Pattern: "/credentials/{name}", Summary: "Delete a fiscal credential (admin)", Status: http.StatusNoContent},
	{Method: http.MethodGet, Pattern: "/{country}/parameters/{table}", Summary: "A parameter table of the company's fiscal authority, " +
		"asked with the company's credentials (admin). Argentina (ar), WSFEv1's: points_of_sale, receipt_types, document_types, iva_rates, " +
		"currencies, tax_types, receiver_iva_conditions (receipt_class), exchange_rate (currency, date)",
		Query: []string{"currency", "date", "receipt_class"}, Response: httpx.Page[map[string]any]{}},
}
