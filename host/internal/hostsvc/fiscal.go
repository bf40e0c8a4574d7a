package hostsvc

import (
	"context"
	"encoding/json"

	"github.com/google/uuid"

	"github.com/nexuspos/nexus/host/internal/audit"
	hostfiscal "github.com/nexuspos/nexus/host/internal/fiscal"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
	"github.com/nexuspos/nexus/sdk/fiscal"
	"github.com/nexuspos/nexus/sdk/kind"
)

// Fiscal is the host's fiscal documents service (fiscal.Service) as the
// fiscal callbacks use it: always for the call's company and vertical.
type Fiscal interface {
	Issue(ctx context.Context, companyID uuid.UUID, vertical string, in fiscal.Input) (*hostfiscal.Document, error)
	Get(ctx context.Context, companyID uuid.UUID, vertical string, id uuid.UUID) (*hostfiscal.Document, error)
	GetBySource(ctx context.Context, companyID uuid.UUID, vertical string, k fiscal.Kind, sourceID string) (*hostfiscal.Document, error)
	Cancel(ctx context.Context, companyID uuid.UUID, vertical string, id uuid.UUID, reason string) (*hostfiscal.Document, error)
	Overview(ctx context.Context, companyID uuid.UUID) (hostfiscal.Overview, error)
}

// fiscalCall returns the call a fiscal callback names, its context
// carrying the call's actor and origin for the audit log.
func (h *Service) fiscalCall(ctx context.Context) (context.Context, *Call, error) {
	cl, err := h.calls.lookup(ctx, h.vertical)
	if err != nil {
		return nil, nil, err
	}
	if h.fiscal == nil {
		return nil, nil, rpcError(kind.Unavailable, "fiscal_unavailable", "the host runs without fiscal documents")
	}
	if cl.principal.CompanyID == uuid.Nil {
		return nil, nil, rpcError(kind.Unprocessable, "company_required", "fiscal documents belong to a company; this call has none")
	}
	actor := audit.Actor{Kind: audit.ActorSystem}
	if cl.principal.UserID != uuid.Nil {
		actor = cl.principal.AuditActor()
	}
	origin := cl.origin
	if origin.RequestID == "" {
		origin.RequestID = cl.requestID
	}
	return audit.WithOrigin(audit.WithActor(ctx, actor), origin), cl, nil
}

// fiscalResponse answers doc, or err as the SDK reads it.
func fiscalResponse(doc *hostfiscal.Document, err error) (*nexusv1.FiscalDocumentResponse, error) {
	if err != nil {
		return nil, statusOf(err)
	}
	b, err := json.Marshal(doc.Document)
	if err != nil {
		return nil, statusOf(err)
	}
	return &nexusv1.FiscalDocumentResponse{Document: b}, nil
}

// IssueFiscalDocument implements nexusv1.HostServer.
func (h *Service) IssueFiscalDocument(ctx context.Context, req *nexusv1.IssueFiscalDocumentRequest) (*nexusv1.FiscalDocumentResponse, error) {
	ctx, cl, err := h.fiscalCall(ctx)
	if err != nil {
		return nil, err
	}
	var in fiscal.Input
	if err := json.Unmarshal(req.GetDocument(), &in); err != nil {
		return nil, rpcError(kind.Invalid, "invalid_fiscal_document", "the fiscal document is not a valid sdk/fiscal.Input: "+err.Error())
	}
	return fiscalResponse(h.fiscal.Issue(ctx, cl.principal.CompanyID, h.vertical, in))
}

// GetFiscalDocument implements nexusv1.HostServer.
func (h *Service) GetFiscalDocument(ctx context.Context, req *nexusv1.GetFiscalDocumentRequest) (*nexusv1.FiscalDocumentResponse, error) {
	ctx, cl, err := h.fiscalCall(ctx)
	if err != nil {
		return nil, err
	}
	if req.GetId() == "" {
		return fiscalResponse(h.fiscal.GetBySource(ctx, cl.principal.CompanyID, h.vertical, fiscal.Kind(req.GetKind()), req.GetSourceId()))
	}
	id, err := uuid.Parse(req.GetId())
	if err != nil {
		return nil, rpcError(kind.NotFound, "fiscal_document_not_found", "no such fiscal document")
	}
	return fiscalResponse(h.fiscal.Get(ctx, cl.principal.CompanyID, h.vertical, id))
}

// CancelFiscalDocument implements nexusv1.HostServer.
func (h *Service) CancelFiscalDocument(ctx context.Context, req *nexusv1.CancelFiscalDocumentRequest) (*nexusv1.FiscalDocumentResponse, error) {
	ctx, cl, err := h.fiscalCall(ctx)
	if err != nil {
		return nil, err
	}
	id, err := uuid.Parse(req.GetId())
	if err != nil {
		return nil, rpcError(kind.NotFound, "fiscal_document_not_found", "no such fiscal document")
	}
	return fiscalResponse(h.fiscal.Cancel(ctx, cl.principal.CompanyID, h.vertical, id, req.GetReason()))
}

// GetFiscalSettings implements nexusv1.HostServer.
func (h *Service) GetFiscalSettings(ctx context.Context, _ *nexusv1.GetFiscalSettingsRequest) (*nexusv1.GetFiscalSettingsResponse, error) {
	ctx, cl, err := h.fiscalCall(ctx)
	if err != nil {
		return nil, err
	}
	o, err := h.fiscal.Overview(ctx, cl.principal.CompanyID)
	if err != nil {
		return nil, statusOf(err)
	}
	return &nexusv1.GetFiscalSettingsResponse{Configured: o.Configured, Country: o.Country,
		Environment: string(o.Environment), AutoIssue: o.AutoIssue}, nil
}
