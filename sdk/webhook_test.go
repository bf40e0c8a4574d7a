package sdk

import (
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestHMACSchemeVerify(t *testing.T) {
	t.Parallel()
	secret, other := []byte("whsec-test-secret"), []byte("another-secret")
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	ts := strconv.FormatInt(now.Unix(), 10)
	body := []byte(`{"type":"payment.approved","id":"pay_1"}`)
	scheme := HMACScheme{SignatureHeader: "X-Signature", TimestampHeader: "X-Timestamp", IDHeader: "X-Delivery"}
	good := scheme.Sign(secret, "d-1", ts, body)
	goodBytes, err := hex.DecodeString(good)
	require.NoError(t, err)

	cases := []struct {
		name    string
		headers map[string]string
		body    []byte
		status  int
		code    string
	}{
		{"hex", map[string]string{"X-Signature": good, "X-Timestamp": ts, "X-Delivery": "d-1"}, body, 0, ""},
		{"prefixed", map[string]string{"X-Signature": "sha256=" + good, "X-Timestamp": ts, "X-Delivery": "d-1"}, body, 0, ""},
		{"base64", map[string]string{"X-Signature": base64.StdEncoding.EncodeToString(goodBytes), "X-Timestamp": ts, "X-Delivery": "d-1"}, body, 0, ""},
		{"one of two (rotation)", map[string]string{"X-Signature": scheme.Sign(other, "d-1", ts, body) + " " + good, "X-Timestamp": ts, "X-Delivery": "d-1"}, body, 0, ""},
		{"other secret", map[string]string{"X-Signature": scheme.Sign(other, "d-1", ts, body), "X-Timestamp": ts, "X-Delivery": "d-1"}, body, 401, "invalid_signature"},
		{"body changed", map[string]string{"X-Signature": good, "X-Timestamp": ts, "X-Delivery": "d-1"}, append([]byte(" "), body...), 401, "invalid_signature"},
		{"id changed", map[string]string{"X-Signature": good, "X-Timestamp": ts, "X-Delivery": "d-2"}, body, 401, "invalid_signature"},
		{"no signature", map[string]string{"X-Timestamp": ts, "X-Delivery": "d-1"}, body, 401, "invalid_signature"},
		{"garbage signature", map[string]string{"X-Signature": "zz", "X-Timestamp": ts, "X-Delivery": "d-1"}, body, 401, "invalid_signature"},
		{"stale", map[string]string{"X-Signature": scheme.Sign(secret, "d-1", strconv.FormatInt(now.Add(-6*time.Minute).Unix(), 10), body),
			"X-Timestamp": strconv.FormatInt(now.Add(-6*time.Minute).Unix(), 10), "X-Delivery": "d-1"}, body, 401, "stale_timestamp"},
		{"from the future", map[string]string{"X-Signature": scheme.Sign(secret, "d-1", strconv.FormatInt(now.Add(6*time.Minute).Unix(), 10), body),
			"X-Timestamp": strconv.FormatInt(now.Add(6*time.Minute).Unix(), 10), "X-Delivery": "d-1"}, body, 401, "stale_timestamp"},
		{"malformed timestamp", map[string]string{"X-Signature": good, "X-Timestamp": "yesterday", "X-Delivery": "d-1"}, body, 401, "stale_timestamp"},
		{"no delivery id", map[string]string{"X-Signature": good, "X-Timestamp": ts}, body, 400, "missing_delivery_id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := http.Header{}
			for k, v := range tc.headers {
				h.Set(k, v)
			}
			err := scheme.Verify(&Context{headers: h, body: tc.body}, secret, now)
			if tc.status == 0 {
				require.NoError(t, err)
				return
			}
			e, ok := asError(err)
			require.True(t, ok, "%v", err)
			require.Equal(t, tc.status, e.Status())
			require.Equal(t, tc.code, e.Code)
		})
	}
	h := http.Header{"X-Signature": {scheme.Sign(nil, "d-1", ts, body)}, "X-Timestamp": {ts}, "X-Delivery": {"d-1"}}
	require.ErrorContains(t, scheme.Verify(&Context{headers: h, body: body}, nil, now), "empty secret", "an empty secret verifies nothing")
}
