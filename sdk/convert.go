package sdk

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"sort"
	"strings"
	"time"

	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"

	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/internal/migration"
	"github.com/nexuspos/nexus/internal/wire"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
	"github.com/nexuspos/nexus/sdk/fiscal"
	"github.com/nexuspos/nexus/sdk/kind"
	"github.com/nexuspos/nexus/sdk/outbound"
)

// This file is where SDK values meet protobuf: every message of
// proto/nexus/v1 the SDK builds or reads — the manifest, the calls the host
// makes (routes, events, company configuration) and their answers, and the
// host callbacks (DB, Publish, Cache, Lock, Log, Echo, GetSecret,
// AppendAudit, the fiscal documents', the payment calls) — is built or read
// here. Only two other files name protobuf types, and neither builds or
// reads a message beyond an empty acknowledgement: server.go, whose
// methods are the generated Vertical service's, and bridge.go, sdktest's
// way to that service. The rest of the package is plain Go, and no
// exported name mentions a protobuf type (TestProtobufStaysInConvert).

func manifestToProto(m Manifest) (*nexusv1.Manifest, error) {
	pm := &nexusv1.Manifest{
		Name:         m.Name,
		Version:      m.Version,
		Description:  m.Description,
		ConfigSchema: m.ConfigSchema,
	}
	for _, r := range m.Routes {
		req, err := exampleJSON(r.RequestExample)
		if err != nil {
			return nil, fmt.Errorf("route %s: request example: %w", r.RouteID(), err)
		}
		res, err := exampleJSON(r.ResponseExample)
		if err != nil {
			return nil, fmt.Errorf("route %s: response example: %w", r.RouteID(), err)
		}
		reqSchema, err := JSONSchema(cmp.Or(r.RequestType, r.RequestExample))
		if err != nil {
			return nil, fmt.Errorf("route %s: request schema: %w", r.RouteID(), err)
		}
		resSchema, err := JSONSchema(cmp.Or(r.ResponseType, r.ResponseExample))
		if err != nil {
			return nil, fmt.Errorf("route %s: response schema: %w", r.RouteID(), err)
		}
		pm.Routes = append(pm.Routes, &nexusv1.Route{
			Id:              r.RouteID(),
			Method:          r.Method,
			Pattern:         r.Pattern,
			MinRole:         string(r.MinRole),
			Summary:         r.Summary,
			RequestExample:  req,
			ResponseExample: res,
			RequestSchema:   reqSchema,
			ResponseSchema:  resSchema,
		})
	}
	if m.Migrations != nil {
		ms, err := migration.Load(migrationsRoot(m.Migrations))
		if err != nil {
			return nil, err
		}
		for _, mg := range ms {
			pm.Migrations = append(pm.Migrations, &nexusv1.Migration{
				Version: int32(mg.Version), Name: mg.Name, Up: mg.Up, Down: mg.Down,
			})
		}
	}
	for _, w := range m.Webhooks {
		pm.Webhooks = append(pm.Webhooks, &nexusv1.Webhook{
			Id: w.WebhookID(), Method: w.Method, Pattern: w.Pattern, Summary: w.Summary, MaxBodyBytes: w.MaxBodyBytes,
		})
	}
	for _, j := range m.Jobs {
		pm.Jobs = append(pm.Jobs, &nexusv1.Job{
			Name: j.Name, Schedule: j.Schedule, PerCompany: j.PerCompany, TimeoutMs: j.Timeout.Milliseconds(),
			MaxAttempts: int32(j.MaxAttempts), Summary: j.Summary,
		})
	}
	for _, sm := range m.StateMachines {
		psm := &nexusv1.StateMachine{Table: sm.Table, Column: sm.Column, Initial: sm.Initial}
		for _, t := range sm.Transitions {
			psm.Transitions = append(psm.Transitions, &nexusv1.Transition{
				From: t.From, Event: t.Event, To: t.To, MinRole: string(t.MinRole),
			})
		}
		pm.StateMachines = append(pm.StateMachines, psm)
	}
	for _, sub := range m.Subscriptions {
		pm.Subscriptions = append(pm.Subscriptions, &nexusv1.Subscription{
			Name: sub.Name, Pattern: sub.Pattern, Concurrency: int32(max(sub.Concurrency, 1)),
		})
	}
	for _, name := range sortedKeys(m.Queries) {
		pm.Queries = append(pm.Queries, &nexusv1.NamedQuery{Name: name, Sql: m.Queries[name]})
	}
	for _, name := range sortedKeys(m.UniversalSources) {
		pm.UniversalSources = append(pm.UniversalSources, &nexusv1.UniversalSource{Name: name, Sql: m.UniversalSources[name]})
	}
	for _, name := range sortedKeys(m.PaymentSources) {
		pm.PaymentSources = append(pm.PaymentSources, &nexusv1.PaymentSource{Name: name, Sql: m.PaymentSources[name]})
	}
	for _, r := range m.RevenueEvents {
		typ := r.Type
		if typ == "" {
			typ = r.Source
		}
		pm.RevenueEvents = append(pm.RevenueEvents, &nexusv1.RevenueEvent{
			Topic: r.Topic, Source: r.Source, Type: typ, Key: r.Key, Remove: r.Remove,
		})
	}
	pm.LargeTransactionTopics = append(pm.LargeTransactionTopics, m.LargeTransactionTopics...)
	if m.UI != nil {
		ui, err := uiToProto(*m.UI)
		if err != nil {
			return nil, fmt.Errorf("ui: %w", err)
		}
		pm.Ui = ui
	}
	return pm, nil
}

// uiToProto reads the bundle's files (hidden ones left out, sorted by
// path) and copies the menu and widgets.
func uiToProto(ui UI) (*nexusv1.UI, error) {
	pu := &nexusv1.UI{}
	if ui.Assets != nil {
		err := fs.WalkDir(ui.Assets, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if p != "." && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				return nil
			}
			b, err := fs.ReadFile(ui.Assets, p)
			if err != nil {
				return err
			}
			pu.Assets = append(pu.Assets, &nexusv1.Asset{Path: p, Content: b})
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("assets: %w", err)
		}
	}
	for _, e := range ui.Menu {
		pu.Menu = append(pu.Menu, &nexusv1.MenuEntry{Page: e.Page, Label: maps.Clone(e.Label), Section: e.Section, MinRole: string(e.MinRole)})
	}
	for _, w := range ui.Widgets {
		pu.Widgets = append(pu.Widgets, &nexusv1.Widget{Key: w.Key, Title: maps.Clone(w.Title), MinRole: string(w.MinRole)})
	}
	return pu, nil
}

func exampleJSON(v any) (string, error) {
	if v == nil {
		return "", nil
	}
	b, err := json.Marshal(v)
	return string(b), err
}

func principalFromProto(p *nexusv1.Principal) Principal {
	return Principal{
		UserID:    p.GetUserId(),
		Email:     p.GetEmail(),
		CompanyID: p.GetCompanyId(),
		Role:      Role(p.GetRole()),
	}
}

func companyFromProto(c *nexusv1.Company) Company {
	return Company{
		ID:       c.GetId(),
		Name:     c.GetName(),
		Country:  c.GetCountry(),
		Currency: c.GetCurrency(),
		Timezone: c.GetTimezone(),
		TaxID:    c.GetTaxId(),
	}
}

func fromValues(m map[string]*nexusv1.Values) map[string][]string {
	out := make(map[string][]string, len(m))
	for k, v := range m {
		out[k] = v.GetValues()
	}
	return out
}

func toValues(m map[string][]string) map[string]*nexusv1.Values {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]*nexusv1.Values, len(m))
	for k, v := range m {
		out[k] = &nexusv1.Values{Values: v}
	}
	return out
}

func configOf(b []byte) json.RawMessage {
	if len(b) == 0 {
		return json.RawMessage("{}")
	}
	return json.RawMessage(b)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// migrationsRoot returns fsys, or its "migrations" directory when the files
// are there (as with //go:embed migrations/*.sql).
func migrationsRoot(fsys fs.FS) fs.FS {
	if sub, err := fs.Sub(fsys, "migrations"); err == nil {
		if entries, err := fs.ReadDir(sub, "."); err == nil && len(entries) > 0 {
			return sub
		}
	}
	return fsys
}

// hostClient makes the host callbacks of one call (a request or an event):
// each method builds its request and reads the answer here.
type hostClient struct {
	client nexusv1.HostClient
	callID string
	// outbound is the plugin's pool of outbound clients (nil for a
	// Context built without a server).
	outbound *outbound.Pool
}

// dialHost connects to the host service the broker serves under id.
func dialHost(b broker, id uint32) (nexusv1.HostClient, error) {
	conn, err := b.Dial(id)
	if err != nil {
		return nil, fmt.Errorf("dial host service %d: %w", id, err)
	}
	return nexusv1.NewHostClient(tracedConn{conn}), nil
}

func (h *hostClient) echo(ctx context.Context, message string) (EchoResult, error) {
	if h.client == nil {
		return EchoResult{}, errHostUnavailable
	}
	res, err := h.client.Echo(h.outgoing(ctx), &nexusv1.EchoRequest{Message: message}, callOptions...)
	if err != nil {
		return EchoResult{}, fromStatus("echo", err)
	}
	return EchoResult{
		Message:   res.GetMessage(),
		RequestID: res.GetRequestId(),
		CompanyID: res.GetCompanyId(),
		UserID:    res.GetUserId(),
		Vertical:  res.GetVertical(),
	}, nil
}

func (h *hostClient) echoError(ctx context.Context, k kind.Kind) error {
	if h.client == nil {
		return errHostUnavailable
	}
	if _, err := h.client.Echo(h.outgoing(ctx), &nexusv1.EchoRequest{FailKind: string(k)}, callOptions...); err != nil {
		return fromStatus("echo", err)
	}
	return nil
}

func (h *hostClient) db(ctx context.Context, ops []*pendingOp) ([]dbResult, error) {
	if h.client == nil {
		return nil, errHostUnavailable
	}
	req := &nexusv1.DBRequest{Ops: make([]*nexusv1.DBOp, len(ops))}
	for i, op := range ops {
		req.Ops[i] = dbOpToProto(op.op)
	}
	res, err := h.client.DB(h.outgoing(ctx), req, callOptions...)
	if err != nil {
		return nil, fromStatus("db", err)
	}
	out := make([]dbResult, len(res.GetResults()))
	for i, r := range res.GetResults() {
		out[i] = dbResult{affected: r.GetAffected(), nextCursor: r.GetNextCursor(), rows: r.GetRows()}
	}
	return out, nil
}

func dbOpToProto(o dbOp) *nexusv1.DBOp {
	op := &nexusv1.DBOp{
		Kind: o.kind, Table: o.table, Id: o.id, Ids: o.ids, Rows: o.rows, Returning: o.returning,
		Query: o.query, Args: o.args, Event: o.event, Note: o.note,
		Limit: int32(o.limit), Cursor: o.cursor, GroupBy: o.groupBy,
	}
	if o.version != nil {
		op.ExpectedVersion, op.HasVersion = *o.version, true
	}
	for _, f := range o.filters {
		op.Filters = append(op.Filters, &nexusv1.Filter{Column: f.column, Op: f.op, Value: f.value})
	}
	for _, ord := range o.order {
		op.Order = append(op.Order, &nexusv1.Order{Column: ord.Column, Desc: ord.Desc})
	}
	for _, a := range o.aggregates {
		op.Aggregates = append(op.Aggregates, &nexusv1.Aggregate{Fn: a.Fn, Column: a.Column, As: a.As})
	}
	return op
}

func eventsToProto(evs []outEvent) []*nexusv1.OutEvent {
	out := make([]*nexusv1.OutEvent, len(evs))
	for i, ev := range evs {
		out[i] = &nexusv1.OutEvent{Id: ev.id, Topic: ev.topic, Payload: ev.payload, SchemaVersion: int32(ev.schemaVersion)}
	}
	return out
}

func (h *hostClient) publish(ctx context.Context, events []outEvent) ([]string, error) {
	if h.client == nil {
		return nil, errHostUnavailable
	}
	res, err := h.client.Publish(h.outgoing(ctx), &nexusv1.PublishRequest{Events: eventsToProto(events)}, callOptions...)
	if err != nil {
		return nil, fromStatus("publish", err)
	}
	if len(res.GetIds()) != len(events) {
		return nil, fmt.Errorf("publish: host answered %d ids for %d events", len(res.GetIds()), len(events))
	}
	return res.GetIds(), nil
}

func (h *hostClient) log(ctx context.Context, level, msg string, fields map[string]string) error {
	if h.client == nil {
		return errHostUnavailable
	}
	_, err := h.client.Log(h.outgoing(ctx), &nexusv1.LogRequest{Level: level, Message: msg, Fields: fields}, callOptions...)
	return err
}

func (h *hostClient) cacheGet(ctx context.Context, key string, tags []string) (cacheEntry, error) {
	if h.client == nil {
		return cacheEntry{}, errHostUnavailable
	}
	res, err := h.client.CacheGet(h.outgoing(ctx), &nexusv1.CacheGetRequest{Key: key, Tags: tags}, callOptions...)
	if err != nil {
		return cacheEntry{}, fromStatus("cache get", err)
	}
	return cacheEntry{key: key, value: res.GetValue(), found: res.GetFound(), tags: tags, stamp: res.GetStamp()}, nil
}

func (h *hostClient) cacheSet(ctx context.Context, e cacheEntry) error {
	if h.client == nil {
		return errHostUnavailable
	}
	req := &nexusv1.CacheSetRequest{Key: e.key, Value: e.value, TtlMs: e.ttl.Milliseconds(), Tags: e.tags, Stamp: e.stamp}
	if _, err := h.client.CacheSet(h.outgoing(ctx), req, callOptions...); err != nil {
		return fromStatus("cache set", err)
	}
	return nil
}

func (h *hostClient) cacheInvalidate(ctx context.Context, keys, tags []string) error {
	if h.client == nil {
		return errHostUnavailable
	}
	if _, err := h.client.CacheInvalidate(h.outgoing(ctx), &nexusv1.CacheInvalidateRequest{Keys: keys, Tags: tags}, callOptions...); err != nil {
		return fromStatus("cache invalidate", err)
	}
	return nil
}

func (h *hostClient) lock(ctx context.Context, name string, ttl, wait time.Duration) (string, error) {
	if h.client == nil {
		return "", errHostUnavailable
	}
	req := &nexusv1.LockRequest{Name: name, TtlMs: ttl.Milliseconds(), WaitMs: wait.Milliseconds()}
	res, err := h.client.Lock(h.outgoing(ctx), req, callOptions...)
	if err != nil {
		return "", fromStatus("lock", err)
	}
	return res.GetToken(), nil
}

func (h *hostClient) unlock(ctx context.Context, name, token string) error {
	if h.client == nil {
		return errHostUnavailable
	}
	if _, err := h.client.Unlock(h.outgoing(ctx), &nexusv1.UnlockRequest{Name: name, Token: token}, callOptions...); err != nil {
		return fromStatus("unlock", err)
	}
	return nil
}

func (h *hostClient) extendLock(ctx context.Context, name, token string, ttl time.Duration) error {
	if h.client == nil {
		return errHostUnavailable
	}
	req := &nexusv1.ExtendLockRequest{Name: name, Token: token, TtlMs: ttl.Milliseconds()}
	if _, err := h.client.ExtendLock(h.outgoing(ctx), req, callOptions...); err != nil {
		return fromStatus("extend lock", err)
	}
	return nil
}

func (h *hostClient) getSecret(ctx context.Context, name string) ([]byte, error) {
	if h.client == nil {
		return nil, errHostUnavailable
	}
	res, err := h.client.GetSecret(h.outgoing(ctx), &nexusv1.GetSecretRequest{Name: name}, callOptions...)
	if err != nil {
		return nil, fromStatus("secret "+name, err)
	}
	return res.GetValue(), nil
}

func (h *hostClient) appendAudit(ctx context.Context, action, target string, details []byte) error {
	if h.client == nil {
		return errHostUnavailable
	}
	req := &nexusv1.AppendAuditRequest{Action: action, Target: target, Details: details}
	if _, err := h.client.AppendAudit(h.outgoing(ctx), req, callOptions...); err != nil {
		return fromStatus("audit "+action, err)
	}
	return nil
}

func (h *hostClient) createPayment(ctx context.Context, r PaymentRequest) (Payment, error) {
	if h.client == nil {
		return Payment{}, errHostUnavailable
	}
	req := &nexusv1.CreatePaymentRequest{
		DocumentId: r.DocumentID, Method: r.Method, Amount: r.Amount.String(), Currency: r.Currency,
		IdempotencyKey: r.IdempotencyKey, Description: r.Description, CardToken: r.CardToken,
		PaymentMethodId: r.PaymentMethodID, IssuerId: r.IssuerID, Installments: int32(r.Installments), PayerEmail: r.PayerEmail,
	}
	res, err := h.client.CreatePayment(h.outgoing(ctx), req, callOptions...)
	if err != nil {
		return Payment{}, fromStatus("create payment", err)
	}
	return paymentFromProto(res.GetPayment())
}

func (h *hostClient) getPayment(ctx context.Context, id string) (Payment, error) {
	if h.client == nil {
		return Payment{}, errHostUnavailable
	}
	res, err := h.client.GetPayment(h.outgoing(ctx), &nexusv1.GetPaymentRequest{Id: id}, callOptions...)
	if err != nil {
		return Payment{}, fromStatus("payment "+id, err)
	}
	return paymentFromProto(res.GetPayment())
}

func (h *hostClient) refundPayment(ctx context.Context, id string, amount *decimal.Decimal, key string) (Payment, error) {
	if h.client == nil {
		return Payment{}, errHostUnavailable
	}
	req := &nexusv1.RefundPaymentRequest{Id: id, IdempotencyKey: key}
	if amount != nil {
		req.Amount = amount.String()
	}
	res, err := h.client.RefundPayment(h.outgoing(ctx), req, callOptions...)
	if err != nil {
		return Payment{}, fromStatus("refund payment "+id, err)
	}
	return paymentFromProto(res.GetPayment())
}

// paymentFromProto reads a payment the host answered.
func paymentFromProto(p *nexusv1.Payment) (Payment, error) {
	out := Payment{
		ID: p.GetId(), DocumentID: p.GetDocumentId(), Method: p.GetMethod(), Status: p.GetStatus(), StatusDetail: p.GetStatusDetail(),
		Currency: p.GetCurrency(), ProviderPaymentID: p.GetProviderPaymentId(), QRData: p.GetQrData(),
		CreatedAt: unixNano(p.GetCreatedAtUnixNano()), UpdatedAt: unixNano(p.GetUpdatedAtUnixNano()),
		ExpiresAt: unixNano(p.GetExpiresAtUnixNano()),
	}
	for _, f := range []struct {
		dst  *decimal.Decimal
		text string
	}{{&out.Amount, p.GetAmount()}, {&out.FeeAmount, p.GetFeeAmount()}, {&out.RefundedAmount, p.GetRefundedAmount()}} {
		d, err := decimal.NewFromString(f.text)
		if err != nil {
			return Payment{}, fmt.Errorf("payment %s: amount %q: %w", p.GetId(), f.text, err)
		}
		*f.dst = d
	}
	return out, nil
}

// unixNano is a wire time; zero stays the zero time.
func unixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// routeCall is a RouteRequest as the SDK handles it.
type routeCall struct {
	callID, routeID, requestID, method, path string
	params                                   map[string]string
	query, headers                           map[string][]string
	body                                     []byte
	principal                                Principal
	company                                  Company
	config                                   json.RawMessage
	deferEffects                             bool
}

func routeCallOf(req *nexusv1.RouteRequest) routeCall {
	return routeCall{
		callID: req.GetCallId(), routeID: req.GetRouteId(), requestID: req.GetRequestId(),
		method: req.GetMethod(), path: req.GetPath(), params: req.GetParams(),
		query: fromValues(req.GetQuery()), headers: fromValues(req.GetHeaders()), body: req.GetBody(),
		principal: principalFromProto(req.GetPrincipal()), company: companyFromProto(req.GetCompany()),
		config: configOf(req.GetConfig()), deferEffects: req.GetDeferEffects(),
	}
}

// routeResult is a handler's answer, with its effects when the host
// deferred them.
type routeResult struct {
	status  int
	headers map[string][]string
	body    []byte
	effects *effects
}

func routeResponseOf(r routeResult) *nexusv1.RouteResponse {
	res := &nexusv1.RouteResponse{Status: int32(r.status), Headers: toValues(r.headers), Body: r.body}
	if f := r.effects; f != nil {
		if len(f.events) > 0 {
			res.Events = eventsToProto(f.events)
		}
		if len(f.keys) > 0 || len(f.tags) > 0 {
			res.Invalidate = &nexusv1.CacheInvalidateRequest{Keys: f.keys, Tags: f.tags}
		}
	}
	return res
}

// eventCall is an EventRequest as the SDK handles it.
type eventCall struct {
	callID, subscription string
	event                Event
	company              Company
	config               json.RawMessage
}

func eventCallOf(req *nexusv1.EventRequest) eventCall {
	return eventCall{
		callID: req.GetCallId(), subscription: req.GetSubscription(),
		event: Event{
			ID:            req.GetId(),
			Topic:         req.GetTopic(),
			CompanyID:     req.GetCompanyId(),
			Payload:       json.RawMessage(req.GetPayload()),
			OccurredAt:    time.Unix(0, req.GetOccurredAtUnixNano()).UTC(),
			RequestID:     req.GetRequestId(),
			Attempt:       int(req.GetAttempt()),
			SchemaVersion: int(req.GetSchemaVersion()),
		},
		company: companyFromProto(req.GetCompany()),
		config:  configOf(req.GetConfig()),
	}
}

func hostServiceID(req *nexusv1.InitRequest) uint32 { return req.GetHostServiceId() }

// configureCall is a ConfigureCompanyRequest as the SDK handles it.
type configureCall struct {
	callID  string
	company Company
	// config is the configuration as the host sent it (possibly empty).
	config []byte
}

func configureCallOf(req *nexusv1.ConfigureCompanyRequest) configureCall {
	return configureCall{callID: req.GetCallId(), company: companyFromProto(req.GetCompany()), config: req.GetConfig()}
}

func configureResponse(problems []string) *nexusv1.ConfigureCompanyResponse {
	return &nexusv1.ConfigureCompanyResponse{Errors: problems}
}

// webhookCall is a WebhookRequest as the SDK handles it.
type webhookCall struct {
	callID, webhookID, requestID, method, path string
	params                                     map[string]string
	query, headers                             map[string][]string
	body                                       []byte
	company                                    Company
	config                                     json.RawMessage
}

func webhookCallOf(req *nexusv1.WebhookRequest) webhookCall {
	return webhookCall{
		callID: req.GetCallId(), webhookID: req.GetWebhookId(), requestID: req.GetRequestId(),
		method: req.GetMethod(), path: req.GetPath(), params: req.GetParams(),
		query: fromValues(req.GetQuery()), headers: fromValues(req.GetHeaders()), body: req.GetBody(),
		company: companyFromProto(req.GetCompany()), config: configOf(req.GetConfig()),
	}
}

// jobCall is a JobRequest as the SDK handles it.
type jobCall struct {
	callID, job string
	run         JobRun
	company     Company
	config      json.RawMessage
}

func jobCallOf(req *nexusv1.JobRequest) jobCall {
	return jobCall{
		callID: req.GetCallId(), job: req.GetJob(),
		run: JobRun{ID: req.GetRunId(), Job: req.GetJob(), Attempt: int(req.GetAttempt()),
			ScheduledAt: time.Unix(0, req.GetScheduledAtUnixNano()).UTC()},
		company: companyFromProto(req.GetCompany()), config: configOf(req.GetConfig()),
	}
}

// reportBreakers sends the states of the plugin's outbound breakers to
// host; the call belongs to no request.
func reportBreakers(ctx context.Context, host nexusv1.HostClient, bs []outbound.Breaker) error {
	req := &nexusv1.ReportBreakersRequest{Breakers: make([]*nexusv1.Breaker, len(bs))}
	for i, b := range bs {
		req.Breakers[i] = &nexusv1.Breaker{CompanyId: b.CompanyID, Service: b.Service, State: b.State,
			Failures: b.Failures, SinceUnixNano: b.Since.UnixNano()}
	}
	_, err := host.ReportBreakers(ctx, req, callOptions...)
	return err
}

func (h *hostClient) copyRows(ctx context.Context, table string, columns []string, data []byte) (int64, error) {
	if h.client == nil {
		return 0, errHostUnavailable
	}
	res, err := h.client.CopyRows(h.outgoing(ctx), &nexusv1.CopyRowsRequest{Table: table, Columns: columns, Data: data}, callOptions...)
	if err != nil {
		return 0, fromStatus("copy into "+table, err)
	}
	return res.GetRows(), nil
}

// seedCall is a SeedRequest as the SDK handles it.
type seedCall struct {
	callID  string
	company Company
	config  []byte
	req     SeedRequest
}

func seedCallOf(req *nexusv1.SeedRequest) seedCall {
	call := seedCall{callID: req.GetCallId(), company: companyFromProto(req.GetCompany()), config: req.GetConfig(),
		req: SeedRequest{
			Index:        int(req.GetIndex()),
			Seed:         req.GetSeed(),
			Transactions: int(req.GetTransactions()),
			Days:         int(req.GetDays()),
			End:          time.Unix(0, req.GetEndUnixNano()).UTC(),
		}}
	for _, m := range req.GetMembers() {
		call.req.Members = append(call.req.Members, SeedMember{UserID: m.GetUserId(), Email: m.GetEmail(), Role: Role(m.GetRole())})
	}
	return call
}

func seedResponse(rows map[string]int64) *nexusv1.SeedResponse {
	return &nexusv1.SeedResponse{Rows: rows}
}

// spansTrailer is the trailer returning spans to the host (a nexusv1.Spans
// under wire.SpansTrailer); false when they cannot be encoded.
func spansTrailer(spans []*span) (metadata.MD, bool) {
	out := &nexusv1.Spans{Spans: make([]*nexusv1.Span, 0, len(spans))}
	for _, s := range spans {
		s.mu.Lock()
		out.Spans = append(out.Spans, &nexusv1.Span{
			TraceId: s.sc.traceID[:], SpanId: s.sc.spanID[:], ParentSpanId: s.parent[:],
			Name: s.name, Kind: s.kind, StartUnixNano: s.start.UnixNano(), EndUnixNano: s.end.UnixNano(),
			Attributes: s.attrs, StatusCode: s.status, StatusMessage: s.statusMsg,
		})
		s.mu.Unlock()
	}
	b, err := proto.Marshal(out)
	if err != nil {
		return nil, false
	}
	return metadata.Pairs(wire.SpansTrailer, string(b)), true
}

func (h *hostClient) issueFiscal(ctx context.Context, in fiscal.Input) (fiscal.Document, error) {
	if h.client == nil {
		return fiscal.Document{}, errHostUnavailable
	}
	body, err := json.Marshal(in)
	if err != nil {
		return fiscal.Document{}, fmt.Errorf("issue fiscal document: %w", err)
	}
	res, err := h.client.IssueFiscalDocument(h.outgoing(ctx), &nexusv1.IssueFiscalDocumentRequest{Document: body}, callOptions...)
	return fiscalDocumentOf("issue fiscal document", res, err)
}

func (h *hostClient) getFiscal(ctx context.Context, id, sourceID string, k fiscal.Kind) (fiscal.Document, error) {
	if h.client == nil {
		return fiscal.Document{}, errHostUnavailable
	}
	req := &nexusv1.GetFiscalDocumentRequest{Id: id, SourceId: sourceID, Kind: string(k)}
	res, err := h.client.GetFiscalDocument(h.outgoing(ctx), req, callOptions...)
	return fiscalDocumentOf("get fiscal document", res, err)
}

func (h *hostClient) cancelFiscal(ctx context.Context, id, reason string) (fiscal.Document, error) {
	if h.client == nil {
		return fiscal.Document{}, errHostUnavailable
	}
	res, err := h.client.CancelFiscalDocument(h.outgoing(ctx), &nexusv1.CancelFiscalDocumentRequest{Id: id, Reason: reason}, callOptions...)
	return fiscalDocumentOf("cancel fiscal document", res, err)
}

// fiscalDocumentOf reads a fiscal callback's answer.
func fiscalDocumentOf(op string, res *nexusv1.FiscalDocumentResponse, err error) (fiscal.Document, error) {
	if err != nil {
		return fiscal.Document{}, fromStatus(op, err)
	}
	var doc fiscal.Document
	if err := json.Unmarshal(res.GetDocument(), &doc); err != nil {
		return fiscal.Document{}, fmt.Errorf("%s: %w", op, err)
	}
	return doc, nil
}

func (h *hostClient) fiscalSettings(ctx context.Context) (FiscalSettings, error) {
	if h.client == nil {
		return FiscalSettings{}, errHostUnavailable
	}
	res, err := h.client.GetFiscalSettings(h.outgoing(ctx), &nexusv1.GetFiscalSettingsRequest{}, callOptions...)
	if err != nil {
		return FiscalSettings{}, fromStatus("fiscal settings", err)
	}
	return FiscalSettings{Configured: res.GetConfigured(), Country: res.GetCountry(),
		Environment: res.GetEnvironment(), AutoIssue: res.GetAutoIssue()}, nil
}
