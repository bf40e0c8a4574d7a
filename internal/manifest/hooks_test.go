package manifest

import (
	"testing"

	"github.com/stretchr/testify/require"

	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
)

func TestValidateHooks(t *testing.T) {
	t.Parallel()
	hook := func(id, method, pattern string) *nexusv1.Webhook {
		return &nexusv1.Webhook{Id: id, Method: method, Pattern: pattern}
	}
	job := func(name, schedule string) *nexusv1.Job { return &nexusv1.Job{Name: name, Schedule: schedule} }
	tests := []struct {
		name   string
		m      *nexusv1.Manifest
		errMsg string
	}{
		{"good", &nexusv1.Manifest{Name: "x",
			Webhooks: []*nexusv1.Webhook{hook("pay", "POST", "/payments"), hook("ship", "POST", "/shipments/{carrier}")},
			Jobs:     []*nexusv1.Job{job("sync", "*/5 * * * *"), {Name: "close_day", Schedule: "@daily", PerCompany: true, MaxAttempts: 3}}}, ""},
		{"duplicate webhook id", &nexusv1.Manifest{Name: "x", Webhooks: []*nexusv1.Webhook{hook("a", "POST", "/a"), hook("a", "POST", "/b")}}, "duplicate id"},
		{"same webhook shape", &nexusv1.Manifest{Name: "x", Webhooks: []*nexusv1.Webhook{hook("a", "POST", "/a/{x}"), hook("b", "POST", "/a/{y}")}}, "duplicates webhook"},
		{"bad webhook pattern", &nexusv1.Manifest{Name: "x", Webhooks: []*nexusv1.Webhook{hook("a", "POST", "a")}}, "must start with /"},
		{"bad webhook method", &nexusv1.Manifest{Name: "x", Webhooks: []*nexusv1.Webhook{hook("a", "TRACE", "/a")}}, "unsupported method"},
		{"huge body", &nexusv1.Manifest{Name: "x", Webhooks: []*nexusv1.Webhook{{Id: "a", Method: "POST", Pattern: "/a", MaxBodyBytes: 1 << 30}}}, "max_body_bytes"},
		{"bad job name", &nexusv1.Manifest{Name: "x", Jobs: []*nexusv1.Job{job("Sync Now", "@hourly")}}, "name must match"},
		{"duplicate job", &nexusv1.Manifest{Name: "x", Jobs: []*nexusv1.Job{job("a", "@hourly"), job("a", "@daily")}}, "duplicate name"},
		{"bad schedule", &nexusv1.Manifest{Name: "x", Jobs: []*nexusv1.Job{job("a", "every day")}}, "schedule"},
		{"too many attempts", &nexusv1.Manifest{Name: "x", Jobs: []*nexusv1.Job{{Name: "a", Schedule: "@hourly", MaxAttempts: 50}}}, "max_attempts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := Validate(tt.m)
			if tt.errMsg == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tt.errMsg)
		})
	}
}
