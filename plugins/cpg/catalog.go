package cpg

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/sdk"
)

// productRow is a row of products.
type productRow struct {
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	SearchName string          `json:"search_name,omitempty"`
	TaxCode    string          `json:"tax_code"`
	Attributes json.RawMessage `json:"attributes"`
	Version    int64           `json:"version,omitempty"`
	CreatedAt  *Timestamp      `json:"created_at,omitempty"`
	UpdatedAt  *Timestamp      `json:"updated_at,omitempty"`
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
	sku, err := text(field+".sku", in.SKU, 64)
	if err != nil {
		return variantRow{}, err
	}
	if strings.ContainsAny(sku, " \t\n") {
		return variantRow{}, invalidField(field+".sku", "must not contain spaces")
	}
	row := variantRow{ID: uuid.NewString(), ProductID: productID, SKU: strings.ToUpper(sku)}
	if b := strings.TrimSpace(in.Barcode); b != "" {
		if err := ValidateBarcode(b); err != nil {
			return variantRow{}, invalidField(field+".barcode", "%s", err.Error())
		}
		row.Barcode = &b
	}
	if row.Size, err = normalizeOption(field+".size", in.Size, e.cfg.Sizes); err != nil {
		return variantRow{}, err
	}
	if row.Color, err = normalizeOption(field+".color", in.Color, e.cfg.Colors); err != nil {
		return variantRow{}, err
	}
	if row.Price, err = parseDecimal(field+".price", in.Price, priceRule); err != nil {
		return variantRow{}, err
	}
	if row.Cost, err = optionalDecimal(field+".cost", in.Cost, priceRule, decimal.Zero); err != nil {
		return variantRow{}, err
	}
	if row.ReorderPoint, err = optionalDecimal(field+".reorder_point", in.ReorderPoint, numRule{places: 6, allowZero: true, maxDigits: 9}, decimal.Zero); err != nil {
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
		return nil, invalidField("attributes", "must be a JSON object")
	}
	if len(raw) > 16<<10 {
		return nil, invalidField("attributes", "must be at most 16 KiB")
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
	if p.Name, err = text("name", in.Name, 200); err != nil {
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
		return invalidField("variants", "must list 1 to %d variants", maxVariants)
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
	id, err := pathID(c, "id", "product")
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
	id, err := pathID(c, "id", "variant")
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
	id, err := pathID(c, "id", "product")
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
	id, err := pathID(c, "id", "product")
	if err != nil {
		return err
	}
	var in productPatch
	if err := c.Bind(&in); err != nil {
		return err
	}
	set := map[string]any{}
	if in.Name != nil {
		name, err := text("name", *in.Name, 200)
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
		return invalidField("body", "must set at least one of name, tax_rate, attributes")
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
	id, err := pathID(c, "id", "variant")
	if err != nil {
		return err
	}
	var in variantPatch
	if err := c.Bind(&in); err != nil {
		return err
	}
	set := map[string]any{}
	if in.Price != nil {
		if set["price"], err = parseDecimal("price", *in.Price, priceRule); err != nil {
			return err
		}
	}
	if in.ReorderPoint != nil {
		if set["reorder_point"], err = parseDecimal("reorder_point", *in.ReorderPoint, numRule{places: 6, allowZero: true, maxDigits: 9}); err != nil {
			return err
		}
	}
	if in.Barcode != nil {
		if b := strings.TrimSpace(*in.Barcode); b == "" {
			set["barcode"] = nil
		} else if err := ValidateBarcode(b); err != nil {
			return invalidField("barcode", "%s", err.Error())
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
		return invalidField("body", "must set at least one of price, reorder_point, barcode, size, color")
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

// listProducts handles GET /products: ?q= matches the start of the name
// (any case), ?sku= the start of a SKU (then each product lists only its
// matching variants), ?attributes= a JSON object the attributes contain.
// Pages are ordered by name; without sku or attributes a page takes one
// statement (qProductPage).
func listProducts(c *sdk.Context) error {
	e, err := newEnv(c)
	if err != nil {
		return err
	}
	limit, err := c.Limit(50)
	if err != nil {
		return err
	}
	q := strings.ToLower(strings.TrimSpace(c.Query("q")))
	attrs := c.Query("attributes")
	sku := strings.TrimSpace(c.Query("sku"))
	switch {
	case sku != "" && (q != "" || attrs != ""):
		return sdk.BadRequest("invalid_query", "sku cannot be combined with q or attributes")
	case sku != "":
		return listBySKU(c, e, strings.ToUpper(sku), limit)
	case attrs != "":
		return listByAttributes(c, e, q, attrs, limit)
	}
	after, err := decodeNameCursor(c.Cursor())
	if err != nil {
		return err
	}
	if after.Name < q {
		after = nameCursor{Name: q, ID: firstPage.ID}
	}
	var rows []struct {
		productRow
		Variants json.RawMessage `json:"variants"`
	}
	if err := c.DB().Query(qProductPage, &rows, q+maxRune, likePrefix(q), after.Name, after.ID, limit+1); err != nil {
		return fmt.Errorf("list products: %w", err)
	}
	next := ""
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[limit-1]
		next = sdk.EncodeCursor(nameCursor{Name: last.SearchName, ID: last.ID})
	}
	items := make([]productListItem, len(rows))
	for i, r := range rows {
		items[i] = productListItem{productView: e.productView(r.productRow, nil), Variants: r.Variants}
	}
	return c.JSON(http.StatusOK, sdk.NewPage(items, next))
}

// maxRune bounds a prefix range: every string starting with p sorts before
// p+maxRune in byte order.
const maxRune = "\U0010FFFF"

// likePrefix is the LIKE pattern of strings starting with s.
func likePrefix(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s) + "%"
}

// nameCursor is the position after which a page by name starts.
type nameCursor struct {
	Name string `json:"n"`
	ID   string `json:"i"`
}

// firstPage is the cursor before every product.
var firstPage = nameCursor{ID: "00000000-0000-0000-0000-000000000000"}

func decodeNameCursor(s string) (nameCursor, error) {
	if s == "" {
		return firstPage, nil
	}
	var c nameCursor
	if err := sdk.DecodeCursor(s, &c); err != nil {
		return nameCursor{}, err
	}
	if _, err := uuid.Parse(c.ID); err != nil {
		return nameCursor{}, sdk.InvalidCursor()
	}
	return c, nil
}

// listByAttributes lists the products whose attributes contain a JSON
// object (and whose name starts with q), through the DAL's filters.
func listByAttributes(c *sdk.Context, e *env, q, attrs string, limit int) error {
	var obj map[string]any
	if err := json.Unmarshal([]byte(attrs), &obj); err != nil || obj == nil {
		return sdk.BadRequest("invalid_query", "query parameter attributes must be a JSON object").
			WithDetails(map[string]any{"parameter": "attributes"})
	}
	filters := []sdk.Filter{sdk.Contains("attributes", obj)}
	if q != "" {
		filters = append(filters, prefixRange("search_name", q)...)
	}
	var products []productRow
	next, err := c.DB().List("products", sdk.Query{
		Where: filters, OrderBy: []sdk.Order{sdk.Asc("search_name")}, Limit: limit, Cursor: c.Cursor(),
	}, &products)
	if err != nil {
		return fmt.Errorf("list products: %w", err)
	}
	ids := make([]string, len(products))
	for i, p := range products {
		ids[i] = p.ID
	}
	var variants []struct {
		ProductID string          `json:"product_id"`
		Variants  json.RawMessage `json:"variants"`
	}
	if len(ids) > 0 {
		if err := c.DB().Query(qVariantsJSON, &variants, uuidArray(ids)); err != nil {
			return fmt.Errorf("list products: %w", err)
		}
	}
	byProduct := make(map[string]json.RawMessage, len(variants))
	for _, v := range variants {
		byProduct[v.ProductID] = v.Variants
	}
	items := make([]productListItem, len(products))
	for i, p := range products {
		items[i] = productListItem{productView: e.productView(p, nil), Variants: byProduct[p.ID]}
		if items[i].Variants == nil {
			items[i].Variants = json.RawMessage("[]")
		}
	}
	return c.JSON(http.StatusOK, sdk.NewPage(items, next))
}

// productListItem is a product of a list: its variants come rendered by
// the database (variantJSON) with the fields a point of sale picks by.
type productListItem struct {
	productView
	Variants json.RawMessage `json:"variants"`
}

// prefixRange matches a COLLATE "C" column starting with prefix. Under
// row-level security PostgreSQL cannot turn LIKE (not leakproof) into an
// index range, so the range is spelled out with comparisons (leakproof):
// prefix <= col < prefix+U+10FFFF bounds the index scan, and the prefix
// filter keeps the match exact.
func prefixRange(column, prefix string) []sdk.Filter {
	return []sdk.Filter{sdk.Gte(column, prefix), sdk.Lt(column, prefix+maxRune), sdk.Prefix(column, prefix)}
}

// listBySKU lists the products of the variants whose SKU starts with
// prefix, paginated by variant.
func listBySKU(c *sdk.Context, e *env, prefix string, limit int) error {
	var variants []variantRow
	next, err := c.DB().List("variants", sdk.Query{
		Where: prefixRange("sku", prefix), OrderBy: []sdk.Order{sdk.Asc("sku")},
		Limit: limit, Cursor: c.Cursor(),
	}, &variants)
	if err != nil {
		return fmt.Errorf("list products: %w", err)
	}
	seen := map[string]bool{}
	var ids []string
	for _, v := range variants {
		if !seen[v.ProductID] {
			seen[v.ProductID] = true
			ids = append(ids, v.ProductID)
		}
	}
	var products []productRow
	if len(ids) > 0 {
		if err := c.DB().Query(qProductsByIDs, &products, uuidArray(ids)); err != nil {
			return fmt.Errorf("list products: %w", err)
		}
	}
	byID := map[string]productRow{}
	for _, p := range products {
		byID[p.ID] = p
	}
	ordered := make([]productRow, 0, len(ids))
	for _, id := range ids {
		ordered = append(ordered, byID[id])
	}
	return c.JSON(http.StatusOK, sdk.NewPage(e.productViews(ordered, variants), next))
}

func (e *env) productViews(products []productRow, variants []variantRow) []productView {
	byProduct := map[string][]variantRow{}
	for _, v := range variants {
		byProduct[v.ProductID] = append(byProduct[v.ProductID], v)
	}
	out := make([]productView, 0, len(products))
	for _, p := range products {
		out = append(out, e.productView(p, byProduct[p.ID]))
	}
	return out
}

// scanRow is what GET /products/scan/{code} reads.
type scanRow struct {
	VariantID   string          `json:"variant_id"`
	ProductID   string          `json:"product_id"`
	ProductName string          `json:"product_name"`
	SKU         string          `json:"sku"`
	Barcode     *string         `json:"barcode"`
	Size        *string         `json:"size"`
	Color       *string         `json:"color"`
	Price       decimal.Decimal `json:"price"`
	TaxCode     string          `json:"tax_code"`
	OnHand      decimal.Decimal `json:"on_hand"`
}

// scanView is the answer of GET /products/scan/{code}.
type scanView struct {
	VariantID   string  `json:"variant_id"`
	ProductID   string  `json:"product_id"`
	ProductName string  `json:"product_name"`
	SKU         string  `json:"sku"`
	Barcode     *string `json:"barcode"`
	Size        *string `json:"size"`
	Color       *string `json:"color"`
	Price       string  `json:"price"`
	TaxRate     string  `json:"tax_rate"`
	TaxCode     string  `json:"tax_code"`
	LocationID  string  `json:"location_id"`
	OnHand      string  `json:"on_hand"`
}

// scanProduct handles GET /products/scan/{code}: a SKU or barcode resolves
// to its variant with price and on-hand at ?location_id= (default: the
// company's "Principal" location).
func scanProduct(c *sdk.Context) error {
	e, err := newEnv(c)
	if err != nil {
		return err
	}
	code := strings.ToUpper(strings.TrimSpace(c.Param("code")))
	if code == "" || len(code) > 64 {
		return notFound("code", code)
	}
	loc, err := queryID(c, "location_id")
	if err != nil {
		return err
	}
	if loc == "" {
		loc = e.principal()
	}
	// The answer is cached until the catalog or the location's stock
	// changes (invalidated after the writing request commits).
	body, err := c.Cache().GetOrLoad("scan:"+loc+":"+code, scanTTL, []string{catalogTag, stockTag(loc)}, func() ([]byte, error) {
		var rows []scanRow
		if err := c.DB().Query(qScan, &rows, code, loc); err != nil {
			return nil, fmt.Errorf("scan: %w", err)
		}
		if len(rows) == 0 {
			return nil, sdk.NotFound("not_found", "no variant has SKU or barcode "+code).WithDetails(map[string]any{"code": code})
		}
		r := rows[0]
		v := scanView{
			VariantID: r.VariantID, ProductID: r.ProductID, ProductName: r.ProductName, SKU: r.SKU, Barcode: r.Barcode,
			Size: r.Size, Color: r.Color, Price: fmtPrice(r.Price), TaxCode: r.TaxCode, LocationID: loc, OnHand: fmtQty(r.OnHand),
		}
		if rate, ok := e.rates[r.TaxCode]; ok {
			v.TaxRate = percent(rate)
		}
		return json.Marshal(v)
	})
	if err != nil {
		return err
	}
	c.SetHeader("Content-Type", "application/json")
	return c.Blob(http.StatusOK, body)
}

// Cache tags of scan answers: the catalog as a whole, and each location's
// stock.
const (
	scanTTL    = 5 * time.Minute
	catalogTag = "catalog"
)

func stockTag(location string) string { return "stock:" + location }

// invalidate drops cached entries tagged with tags once the call's unit of
// work commits. A cache that cannot take the invalidation is logged, never
// a reason to fail the request: entries expire within scanTTL anyway.
func invalidate(c *sdk.Context, tags ...string) {
	if len(tags) == 0 {
		return
	}
	if err := c.Cache().InvalidateTags(tags...); err != nil {
		c.Logger().Warn("cache invalidation failed", "tags", tags, "error", err)
	}
}

// ValidateBarcode checks a GTIN barcode: EAN-8, UPC-A (12 digits) or
// EAN-13, with its GS1 mod-10 check digit.
func ValidateBarcode(code string) error {
	switch len(code) {
	case 8, 12, 13:
	default:
		return fmt.Errorf("must be an EAN-8, UPC-A (12 digits) or EAN-13, got %d characters", len(code))
	}
	sum := 0
	for i := len(code) - 2; i >= 0; i-- {
		d := int(code[i] - '0')
		if d < 0 || d > 9 {
			return fmt.Errorf("must hold only digits")
		}
		if (len(code)-2-i)%2 == 0 {
			d *= 3
		}
		sum += d
	}
	last := int(code[len(code)-1] - '0')
	if last < 0 || last > 9 {
		return fmt.Errorf("must hold only digits")
	}
	if want := (10 - sum%10) % 10; last != want {
		return fmt.Errorf("check digit is %d, expected %d", last, want)
	}
	return nil
}
