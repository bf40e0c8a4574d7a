package probe

import (
	"embed"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/sdk"
)

//go:embed migrations/*.sql
var migrations embed.FS

type note struct {
	ID      string          `json:"id"`
	Body    string          `json:"body"`
	Amount  decimal.Decimal `json:"amount"`
	Status  string          `json:"status,omitempty"`
	Version int64           `json:"version,omitempty"`
}

type newNote struct {
	Body   string          `json:"body"`
	Amount decimal.Decimal `json:"amount"`
}

func noteRoutes() []sdk.Route {
	return []sdk.Route{
		sdk.POST("/notes", sdk.RoleCashier, "Create a note", createNote).Takes(newNote{}).Returns(note{}),
		sdk.GET("/notes", sdk.RoleViewer, "List notes", listNotes).Returns(sdk.Page[note]{}),
		sdk.GET("/notes/raw", sdk.RoleViewer, "Every note, by a query without a company filter", rawNotes),
		sdk.GET("/notes/{id}", sdk.RoleViewer, "Get a note", getNote).Returns(note{}),
		sdk.PATCH("/notes/{id}", sdk.RoleCashier, "Update a note's body if its version matches", updateNote),
		sdk.POST("/notes/{id}/close", sdk.RoleManager, "Close a note", closeNote),
		sdk.POST("/notes/fail", sdk.RoleCashier, "Write a note, then fail", failNote),
		sdk.POST("/notes/slow", sdk.RoleCashier, "Write a note, then sleep ms", slowNote),
		sdk.POST("/notes/event", sdk.RoleCashier, "Write a note and publish probe.note.created; ?fail=1 then fails", eventNote),
	}
}

func insertNote(c *sdk.Context) (note, error) {
	var in newNote
	if err := c.Bind(&in); err != nil {
		return note{}, err
	}
	n := note{ID: uuid.NewString(), Body: in.Body, Amount: in.Amount}
	var out note
	err := c.DB().InsertReturning("notes", n, &out)
	return out, err
}

func createNote(c *sdk.Context) error {
	n, err := insertNote(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, n)
}

func listNotes(c *sdk.Context) error {
	var notes []note
	next, err := c.DB().List("notes", sdk.Query{OrderBy: []sdk.Order{sdk.Asc("created_at")}, Limit: 500, Cursor: c.Query("cursor")}, &notes)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"data": notes, "next_cursor": next})
}

func rawNotes(c *sdk.Context) error {
	var notes []note
	if err := c.DB().Query("all_notes", &notes); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"data": notes})
}

func getNote(c *sdk.Context) error {
	var n note
	if err := c.DB().Get("notes", c.Param("id"), &n); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, n)
}

func updateNote(c *sdk.Context) error {
	var in struct {
		Body    string `json:"body"`
		Version int64  `json:"version"`
	}
	if err := c.Bind(&in); err != nil {
		return err
	}
	var n note
	if err := c.DB().Update("notes", c.Param("id"), map[string]any{"body": in.Body}, sdk.IfVersion(in.Version), sdk.Into(&n)); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, n)
}

func closeNote(c *sdk.Context) error {
	var n note
	if err := c.DB().Transition("notes", c.Param("id"), "close", "closed by probe", &n); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, n)
}

func failNote(c *sdk.Context) error {
	if _, err := insertNote(c); err != nil {
		return err
	}
	return sdk.Unprocessable("probe_failed", "wrote a note, then failed on purpose")
}

func slowNote(c *sdk.Context) error {
	n, err := insertNote(c)
	if err != nil {
		return err
	}
	ms, _ := strconv.Atoi(c.Query("ms"))
	select {
	case <-time.After(time.Duration(ms) * time.Millisecond):
	case <-c.Context().Done():
		return c.Context().Err()
	}
	return c.JSON(http.StatusCreated, n)
}

func eventNote(c *sdk.Context) error {
	n, err := insertNote(c)
	if err != nil {
		return err
	}
	topic := "probe.note.created"
	if t := c.Query("topic"); t != "" {
		topic = t
	}
	id, err := c.Events().Publish(topic, map[string]string{"note_id": n.ID})
	if err != nil {
		return err
	}
	if c.Query("fail") == "1" {
		return sdk.Unprocessable("probe_failed", "published, then failed on purpose")
	}
	return c.JSON(http.StatusCreated, map[string]string{"id": n.ID, "event_id": id})
}

// recordNoteEvent records each note event once, in the event's unit of
// work; it fails every delivery of probe.note.poison.
func recordNoteEvent(c *sdk.Context, ev sdk.Event) error {
	if ev.Topic == "probe.note.poison" {
		return errors.New("a poison note")
	}
	var p struct {
		NoteID string `json:"note_id"`
	}
	if err := json.Unmarshal(ev.Payload, &p); err != nil {
		return err
	}
	return c.DB().Insert("note_events", map[string]any{"id": ev.ID, "note_id": p.NoteID, "attempt": ev.Attempt})
}
