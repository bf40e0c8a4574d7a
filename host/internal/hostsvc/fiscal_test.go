package hostsvc

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/nexuspos/nexus/host/internal/audit"
	"github.com/nexuspos/nexus/host/internal/auth"
	hostfiscal "github.com/nexuspos/nexus/host/internal/fiscal"
	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/internal/wire"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
	"github.com/nexuspos/nexus/sdk/fiscal"
	"github.com/nexuspos/nexus/sdk/kind"
)

// fakeFiscal records the company, vertical and actor each call names.
type fakeFiscal struct {
	company  uuid.UUID
	vertical string
	actor    audit.Actor
	input    fiscal.Input
}

func (f *fakeFiscal) seen(ctx context.Context, company uuid.UUID, vertical string) {
	f.company, f.vertical, f.actor = company, vertical, audit.ActorFrom(ctx)
}

func (f *fakeFiscal) Issue(ctx context.Context, company uuid.UUID, vertical string, in fiscal.Input) (*hostfiscal.Document, error) {
	f.seen(ctx, company, vertical)
	f.input = in
	return &hostfiscal.Document{Document: fiscal.Document{ID: uuid.New(), SourceID: in.SourceID, Status: fiscal.StatusAuthorized}}, nil
}

func (f *fakeFiscal) Get(ctx context.Context, company uuid.UUID, vertical string, _ uuid.UUID) (*hostfiscal.Document, error) {
	f.seen(ctx, company, vertical)
	return nil, httpx.NotFound("fiscal_document_not_found", "no such fiscal document")
}

func (f *fakeFiscal) GetBySource(ctx context.Context, company uuid.UUID, vertical string, _ fiscal.Kind, source string) (*hostfiscal.Document, error) {
	f.seen(ctx, company, vertical)
	return &hostfiscal.Document{Document: fiscal.Document{SourceID: source}}, nil
}

func (f *fakeFiscal) Cancel(ctx context.Context, company uuid.UUID, vertical string, _ uuid.UUID, _ string) (*hostfiscal.Document, error) {
	f.seen(ctx, company, vertical)
	return nil, httpx.Unavailable("fiscal_service_unavailable", "down")
}

func (f *fakeFiscal) Overview(ctx context.Context, company uuid.UUID) (hostfiscal.Overview, error) {
	f.seen(ctx, company, "")
	return hostfiscal.Overview{Configured: true, Country: "AR", Environment: hostfiscal.Production, AutoIssue: true}, nil
}

// TestFiscalCallbacksActForTheCall checks that the fiscal callbacks reach
// the fiscal service for the call's company and the serving vertical, with
// the call's principal as the actor, and keep the service's error kinds.
func TestFiscalCallbacksActForTheCall(t *testing.T) {
	t.Parallel()
	var calls Calls
	f := &fakeFiscal{}
	h := New(Config{Vertical: "alpha", Calls: &calls, Logger: hclog.NewNullLogger(), Fiscal: f})
	p := auth.Principal{CompanyID: uuid.New(), UserID: uuid.New(), Role: auth.RoleCashier}
	id, _ := calls.Begin("alpha", nil, "req-1", p, nil)
	ctx := naming(id)

	body, err := json.Marshal(fiscal.Input{SourceID: "sale-1", Kind: fiscal.KindInvoice})
	require.NoError(t, err)
	res, err := h.IssueFiscalDocument(ctx, &nexusv1.IssueFiscalDocumentRequest{Document: body})
	require.NoError(t, err)
	var doc fiscal.Document
	require.NoError(t, json.Unmarshal(res.GetDocument(), &doc))
	require.Equal(t, "sale-1", doc.SourceID)
	require.Equal(t, p.CompanyID, f.company)
	require.Equal(t, "alpha", f.vertical)
	require.Equal(t, p.UserID, f.actor.ID)

	_, err = h.IssueFiscalDocument(ctx, &nexusv1.IssueFiscalDocumentRequest{Document: []byte("{")})
	require.Equal(t, codes.InvalidArgument, status.Code(err))
	_, err = h.GetFiscalDocument(ctx, &nexusv1.GetFiscalDocumentRequest{Id: uuid.NewString()})
	require.Equal(t, wire.Error{Kind: kind.NotFound, Code: "fiscal_document_not_found", Message: "no such fiscal document"}, wire.FromStatus(status.Convert(err)))
	_, err = h.GetFiscalDocument(ctx, &nexusv1.GetFiscalDocumentRequest{Id: "nope"})
	require.Equal(t, codes.NotFound, status.Code(err))
	res, err = h.GetFiscalDocument(ctx, &nexusv1.GetFiscalDocumentRequest{SourceId: "sale-9", Kind: "invoice"})
	require.NoError(t, err)
	require.Contains(t, string(res.GetDocument()), `"source_id":"sale-9"`)
	_, err = h.CancelFiscalDocument(ctx, &nexusv1.CancelFiscalDocumentRequest{Id: uuid.NewString()})
	require.Equal(t, "fiscal_service_unavailable", wire.FromStatus(status.Convert(err)).Code)
	st, err := h.GetFiscalSettings(ctx, &nexusv1.GetFiscalSettingsRequest{})
	require.NoError(t, err)
	require.True(t, st.GetAutoIssue())
	require.Equal(t, "production", st.GetEnvironment())

	// A call without a company, and a host without the service, are refused.
	id, _ = calls.Begin("alpha", nil, "req-2", auth.Principal{}, nil)
	_, err = h.GetFiscalSettings(naming(id), &nexusv1.GetFiscalSettingsRequest{})
	require.Equal(t, codes.FailedPrecondition, status.Code(err))
	bare := New(Config{Vertical: "alpha", Calls: &calls, Logger: hclog.NewNullLogger()})
	_, err = bare.GetFiscalSettings(ctx, &nexusv1.GetFiscalSettingsRequest{})
	require.Equal(t, codes.Unavailable, status.Code(err))
}
