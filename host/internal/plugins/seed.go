package plugins

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/nexuspos/nexus/host/internal/auth"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
)

// SeedInput says how much demo data a vertical generates for a company.
type SeedInput struct {
	// Index is the company's position among the seeded companies; with
	// Seed it makes the data reproducible.
	Index int
	Seed  int64
	// Transactions is how many business transactions to generate, over
	// the Days days before the start of End's day in the company's time
	// zone.
	Transactions int
	Days         int
	End          time.Time
	// Members are the company's users created for the seed.
	Members []SeedMember
}

// SeedMember is a user of a seeded company.
type SeedMember struct {
	UserID uuid.UUID
	Email  string
	Role   auth.Role
}

// Seed asks the running vertical name to generate demo data for company c
// (which enabled it with config) in one unit of work, committed when the
// vertical succeeds: a bulk unit (dal.NewBulkTenantUnit) in which the
// vertical may also CopyRows. It returns the rows written per table
// ("schema.table") and
// false when the vertical does not seed (it answers Unimplemented).
func (m *Manager) Seed(ctx context.Context, name string, c Company, config json.RawMessage, in SeedInput) (map[string]int64, bool, error) {
	v, ok := m.get(name)
	if !ok {
		return nil, false, fmt.Errorf("seed: no vertical named %s", name)
	}
	proc, done, ok := v.acquire()
	if !ok {
		return nil, false, fmt.Errorf("seed: vertical %s is not running", name)
	}
	defer done()
	if proc.data == nil || m.cfg.Pool == nil {
		return nil, false, fmt.Errorf("seed: the host runs without a database")
	}
	owner := auth.Principal{CompanyID: c.ID, Role: auth.RoleOwner}
	callID, cl := m.calls.BeginSeed(name, proc.data, owner, m.cfg.Pool)
	req := &nexusv1.SeedRequest{
		CallId: callID,
		Company: &nexusv1.Company{
			Id: c.ID.String(), Name: c.Name, Country: c.Country,
			Currency: c.Currency, Timezone: c.Timezone, TaxId: c.TaxID,
		},
		Config:       config,
		Index:        int32(in.Index),
		Seed:         in.Seed,
		Transactions: int64(in.Transactions),
		Days:         int32(in.Days),
		EndUnixNano:  in.End.UnixNano(),
	}
	for _, mem := range in.Members {
		req.Members = append(req.Members, &nexusv1.SeedMember{UserId: mem.UserID.String(), Email: mem.Email, Role: string(mem.Role)})
	}
	res, err := proc.api.Seed(ctx, req)
	if err != nil {
		_ = m.calls.End(ctx, callID, cl, false)
		if status.Code(err) == codes.Unimplemented {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("seed %s: %s", name, status.Convert(err).Message())
	}
	if err := m.calls.End(ctx, callID, cl, true); err != nil {
		return nil, false, fmt.Errorf("seed %s: %w", name, err)
	}
	rows := make(map[string]int64, len(res.GetRows()))
	for table, n := range res.GetRows() {
		rows[proc.data.Schema+"."+table] += n
	}
	return rows, true, nil
}
