package cpg

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/gtin"
	"github.com/nexuspos/nexus/sdk/money"
)

// productRow is a row of products.
type productRow struct {
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	SearchName string          `json:"search_name,omitempty"`
	TaxCode    string          `json:"tax_code"`
	Attributes json.RawMessage `json:"attributes"`
	Version    int64           `json:"version,omitempty"`
	CreatedAt  *sdk.Timestamp  `json:"created_at,omitempty"`
	UpdatedAt  *sdk.Timestamp  `json:"updated_at,omitempty"`
}

// variantRow is a row of variants.
type variantRow struct {
	ID           string          `json:"id"`
	ProductID    string          `json:"product_id"`
	SKU          string          `json:"sku"`
	Barcode      *string         `json:"barcode"`
	Size         *string         `json:"size"`
	Color        *string         `json:"color"`
	Price        decimal.Decimal `json:"price"`
	Cost         decimal.Decimal `json:"cost"`
	ReorderPoint decimal.Decimal `json:"reorder_point"`
	Version      int64           `json:"version,omitempty"`
}

// variantInfo is a variant with what a document needs of its product.
type variantInfo struct {
	variantRow
	Name    string `json:"name"`
	TaxCode string `json:"tax_code"`
}

// description is how a variant appears on a ticket: "Camiseta M Rojo".
func (v variantInfo) description() string {
	parts := []string{v.Name}
	for _, p := range []*string{v.Size, v.Color} {
		if p != nil && *p != "" {
			parts = append(parts, *p)
		}
	}
	return strings.Join(parts, " ")
}

// variantView is a variant as the API shows it.
type variantView struct {
	ID           string  `json:"id"`
	ProductID    string  `json:"product_id"`
	SKU          string  `json:"sku"`
	Barcode      *string `json:"barcode"`
	Size         *string `json:"size"`
	Color        *string `json:"color"`
	Price        string  `json:"price"`
	Cost         string  `json:"cost"`
	ReorderPoint string  `json:"reorder_point"`
	Version      int64   `json:"version"`
}

func (v variantRow) view() variantView {
	version := v.Version
	if version == 0 {
		version = 1
	}
	return variantView{
		ID: v.ID, ProductID: v.ProductID, SKU: v.SKU, Barcode: v.Barcode, Size: v.Size, Color: v.Color,
		Price: fmtPrice(v.Price), Cost: fmtPrice(v.Cost), ReorderPoint: fmtQty(v.ReorderPoint), Version: version,
	}
}

// productView is a product with its variants as the API shows it.
type productView struct {
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	TaxRate    string          `json:"tax_rate"`
	TaxCode    string          `json:"tax_code"`
	Attributes json.RawMessage `json:"attributes"`
	Version    int64           `json:"version"`
	Variants   []variantView   `json:"variants"`
}

func (e *env) productView(p productRow, variants []variantRow) productView {
	v := productView{ID: p.ID, Name: p.Name, TaxCode: p.TaxCode, Attributes: p.Attributes, Version: max(p.Version, 1),
		Variants: make([]variantView, 0, len(variants))}
	if r, ok := e.rates[p.TaxCode]; ok {
		v.TaxRate = percent(r)
	}
	if len(v.Attributes) == 0 {
		v.Attributes = json.RawMessage("{}")
	}
	for _, vr := range variants {
		v.Variants = append(v.Variants, vr.view())
	}
	return v
}

// variantInput is a variant in a product request.
type variantInput struct {
	SKU          string  `json:"sku"`
	Barcode      string  `json:"barcode"`
	Size         string  `json:"size"`
	Color        string  `json:"color"`
	Price        string  `json:"price"`
	Cost         *string `json:"cost"`
	ReorderPoint *string `json:"reorder_point"`
}

// productInput is POST /products.
type productInput struct {
	Name       string          `json:"name"`
	TaxRate    string          `json:"tax_rate"`
	Attributes json.RawMessage `json:"attributes"`
	Variants   []variantInput  `json:"variants"`
}

// maxVariants bounds the variants of one request.
const maxVariants = 200

// checkVariant validates one variant input into a row of product.
func (e *env) checkVariant(field string, in variantInput, productID string) (variantRow, error) {
	sku, err := sdk.Text(field+".sku", in.SKU, 64)
	if err != nil {
		return variantRow{}, err
	}
	if strings.ContainsAny(sku, " \t\n") {
		return variantRow{}, sdk.InvalidField(field+".sku", "must not contain spaces")
	}
	row := variantRow{ID: uuid.NewString(), ProductID: productID, SKU: strings.ToUpper(sku)}
	if b := strings.TrimSpace(in.Barcode); b != "" {
		if err := gtin.Validate(b); err != nil {
			return variantRow{}, sdk.InvalidField(field+".barcode", "%s", err.Error())
		}
		row.Barcode = &b
	}
	if row.Size, err = normalizeOption(field+".size", in.Size, e.cfg.Sizes); err != nil {
		return variantRow{}, err
	}
	if row.Color, err = normalizeOption(field+".color", in.Color, e.cfg.Colors); err != nil {
		return variantRow{}, err
	}
	if row.Price, err = money.PriceLimits.Parse(field+".price", in.Price); err != nil {
		return variantRow{}, err
	}
	if row.Cost, err = optionalDecimal(field+".cost", in.Cost, money.PriceLimits, decimal.Zero); err != nil {
		return variantRow{}, err
	}
	if row.ReorderPoint, err = optionalDecimal(field+".reorder_point", in.ReorderPoint, reorderPointLimits, decimal.Zero); err != nil {
		return variantRow{}, err
	}
	return row, nil
}

// checkAttributes validates a product's attributes: a JSON object of at
// most 16 KiB.
func checkAttributes(raw json.RawMessage) (json.RawMessage, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return json.RawMessage("{}"), nil
	}
	var obj map[string]any
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return nil, sdk.InvalidField("attributes", "must be a JSON object")
	}
	if len(raw) > 16<<10 {
		return nil, sdk.InvalidField("attributes", "must be at most 16 KiB")
	}
	return raw, nil
}

// checkUniqueCodes refuses SKUs or barcodes repeated within one request.
func checkUniqueCodes(rows []variantRow) error {
	skus, barcodes := map[string]bool{}, map[string]bool{}
	for i, r := range rows {
		if skus[r.SKU] {
			return sdk.Conflict("sku_taken", "SKU "+r.SKU+" appears twice").
				WithDetails(map[string]any{"field": fmt.Sprintf("variants[%d].sku", i), "sku": r.SKU})
		}
		skus[r.SKU] = true
		if r.Barcode != nil {
			if barcodes[*r.Barcode] {
				return sdk.Conflict("barcode_taken", "barcode "+*r.Barcode+" appears twice").
					WithDetails(map[string]any{"field": fmt.Sprintf("variants[%d].barcode", i), "barcode": *r.Barcode})
			}
			barcodes[*r.Barcode] = true
		}
	}
	return nil
}

// codesTaken queues a look-up of existing variants with the rows' SKUs or
// barcodes and returns the check to run after the batch.
func codesTaken(b *sdk.Batch, rows []variantRow) func() error {
	skus, barcodes := []string{}, []string{}
	for _, r := range rows {
		skus = append(skus, r.SKU)
		if r.Barcode != nil {
			barcodes = append(barcodes, *r.Barcode)
		}
	}
	var taken []variantRow
	b.Query(qVariantsByCodes, &taken, textArray(skus), textArray(barcodes))
	return func() error {
		for _, t := range taken {
			for _, r := range rows {
				if t.SKU == r.SKU {
					return sdk.Conflict("sku_taken", "SKU "+r.SKU+" is already used by variant "+t.ID).
						WithDetails(map[string]any{"sku": r.SKU, "variant_id": t.ID})
				}
				if t.Barcode != nil && r.Barcode != nil && *t.Barcode == *r.Barcode {
					return sdk.Conflict("barcode_taken", "barcode "+*r.Barcode+" is already used by variant "+t.ID).
						WithDetails(map[string]any{"barcode": *r.Barcode, "variant_id": t.ID})
				}
			}
		}
		return nil
	}
}

// duplicateCode maps a unique violation that slipped past the pre-check (a
// concurrent insert) to the same 409.
func duplicateCode(err error) error {
	if isCode(err, "duplicate") {
		return sdk.Conflict("sku_taken", "a SKU or barcode of this request is already used")
	}
	return err
}

// createProduct handles POST /products.
func createProduct(c *sdk.Context) error {
	e, err := newEnv(c)
	if err != nil {
		return err
	}
	var in productInput
	if err := c.Bind(&in); err != nil {
		return err
	}
	p := productRow{ID: uuid.NewString()}
	if p.Name, err = sdk.Text("name", in.Name, 200); err != nil {
		return err
	}
	p.SearchName = strings.ToLower(p.Name)
	rate, err := e.taxRate("tax_rate", in.TaxRate)
	if err != nil {
		return err
	}
	p.TaxCode = rate.Code
	if p.Attributes, err = checkAttributes(in.Attributes); err != nil {
		return err
	}
	if len(in.Variants) == 0 || len(in.Variants) > maxVariants {
		return sdk.InvalidField("variants", "must list 1 to %d variants", maxVariants)
	}
	rows := make([]variantRow, len(in.Variants))
	for i, vi := range in.Variants {
		if rows[i], err = e.checkVariant(fmt.Sprintf("variants[%d]", i), vi, p.ID); err != nil {
			return err
		}
	}
	if err := checkUniqueCodes(rows); err != nil {
		return err
	}
	b := c.DB().Batch()
	check := codesTaken(b, rows)
	if err := b.Run(); err != nil {
		return fmt.Errorf("create product: %w", err)
	}
	if err := check(); err != nil {
		return err
	}
	b = c.DB().Batch()
	b.Insert("products", p)
	b.Insert("variants", rows)
	if err := b.Run(); err != nil {
		return fmt.Errorf("create product: %w", duplicateCode(err))
	}
	return c.JSON(http.StatusCreated, e.productView(p, rows))
}

// addVariant handles POST /products/{id}/variants.
func addVariant(c *sdk.Context) error {
	e, err := newEnv(c)
	if err != nil {
		return err
	}
	id, err := c.PathUUID("id", "product")
	if err != nil {
		return err
	}
	var in variantInput
	if err := c.Bind(&in); err != nil {
		return err
	}
	row, err := e.checkVariant("variant", in, id)
	if err != nil {
		return err
	}
	b := c.DB().Batch()
	var p productRow
	b.Get("products", id, &p)
	check := codesTaken(b, []variantRow{row})
	if err := b.Run(); err != nil {
		return fmt.Errorf("add variant: %w", err)
	}
	if err := check(); err != nil {
		return err
	}
	if err := c.DB().InsertReturning("variants", row, &row); err != nil {
		return fmt.Errorf("add variant: %w", duplicateCode(err))
	}
	return c.JSON(http.StatusCreated, row.view())
}

// getVariant handles GET /variants/{id}: the variant as a product lists it,
// with its cost, reorder point and version.
func getVariant(c *sdk.Context) error {
	id, err := c.PathUUID("id", "variant")
	if err != nil {
		return err
	}
	var v variantRow
	if err := c.DB().Get("variants", id, &v); err != nil {
		return fmt.Errorf("get variant: %w", err)
	}
	return c.JSON(http.StatusOK, v.view())
}

// getProduct handles GET /products/{id}.
func getProduct(c *sdk.Context) error {
	e, err := newEnv(c)
	if err != nil {
		return err
	}
	id, err := c.PathUUID("id", "product")
	if err != nil {
		return err
	}
	var (
		p        productRow
		variants []variantRow
	)
	b := c.DB().Batch()
	b.Get("products", id, &p)
	b.Query(qVariantsOfProducts, &variants, uuidArray([]string{id}))
	if err := b.Run(); err != nil {
		return fmt.Errorf("get product: %w", err)
	}
	return c.JSON(http.StatusOK, e.productView(p, variants))
}

// productPatch is PATCH /products/{id}.
type productPatch struct {
	Name       *string         `json:"name"`
	TaxRate    *string         `json:"tax_rate"`
	Attributes json.RawMessage `json:"attributes"`
	Version    *int64          `json:"version"`
}

// updateProduct handles PATCH /products/{id}; with "version" it only
// applies to that version (409 version_conflict otherwise).
func updateProduct(c *sdk.Context) error {
	e, err := newEnv(c)
	if err != nil {
		return err
	}
	id, err := c.PathUUID("id", "product")
	if err != nil {
		return err
	}
	var in productPatch
	if err := c.Bind(&in); err != nil {
		return err
	}
	set := map[string]any{}
	if in.Name != nil {
		name, err := sdk.Text("name", *in.Name, 200)
		if err != nil {
			return err
		}
		set["name"], set["search_name"] = name, strings.ToLower(name)
	}
	if in.TaxRate != nil {
		r, err := e.taxRate("tax_rate", *in.TaxRate)
		if err != nil {
			return err
		}
		set["tax_code"] = r.Code
	}
	if in.Attributes != nil {
		attrs, err := checkAttributes(in.Attributes)
		if err != nil {
			return err
		}
		set["attributes"] = attrs
	}
	if len(set) == 0 {
		return sdk.InvalidField("body", "must set at least one of name, tax_rate, attributes")
	}
	var opts []sdk.WriteOption
	if in.Version != nil {
		opts = append(opts, sdk.IfVersion(*in.Version))
	}
	var p productRow
	var variants []variantRow
	b := c.DB().Batch()
	b.Update("products", id, set, append(opts, sdk.Into(&p))...)
	b.Query(qVariantsOfProducts, &variants, uuidArray([]string{id}))
	if err := b.Run(); err != nil {
		return fmt.Errorf("update product: %w", err)
	}
	invalidate(c, catalogTag)
	return c.JSON(http.StatusOK, e.productView(p, variants))
}

// variantPatch is PATCH /variants/{id}.
type variantPatch struct {
	Price        *string `json:"price"`
	ReorderPoint *string `json:"reorder_point"`
	Barcode      *string `json:"barcode"`
	Size         *string `json:"size"`
	Color        *string `json:"color"`
	Version      *int64  `json:"version"`
}

// updateVariant handles PATCH /variants/{id}. The cost is not editable: it
// is the moving average kept by receipts.
func updateVariant(c *sdk.Context) error {
	e, err := newEnv(c)
	if err != nil {
		return err
	}
	id, err := c.PathUUID("id", "variant")
	if err != nil {
		return err
	}
	var in variantPatch
	if err := c.Bind(&in); err != nil {
		return err
	}
	set := map[string]any{}
	if in.Price != nil {
		if set["price"], err = money.PriceLimits.Parse("price", *in.Price); err != nil {
			return err
		}
	}
	if in.ReorderPoint != nil {
		if set["reorder_point"], err = reorderPointLimits.Parse("reorder_point", *in.ReorderPoint); err != nil {
			return err
		}
	}
	if in.Barcode != nil {
		if b := strings.TrimSpace(*in.Barcode); b == "" {
			set["barcode"] = nil
		} else if err := gtin.Validate(b); err != nil {
			return sdk.InvalidField("barcode", "%s", err.Error())
		} else {
			set["barcode"] = b
		}
	}
	if in.Size != nil {
		if set["size"], err = normalizeOption("size", *in.Size, e.cfg.Sizes); err != nil {
			return err
		}
	}
	if in.Color != nil {
		if set["color"], err = normalizeOption("color", *in.Color, e.cfg.Colors); err != nil {
			return err
		}
	}
	if len(set) == 0 {
		return sdk.InvalidField("body", "must set at least one of price, reorder_point, barcode, size, color")
	}
	var opts []sdk.WriteOption
	if in.Version != nil {
		opts = append(opts, sdk.IfVersion(*in.Version))
	}
	var v variantRow
	if err := c.DB().Update("variants", id, set, append(opts, sdk.Into(&v))...); err != nil {
		if isCode(err, "duplicate") {
			return sdk.Conflict("barcode_taken", "the barcode is already used by another variant")
		}
		return fmt.Errorf("update variant: %w", err)
	}
	invalidate(c, catalogTag)
	return c.JSON(http.StatusOK, v.view())
}
