package cpg

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/nexuspos/nexus/sdk"
)

// Listing the catalog: by name, by SKU prefix, by attributes.

// productPageRow is a row of qProductPage: a product and its variants.
type productPageRow struct {
	productRow
	Variants json.RawMessage `json:"variants"`
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
	var rows []productPageRow
	if err := c.DB().Query(qProductPage, &rows, q+maxRune, likePrefix(q), after.Name, after.ID, limit+1); err != nil {
		return fmt.Errorf("list products: %w", err)
	}
	rows, next := sdk.KeysetPage(rows, limit, func(r productPageRow) nameCursor { return nameCursor{Name: r.SearchName, ID: r.ID} })
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
		return sdk.InvalidQuery("attributes", "must be a JSON object")
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
