package banking

import (
	"net/http"

	"github.com/nexuspos/nexus/host/internal/apidoc"
	"github.com/nexuspos/nexus/host/internal/httpx"
)

// Docs describe the routes Routes mounts, for the host's API description.
var Docs = []apidoc.Op{
	{Method: http.MethodPost, Pattern: "/accounts", Summary: "Add a bank account (admin)",
		Request: NewAccount{}, Response: Account{}, Status: http.StatusCreated},
	{Method: http.MethodGet, Pattern: "/accounts", Summary: "The company's bank accounts (viewer)", Query: []string{"limit", "cursor"},
		Response: httpx.Page[Account]{}},
	{Method: http.MethodGet, Pattern: "/accounts/{id}", Summary: "One bank account (viewer)", Response: Account{}},
	{Method: http.MethodPut, Pattern: "/accounts/{id}/csv-mapping", Summary: "Save (or, with null, remove) the account's CSV column mapping (admin)",
		Request: &CSVMapping{}, Response: Account{}},
	{Method: http.MethodPost, Pattern: "/accounts/{id}/imports", Query: []string{"format", "filename"}, Status: http.StatusCreated,
		Response: ImportResult{}, Summary: "Import a statement (CSV or OFX), as the raw body or multipart field \"file\" (manager)"},
	{Method: http.MethodGet, Pattern: "/accounts/{id}/imports", Summary: "The account's imported statements (viewer)",
		Query: []string{"limit", "cursor"}, Response: httpx.Page[Batch]{}},
	{Method: http.MethodGet, Pattern: "/movements", Summary: "Bank movements, filtered (viewer)",
		Query: []string{"account_id", "from", "to", "status", "limit", "cursor"}, Response: httpx.Page[Movement]{}},
	{Method: http.MethodPost, Pattern: "/reconcile", Summary: "Match movements to invoices and payments automatically (manager)",
		Request: ReconcileOptions{}, Response: ReconcileResult{}},
	{Method: http.MethodGet, Pattern: "/matches", Summary: "Matches between movements and documents (viewer)",
		Query: []string{"movement_id", "invoice_id", "payment_id", "live", "limit", "cursor"}, Response: httpx.Page[Match]{}},
	{Method: http.MethodPost, Pattern: "/matches", Summary: "Match a movement to a document by hand (manager)",
		Request: NewMatch{}, Response: Match{}, Status: http.StatusCreated},
	{Method: http.MethodDelete, Pattern: "/matches/{id}", Summary: "Undo a match (manager)", Response: Match{}},
	{Method: http.MethodGet, Pattern: "/reports/unreconciled", Summary: "What is not reconciled yet: movements, invoices and payments (viewer)",
		Query:    []string{"account_id", "from", "to", "limit", "movements_cursor", "invoices_cursor", "payments_cursor"},
		Response: UnreconciledReport{}},
}
