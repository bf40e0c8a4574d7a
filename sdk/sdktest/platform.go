package sdktest

import (
	"context"

	"google.golang.org/grpc"

	"github.com/nexuspos/nexus/internal/auditaction"
	"github.com/nexuspos/nexus/internal/wire"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
	"github.com/nexuspos/nexus/sdk/kind"
)

// secretKey names a secret of the harness's vertical.
type secretKey struct{ company, name string }

// AuditEntry is an entry a committed request appended to its company's
// audit log (sdk.Context.Audit), checked as the host checks it.
type AuditEntry struct {
	CompanyID string
	// UserID is the principal's user id (the key's id for an API key).
	UserID    string
	Action    string
	Target    string
	Details   map[string]any
	RequestID string
}

// SetSecret stores value as the secret name of the harness's company, as
// an admin would through the host's API, for sdk.Context.Secret to read.
func (h *Harness) SetSecret(name, value string) {
	h.host.mu.Lock()
	defer h.host.mu.Unlock()
	h.host.secrets[secretKey{h.company.ID, name}] = []byte(value)
}

// AuditLog returns the audit entries of the requests that committed, of
// every company, in the order they committed.
func (h *Harness) AuditLog() []AuditEntry {
	h.host.mu.Lock()
	defer h.host.mu.Unlock()
	return append([]AuditEntry(nil), h.host.audit...)
}

// GetSecret implements nexusv1.HostClient: the call's company's secret,
// as the host answers it.
func (h *host) GetSecret(ctx context.Context, in *nexusv1.GetSecretRequest, _ ...grpc.CallOption) (*nexusv1.GetSecretResponse, error) {
	cl, err := h.call(ctx)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	value, ok := h.secrets[secretKey{cl.principal.CompanyID, in.GetName()}]
	h.mu.Unlock()
	if !ok {
		return nil, wire.Status(wire.Error{Kind: kind.Unprocessable, Code: "secret_not_set",
			Message: "secret " + in.GetName() + " is not set for this company", Details: map[string]any{"name": in.GetName()}})
	}
	return &nexusv1.GetSecretResponse{Value: value}, nil
}

// AppendAudit implements nexusv1.HostClient: the entry is kept if the
// call commits.
func (h *host) AppendAudit(ctx context.Context, in *nexusv1.AppendAuditRequest, _ ...grpc.CallOption) (*nexusv1.AppendAuditResponse, error) {
	cl, err := h.call(ctx)
	if err != nil {
		return nil, err
	}
	details, err := auditaction.CheckVertical(h.vertical, in.GetAction(), in.GetTarget(), in.GetDetails())
	if err != nil {
		return nil, rpcError(kind.Invalid, "invalid_audit_entry", err.Error())
	}
	h.mu.Lock()
	cl.audit = append(cl.audit, AuditEntry{CompanyID: cl.principal.CompanyID, UserID: cl.principal.UserID, Action: in.GetAction(),
		Target: in.GetTarget(), Details: details, RequestID: cl.requestID})
	h.mu.Unlock()
	return &nexusv1.AppendAuditResponse{}, nil
}
