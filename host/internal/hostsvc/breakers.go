package hostsvc

import (
	"context"
	"time"

	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
)

// Breaker is the state of one outbound circuit breaker of a vertical, as
// the vertical last reported it.
type Breaker struct {
	CompanyID string    `json:"company_id"`
	Service   string    `json:"service"`
	State     string    `json:"state"`
	Failures  uint32    `json:"failures"`
	Since     time.Time `json:"since"`
}

// ReportBreakers implements nexusv1.HostServer: it replaces the vertical's
// breaker states, shown with its health. It belongs to no call.
func (h *Service) ReportBreakers(_ context.Context, req *nexusv1.ReportBreakersRequest) (*nexusv1.ReportBreakersResponse, error) {
	bs := make([]Breaker, 0, len(req.GetBreakers()))
	for _, b := range req.GetBreakers() {
		bs = append(bs, Breaker{CompanyID: b.GetCompanyId(), Service: b.GetService(), State: b.GetState(),
			Failures: b.GetFailures(), Since: time.Unix(0, b.GetSinceUnixNano()).UTC().Truncate(time.Millisecond)})
	}
	h.breakersMu.Lock()
	h.breakers = bs
	h.breakersMu.Unlock()
	return &nexusv1.ReportBreakersResponse{}, nil
}

// Breakers returns the breakers the vertical reported last.
func (h *Service) Breakers() []Breaker {
	h.breakersMu.Lock()
	defer h.breakersMu.Unlock()
	return h.breakers
}
