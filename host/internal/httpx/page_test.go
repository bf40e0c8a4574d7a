package httpx

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

type testCursor struct {
	ID   uuid.UUID `json:"id"`
	Name string    `json:"name"`
}

func TestCursorRoundTrip(t *testing.T) {
	t.Parallel()
	in := testCursor{ID: uuid.New(), Name: "Ñandú & co"}
	s := EncodeCursor(in)
	require.NotContains(t, s, "=")
	require.NotContains(t, s, "+")
	require.NotContains(t, s, "/")

	var out testCursor
	require.NoError(t, DecodeCursor(s, &out))
	require.Equal(t, in, out)
}

func TestDecodeCursorRejects(t *testing.T) {
	t.Parallel()
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		name   string
		cursor string
	}{
		{"empty", ""},
		{"not base64", "!!!"},
		{"padded std base64", base64.StdEncoding.EncodeToString([]byte(`{"id":"x"}`))},
		{"not json", enc("hello")},
		{"unknown field", enc(`{"id":"` + uuid.NewString() + `","extra":1}`)},
		{"wrong type", enc(`{"id":42}`)},
		{"bad uuid", enc(`{"id":"nope"}`)},
		{"trailing value", enc(`{"name":"a"} {"name":"b"}`)},
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

func TestEncodeCursorPanicsOnUnencodable(t *testing.T) {
	t.Parallel()
	require.Panics(t, func() { EncodeCursor(func() {}) })
}

func TestParseLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		query   string
		max     int
		want    int
		wantErr bool
	}{
		{"", 100, 50, false},
		{"limit=", 100, 50, false},
		{"limit=1", 100, 1, false},
		{"limit=100", 100, 100, false},
		{"limit=101", 100, 0, true},
		{"limit=0", 100, 0, true},
		{"limit=-3", 100, 0, true},
		{"limit=abc", 100, 0, true},
		{"limit=2.5", 100, 0, true},
		{"limit=500", 10000, 500, false},
		{"limit=501", 10000, 0, true},
		{"limit=99999999999999999999", 500, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodGet, "/x?"+tt.query, nil)
			got, err := ParseLimit(r, 50, tt.max)
			if tt.wantErr {
				var e *Error
				require.True(t, errors.As(err, &e), "got %v", err)
				require.Equal(t, http.StatusBadRequest, e.Status())
				require.Equal(t, "invalid_limit", e.Code)
				require.Equal(t, map[string]any{"field": "limit", "max": min(tt.max, MaxLimit)}, e.Details)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestNewPageJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		page Page[int]
		want string
	}{
		{"nil data last page", NewPage[int](nil, ""), `{"data":[],"next_cursor":null}`},
		{"with next", NewPage([]int{1, 2}, "abc"), `{"data":[1,2],"next_cursor":"abc"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, err := json.Marshal(tt.page)
			require.NoError(t, err)
			require.JSONEq(t, tt.want, string(b))
		})
	}
}
