// Package probe is a vertical for the host's end-to-end tests and
// benchmarks. One binary plays several plugins, chosen by its file name
// (nexus-vertical-<name>):
//
//	probe       routes that expose its pid, sleep and echo
//	dupe        a manifest with a duplicate route (must be refused)
//	badpattern  a manifest with a malformed pattern (must be refused)
//	oldproto    speaks protocol version 99 (must be refused)
//	crasher     exits at once while $NEXUS_VERTICAL_PROBE_DIR has no file
//	            "crasher-healthy" (must end up failed, then recover)
//	badsource   declares a universal source without a status column and a
//	            revenue event of a source it does not have (must run
//	            degraded)
//	failsource  its universal source divides by zero on a note whose body
//	            is "boom" (must run degraded once a refresh meets one)
//	badui       its UI bundle is over the host's size cap (must run
//	            degraded, its UI left out)
//
// It is not shipped: tests build it into a temporary plugin directory.
package probe

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/go-plugin"

	"github.com/nexuspos/nexus/internal/wire"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/kind"
	"github.com/nexuspos/nexus/sdk/money"
	"github.com/nexuspos/nexus/sdk/taxid"
)

// Main serves the vertical its binary's name selects.
func Main() {
	name := strings.TrimPrefix(filepath.Base(os.Args[0]), "nexus-vertical-")
	switch name {
	case "oldproto":
		serveVersion(99)
		return
	case "crasher":
		if _, err := os.Stat(filepath.Join(os.Getenv("NEXUS_VERTICAL_PROBE_DIR"), "crasher-healthy")); err != nil {
			fmt.Fprintln(os.Stderr, "crasher: exiting on purpose")
			os.Exit(2)
		}
	}
	sdk.Serve(New(name))
}

// version is the manifest's version; tests build a binary with another
// (-ldflags "-X .../probe.version=...") to see it swapped in.
var version = "0.0.1"

// New returns the probe vertical playing name.
func New(name string) sdk.Vertical { return probe{name: name} }

type probe struct{ name string }

// Manifest implements sdk.Vertical.
func (p probe) Manifest() sdk.Manifest {
	routes := []sdk.Route{
		sdk.GET("/pid", sdk.RoleViewer, "The plugin's process id", pid),
		sdk.GET("/slow", sdk.RoleViewer, "Sleep ms milliseconds, noting a cancellation", slow),
		sdk.GET("/hold", sdk.RoleViewer, "Note ?tag= as held, then answer once the test releases it", hold),
		sdk.POST("/echo", sdk.RoleViewer, "Echo the body and the host's view of the call", echo),
		sdk.GET("/items/{id}", sdk.RoleManager, "A manager-only route with a parameter", item),
		sdk.GET("/panic", sdk.RoleViewer, "A handler that panics", func(*sdk.Context) error { panic("probe panic") }),
		sdk.GET("/fail", sdk.RoleViewer, "Fail with an error of ?kind=, or with an SDK validation error (?validation=taxid|money)", fail),
		sdk.GET("/host-fail", sdk.RoleViewer, "Return, unchanged, the error the host's Echo callback fails with for ?kind=", hostFail),
		sdk.GET("/outbound", sdk.RoleViewer, "Call ?url= through the outbound client", callUpstream),
	}
	switch p.name {
	case "dupe":
		routes = append(routes, sdk.GET("/items/{key}", sdk.RoleViewer, "duplicate", item))
	case "badpattern":
		routes = append(routes, sdk.GET("items/{id", sdk.RoleViewer, "malformed", item))
	}
	return sdk.Manifest{
		Name:       p.name,
		Version:    version,
		Routes:     append(append(append(append(routes, noteRoutes()...), sharedRoutes()...), platformRoutes()...), fiscalRoutes()...),
		Migrations: releaseMigrations(),
		Webhooks:   webhooks(),
		Jobs:       jobs(),
		Outbound:   outboundConfig,
		StateMachines: []sdk.StateMachine{{
			Table: "notes", Column: "status", Initial: "open",
			Transitions: []sdk.Transition{{From: "open", Event: "close", To: "closed", MinRole: sdk.RoleManager}},
		}},
		Queries: releaseQueries(),
		Subscriptions: []sdk.Subscription{{
			Name: "notes", Pattern: "probe.note.*", Concurrency: 2, Handler: recordNoteEvent,
		}},
		UniversalSources: map[string]string{p.name + "_notes": p.notesSource()},
		RevenueEvents:    p.revenueEvents(),
		UI:               p.ui(),
	}
}

// notesSourceSQL is the notes' universal source of each play (the schema
// at %[1]s); "" is every other's.
var notesSourceSQL = map[string]string{
	"": `SELECT company_id, '%[1]s_note'::text AS transaction_type,
       id AS source_id, created_at AS occurred_at, amount, 'MXN'::text AS currency, status
FROM %[1]s.notes`,
	"badsource": `SELECT company_id, '%[1]s_note'::text AS transaction_type,
       id AS source_id, created_at AS occurred_at, amount, 'MXN'::text AS currency
FROM %[1]s.notes`,
	"failsource": `SELECT company_id, '%[1]s_note'::text AS transaction_type,
       id AS source_id, created_at AS occurred_at, amount / (CASE WHEN body = 'boom' THEN 0 ELSE 1 END) AS amount,
       'MXN'::text AS currency, status
FROM %[1]s.notes`,
}

// notesSource returns the SQL of p's notes source.
func (p probe) notesSource() string {
	sql, ok := notesSourceSQL[p.name]
	if !ok {
		sql = notesSourceSQL[""]
	}
	return fmt.Sprintf(sql, p.name)
}

// revenueEvents: notes are revenue of type <name>_note, in the report
// within a second of the <name>.note.created event that names them.
func (p probe) revenueEvents() []sdk.RevenueEvent {
	events := []sdk.RevenueEvent{{Topic: p.name + ".note.created", Source: p.name + "_notes", Type: p.name + "_note", Key: "note_id"}}
	if p.name == "badsource" {
		events = append(events, sdk.RevenueEvent{Topic: p.name + ".note.closed", Source: "nothing", Key: "note_id"})
	}
	return events
}

func pid(c *sdk.Context) error {
	fmt.Println("probe stdout: pid", os.Getpid())
	fmt.Fprintln(os.Stderr, "probe stderr: pid", os.Getpid())
	return c.JSON(http.StatusOK, map[string]int{"pid": os.Getpid()})
}

func slow(c *sdk.Context) error {
	ms, _ := strconv.Atoi(c.Query("ms"))
	select {
	case <-time.After(time.Duration(ms) * time.Millisecond):
		return c.JSON(http.StatusOK, map[string]string{"slept": strconv.Itoa(ms)})
	case <-c.Context().Done():
		if dir := os.Getenv("NEXUS_VERTICAL_PROBE_DIR"); dir != "" {
			_ = os.WriteFile(filepath.Join(dir, "cancelled-"+c.Query("tag")), []byte(c.RequestID()), 0o644)
		}
		return c.Context().Err()
	}
}

// hold writes held-<tag> into $NEXUS_VERTICAL_PROBE_DIR, waits until the
// test writes release-<tag> there (or the call is cancelled), and answers
// the process's pid and the binary's version.
func hold(c *sdk.Context) error {
	dir, tag := os.Getenv("NEXUS_VERTICAL_PROBE_DIR"), c.Query("tag")
	if dir == "" || tag == "" {
		return sdk.BadRequest("invalid_query", "hold needs ?tag= and NEXUS_VERTICAL_PROBE_DIR")
	}
	if err := os.WriteFile(filepath.Join(dir, "held-"+tag), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return err
	}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if _, err := os.Stat(filepath.Join(dir, "release-"+tag)); err == nil {
			return c.JSON(http.StatusOK, map[string]any{"pid": os.Getpid(), "version": version})
		}
		select {
		case <-c.Context().Done():
			return c.Context().Err()
		case <-tick.C:
		}
	}
}

func echo(c *sdk.Context) error {
	c.Logger().Info("probe echo", "bytes", len(c.Body()))
	res, err := c.Echo(string(c.Body()))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{
		"body": res.Message, "request_id": res.RequestID, "company_id": res.CompanyID,
		"user_id": res.UserID, "vertical": res.Vertical, "header": c.Header("X-Probe"),
		"authorization": c.Header("Authorization"),
	})
}

func item(c *sdk.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"id": c.Param("id"), "role": string(c.Principal().Role)})
}

// fail returns the error its query asks for, unmapped: an *sdk.Error of
// any kind (?kind=, code "probe_<kind>", details naming the field
// "kind"), or the taxid or money package's own validation error
// (?validation=taxid|money).
func fail(c *sdk.Context) error {
	switch c.Query("validation") {
	case "taxid":
		_, err := taxid.ValidateRFC("X")
		return err
	case "money":
		_, err := money.CurrencyOf("XXX")
		return err
	}
	k := kind.Kind(c.Query("kind"))
	if !k.Known() {
		return sdk.BadRequest("invalid_kind", "kind must be one of the platform's error kinds").
			WithDetails(map[string]any{"field": "kind"})
	}
	return sdk.NewError(k, "probe_"+string(k), "probe failure").
		WithDetails(map[string]any{"field": "kind"})
}

// hostFail asks the host to fail a callback with an error of ?kind= and
// returns what the SDK made of it as it is; a host that does not fail is
// a 200 saying so.
func hostFail(c *sdk.Context) error {
	if err := c.EchoError(kind.Kind(c.Query("kind"))); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"failed": "no"})
}

// serveVersion serves a vertical that speaks only the given protocol version.
func serveVersion(v int) {
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig:  wire.Handshake,
		VersionedPlugins: map[int]plugin.PluginSet{v: {wire.PluginName: &wire.Plugin{Impl: &unimplemented{}}}},
		GRPCServer:       plugin.DefaultGRPCServer,
	})
}

type unimplemented struct {
	nexusv1.UnimplementedVerticalServer
}

func (*unimplemented) SetBroker(*plugin.GRPCBroker) {}
