package cpg

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/taxid"
)

// Location kinds.
const (
	LocationStore     = "store"
	LocationWarehouse = "warehouse"
	LocationConsignee = "consignee"
)

// locationRow is a row of locations.
type locationRow struct {
	ID         string         `json:"id"`
	Name       string         `json:"name"`
	NameKey    string         `json:"name_key,omitempty"` // lower-cased name, unique per company; not shown
	Kind       string         `json:"kind"`
	CustomerID *string        `json:"customer_id"`
	IsDefault  bool           `json:"is_default"`
	CreatedAt  *sdk.Timestamp `json:"created_at,omitempty"`
}

// locationInput is POST /locations.
type locationInput struct {
	Name       string `json:"name"`
	Kind       string `json:"kind"`
	CustomerID string `json:"customer_id"`
}

// createLocation handles POST /locations. A consignee location given a
// customer_id becomes that customer's consignment location.
func createLocation(c *sdk.Context) error {
	_, err := newEnv(c)
	if err != nil {
		return err
	}
	var in locationInput
	if err := c.Bind(&in); err != nil {
		return err
	}
	row := locationRow{ID: uuid.NewString()}
	if row.Name, err = sdk.Text("name", in.Name, 120); err != nil {
		return err
	}
	row.NameKey = strings.ToLower(row.Name)
	switch in.Kind {
	case LocationStore, LocationWarehouse, LocationConsignee:
		row.Kind = in.Kind
	default:
		return sdk.InvalidField("kind", "must be store, warehouse or consignee, got %q", in.Kind)
	}
	customer, err := optionalID("customer_id", in.CustomerID)
	if err != nil {
		return err
	}
	if customer != "" && row.Kind != LocationConsignee {
		return sdk.InvalidField("customer_id", "is only allowed for consignee locations")
	}
	row.CustomerID = nullable(customer)
	b := c.DB().Batch()
	b.InsertReturning("locations", row, &row)
	if customer != "" {
		b.Update("customers", customer, map[string]any{"location_id": row.ID})
	}
	if err := b.Run(); err != nil {
		switch {
		case isCode(err, "duplicate"):
			return sdk.Conflict("location_name_taken", "a location named "+row.Name+" already exists")
		case isCode(err, "not_found"):
			return unknownRef("customer_id", customer)
		}
		return fmt.Errorf("create location: %w", err)
	}
	row.NameKey = ""
	return c.JSON(http.StatusCreated, row)
}

// listLocations handles GET /locations (?kind=).
func listLocations(c *sdk.Context) error {
	if _, err := newEnv(c); err != nil {
		return err
	}
	limit, err := c.Limit(100)
	if err != nil {
		return err
	}
	var where []sdk.Filter
	if k := c.Query("kind"); k != "" {
		where = append(where, sdk.Eq("kind", k))
	}
	var rows []locationRow
	b := c.DB().Batch()
	next := b.List("locations", sdk.Query{Where: where, OrderBy: []sdk.Order{sdk.Asc("name_key")}, Limit: limit, Cursor: c.Cursor()}, &rows)
	if err := b.Run(); err != nil {
		return fmt.Errorf("list locations: %w", err)
	}
	if rows == nil {
		rows = []locationRow{}
	}
	for i := range rows {
		rows[i].NameKey = ""
	}
	return c.JSON(http.StatusOK, sdk.NewPage(rows, next.NextCursor))
}

// customerRow is a row of customers.
type customerRow struct {
	ID         string         `json:"id"`
	Name       string         `json:"name"`
	TaxID      *string        `json:"tax_id"`
	Email      *string        `json:"email"`
	LocationID *string        `json:"location_id"`
	CreatedAt  *sdk.Timestamp `json:"created_at,omitempty"`
}

// customerInput is POST /customers; consignee creates the customer's own
// consignee location.
type customerInput struct {
	Name      string `json:"name"`
	TaxID     string `json:"tax_id"`
	Email     string `json:"email"`
	Consignee bool   `json:"consignee"`
}

// checkTaxID validates a customer's or supplier's tax id for the company's
// country (RFC in Mexico, CUIT in Argentina) and returns it normalized.
func (e *env) checkTaxID(field, in string) (*string, []string, error) {
	in = strings.TrimSpace(in)
	if in == "" {
		return nil, nil, nil
	}
	switch strings.ToUpper(e.company.Country) {
	case "MX":
		res, err := taxid.ValidateRFC(in)
		if err != nil {
			return nil, nil, taxIDError(field, err)
		}
		return &res.Normalized, res.Warnings, nil
	case "AR":
		cuit, err := taxid.ValidateCUIT(in)
		if err != nil {
			return nil, nil, taxIDError(field, err)
		}
		return &cuit, nil, nil
	}
	return nil, nil, sdk.InvalidField(field, "cannot be validated for country %q", e.company.Country)
}

// customerView is a customer with the warnings about its tax id.
type customerView struct {
	customerRow
	Warnings []string `json:"warnings,omitempty"`
}

// createCustomer handles POST /customers.
func createCustomer(c *sdk.Context) error {
	e, err := newEnv(c)
	if err != nil {
		return err
	}
	var in customerInput
	if err := c.Bind(&in); err != nil {
		return err
	}
	row := customerRow{ID: uuid.NewString()}
	if row.Name, err = sdk.Text("name", in.Name, 200); err != nil {
		return err
	}
	tax, warnings, err := e.checkTaxID("tax_id", in.TaxID)
	if err != nil {
		return err
	}
	row.TaxID = tax
	if row.Email, err = sdk.OptionalText("email", in.Email, 200); err != nil {
		return err
	}
	b := c.DB().Batch()
	if in.Consignee {
		loc := locationRow{ID: uuid.NewString(), Name: "Consignación " + row.Name, Kind: LocationConsignee, CustomerID: &row.ID}
		loc.NameKey = strings.ToLower(loc.Name) + " " + loc.ID[:8]
		row.LocationID = &loc.ID
		b.Insert("locations", loc)
	}
	b.InsertReturning("customers", row, &row)
	if err := b.Run(); err != nil {
		return fmt.Errorf("create customer: %w", err)
	}
	return c.JSON(http.StatusCreated, customerView{customerRow: row, Warnings: warnings})
}

// getCustomer handles GET /customers/{id}.
func getCustomer(c *sdk.Context) error {
	id, err := c.PathUUID("id", "customer")
	if err != nil {
		return err
	}
	var row customerRow
	if err := c.DB().Get("customers", id, &row); err != nil {
		return fmt.Errorf("get customer: %w", err)
	}
	return c.JSON(http.StatusOK, row)
}

// listCustomers handles GET /customers (?q= name prefix).
func listCustomers(c *sdk.Context) error {
	limit, err := c.Limit(50)
	if err != nil {
		return err
	}
	var where []sdk.Filter
	if q := strings.TrimSpace(c.Query("q")); q != "" {
		where = append(where, sdk.Prefix("name", q))
	}
	var rows []customerRow
	next, err := c.DB().List("customers", sdk.Query{Where: where, OrderBy: []sdk.Order{sdk.Asc("name")}, Limit: limit, Cursor: c.Cursor()}, &rows)
	if err != nil {
		return fmt.Errorf("list customers: %w", err)
	}
	if rows == nil {
		rows = []customerRow{}
	}
	return c.JSON(http.StatusOK, sdk.NewPage(rows, next))
}

// registerRow is a row of registers.
type registerRow struct {
	ID         string         `json:"id"`
	LocationID string         `json:"location_id"`
	Name       string         `json:"name"`
	CreatedAt  *sdk.Timestamp `json:"created_at,omitempty"`
}

// registerInput is POST /registers.
type registerInput struct {
	LocationID string `json:"location_id"`
	Name       string `json:"name"`
}

// createRegister handles POST /registers.
func createRegister(c *sdk.Context) error {
	_, err := newEnv(c)
	if err != nil {
		return err
	}
	var in registerInput
	if err := c.Bind(&in); err != nil {
		return err
	}
	row := registerRow{ID: uuid.NewString()}
	if row.LocationID, err = sdk.UUID("location_id", in.LocationID); err != nil {
		return err
	}
	if row.Name, err = sdk.Text("name", in.Name, 120); err != nil {
		return err
	}
	var loc locationRow
	b := c.DB().Batch()
	b.Get("locations", row.LocationID, &loc)
	if err := b.Run(); err != nil {
		if isCode(err, "not_found") {
			return unknownRef("location_id", row.LocationID)
		}
		return fmt.Errorf("create register: %w", err)
	}
	if loc.Kind == LocationConsignee {
		return sdk.InvalidField("location_id", "is a consignee location: registers belong to stores and warehouses")
	}
	if err := c.DB().InsertReturning("registers", row, &row); err != nil {
		if isCode(err, "duplicate") {
			return sdk.Conflict("register_name_taken", "the location already has a register named "+row.Name)
		}
		return fmt.Errorf("create register: %w", err)
	}
	return c.JSON(http.StatusCreated, row)
}

// listRegisters handles GET /registers (?location_id=).
func listRegisters(c *sdk.Context) error {
	limit, err := c.Limit(100)
	if err != nil {
		return err
	}
	loc, err := c.QueryUUID("location_id")
	if err != nil {
		return err
	}
	var where []sdk.Filter
	if loc != "" {
		where = append(where, sdk.Eq("location_id", loc))
	}
	var rows []registerRow
	next, err := c.DB().List("registers", sdk.Query{Where: where, OrderBy: []sdk.Order{sdk.Asc("name")}, Limit: limit, Cursor: c.Cursor()}, &rows)
	if err != nil {
		return fmt.Errorf("list registers: %w", err)
	}
	if rows == nil {
		rows = []registerRow{}
	}
	return c.JSON(http.StatusOK, sdk.NewPage(rows, next))
}
