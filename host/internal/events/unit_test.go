package events_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/events"
)

func TestValidateTopic(t *testing.T) {
	t.Parallel()
	tests := []struct {
		topic string
		ok    bool
	}{
		{"cpg.sale.created", true},
		{"cpg.sale_line.price_changed", true},
		{"cpg.sale.created.v2", true},
		{"a1.b2.c3", true},
		{"cpg.sale", false},
		{"cpg", false},
		{"", false},
		{"Cpg.sale.created", false},
		{"cpg..created", false},
		{"cpg.sale.created.", false},
		{".cpg.sale.created", false},
		{"cpg.sale.*", false},
		{"cpg.sale.#", false},
		{"cpg.1sale.created", false},
		{"cpg.sale-x.created", false},
		{"cpg.sale." + string(make([]byte, 300)), false},
	}
	for _, tt := range tests {
		err := events.ValidateTopic(tt.topic)
		if tt.ok {
			require.NoError(t, err, tt.topic)
		} else {
			require.Error(t, err, tt.topic)
		}
	}
}

func TestMatchTopic(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern, topic string
		match          bool
	}{
		{"cpg.sale.*", "cpg.sale.created", true},
		{"cpg.sale.*", "cpg.sale.created.v2", false},
		{"cpg.sale.*", "cpg.sales.created", false},
		{"cpg.#", "cpg.sale.created", true},
		{"cpg.#", "cpg", true},
		{"cpg.#", "cpgx.sale.created", false},
		{"#", "anything.at.all", true},
		{"#.created", "cpg.sale.created", true},
		{"#.created", "created", true},
		{"cpg.#.created", "cpg.created", true},
		{"cpg.#.created", "cpg.sale.line.created", true},
		{"cpg.#.created", "cpg.sale.voided", false},
		{"*.sale.*", "cpg.sale.created", true},
		{"*.sale.*", "sale.created", false},
		{"cpg.sale.created", "cpg.sale.created", true},
		{"cpg.sale.created", "cpg.sale.voided", false},
		{"cpg.sa*", "cpg.sale", false},
		{"", "cpg.sale.created", false},
	}
	for _, tt := range tests {
		require.Equal(t, tt.match, events.MatchTopic(tt.pattern, tt.topic), "%q ~ %q", tt.pattern, tt.topic)
	}
}

func TestSubscriptionValidation(t *testing.T) {
	t.Parallel()
	good := testSub("ok", "cpg.sale.*", 1)
	svc, err := events.New(nil, events.Config{}, nil)
	require.NoError(t, err)
	tests := []struct {
		name   string
		mutate func(s *events.Subscription)
	}{
		{"upper-case vertical", func(s *events.Subscription) { s.Vertical = "CPG" }},
		{"dotted name", func(s *events.Subscription) { s.Name = "a.b" }},
		{"empty name", func(s *events.Subscription) { s.Name = "" }},
		{"no handler", func(s *events.Subscription) { s.Handler = nil }},
		{"bad pattern word", func(s *events.Subscription) { s.Pattern = "cpg.sa*" }},
		{"empty pattern", func(s *events.Subscription) { s.Pattern = "" }},
		{"negative concurrency", func(s *events.Subscription) { s.Concurrency = -1 }},
		{"too much concurrency", func(s *events.Subscription) { s.Concurrency = events.MaxConcurrency + 1 }},
	}
	for _, tt := range tests {
		sub := good
		tt.mutate(&sub)
		// Validation fails before the database is touched (the pool is nil).
		require.Error(t, svc.Register(t.Context(), sub), tt.name)
	}
}
