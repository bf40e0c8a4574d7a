package seed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // company time zones must resolve on hosts without tzdata

	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/host/internal/plugins"
	"github.com/nexuspos/nexus/host/internal/tenancy"
	"github.com/nexuspos/nexus/sdk/kind"
	"github.com/nexuspos/nexus/sdk/taxid"
)

// emailDomain is the domain of every seeded user's email.
const emailDomain = "seed.nexus.local"

// Password is the password of every seeded user.
const Password = "seed-password-2026"

// Defaults of Options.
const (
	DefaultDays = 90
	DefaultSeed = 1
)

// ErrAlreadySeeded is returned when the database holds seed data and
// Options.Append is not set.
var ErrAlreadySeeded = errors.New("the database already holds seed data (use --append to add more)")

// Tenancy is what the seed needs from the tenancy service.
type Tenancy interface {
	CreateCompany(ctx context.Context, nc tenancy.NewCompany) (tenancy.Company, []string, error)
	AddMember(ctx context.Context, companyID uuid.UUID, email, password string, role auth.Role) (tenancy.Member, bool, error)
	EnableVertical(ctx context.Context, companyID uuid.UUID, name string, config json.RawMessage) (tenancy.Vertical, error)
}

// Seeder is what the seed needs from the plugin runtime: a vertical's
// Seed call (plugins.Manager.Seed).
type Seeder interface {
	Seed(ctx context.Context, name string, c plugins.Company, config json.RawMessage, in plugins.SeedInput) (map[string]int64, bool, error)
}

// Vertical is a vertical every seeded company enables, with the
// configuration it enables it with.
type Vertical struct {
	Name   string
	Config json.RawMessage
}

// Deps are what the seed runs on. The Verticals must be running
// in the plugin runtime behind Tenancy and Seeder.
type Deps struct {
	Pool      *pgxpool.Pool
	Tenancy   Tenancy
	Seeder    Seeder
	Verticals []Vertical
	// Log may be nil.
	Log hclog.Logger
}

// Options says how much to generate.
type Options struct {
	// Companies is the number of companies, alternately MX and AR (≥ 1).
	Companies int
	// Transactions is the number of business transactions (a retail
	// vertical's sales...) each vertical generates across all companies
	// (≥ 0).
	Transactions int
	// Days is how many days before End the transactions are spread over
	// (DefaultDays when 0).
	Days int
	// Seed makes the data reproducible (DefaultSeed when 0).
	Seed int64
	// Append allows seeding a database that already holds seed data.
	Append bool
	// End bounds the data: every timestamp is before the start of End's day
	// in each company's time zone (now when zero).
	End time.Time
	// Workers is how many companies are loaded at once (GOMAXPROCS when 0).
	Workers int
}

// CompanySummary is one seeded company.
type CompanySummary struct {
	ID         uuid.UUID
	Name       string
	Country    string
	TaxID      string
	OwnerEmail string
	// Transactions is how many transactions each vertical generated for
	// the company.
	Transactions int
}

// Summary is what a run wrote.
type Summary struct {
	Companies []CompanySummary
	// Rows counts the rows written per table.
	Rows    map[string]int64
	Elapsed time.Duration
}

// TotalRows is the number of rows written to all tables.
func (s Summary) TotalRows() int64 {
	var n int64
	for _, v := range s.Rows {
		n += v
	}
	return n
}

// Print writes a human summary to w.
func (s Summary) Print(w io.Writer) {
	fmt.Fprintf(w, "seeded %d companies in %s (%d rows, %.0f rows/s)\n", len(s.Companies),
		s.Elapsed.Round(time.Millisecond), s.TotalRows(), float64(s.TotalRows())/max(s.Elapsed.Seconds(), 1e-9))
	for _, c := range s.Companies {
		fmt.Fprintf(w, "  %s  %-2s %-13s %-40s %8d transactions  owner %s\n", c.ID, c.Country, c.TaxID, c.Name, c.Transactions, c.OwnerEmail)
	}
	fmt.Fprintf(w, "  users' password: %s\n", Password)
	for _, name := range slices.Sorted(maps.Keys(s.Rows)) {
		fmt.Fprintf(w, "  %-28s %10d\n", name, s.Rows[name])
	}
}

// Run creates the companies, each with an owner and a cashier and every
// one of Deps.Verticals enabled, and then loads their data company by
// company: each vertical's, through its Seed call (one unit of work per
// company and vertical), and the host's own CFDI invoices of Mexican
// companies. A failure leaves the companies created so far (and the data
// loaded so far) in place.
func Run(ctx context.Context, d Deps, o Options) (Summary, error) {
	start := time.Now()
	if err := o.check(); err != nil {
		return Summary{}, err
	}
	if d.Log == nil {
		d.Log = hclog.NewNullLogger()
	}
	var existing int
	if err := d.Pool.QueryRow(ctx, seedOwnersSQL).Scan(&existing); err != nil {
		return Summary{}, fmt.Errorf("seed: look for seed data: %w", err)
	}
	if existing > 0 && !o.Append {
		return Summary{}, ErrAlreadySeeded
	}
	companies := make([]*company, o.Companies)
	for i := range companies {
		c, err := createCompany(ctx, d, o, existing+i)
		if err != nil {
			return Summary{}, err
		}
		companies[i] = c
		d.Log.Info("company created", "company_id", c.id, "name", c.name, "country", c.country)
	}
	for i, c := range companies {
		c.transactions = o.Transactions / o.Companies
		if i < o.Transactions%o.Companies {
			c.transactions++
		}
	}

	sum := Summary{Rows: map[string]int64{}}
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	work := make(chan *company)
	for range min(o.Workers, len(companies)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range work {
				counts, err := load(ctx, d, o, c)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				for k, v := range counts {
					sum.Rows[k] += v
				}
				mu.Unlock()
				d.Log.Info("company loaded", "company_id", c.id, "transactions", c.transactions, "error", err)
			}
		}()
	}
	for _, c := range companies {
		mu.Lock()
		failed := firstErr != nil
		mu.Unlock()
		if failed || ctx.Err() != nil {
			break
		}
		work <- c
	}
	close(work)
	wg.Wait()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	for _, c := range companies {
		sum.Companies = append(sum.Companies, CompanySummary{ID: c.id, Name: c.name, Country: c.country,
			TaxID: c.taxID, OwnerEmail: c.owner.email, Transactions: c.transactions})
	}
	sum.Elapsed = time.Since(start)
	if firstErr != nil {
		return sum, fmt.Errorf("seed: %w", firstErr)
	}
	return sum, nil
}

// check validates the options and fills in the defaults.
func (o *Options) check() error {
	switch {
	case o.Companies < 1:
		return fmt.Errorf("seed: --companies must be at least 1, got %d", o.Companies)
	case o.Companies > 10000:
		return fmt.Errorf("seed: --companies must be at most 10000, got %d", o.Companies)
	case o.Transactions < 0:
		return fmt.Errorf("seed: --transactions must not be negative, got %d", o.Transactions)
	case o.Days < 0 || o.Days > 3660:
		return fmt.Errorf("seed: --days must be between 1 and 3660, got %d", o.Days)
	}
	if o.Days == 0 {
		o.Days = DefaultDays
	}
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	if o.End.IsZero() {
		o.End = time.Now()
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	return nil
}

// member is a seeded user of a company.
type member struct {
	id    uuid.UUID
	email string
}

// company is a seeded company.
type company struct {
	idx                                      int
	id                                       uuid.UUID
	name, country, currency, taxID, timezone string
	loc                                      *time.Location
	owner, cashier                           member
	transactions                             int
}

var (
	mxNames = []string{"Moda Aurora", "Boutique Sierra Madre", "Textiles del Bajío", "Ropa Fina Jalisco", "Tienda La Palma"}
	arNames = []string{"Indumentaria del Sur", "Tienda Patagonia", "Moda Rioplatense", "Boutique Palermo", "Ropa Andina"}
	mxZones = []string{"America/Mexico_City", "America/Monterrey", "America/Tijuana", "America/Merida"}
	arZones = []string{"America/Argentina/Buenos_Aires", "America/Argentina/Cordoba", "America/Argentina/Mendoza"}
)

// createCompany creates the idx-th seeded company through the tenancy
// service, with an owner and a cashier, and enables every one of
// d.Verticals.
func createCompany(ctx context.Context, d Deps, o Options, idx int) (*company, error) {
	c := &company{idx: idx}
	n := uint64(o.Seed)*7919 + uint64(idx)*104729
	var nc tenancy.NewCompany
	if idx%2 == 0 {
		c.country, c.currency = "MX", "MXN"
		c.name = fmt.Sprintf("%s %d SA de CV", mxNames[idx/2%len(mxNames)], idx+1)
		nc.Timezone = mxZones[idx/2%len(mxZones)]
	} else {
		c.country, c.currency = "AR", "ARS"
		c.name = fmt.Sprintf("%s %d SA", arNames[idx/2%len(arNames)], idx+1)
		nc.Timezone = arZones[idx/2%len(arZones)]
	}
	nc.Name, nc.Country, nc.Currency = c.name, c.country, c.currency
	var created tenancy.Company
	for attempt := range 10 {
		if c.country == "MX" {
			nc.TaxID = taxid.SampleRFC(n+uint64(attempt), false)
		} else {
			nc.TaxID = taxid.SampleCUIT("30", 10000000+(n+uint64(attempt)*7)%89999999)
		}
		var err error
		created, _, err = d.Tenancy.CreateCompany(ctx, nc)
		var apiErr *httpx.Error
		if errors.As(err, &apiErr) && apiErr.Kind == kind.Conflict {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("seed: create company %s: %w", nc.Name, err)
		}
		break
	}
	if created.ID == uuid.Nil {
		return nil, fmt.Errorf("seed: create company %s: every tax id tried is taken", nc.Name)
	}
	c.id, c.taxID, c.timezone = created.ID, created.TaxID, created.Timezone
	loc, err := time.LoadLocation(created.Timezone)
	if err != nil {
		return nil, fmt.Errorf("seed: company %s time zone: %w", c.name, err)
	}
	c.loc = loc
	for _, m := range []struct {
		dst  *member
		who  string
		role auth.Role
	}{{&c.owner, "owner", auth.RoleOwner}, {&c.cashier, "cashier", auth.RoleCashier}} {
		email := fmt.Sprintf("%s+%s@%s", m.who, strings.ToLower(c.taxID), emailDomain)
		mem, _, err := d.Tenancy.AddMember(ctx, c.id, email, Password, m.role)
		if err != nil {
			return nil, fmt.Errorf("seed: add %s to %s: %w", m.who, c.name, err)
		}
		*m.dst = member{id: mem.UserID, email: mem.Email}
	}
	ownerCtx := auth.WithPrincipal(ctx, auth.Principal{UserID: c.owner.id, CompanyID: c.id, Role: auth.RoleOwner, Email: c.owner.email})
	for _, v := range d.Verticals {
		if _, err := d.Tenancy.EnableVertical(ownerCtx, c.id, v.Name, v.Config); err != nil {
			return nil, fmt.Errorf("seed: enable %s for %s: %w", v.Name, c.name, err)
		}
	}
	return c, nil
}
