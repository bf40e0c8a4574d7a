package services

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/taxid"
)

// clientRow is a row of clients.
type clientRow struct {
	ID            string         `json:"id"`
	Name          string         `json:"name"`
	TaxID         string         `json:"tax_id"`
	TaxIDWarnings []string       `json:"tax_id_warnings"`
	Email         *string        `json:"email"`
	Fiscal        clientFiscal   `json:"fiscal"`
	CreatedAt     *sdk.Timestamp `json:"created_at,omitempty"`
}

// clientFiscal is what the fiscal authority needs of a client beyond its
// tax id and name, for the documents issued without being asked
// (automatic invoicing, credit notes): its IVA condition in Argentina
// (responsable_inscripto, monotributo, exento, ...) or régimen fiscal in
// Mexico (601, 612, ...), its fiscal postal code and the CFDI use (MX).
// The host's fiscal service checks them when it issues.
type clientFiscal struct {
	Condition  string `json:"condition,omitempty"`
	PostalCode string `json:"postal_code,omitempty"`
	Use        string `json:"use,omitempty"`
}

// check validates the profile's fields (short codes).
func (f clientFiscal) check() error {
	for _, v := range []struct{ field, value string }{
		{"fiscal.condition", f.Condition}, {"fiscal.postal_code", f.PostalCode}, {"fiscal.use", f.Use},
	} {
		if _, err := sdk.OptionalText(v.field, v.value, 40); err != nil {
			return err
		}
	}
	return nil
}

// clientView is a client as the API shows it: warnings name the field
// they are about.
type clientView struct {
	ID        string         `json:"id"`
	Name      string         `json:"name"`
	TaxID     string         `json:"tax_id"`
	Email     *string        `json:"email"`
	Fiscal    clientFiscal   `json:"fiscal"`
	Warnings  []string       `json:"warnings"`
	CreatedAt *sdk.Timestamp `json:"created_at,omitempty"`
}

func (r clientRow) view() clientView {
	w := make([]string, 0, len(r.TaxIDWarnings))
	for _, s := range r.TaxIDWarnings {
		w = append(w, "tax_id: "+s)
	}
	return clientView{ID: r.ID, Name: r.Name, TaxID: r.TaxID, Email: r.Email, Fiscal: r.Fiscal, Warnings: w, CreatedAt: r.CreatedAt}
}

// clientInput is POST /clients.
type clientInput struct {
	Name  string `json:"name"`
	TaxID string `json:"tax_id"`
	Email string `json:"email,omitempty"`
	// Fiscal is the client's fiscal profile (optional).
	Fiscal clientFiscal `json:"fiscal"`
}

// checkTaxID validates a client's tax id for the company's country: an
// RFC in Mexico, whose mismatching check digit is a warning (the SAT has
// issued such RFCs), a CUIT in Argentina, whose check digit must match.
func (e *env) checkTaxID(s string) (string, []string, error) {
	if strings.TrimSpace(s) == "" {
		return "", nil, sdk.InvalidField("tax_id", "is required (an RFC in MX, a CUIT in AR)")
	}
	if e.company.Country == "MX" {
		res, err := taxid.ValidateRFC(s)
		if err != nil {
			return "", nil, err
		}
		return res.Normalized, res.Warnings, nil
	}
	cuit, err := taxid.ValidateCUIT(s)
	return cuit, nil, err
}

// createClient handles POST /clients.
func createClient(c *sdk.Context) error {
	e, err := newEnv(c)
	if err != nil {
		return err
	}
	var in clientInput
	if err := c.Bind(&in); err != nil {
		return err
	}
	row := clientRow{ID: uuid.NewString()}
	if row.Name, err = sdk.Text("name", in.Name, 200); err != nil {
		return err
	}
	if row.TaxID, row.TaxIDWarnings, err = e.checkTaxID(in.TaxID); err != nil {
		return err
	}
	if row.TaxIDWarnings == nil {
		row.TaxIDWarnings = []string{}
	}
	if row.Email, err = sdk.OptionalText("email", in.Email, 254); err != nil {
		return err
	}
	if row.Email != nil && !strings.Contains(*row.Email, "@") {
		return sdk.InvalidField("email", "must be an email address, got %q", *row.Email)
	}
	if err := in.Fiscal.check(); err != nil {
		return err
	}
	row.Fiscal = in.Fiscal
	if err := c.DB().InsertReturning("clients", row, &row); err != nil {
		if isCode(err, "duplicate") {
			return sdk.Conflict("duplicate_tax_id", "a client with tax id "+row.TaxID+" already exists").
				WithDetails(map[string]any{"field": "tax_id", "tax_id": row.TaxID})
		}
		return fmt.Errorf("create client: %w", err)
	}
	return created(c, row.view())
}

// getClient handles GET /clients/{id}.
func getClient(c *sdk.Context) error {
	id, err := c.PathUUID("id", "client")
	if err != nil {
		return err
	}
	var row clientRow
	if err := c.DB().Get("clients", id, &row); err != nil {
		if isCode(err, "not_found") {
			return notFound("client", id)
		}
		return fmt.Errorf("get client: %w", err)
	}
	return c.JSON(http.StatusOK, row.view())
}

// listClients handles GET /clients (?tax_id=), by name.
func listClients(c *sdk.Context) error {
	limit, err := c.Limit(50)
	if err != nil {
		return err
	}
	var where []sdk.Filter
	if v := strings.TrimSpace(c.Query("tax_id")); v != "" {
		where = append(where, sdk.Eq("tax_id", strings.ToUpper(v)))
	}
	var rows []clientRow
	next, err := c.DB().List("clients", sdk.Query{Where: where, OrderBy: []sdk.Order{sdk.Asc("name")}, Limit: limit, Cursor: c.Cursor()}, &rows)
	if err != nil {
		return fmt.Errorf("list clients: %w", err)
	}
	views := make([]clientView, len(rows))
	for i, r := range rows {
		views[i] = r.view()
	}
	return c.JSON(http.StatusOK, sdk.NewPage(views, next))
}

// clientUpdate is PATCH /clients/{id}: the fields to change, each
// optional (the tax id stays: a new taxpayer is a new client).
type clientUpdate struct {
	Name   *string       `json:"name"`
	Email  *string       `json:"email"`
	Fiscal *clientFiscal `json:"fiscal"`
}

// updateClient handles PATCH /clients/{id}: a new name, email or fiscal
// profile. When the name or profile changes, the client's charges whose
// invoice data the fiscal service refused (needs_data) are due again for
// the job services.issue_fiscal_documents. The audit log records it.
func updateClient(c *sdk.Context) error {
	id, err := c.PathUUID("id", "client")
	if err != nil {
		return err
	}
	var in clientUpdate
	if err := c.Bind(&in); err != nil {
		return err
	}
	set := map[string]any{}
	if in.Name != nil {
		name, err := sdk.Text("name", *in.Name, 200)
		if err != nil {
			return err
		}
		set["name"] = name
	}
	if in.Email != nil {
		email, err := sdk.OptionalText("email", *in.Email, 254)
		if err != nil {
			return err
		}
		if email != nil && !strings.Contains(*email, "@") {
			return sdk.InvalidField("email", "must be an email address, got %q", *email)
		}
		set["email"] = email
	}
	if in.Fiscal != nil {
		if err := in.Fiscal.check(); err != nil {
			return err
		}
		set["fiscal"] = *in.Fiscal
	}
	if len(set) == 0 {
		return sdk.InvalidField("body", "names nothing to change (name, email, fiscal)")
	}
	var row clientRow
	b := c.DB().Batch()
	b.Update("clients", id, set)
	b.Get("clients", id, &row)
	if err := b.Run(); err != nil {
		if isCode(err, "not_found") {
			return notFound("client", id)
		}
		return fmt.Errorf("update client: %w", err)
	}
	requeued := int64(0)
	if in.Name != nil || in.Fiscal != nil {
		if requeued, err = c.DB().Exec(qRequeueClientCharges, id); err != nil {
			return fmt.Errorf("update client: requeue its invoices: %w", err)
		}
	}
	if err := c.Audit("services.client.updated", "client:"+id, map[string]any{
		"fields": slices.Sorted(maps.Keys(set)), "invoices_requeued": requeued,
	}); err != nil {
		return fmt.Errorf("update client: audit: %w", err)
	}
	return c.JSON(http.StatusOK, row.view())
}
