package cpg

import (
	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/sdk"
)

// groupCursor is the keyset position after which a page of a grouped
// report starts: the last row's sort value (none when rows go by key) and
// key.
type groupCursor struct {
	Sort *string `json:"s,omitempty"`
	Key  *string `json:"k"`
}

// groupPageArgs reads the ?limit= (default 100) and ?cursor= of grouped
// report r and returns its page query's trailing arguments — the sort value
// and key after which the page starts, and one row more than the page, to
// tell whether another follows — and the page size.
func groupPageArgs(c *sdk.Context, r groupedReport) ([]any, int, error) {
	limit, err := c.Limit(100)
	if err != nil {
		return nil, 0, err
	}
	raw := c.Cursor()
	if raw == "" {
		return []any{nil, nil, limit + 1}, limit, nil
	}
	var cur groupCursor
	if err := sdk.DecodeCursor(raw, &cur); err != nil {
		return nil, 0, err
	}
	if cur.Key == nil || (cur.Sort == nil) != (r.order == byKey) {
		return nil, 0, sdk.InvalidCursor()
	}
	if r.order == bySortDesc {
		if _, err := decimal.NewFromString(*cur.Sort); err != nil {
			return nil, 0, sdk.InvalidCursor()
		}
	}
	return []any{cur.Sort, *cur.Key, limit + 1}, limit, nil
}

// cursorAfter is the keyset position after a row of grouped report r with
// sort value sort and key.
func (r groupedReport) cursorAfter(sort, key string) groupCursor {
	cur := groupCursor{Key: &key}
	if r.order != byKey {
		cur.Sort = &sort
	}
	return cur
}

// reportNamed is the grouped report whose page query is name.
func reportNamed(name string) groupedReport {
	for _, r := range groupedReports {
		if r.name == name {
			return r
		}
	}
	panic("cpg: no grouped report " + name)
}
