package invoices

import (
	"net/http"

	"github.com/nexuspos/nexus/host/internal/apidoc"
	"github.com/nexuspos/nexus/host/internal/httpx"
)

// Docs describe the routes Routes mounts, for the host's API description.
var Docs = []apidoc.Op{
	{Method: http.MethodPost, Pattern: "/", Status: http.StatusCreated, Response: Invoice{},
		Summary: "Upload CFDI 4.0 XML: one file as the raw body (201 stored, 200 already stored), or several as multipart field \"files\" (manager)"},
	{Method: http.MethodGet, Pattern: "/", Summary: "The company's invoices, filtered (viewer)", Query: listParams,
		Response: httpx.Page[Invoice]{}},
	{Method: http.MethodGet, Pattern: "/{id}", Summary: "An invoice with lines, taxes, relations, payments and history (viewer)",
		Response: InvoiceDetail{}},
	{Method: http.MethodGet, Pattern: "/{id}/xml", Summary: "The XML exactly as uploaded, as application/xml (viewer)"},
	{Method: http.MethodPost, Pattern: "/{id}/cancel", Summary: "Cancel a valid invoice, with an optional reason (admin)",
		Request: cancelRequest{}, Response: InvoiceDetail{}},
}
