package sdk

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"time"

	"github.com/nexuspos/nexus/internal/role"
	"github.com/nexuspos/nexus/sdk/outbound"
)

// Vertical is implemented by every vertical.
type Vertical interface {
	// Manifest describes the vertical. It is called once, at launch.
	Manifest() Manifest
}

// CompanyConfigurer is implemented by verticals that validate a company's
// configuration and provision per-company data when a company enables them.
// c carries a DB bound to a unit of work for that company, committed only
// if ConfigureCompany returns nil. Returning InvalidConfig(...) refuses the
// configuration with a 422. It runs again whenever the company changes its
// configuration, so provisioning must be idempotent.
type CompanyConfigurer interface {
	ConfigureCompany(c *Context, company Company, config json.RawMessage) error
}

// Shutdowner is implemented by verticals that must finish work before the
// host stops them.
type Shutdowner interface {
	Shutdown(ctx context.Context) error
}

// Manifest describes a vertical to the host.
type Manifest struct {
	// Name is the vertical's short name (lowercase letters, digits, '-');
	// its routes are mounted under /api/v1/verticals/<Name>.
	Name        string
	Version     string
	Description string
	Routes      []Route
	// Migrations holds the vertical's schema changes, NNNN_name.up.sql and
	// NNNN_name.down.sql, at its root or in its "migrations" directory
	// (typically //go:embed migrations/*.sql). The host
	// applies them into a schema named after the vertical and enforces
	// row-level security on every table with a company_id column.
	Migrations fs.FS
	// StateMachines declare status columns the host guards: only Transition
	// changes them, and every change is recorded in the status history.
	StateMachines []StateMachine
	// Queries are named SQL statements run by DB.Query and DB.Exec. The host
	// prepares them when the vertical registers, so a bad query fails the
	// registration; they run under the same tenant rules as everything else.
	Queries map[string]string
	// UniversalSources map the vertical's documents into the platform's
	// universal transactions (name → SELECT returning company_id,
	// transaction_type, source_id, occurred_at, amount, currency, status);
	// the host's reporting unions them.
	UniversalSources map[string]string
	// PaymentSources list the payments the vertical took that may reach a
	// bank account (card, transfer, wallet; never cash), so that the
	// host's bank reconciliation can match deposits and withdrawals to
	// them. Each is a name (lower-case letters, digits and '_', unique
	// across verticals) and a SELECT, with schema-qualified table names,
	// returning exactly these columns, in any order:
	//
	//	company_id  uuid         the company
	//	source      text         the source's name (the host stamps it)
	//	payment_id  uuid         unique within the source
	//	occurred_at timestamptz  when the payment was taken
	//	amount      numeric      signed: money in positive, refunds negative
	//	currency    text         ISO 4217
	//	method      text         e.g. "card", "transfer", "mercadopago"
	//	reference   text         card authorization or transfer reference; NULL when none
	//	document_id uuid         the document paid (a sale, a consignment...)
	//
	// The host checks the columns when the vertical registers and runs the
	// SELECT in tenant transactions (row-level security applies) filtered
	// by company; leave out payments that no longer stand, such as those
	// of voided sales.
	PaymentSources map[string]string
	// RevenueEvents say which of the vertical's event topics move the
	// platform's revenue report, so that its transactions show there
	// within a second of their commit instead of at the next refresh of
	// the universal transactions. The host's revenue rollup subscribes to
	// them: each such event names, in a payload field, a row of one of
	// the vertical's UniversalSources, which the host reads from that
	// source's SELECT and adds to (or takes back out of) the day's
	// revenue. Topics must be the vertical's own.
	RevenueEvents []RevenueEvent
	// LargeTransactionTopics are the vertical's event topics that flag a
	// large transaction (publish them when one reaches the company's
	// configured threshold): each such event queues an event-driven
	// refresh of the platform's reporting views, coalesced with the
	// others. Topics must be the vertical's own.
	LargeTransactionTopics []string
	// Subscriptions receive events from the platform's bus; each handler runs
	// in its own unit of work and takes effect once per event.
	Subscriptions []Subscription
	// Webhooks are public routes through which other systems call the
	// vertical (see Webhook).
	Webhooks []Webhook
	// Jobs run on a schedule, once across the host's replicas (see Job).
	Jobs []Job
	// Outbound tunes the client c.HTTP returns (timeouts, retries,
	// circuit breakers); its Logger and OnChange are the SDK's own.
	Outbound outbound.Config
	// UI contributes the vertical's pages and dashboard cards to the
	// browser app (see UI); nil contributes none.
	UI *UI
	// ConfigSchema documents the per-company configuration (JSON Schema).
	// Its first top-level "examples" entry, when it is an object, is the
	// configuration the host gives the demo company (NEXUS_DEMO) when it
	// enables the vertical for it; without one the demo gets {}.
	ConfigSchema string
}

// RevenueEvent is one entry of Manifest.RevenueEvents: events of Topic
// (exactly) carry in the payload's string field Key the source_id of a row
// of the universal source Source with transaction type Type (default:
// Source). The event adds that row's amount and one transaction to the
// revenue of the row's day; with Remove it takes them back out (a voided
// sale). Publish the event in the transaction that writes the row.
type RevenueEvent struct {
	Topic  string
	Source string
	Type   string
	Key    string
	Remove bool
}

// Subscription receives the events whose topic matches Pattern (AMQP topic
// syntax: "cpg.sale.*", "cpg.#").
type Subscription struct {
	// Name is unique within the vertical; the durable queue is named after it.
	Name    string
	Pattern string
	// Concurrency is how many events are handled at once (default 1).
	Concurrency int
	Handler     EventHandlerFunc
}

// EventHandlerFunc handles one event. c carries the event's company, a DB
// bound to the event's unit of work, and Events for follow-up events.
// Returning an error rolls the unit of work back and schedules a retry.
type EventHandlerFunc func(c *Context, ev Event) error

// Event is one event delivered to a subscription.
type Event struct {
	ID            string
	Topic         string
	CompanyID     string
	Payload       json.RawMessage
	OccurredAt    time.Time
	RequestID     string
	Attempt       int
	SchemaVersion int
}

// StateMachine declares the states of Column in Table and the transitions
// between them. The host makes Initial the column's default and keeps the
// column out of the vertical's reach: an insert (named query or DB) must
// leave it out, so every row starts in Initial, and only a transition
// changes it.
type StateMachine struct {
	Table       string
	Column      string
	Initial     string
	Transitions []Transition
}

// Transition moves a row from From to To on Event, for callers holding at
// least MinRole.
type Transition struct {
	From, Event, To string
	MinRole         Role
}

// Role is a company role; a route declares the least one it needs.
type Role string

// Company roles, from least to most privileged.
const (
	RoleViewer  Role = role.Viewer
	RoleCashier Role = role.Cashier
	RoleManager Role = role.Manager
	RoleAdmin   Role = role.Admin
	RoleOwner   Role = role.Owner
)

// AtLeast reports whether r is a company role and min or more privileged,
// in the order the host checks routes with.
func (r Role) AtLeast(min Role) bool { return role.AtLeast(string(r), string(min)) }

// HandlerFunc handles one request. Returning an *Error writes the platform's
// error envelope with its status (which must be 4xx or 5xx); a *money.Error
// or *taxid.Error is a 422 naming the field; any other error is a 500 whose
// details are logged, not shown. Returning nil without writing a response
// answers 204; a response whose status is not 2xx–5xx answers 500.
type HandlerFunc func(c *Context) error

// Route is one HTTP endpoint of a vertical.
type Route struct {
	// ID identifies the route on the wire; it defaults to "METHOD pattern".
	ID      string
	Method  string
	Pattern string
	MinRole Role
	Summary string
	Handler HandlerFunc
	// RequestExample and ResponseExample document the route (JSON values).
	RequestExample  any
	ResponseExample any
	// RequestType and ResponseType are values of the Go types the handler
	// binds its body into and answers with (set them with Takes and
	// Returns). The host's API description shows their JSON Schemas
	// (see JSONSchema); without them it falls back to the examples' types.
	RequestType  any
	ResponseType any
}

// Takes returns r documented as reading a body of v's type, e.g.
// sdk.POST(...).Takes(NewNote{}).
func (r Route) Takes(v any) Route {
	r.RequestType = v
	return r
}

// Returns returns r documented as answering with a body of v's type, e.g.
// sdk.GET(...).Returns(sdk.Page[Note]{}).
func (r Route) Returns(v any) Route {
	r.ResponseType = v
	return r
}

// GET returns a GET route.
func GET(pattern string, role Role, summary string, h HandlerFunc) Route {
	return Route{Method: http.MethodGet, Pattern: pattern, MinRole: role, Summary: summary, Handler: h}
}

// POST returns a POST route.
func POST(pattern string, role Role, summary string, h HandlerFunc) Route {
	return Route{Method: http.MethodPost, Pattern: pattern, MinRole: role, Summary: summary, Handler: h}
}

// PUT returns a PUT route.
func PUT(pattern string, role Role, summary string, h HandlerFunc) Route {
	return Route{Method: http.MethodPut, Pattern: pattern, MinRole: role, Summary: summary, Handler: h}
}

// PATCH returns a PATCH route.
func PATCH(pattern string, role Role, summary string, h HandlerFunc) Route {
	return Route{Method: http.MethodPatch, Pattern: pattern, MinRole: role, Summary: summary, Handler: h}
}

// DELETE returns a DELETE route.
func DELETE(pattern string, role Role, summary string, h HandlerFunc) Route {
	return Route{Method: http.MethodDelete, Pattern: pattern, MinRole: role, Summary: summary, Handler: h}
}

// RouteID returns the route's wire id.
func (r Route) RouteID() string {
	if r.ID != "" {
		return r.ID
	}
	return r.Method + " " + r.Pattern
}

// Company is the company a configuration or request belongs to.
type Company struct {
	ID       string
	Name     string
	Country  string
	Currency string
	Timezone string
	TaxID    string
}

// Principal is the authenticated caller of a request.
type Principal struct {
	UserID    string
	Email     string
	CompanyID string
	Role      Role
}

// ConfigError refuses a company configuration; each problem is shown to the
// client in the 422 response.
type ConfigError struct {
	Problems []string
}

// Error implements error.
func (e *ConfigError) Error() string {
	return fmt.Sprintf("invalid configuration: %v", e.Problems)
}

// InvalidConfig returns a ConfigError listing problems.
func InvalidConfig(problems ...string) error {
	return &ConfigError{Problems: problems}
}
