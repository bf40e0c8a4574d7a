package sdk

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// requireFieldError checks that err is the 422 invalid_field naming field
// with reason.
func requireFieldError(t *testing.T, err error, field, reason string) {
	t.Helper()
	var e *Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, http.StatusUnprocessableEntity, e.Status())
	require.Equal(t, "invalid_field", e.Code)
	require.Equal(t, map[string]any{"field": field, "reason": reason}, e.Details)
	require.Equal(t, field+" "+reason, e.Message)
}

func TestText(t *testing.T) {
	t.Parallel()
	got, err := Text("name", "  Ñandú  ", 5)
	require.NoError(t, err)
	require.Equal(t, "Ñandú", got, "trimmed; the limit counts characters, not bytes")
	_, err = Text("name", " \t", 5)
	requireFieldError(t, err, "name", "is required")
	_, err = Text("name", "abcdef", 5)
	requireFieldError(t, err, "name", "must have at most 5 characters")

	none, err := OptionalText("note", "  ", 5)
	require.NoError(t, err)
	require.Nil(t, none)
	some, err := OptionalText("note", " hi ", 5)
	require.NoError(t, err)
	require.Equal(t, "hi", *some)
	_, err = OptionalText("note", "abcdef", 5)
	requireFieldError(t, err, "note", "must have at most 5 characters")
}

func TestUUID(t *testing.T) {
	t.Parallel()
	got, err := UUID("client_id", " 0B5E3F1A-6D0E-4D7E-9A55-2F1F7C9E8A11 ")
	require.NoError(t, err)
	require.Equal(t, "0b5e3f1a-6d0e-4d7e-9a55-2f1f7c9e8a11", got, "canonical form")
	_, err = UUID("client_id", "")
	requireFieldError(t, err, "client_id", "is required")
	_, err = UUID("client_id", "42")
	requireFieldError(t, err, "client_id", `must be a UUID, got "42"`)
}

func TestPathAndQueryUUID(t *testing.T) {
	t.Parallel()
	c := &Context{params: map[string]string{"id": "nope"}, query: map[string][]string{"client_id": {"nope"}}}
	_, err := c.PathUUID("id", "charge")
	var e *Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, http.StatusNotFound, e.Status(), "a malformed id names no row")
	require.Equal(t, "charge nope not found", e.Message)
	require.Equal(t, map[string]any{"id": "nope"}, e.Details)

	_, err = c.QueryUUID("client_id")
	require.ErrorAs(t, err, &e)
	require.Equal(t, http.StatusBadRequest, e.Status())
	require.Equal(t, "invalid_query", e.Code)
	require.Equal(t, map[string]any{"parameter": "client_id"}, e.Details)

	none, err := c.QueryUUID("contract_id")
	require.NoError(t, err)
	require.Empty(t, none, "an absent parameter is no filter")

	id := "0b5e3f1a-6d0e-4d7e-9a55-2f1f7c9e8a11"
	c = &Context{params: map[string]string{"id": id}, query: map[string][]string{"client_id": {id}}}
	got, err := c.PathUUID("id", "charge")
	require.NoError(t, err)
	require.Equal(t, id, got)
	got, err = c.QueryUUID("client_id")
	require.NoError(t, err)
	require.Equal(t, id, got)
}

func TestTimestamp(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 5, 1, 10, 1, 123456000, time.FixedZone("CST", -6*3600))
	b, err := json.Marshal(struct {
		At  Timestamp  `json:"at"`
		Nil *Timestamp `json:"nil"`
	}{At: Timestamp{Time: at}})
	require.NoError(t, err)
	require.JSONEq(t, `{"at":"2026-12-05T07:10:01.123456Z","nil":null}`, string(b))
	var back Timestamp
	require.NoError(t, json.Unmarshal([]byte(`"2026-12-05T01:10:01.123456-06:00"`), &back))
	require.True(t, back.Equal(at))

	for in, want := range map[string]string{
		`"2026-12-05T01:10:01.123456-06:00"`: `"2026-12-05T07:10:01.123456Z"`,
		`"2026-12-05T07:10:01+00:00"`:        `"2026-12-05T07:10:01Z"`,
		`"2026-12-05T10:10:01.5+03:00"`:      `"2026-12-05T07:10:01.5Z"`,
	} {
		var ts Timestamp
		require.NoError(t, json.Unmarshal([]byte(in), &ts))
		out, err := json.Marshal(ts)
		require.NoError(t, err)
		require.Equal(t, want, string(out), "PostgreSQL's %s is shown in UTC", in)
	}
}
