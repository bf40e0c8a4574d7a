package cpg

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/sdk"
)

// Scanning a code at the point of sale, and the cache its answers live in.

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
	loc, err := c.QueryUUID("location_id")
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
