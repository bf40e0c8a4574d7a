package afip_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/fiscal"
	"github.com/nexuspos/nexus/host/internal/fiscal/afip"
	"github.com/nexuspos/nexus/host/internal/fiscal/afip/afiptest"
	"github.com/nexuspos/nexus/host/internal/secrets"
	"github.com/nexuspos/nexus/host/internal/store/storetest"
	sdkfiscal "github.com/nexuspos/nexus/sdk/fiscal"
	"github.com/nexuspos/nexus/sdk/outbound"
	"github.com/nexuspos/nexus/sdk/taxid"
)

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// env is a database, the fake AFIP and the fiscal service with the AFIP
// issuer pointed at it, logging everything (trace level) to log.
type env struct {
	pool    *pgxpool.Pool
	afip    *afiptest.Server
	svc     *fiscal.Service
	secrets *secrets.Service
	log     *syncBuffer
	// creds are every company's certificate and key, to check logs.
	mu    sync.Mutex
	creds [][]byte
}

// options tune the outbound client of a test.
type options struct {
	timeout   time.Duration
	threshold uint32
}

func newEnv(t *testing.T, o options) *env {
	t.Helper()
	if o.timeout == 0 {
		o.timeout = 30 * time.Second
	}
	e := &env{pool: storetest.NewPool(t), afip: afiptest.New(t), log: &syncBuffer{}}
	log := hclog.New(&hclog.LoggerOptions{Level: hclog.Trace, Output: e.log})
	e.secrets = secrets.NewService(e.pool, secrets.DevKeyring(), func(name string) bool { return name == fiscal.SecretsNamespace })
	pool := outbound.NewPool(outbound.Config{Timeout: o.timeout, FailureThreshold: o.threshold, OpenTimeout: time.Hour,
		BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond, Logger: log.Named("outbound")})
	e.svc = fiscal.New(fiscal.Config{Pool: e.pool, Secrets: e.secrets, Credentials: e.secrets, Outbound: pool, Logger: log,
		Issuers: []fiscal.Issuer{afip.New(afip.Options{WSAAURL: e.afip.WSAAURL(), WSFEURL: e.afip.WSFEURL()})}})
	return e
}

// cuit returns a valid CUIT starting with prefix and n.
func cuit(t *testing.T, prefix string, n int) string {
	t.Helper()
	body := fmt.Sprintf("%s%08d", prefix, n)
	for {
		d, err := taxid.CUITCheckDigit(body)
		if err == nil {
			return fmt.Sprintf("%s%d", body, d)
		}
		n++
		body = fmt.Sprintf("%s%08d", prefix, n)
	}
}

// company creates an Argentine company of IVA condition cond with its
// AFIP settings and credentials, and returns its id and CUIT.
func (e *env) company(t *testing.T, cond string) (uuid.UUID, string) {
	t.Helper()
	c := cuit(t, "30", int(time.Now().UnixNano()%90000000))
	var id uuid.UUID
	require.NoError(t, e.pool.QueryRow(t.Context(),
		`INSERT INTO companies (name, country, currency, tax_id, timezone)
		 VALUES ('Almacén Don Pepe', 'AR', 'ARS', $1, 'America/Argentina/Buenos_Aires') RETURNING id`, c).Scan(&id))
	_, err := e.svc.PutSettings(t.Context(), id, fiscal.Settings{Environment: fiscal.Homologation,
		Config: json.RawMessage(fmt.Sprintf(`{"iva_condition":%q,"points_of_sale":[3],"address":"Av. Corrientes 1234"}`, cond))})
	require.NoError(t, err)
	cert, key := e.afip.Credentials(t, c)
	require.NoError(t, e.secrets.Put(t.Context(), secrets.Address{CompanyID: id, Vertical: fiscal.SecretsNamespace, Name: afip.CredentialCertificate}, cert))
	require.NoError(t, e.secrets.Put(t.Context(), secrets.Address{CompanyID: id, Vertical: fiscal.SecretsNamespace, Name: afip.CredentialKey}, key))
	e.mu.Lock()
	e.creds = append(e.creds, cert, key)
	e.mu.Unlock()
	return id, c
}

// requireNoCredentialInLogs checks that no certificate, key, token or
// sign appears in what was logged.
func (e *env) requireNoCredentialInLogs(t *testing.T) {
	t.Helper()
	logged := e.log.String()
	require.NotEmpty(t, logged, "the test logged something to check")
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, c := range e.creds {
		for _, line := range bytes.Split(c, []byte("\n")) {
			if len(line) > 20 && !bytes.HasPrefix(line, []byte("-----")) {
				require.NotContains(t, logged, string(line), "a credential was logged")
			}
		}
	}
	for _, tok := range e.afip.Tokens() {
		token, sign, _ := bytes.Cut([]byte(tok), []byte("|"))
		require.NotContains(t, logged, string(token), "a token was logged")
		require.NotContains(t, logged, string(sign), "a sign was logged")
	}
	require.NotContains(t, logged, "BEGIN RSA PRIVATE KEY")
}

// sale is a receipt of two lines at 21 % and 10.5 % for customer.
func sale(source string, customer sdkfiscal.Customer) sdkfiscal.Input {
	d := decimal.RequireFromString
	return sdkfiscal.Input{
		SourceID: source, Kind: sdkfiscal.KindInvoice, Currency: "ARS", Date: "2026-12-05", Customer: customer,
		Lines: []sdkfiscal.Line{
			{Description: "Yerba 1 kg", Quantity: d("2"), UnitPrice: d("100"), Net: d("200"),
				Taxes: []sdkfiscal.Tax{{Type: "iva", Rate: d("0.21"), Base: d("200"), Amount: d("42")}}, Total: d("242")},
			{Description: "Pan", Quantity: d("1"), UnitPrice: d("50"), Discount: d("10"), Net: d("40"),
				Taxes: []sdkfiscal.Tax{{Type: "iva", Rate: d("0.105"), Base: d("40"), Amount: d("4.2")}}, Total: d("44.2")},
		},
		Totals: sdkfiscal.Totals{Net: d("240"), Discount: d("10"), Tax: d("46.2"), Total: d("286.2"),
			Taxes: []sdkfiscal.Tax{{Type: "iva", Rate: d("0.21"), Base: d("200"), Amount: d("42")},
				{Type: "iva", Rate: d("0.105"), Base: d("40"), Amount: d("4.2")}}},
	}
}

func cuitNumber(c string) int64 {
	var n int64
	fmt.Sscan(c, &n)
	return n
}

func fiscalSettings(cfg string) fiscal.Settings {
	return fiscal.Settings{Environment: fiscal.Homologation, Config: json.RawMessage(cfg)}
}

func putCredential(t *testing.T, e *env, companyID uuid.UUID, name string, value []byte) {
	t.Helper()
	require.NoError(t, e.secrets.Put(t.Context(), secrets.Address{CompanyID: companyID, Vertical: fiscal.SecretsNamespace, Name: name}, value))
	e.mu.Lock()
	e.creds = append(e.creds, value)
	e.mu.Unlock()
}
