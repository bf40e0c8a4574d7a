package sdk

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
)

// MaxLimit is the largest page size a list answers, on the host as in a
// vertical.
const MaxLimit = 500

// maxCursorLen bounds the cursors DecodeCursor accepts.
const maxCursorLen = 8 << 10

// Page is the response shape of every list of the platform:
// {"data":[...],"next_cursor":"..."}, next_cursor null on the last page.
// Answer one with c.JSON(http.StatusOK, sdk.NewPage(rows, next)).
type Page[T any] struct {
	Data       []T     `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

// NewPage returns a page holding data (never encoded as null) followed by
// the page at cursor next; "" marks the last page. The cursor DB.List
// returns can be passed as next unchanged.
func NewPage[T any](data []T, next string) Page[T] {
	if data == nil {
		data = []T{}
	}
	p := Page[T]{Data: data}
	if next != "" {
		p.NextCursor = &next
	}
	return p
}

// ParseLimit reads a page size given as the "limit" query parameter: ""
// gives def, anything that is not a whole number from 1 to MaxLimit is the
// host's 400 invalid_limit, with details {"field":"limit","max":MaxLimit}.
func ParseLimit(raw string, def int) (int, error) {
	if raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > MaxLimit {
		return 0, BadRequest("invalid_limit", fmt.Sprintf("limit must be a whole number between 1 and %d", MaxLimit)).
			WithDetails(map[string]any{"field": "limit", "max": MaxLimit})
	}
	return n, nil
}

// Limit reads the request's "limit" query parameter with ParseLimit.
func (c *Context) Limit(def int) (int, error) { return ParseLimit(c.Query("limit"), def) }

// Cursor returns the request's "cursor" query parameter: "" for the first
// page, else what the previous page answered as next_cursor. Pass it to
// Query.Cursor, or to DecodeCursor for a list the vertical pages itself.
func (c *Context) Cursor() string { return c.Query("cursor") }

// EncodeCursor returns v, the keyset position of a page's last row
// (typically a small struct), as an opaque cursor: the base64url of its
// JSON. A value JSON cannot encode is a programming error and panics.
func EncodeCursor(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("sdk: encode cursor: %v", err))
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor decodes a cursor made by EncodeCursor into v (a pointer).
// Anything else — bad base64, bad JSON, unknown fields, wrong types, an
// oversized cursor — is the host's 400 invalid_cursor.
func DecodeCursor(s string, v any) error {
	if len(s) > maxCursorLen {
		return InvalidCursor()
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return InvalidCursor()
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil || dec.More() {
		return InvalidCursor()
	}
	return nil
}

// InvalidCursor is the host's 400 invalid_cursor, for a cursor the list
// did not issue: DecodeCursor answers it, and a vertical answers it too
// when a decoded cursor holds values its list cannot have written.
func InvalidCursor() *Error {
	return BadRequest("invalid_cursor", "cursor is not valid; pass next_cursor from the previous page unchanged").
		WithDetails(map[string]any{"field": "cursor"})
}

// KeysetPage cuts rows, read with a limit of limit+1 in the list's order
// (a unique key, so no two rows tie), to the page it answers: the first
// limit rows and, when there was one more, the cursor of the next page —
// EncodeCursor of key applied to the page's last row — or "" on the last
// page. The list reads the cursor back with DecodeCursor into the type key
// returns, and continues after that key.
func KeysetPage[T, K any](rows []T, limit int, key func(last T) K) ([]T, string) {
	if limit < 0 || len(rows) <= limit {
		return rows, ""
	}
	rows = rows[:limit]
	if limit == 0 {
		return rows, ""
	}
	return rows, EncodeCursor(key(rows[limit-1]))
}
