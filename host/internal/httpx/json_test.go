package httpx

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/sdk/kind"
)

type sample struct {
	Name  string   `json:"name"`
	Count int      `json:"count"`
	Tags  []string `json:"tags"`
}

func TestDecodeJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body string
		limit      int64
		status     int
		code       string
	}{
		{"ok", `{"name":"a","count":1}`, 0, 0, ""},
		{"empty", ``, 0, 400, "invalid_json"},
		{"malformed", `{"name":`, 0, 400, "invalid_json"},
		{"wrong type", `{"count":"x"}`, 0, 400, "invalid_field"},
		{"unknown field", `{"nope":1}`, 0, 400, "unknown_field"},
		{"trailing", `{} {}`, 0, 400, "invalid_json"},
		{"array", `[1,2]`, 0, 400, "invalid_json"},
		{"too large", `{"name":"` + strings.Repeat("x", 100) + `"}`, 50, 413, "body_too_large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tt.body))
			if tt.limit > 0 {
				r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, tt.limit)
			}
			var v sample
			err := DecodeJSON(r, &v)
			if tt.code == "" {
				require.NoError(t, err)
				return
			}
			var e *Error
			require.True(t, errors.As(err, &e), "%v", err)
			require.Equal(t, tt.status, e.Status())
			require.Equal(t, tt.code, e.Code)
		})
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"name":"a","count":1,"tags":["x"]}`, `{`, `[]`, `{"count":1e999}`, `{"tags":[1]}`, `nul`, `{"name":"\ud800"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		var v sample
		err := DecodeBytes([]byte(body), &v)
		if err == nil {
			return
		}
		var e *Error
		if !errors.As(err, &e) || e.Status() >= 500 || e.Status() < 400 {
			t.Fatalf("Decode(%q) = %v, want a 4xx *Error", body, err)
		}
	})
}

// TestWriteErrorClientClosed: a request failing because its client went
// away is a 499 and no server error; a cancellation of the host's own (the
// request still live) stays a 500.
func TestWriteErrorClientClosed(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := httptest.NewRequest(http.MethodGet, "/x", nil).WithContext(ctx)
	w := httptest.NewRecorder()
	WriteError(w, r, fmt.Errorf("read open payments: %w", context.Canceled))
	if w.Code != kind.Canceled.Status() {
		t.Fatalf("client gone: status %d, want %d", w.Code, kind.Canceled.Status())
	}
	require.Contains(t, w.Body.String(), `"code":"client_closed_request"`)
	live := httptest.NewRequest(http.MethodGet, "/x", nil)
	w = httptest.NewRecorder()
	WriteError(w, live, fmt.Errorf("read open payments: %w", context.Canceled))
	if w.Code != http.StatusInternalServerError {
		t.Fatalf("live request: status %d, want 500", w.Code)
	}
}
