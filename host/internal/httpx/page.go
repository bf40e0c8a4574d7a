package httpx

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// MaxLimit is the largest page size any list endpoint accepts.
const MaxLimit = 500

// Page is the response shape of every keyset-paginated list:
// {"data":[...],"next_cursor":"..."} with next_cursor null on the last page.
type Page[T any] struct {
	Data       []T     `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

// NewPage returns a page holding data (never encoded as null) and the opaque
// cursor of the next page; an empty next marks the last page.
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

// EncodeCursor returns v as an opaque cursor (base64url of its JSON). v is
// the keyset position of the last row of a page, typically a small struct;
// a value that cannot be encoded as JSON is a programming error and panics.
func EncodeCursor(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("httpx: encode cursor: %v", err))
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor decodes a cursor made by EncodeCursor into v (a pointer). Any
// cursor the server did not make — bad base64, bad JSON, unknown fields,
// wrong types — is a 400 invalid_cursor.
func DecodeCursor(s string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return invalidCursor()
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return invalidCursor()
	}
	if dec.More() {
		return invalidCursor()
	}
	return nil
}

func invalidCursor() *Error {
	return BadRequest("invalid_cursor", "cursor is not valid; pass next_cursor from the previous page unchanged")
}

// ParseLimit reads the "limit" query parameter: absent or empty gives def,
// anything that is not a whole number in [1, maxLimit] is InvalidLimit.
// maxLimit is capped at MaxLimit. Every list endpoint reads its page size
// here, so a bad limit has one code everywhere.
func ParseLimit(r *http.Request, def, maxLimit int) (int, error) {
	maxLimit = min(maxLimit, MaxLimit)
	raw := r.URL.Query().Get("limit")
	if raw == "" {
		return def, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > maxLimit {
		return 0, InvalidLimit(maxLimit)
	}
	return n, nil
}

// InvalidLimit is the error of a page size outside [1, maxLimit]: 400
// invalid_limit with details {"field":"limit","max":maxLimit}.
func InvalidLimit(maxLimit int) *Error {
	return BadRequest("invalid_limit", fmt.Sprintf("limit must be a whole number between 1 and %d", maxLimit)).
		WithDetails(map[string]any{"field": "limit", "max": maxLimit})
}
