package hostsvc

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/nexuspos/nexus/host/internal/audit"
	"github.com/nexuspos/nexus/host/internal/secrets"
	"github.com/nexuspos/nexus/host/internal/tracing"
	"github.com/nexuspos/nexus/internal/auditaction"
	"github.com/nexuspos/nexus/internal/wire"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
	"github.com/nexuspos/nexus/sdk/kind"
)

// SecretReader reads a vertical's secret for a company (secrets.Service).
type SecretReader interface {
	// Get returns the value of secret a, or secrets.ErrNotFound.
	Get(ctx context.Context, a secrets.Address) ([]byte, error)
}

// GetSecret implements nexusv1.HostServer: the value of one of the calling
// vertical's secrets for the call's company, never another's. The value
// goes to the plugin only: nothing here logs it.
func (h *Service) GetSecret(ctx context.Context, req *nexusv1.GetSecretRequest) (*nexusv1.GetSecretResponse, error) {
	cl, err := h.calls.lookup(ctx, h.vertical)
	if err != nil {
		return nil, err
	}
	if h.secrets == nil {
		return nil, rpcError(kind.Unavailable, "secrets_unavailable", "the host runs without secrets")
	}
	if cl.principal.CompanyID == uuid.Nil {
		return nil, rpcError(kind.Unprocessable, "company_required", "secrets belong to a company; this call has none")
	}
	a := secrets.Address{CompanyID: cl.principal.CompanyID, Vertical: h.vertical, Name: req.GetName()}
	value, err := h.secrets.Get(ctx, a)
	if errors.Is(err, secrets.ErrNotFound) {
		return nil, wire.Status(wire.Error{Kind: kind.Unprocessable, Code: "secret_not_set",
			Message: "secret " + req.GetName() + " is not set for this company", Details: map[string]any{"name": req.GetName()}})
	}
	if err != nil {
		h.log.Error("reading a secret failed", append([]any{"request_id", cl.requestID, "secret", a.String(), "error", err}, tracing.LogFields(ctx)...)...)
		return nil, rpcError(kind.Internal, "internal", "the secret could not be read")
	}
	return &nexusv1.GetSecretResponse{Value: value}, nil
}

// AppendAudit implements nexusv1.HostServer: the entry joins the call's
// unit of work, so it is kept only if the call commits. Its action must be
// in the vertical's namespace; the actor and origin are the call's, not
// the plugin's to choose.
func (h *Service) AppendAudit(ctx context.Context, req *nexusv1.AppendAuditRequest) (*nexusv1.AppendAuditResponse, error) {
	cl, err := h.calls.lookup(ctx, h.vertical)
	if err != nil {
		return nil, err
	}
	if cl.unit == nil {
		return nil, rpcError(kind.Unavailable, "database_unavailable", "the host runs without a database")
	}
	e, err := h.auditEntry(cl, req)
	if err != nil {
		return nil, err
	}
	b := &pgx.Batch{}
	if err := audit.Queue(ctx, b, e); err != nil {
		return nil, rpcError(kind.Invalid, "invalid_audit_entry", err.Error())
	}
	if err := cl.Send(ctx, b); err != nil {
		return nil, statusOf(err)
	}
	return &nexusv1.AppendAuditResponse{}, nil
}

// auditEntry checks req and makes it an entry of cl's company.
func (h *Service) auditEntry(cl *Call, req *nexusv1.AppendAuditRequest) (audit.Entry, error) {
	details, err := auditaction.CheckVertical(h.vertical, req.GetAction(), req.GetTarget(), req.GetDetails())
	if err != nil {
		return audit.Entry{}, rpcError(kind.Invalid, "invalid_audit_entry", err.Error())
	}
	origin := cl.origin
	if origin.RequestID == "" {
		origin.RequestID = cl.requestID
	}
	actor := audit.Actor{Kind: audit.ActorSystem}
	if cl.principal.UserID != uuid.Nil {
		actor = cl.principal.AuditActor()
	}
	return audit.Entry{
		CompanyID: cl.principal.CompanyID, Action: req.GetAction(), Target: req.GetTarget(), Details: details,
		Actor: actor, Origin: origin, Vertical: h.vertical,
	}, nil
}
