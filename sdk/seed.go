package sdk

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Seeder is implemented by verticals that generate realistic demo and
// benchmark data. `nexus seed` creates companies, their users and enables
// every vertical for them, then calls Seed once per company and seeding
// vertical. c carries the company (c.Company), its configuration of the
// vertical (c.Config) and a DB bound to one unit of work for that
// company, committed only if Seed returns nil; in it c.CopyRows loads rows
// in bulk. Generate the same data for the same SeedRequest.
type Seeder interface {
	Seed(c *Context, req SeedRequest) error
}

// SeedRequest says how much data to generate for one company.
type SeedRequest struct {
	// Index is the company's position among the companies seeded so far
	// (0, 1, ...); with Seed it makes the data reproducible.
	Index int
	// Seed is the run's random seed.
	Seed int64
	// Transactions is how many business transactions (sales, billing
	// runs...) to generate, spread over the Days days before the start of
	// End's day in the company's time zone.
	Transactions int
	Days         int
	End          time.Time
	// Members are the company's users the host created for the seed.
	Members []SeedMember
}

// SeedMember is a user of a seeded company.
type SeedMember struct {
	UserID string
	Email  string
	Role   Role
}

// copyBatchBytes is how much encoded data a Copier buffers before it
// sends it to the host.
const copyBatchBytes = 4 << 20

// Copier loads rows into one table of the vertical's schema in bulk,
// through the host's COPY. Add buffers a row; the rows go to the host when
// the buffer fills and on Flush. Only a Seed call may copy rows. The first
// failure sticks: later Add calls do nothing and Flush returns it.
type Copier struct {
	c       *Context
	table   string
	columns []string
	buf     []byte
	rows    int
	written int64
	err     error
}

// CopyRows returns a Copier for columns of table (unqualified, a table of
// the vertical's schema). The host sets company_id to the call's company,
// so columns leave it out. A state-machine column may be loaded with
// states of its machine only.
func (c *Context) CopyRows(table string, columns ...string) *Copier {
	return &Copier{c: c, table: table, columns: columns}
}

// Add buffers one row, values in the order of the Copier's columns: nil,
// string, []byte (bytea), json.RawMessage, bool, integers, time.Time or a
// fmt.Stringer (decimal.Decimal, uuid.UUID...). Floating-point values are
// refused: money is never a float.
func (w *Copier) Add(values ...any) {
	if w.err != nil {
		return
	}
	if len(values) != len(w.columns) {
		w.err = fmt.Errorf("copy into %s: %d values for %d columns", w.table, len(values), len(w.columns))
		return
	}
	start := len(w.buf)
	for i, v := range values {
		if i > 0 {
			w.buf = append(w.buf, '\t')
		}
		var err error
		if w.buf, err = appendCopyValue(w.buf, v); err != nil {
			w.buf = w.buf[:start]
			w.err = fmt.Errorf("copy into %s, column %s: %w", w.table, w.columns[i], err)
			return
		}
	}
	w.buf = append(w.buf, '\n')
	w.rows++
	if len(w.buf) >= copyBatchBytes {
		w.err = w.send()
	}
}

// Pending returns how many rows are buffered.
func (w *Copier) Pending() int { return w.rows }

// Flush sends the buffered rows and returns the first failure, if any.
func (w *Copier) Flush() error {
	if w.err == nil && w.rows > 0 {
		w.err = w.send()
	}
	return w.err
}

// Written returns how many rows the host wrote so far.
func (w *Copier) Written() int64 { return w.written }

// send hands the buffered rows to the host.
func (w *Copier) send() error {
	if w.c.host == nil {
		return errHostUnavailable
	}
	n, err := w.c.host.copyRows(w.c.ctx, w.table, w.columns, w.buf)
	if err != nil {
		return err
	}
	w.written += n
	if w.c.copied != nil {
		w.c.copied[w.table] += n
	}
	w.buf, w.rows = w.buf[:0], 0
	return nil
}

// errNoSeeder answers Seed for a vertical without a Seeder.
var errNoSeeder = status.Error(codes.Unimplemented, "the vertical does not seed")

// seed runs the vertical's Seeder for call and returns the rows its
// Copiers wrote per table; errNoSeeder when the vertical has none.
func (s *server) seed(ctx context.Context, call seedCall) (map[string]int64, error) {
	sd, ok := s.vertical.(Seeder)
	if !ok {
		return nil, errNoSeeder
	}
	c := &Context{
		ctx:       ctx,
		host:      s.hostFor(call.callID),
		log:       s.log.With("company_id", call.company.ID, "seed", true),
		principal: Principal{CompanyID: call.company.ID, Role: RoleOwner},
		company:   call.company,
		config:    configOf(call.config),
		resHeader: http.Header{},
		copied:    map[string]int64{},
	}
	if err := s.run(c, func(c *Context) error { return sd.Seed(c, call.req) }); err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	return c.copied, nil
}
