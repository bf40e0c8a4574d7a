package dal_test

import (
	"encoding/json"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/internal/dal"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
)

// testPipeline checks that a batch sent in one round trip behaves as if
// its operations ran one by one: results in order, each operation seeing
// the effects of those before it, and the first failure reported with its
// index even when later operations fail too.
func testPipeline(t *testing.T, fx *fixture) {
	a := newActor()
	t.Run("later operations see earlier effects", func(t *testing.T) {
		id := uuid.NewString()
		res, err := fx.exec(t, a,
			insertOp("items", map[string]any{"id": id, "sku": "P-" + id, "qty": 1}),
			updateOp("items", id, map[string]any{"qty": 5}),
			getOp("items", id),
			listOp("items", filter("id", "eq", id)),
		)
		require.NoError(t, err)
		require.Len(t, res, 4)
		var got struct{ Qty json.Number }
		require.NoError(t, json.Unmarshal(res[2].GetRows()[0], &got))
		require.Equal(t, "5", got.Qty.String())
		require.EqualValues(t, 1, res[3].GetAffected())
	})
	t.Run("first failure wins", func(t *testing.T) {
		id, missing := uuid.NewString(), uuid.NewString()
		_, err := fx.exec(t, a,
			insertOp("items", map[string]any{"id": id, "sku": "P-" + id}),
			getOp("items", missing),
			insertOp("items", map[string]any{"id": id, "sku": "dup"}),
		)
		e := requireReason(t, err, dal.ReasonNotFound)
		require.EqualValues(t, 1, e.Internal["op"])
		require.NotContains(t, e.Details, "op", "an operation index is no client's business")
		_, err = fx.exec(t, a, getOp("items", id))
		requireReason(t, err, dal.ReasonNotFound)
	})
	t.Run("database error names its operation", func(t *testing.T) {
		id := uuid.NewString()
		_, err := fx.exec(t, a,
			insertOp("items", map[string]any{"id": id, "sku": "P-" + id}),
			getOp("items", id),
			insertOp("items", map[string]any{"id": id, "sku": "dup"}),
		)
		require.Error(t, err)
		require.EqualValues(t, 2, dal.AsError(err).Internal["op"])
	})
	t.Run("invalid operation after queued ones", func(t *testing.T) {
		missing := uuid.NewString()
		_, err := fx.exec(t, a, getOp("items", missing), &nexusv1.DBOp{Kind: "nope", Table: "items"})
		e := requireReason(t, err, dal.ReasonNotFound)
		require.EqualValues(t, 0, e.Internal["op"], "the earlier failure is reported, not the later invalid operation")
	})
	t.Run("transition after queued writes", func(t *testing.T) {
		id := uuid.NewString()
		res, err := fx.exec(t, a,
			insertOp("orders", map[string]any{"id": id, "total": "10"}),
			transitionOp(id, "submit"),
			getOp("orders", id),
		)
		require.NoError(t, err)
		var got struct{ Status string }
		require.NoError(t, json.Unmarshal(res[2].GetRows()[0], &got))
		require.Equal(t, "submitted", got.Status)
	})
}
