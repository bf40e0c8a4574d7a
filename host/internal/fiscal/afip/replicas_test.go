package afip_test

import (
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/cache"
	"github.com/nexuspos/nexus/host/internal/cache/redistest"
	"github.com/nexuspos/nexus/host/internal/fiscal"
	"github.com/nexuspos/nexus/host/internal/fiscal/afip"
	sdkfiscal "github.com/nexuspos/nexus/sdk/fiscal"
	"github.com/nexuspos/nexus/sdk/outbound"
)

// TestTicketIsSharedAcrossReplicas: two hosts on one database and one
// Redis (the real one) log in to WSAA once between them — the second uses
// the ticket the first stored, as it must, since WSAA refuses another
// while one is valid — and number one series in turn.
func TestTicketIsSharedAcrossReplicas(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	companyID, c := e.company(t, "responsable_inscripto")
	client := redistest.Client(t)
	mon := cache.NewMonitor(client, time.Hour, nil)
	require.NoError(t, mon.Check(t.Context()))
	replica := func() *fiscal.Service {
		return fiscal.New(fiscal.Config{Pool: e.pool, Secrets: e.secrets, Credentials: e.secrets,
			Cache: cache.NewRedis(client, mon, nil), Logger: hclog.NewNullLogger(),
			Outbound: outbound.NewPool(outbound.Config{Timeout: 30 * time.Second}),
			Issuers:  []fiscal.Issuer{afip.New(afip.Options{WSAAURL: e.afip.WSAAURL(), WSFEURL: e.afip.WSFEURL()})}})
	}
	a, b := replica(), replica()
	first, err := a.Issue(t.Context(), companyID, "cpg", sale("sale-1", sdkfiscal.Customer{}))
	require.NoError(t, err)
	second, err := b.Issue(t.Context(), companyID, "cpg", sale("sale-2", sdkfiscal.Customer{}))
	require.NoError(t, err)
	require.Equal(t, int64(1), *first.Number)
	require.Equal(t, int64(2), *second.Number)
	require.Equal(t, 1, e.afip.Calls("LoginCms"), "one ticket for both replicas")
	require.Len(t, e.afip.Receipts(cuitNumber(c), 3, afip.FacturaB), 2)
}
