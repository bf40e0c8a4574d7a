package events_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/events"
	"github.com/nexuspos/nexus/internal/dal"
)

func TestSalesStats(t *testing.T) {
	t.Parallel()
	h := newHarness(t, events.BusInProcess, 4)
	stats := events.SalesStats()
	h.start(h.config(), stats)
	l1, l2 := uuid.New(), uuid.New()
	sale := func(topic string, payload string) events.Event {
		return events.Event{ID: uuid.New(), CompanyID: h.company, Topic: topic, Payload: json.RawMessage(payload)}
	}
	// America/Mexico_City is UTC-6: 03:30Z on March 2nd is still March 1st.
	evs := []events.Event{
		sale(events.TopicSaleCreated, `{"sale_id":"s1","location_id":"`+l1.String()+`","total":"100.50","currency":"MXN","occurred_at":"2026-03-02T03:30:00Z"}`),
		sale(events.TopicSaleCreated, `{"sale_id":"s2","location_id":"`+l1.String()+`","total":"20.00","currency":"MXN","occurred_at":"2026-03-02T07:00:00Z"}`),
		sale(events.TopicSaleVoided, `{"sale_id":"s2","location_id":"`+l1.String()+`","total":"20.00","occurred_at":"2026-03-02T08:00:00Z"}`),
		sale(events.TopicSaleReturned, `{"sale_id":"s0","return_id":"r1","location_id":"`+l2.String()+`","amount":"5.25","occurred_at":"2026-03-01T18:00:00Z"}`),
		sale("cpg.sale.printed", `{"sale_id":"s1"}`),
	}
	h.publish(false, evs...)
	waitFor(t, 10*time.Second, "every sale event processed", func() bool {
		return h.count(`SELECT count(*) FROM processed_events WHERE subscription = 'host.sales_stats'`) == len(evs)
	})

	type row struct {
		day               string
		location          uuid.UUID
		sales, voids      int
		gross, returnsAmt string
	}
	rows, err := h.pool.Query(t.Context(), `
		SELECT day::text, location_id, sales_count, voids_count, round(gross, 2)::text, round(returns, 2)::text
		FROM sales_daily WHERE company_id = $1 ORDER BY day, location_id = $2 DESC`, h.company, l1)
	require.NoError(t, err)
	got, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		var x row
		err := r.Scan(&x.day, &x.location, &x.sales, &x.voids, &x.gross, &x.returnsAmt)
		return x, err
	})
	require.NoError(t, err)
	require.Equal(t, []row{
		{"2026-03-01", l1, 1, 0, "100.50", "0.00"},
		{"2026-03-01", l2, 0, 0, "0.00", "5.25"},
		{"2026-03-02", l1, 1, 1, "0.00", "0.00"},
	}, got)
}

func TestSalesStatsRejectsBrokenPayloads(t *testing.T) {
	t.Parallel()
	h := newHarness(t, events.BusInProcess, 3)
	handler := events.SalesStats().Batch
	loc := uuid.New().String()
	tests := []struct {
		name, topic, payload string
	}{
		{"not JSON", events.TopicSaleCreated, `{"total":`},
		{"no total", events.TopicSaleCreated, `{"location_id":"` + loc + `"}`},
		{"total not a number", events.TopicSaleCreated, `{"location_id":"` + loc + `","total":"ten"}`},
		{"no location", events.TopicSaleVoided, `{"total":"1.00"}`},
		{"bad location", events.TopicSaleVoided, `{"location_id":"here","total":"1.00"}`},
		{"no amount", events.TopicSaleReturned, `{"location_id":"` + loc + `"}`},
		{"bad time", events.TopicSaleCreated, `{"location_id":"` + loc + `","total":"1","occurred_at":"yesterday"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := dal.NewTenantUnit(h.pool, h.company, "public")
			defer func() { _ = u.Finish(t.Context(), false) }()
			ev := events.Event{ID: uuid.New(), CompanyID: h.company, Topic: tt.topic, OccurredAt: time.Now(), Payload: json.RawMessage(tt.payload)}
			require.Error(t, handler(t.Context(), u, []events.Event{ev}))
		})
	}
	unknown := uuid.New()
	u := dal.NewTenantUnit(h.pool, unknown, "public")
	defer func() { _ = u.Finish(t.Context(), false) }()
	ev := events.Event{ID: uuid.New(), CompanyID: unknown, Topic: events.TopicSaleCreated, Payload: json.RawMessage(`{"location_id":"` + loc + `","total":"1"}`)}
	require.ErrorContains(t, handler(t.Context(), u, []events.Event{ev}), "does not exist", "an unknown company")
}
