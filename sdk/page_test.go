package sdk

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw  string
		want int
		bad  bool
	}{
		{"", 50, false},
		{"1", 1, false},
		{"500", 500, false},
		{"20", 20, false},
		{"0", 0, true},
		{"-1", 0, true},
		{"501", 0, true},
		{"1.5", 0, true},
		{"ten", 0, true},
		{"99999999999999999999", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			t.Parallel()
			got, err := ParseLimit(tt.raw, 50)
			if !tt.bad {
				require.NoError(t, err)
				require.Equal(t, tt.want, got)
				return
			}
			var e *Error
			require.True(t, errors.As(err, &e), "got %v", err)
			require.Equal(t, http.StatusBadRequest, e.Status())
			require.Equal(t, "invalid_limit", e.Code)
			require.Equal(t, map[string]any{"field": "limit", "max": MaxLimit}, e.Details)
		})
	}
}

func TestNewPage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		data []string
		next string
		want string
	}{
		{"last page", []string{"a"}, "", `{"data":["a"],"next_cursor":null}`},
		{"more to come", []string{"a", "b"}, "xyz", `{"data":["a","b"],"next_cursor":"xyz"}`},
		{"no rows is an empty array", nil, "", `{"data":[],"next_cursor":null}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := json.Marshal(NewPage(tt.data, tt.next))
			require.NoError(t, err)
			require.JSONEq(t, tt.want, string(b))
		})
	}
}

type testCursor struct {
	Name string `json:"n"`
	ID   string `json:"i"`
}

func TestCursorRoundTrip(t *testing.T) {
	t.Parallel()
	in := testCursor{Name: "camiseta ñandú/+", ID: "0b5e3f1a-6d0e-4d7e-9a55-2f1f7c9e8a11"}
	s := EncodeCursor(in)
	require.NotContains(t, s, "=")
	var out testCursor
	require.NoError(t, DecodeCursor(s, &out))
	require.Equal(t, in, out)
}

func TestDecodeCursorRejects(t *testing.T) {
	t.Parallel()
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	tests := []struct{ name, cursor string }{
		{"empty", ""},
		{"not base64url", "!!!"},
		{"padded std base64", base64.StdEncoding.EncodeToString([]byte(`{"n":"a?"}`))},
		{"not JSON", enc("hello")},
		{"unknown field", enc(`{"n":"a","x":1}`)},
		{"wrong type", enc(`{"n":42}`)},
		{"trailing value", enc(`{"n":"a"} {"n":"b"}`)},
		{"too long", enc(`{"n":"` + strings.Repeat("a", maxCursorLen) + `"}`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var out testCursor
			err := DecodeCursor(tt.cursor, &out)
			var e *Error
			require.True(t, errors.As(err, &e), "got %v", err)
			require.Equal(t, http.StatusBadRequest, e.Status())
			require.Equal(t, "invalid_cursor", e.Code)
		})
	}
}

// TestKeysetPage walks a sorted list page by page the way a vertical's
// named query does (rows after the cursor's key, limit+1 of them) and
// checks that every row comes exactly once, in order, and that the last
// page has no cursor.
func TestKeysetPage(t *testing.T) {
	t.Parallel()
	type row struct {
		Name string
		ID   int
	}
	type key struct {
		N string `json:"n"`
		I int    `json:"i"`
	}
	var all []row
	for i := range 7 {
		all = append(all, row{Name: string(rune('a' + i/2)), ID: i})
	}
	after := func(k key, n int) []row {
		var out []row
		for _, r := range all {
			if (r.Name > k.N || r.Name == k.N && r.ID > k.I) && len(out) < n {
				out = append(out, r)
			}
		}
		return out
	}
	for _, limit := range []int{1, 2, 3, 7, 8} {
		var seen []row
		cur, pages := key{I: -1}, 0
		for {
			page, next := KeysetPage(after(cur, limit+1), limit, func(r row) key { return key{r.Name, r.ID} })
			require.LessOrEqual(t, len(page), limit)
			seen = append(seen, page...)
			pages++
			if next == "" {
				break
			}
			cur = key{}
			require.NoError(t, DecodeCursor(next, &cur))
		}
		require.Equal(t, all, seen, "limit %d", limit)
		require.Equal(t, (len(all)+limit-1)/limit, pages, "limit %d: no empty last page", limit)
	}
	rows, next := KeysetPage([]row{{"a", 1}}, 0, func(r row) key { return key{} })
	require.Empty(t, rows)
	require.Empty(t, next)
}
