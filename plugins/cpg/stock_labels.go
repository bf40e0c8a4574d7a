package cpg

import (
	"fmt"

	"github.com/nexuspos/nexus/sdk"
)

// variantLabel is what a screen shows of a variant next to its stock.
type variantLabel struct {
	ID    string  `json:"id"`
	SKU   string  `json:"sku"`
	Size  *string `json:"size"`
	Color *string `json:"color"`
}

// variantLabels reads the SKU, size and color of the variants ids (at most
// a page of them) in one call, by id.
func variantLabels(c *sdk.Context, ids []string) (map[string]variantLabel, error) {
	out := make(map[string]variantLabel, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	in := make([]any, len(ids))
	for i, id := range ids {
		in[i] = id
	}
	var rows []variantLabel
	if _, err := c.DB().List("variants", sdk.Query{
		Where: []sdk.Filter{sdk.In("id", in...)}, OrderBy: []sdk.Order{sdk.Asc("id")}, Limit: len(ids),
	}, &rows); err != nil {
		return nil, fmt.Errorf("variant labels: %w", err)
	}
	for _, r := range rows {
		out[r.ID] = r
	}
	return out, nil
}
