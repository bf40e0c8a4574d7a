// Package httpxtest holds test helpers for the host's JSON responses. It is
// imported by tests only and must not be imported by production code.
package httpxtest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

// RequireUTCTimes fails t unless every JSON string in body that is an RFC
// 3339 time is in UTC ("...Z"). It returns how many times it found, so a
// caller can require the response held some. Plain dates ("2024-05-01")
// are not times and are not counted.
func RequireUTCTimes(t testing.TB, body []byte) int {
	t.Helper()
	bad, n, err := nonUTCTimes(body)
	if err != nil {
		t.Fatalf("httpxtest: %v", err)
	}
	if len(bad) > 0 {
		t.Fatalf("times in JSON must be UTC RFC 3339, got %s", strings.Join(bad, ", "))
	}
	return n
}

// nonUTCTimes returns the RFC 3339 times in body that are not UTC (as
// "path=value") and how many times body holds.
func nonUTCTimes(body []byte) ([]string, int, error) {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, 0, fmt.Errorf("body is not JSON: %w", err)
	}
	var bad []string
	n := walkTimes(v, "$", func(path, s string) {
		if !strings.HasSuffix(s, "Z") {
			bad = append(bad, path+"="+s)
		}
	})
	return bad, n, nil
}

// walkTimes calls fn for every string under v that parses as an RFC 3339
// time and returns how many there were.
func walkTimes(v any, path string, fn func(path, s string)) int {
	n := 0
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			n += walkTimes(e, path+"."+k, fn)
		}
	case []any:
		for i, e := range x {
			n += walkTimes(e, fmt.Sprintf("%s[%d]", path, i), fn)
		}
	case string:
		if _, err := time.Parse(time.RFC3339Nano, x); err == nil {
			fn(path, x)
			n++
		}
	}
	return n
}
