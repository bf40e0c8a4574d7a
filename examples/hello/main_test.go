package main

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/sdktest"
)

func TestGreet(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, Hello{})
	res := h.Do(http.MethodGet, "/greetings/Ana?lang=es", "")
	require.Equal(t, http.StatusOK, res.Status)
	var body map[string]string
	res.Decode(t, &body)
	require.Equal(t, "Hola, Ana!", body["message"])
}

func TestEcho(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, Hello{})
	tests := []struct {
		name   string
		role   sdk.Role
		body   string
		status int
		code   string
	}{
		{"echoes through the host", sdk.RoleCashier, `{"message":"hi"}`, http.StatusOK, ""},
		{"unknown field", sdk.RoleCashier, `{"message":"hi","x":1}`, http.StatusBadRequest, "unknown_field"},
		{"malformed", sdk.RoleCashier, `{"message":`, http.StatusBadRequest, "invalid_json"},
		{"wrong type", sdk.RoleCashier, `{"message":5}`, http.StatusBadRequest, "invalid_field"},
		{"empty message", sdk.RoleCashier, `{"message":" "}`, http.StatusUnprocessableEntity, "invalid_message"},
		{"viewer may not echo", sdk.RoleViewer, `{"message":"hi"}`, http.StatusForbidden, "insufficient_role"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := h.Principal()
			p.Role = tt.role
			res := h.As(p).Do(http.MethodPost, "/echo", tt.body)
			require.Equal(t, tt.status, res.Status, string(res.Body))
			require.Equal(t, tt.code, res.ErrorCode())
			if tt.status == http.StatusOK {
				var body map[string]string
				res.Decode(t, &body)
				require.Equal(t, "hi", body["message"])
				require.Equal(t, p.CompanyID, body["company_id"])
				require.NotEmpty(t, body["request_id"])
			}
		})
	}
}
