package outbound_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/sdk/outbound"
)

// fastConfig keeps backoff short, so that a wait a test observes comes
// from what the server said.
func fastConfig() outbound.Config {
	return outbound.Config{BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond, Timeout: 2 * time.Second}
}

// script answers the i-th request (from 0) with handlers[i], the last one
// repeating, and records when each arrived and with which body.
type script struct {
	mu       sync.Mutex
	handlers []http.HandlerFunc
	arrived  []time.Time
	bodies   []string
}

func (s *script) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	i := len(s.arrived)
	s.arrived = append(s.arrived, time.Now())
	s.bodies = append(s.bodies, string(body))
	h := s.handlers[min(i, len(s.handlers)-1)]
	s.mu.Unlock()
	h(w, r)
}

func (s *script) hits() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.arrived)
}

func serve(t *testing.T, handlers ...http.HandlerFunc) (*script, string) {
	t.Helper()
	s := &script{handlers: handlers}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return s, srv.URL
}

func status(code int, headers ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.WriteHeader(code)
	}
}

func do(t *testing.T, c *outbound.Client, method, url, body string, headers ...string) (*http.Response, error) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, url, rd)
	require.NoError(t, err)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := c.Do(req)
	if res != nil {
		t.Cleanup(func() { _ = res.Body.Close() })
	}
	return res, err
}

func TestRetriesIdempotentRequests(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		method   string
		body     string
		headers  []string
		wantHits int
		want     int
	}{
		{"GET is retried", "GET", "", nil, 3, http.StatusOK},
		{"PUT is retried with its body", "PUT", `{"a":1}`, nil, 3, http.StatusOK},
		{"POST with an Idempotency-Key is retried", "POST", `{"a":1}`, []string{"Idempotency-Key", "k1"}, 3, http.StatusOK},
		{"POST with an X-Idempotency-Key is retried", "POST", `{"a":1}`, []string{"X-Idempotency-Key", "k1"}, 3, http.StatusOK},
		{"POST without one is sent once", "POST", `{"a":1}`, nil, 1, http.StatusServiceUnavailable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, url := serve(t, status(503), status(502), status(200))
			c := outbound.NewPool(fastConfig()).Client("company-a", "svc")
			res, err := do(t, c, tc.method, url+"/x", tc.body, tc.headers...)
			require.NoError(t, err)
			require.Equal(t, tc.want, res.StatusCode)
			require.Equal(t, tc.wantHits, s.hits())
			for _, b := range s.bodies {
				require.Equal(t, tc.body, b, "every attempt carries the whole body")
			}
		})
	}
}

func TestRetriesTransportErrorsAndTimeouts(t *testing.T) {
	t.Parallel()
	var slow atomic.Bool
	slow.Store(true)
	s, url := serve(t, func(w http.ResponseWriter, r *http.Request) {
		if slow.CompareAndSwap(true, false) {
			<-r.Context().Done() // the client's attempt timeout ends it
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	cfg := fastConfig()
	cfg.Timeout = 200 * time.Millisecond
	res, err := do(t, outbound.NewPool(cfg).Client("company-a", "svc"), "GET", url, "")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, 2, s.hits())
}

func TestHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	s, url := serve(t, status(429, "Retry-After", "1"), status(200))
	res, err := do(t, outbound.NewPool(fastConfig()).Client("company-a", "svc"), "GET", url, "")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, 2, s.hits())
	require.GreaterOrEqual(t, s.arrived[1].Sub(s.arrived[0]), 950*time.Millisecond, "waited as Retry-After asked")
}

func TestHonoursRetryAfterDate(t *testing.T) {
	t.Parallel()
	at := time.Now().Add(2 * time.Second).UTC()
	s, url := serve(t, status(503, "Retry-After", at.Format(http.TimeFormat)), status(200))
	res, err := do(t, outbound.NewPool(fastConfig()).Client("company-a", "svc"), "GET", url, "")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode)
	// An HTTP date has whole seconds: the retry comes no earlier than the
	// date the header names, however long the first answer took to arrive.
	require.False(t, s.arrived[1].Before(at.Truncate(time.Second)),
		"retried at %s, before the Retry-After date %s", s.arrived[1], at.Truncate(time.Second))
}

func TestLongRetryAfterPausesTheService(t *testing.T) {
	t.Parallel()
	s, url := serve(t, status(429, "Retry-After", "3600"), status(200))
	pool := outbound.NewPool(fastConfig())
	c := pool.Client("company-a", "svc")
	res, err := do(t, c, "GET", url, "")
	require.NoError(t, err)
	require.Equal(t, http.StatusTooManyRequests, res.StatusCode, "an hour is past MaxRetryAfter: the caller gets the 429")
	require.Equal(t, 1, s.hits())

	_, err = do(t, c, "GET", url, "")
	require.ErrorIs(t, err, outbound.ErrRateLimited)
	require.Equal(t, 1, s.hits(), "the paused service is not called")

	res, err = do(t, pool.Client("company-b", "svc"), "GET", url, "")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode, "another company's quota is its own")
}

func TestHonoursExhaustedRateLimit(t *testing.T) {
	t.Parallel()
	for _, prefix := range []string{"RateLimit-", "X-RateLimit-"} {
		t.Run(prefix, func(t *testing.T) {
			t.Parallel()
			s, url := serve(t, status(200, prefix+"Remaining", "0", prefix+"Reset", "1"), status(200))
			c := outbound.NewPool(fastConfig()).Client("company-a", "svc")
			for range 2 {
				res, err := do(t, c, "POST", url, "x")
				require.NoError(t, err)
				require.Equal(t, http.StatusOK, res.StatusCode)
			}
			require.GreaterOrEqual(t, s.arrived[1].Sub(s.arrived[0]), 950*time.Millisecond,
				"the second call waited for the quota's reset")
		})
	}
}

func TestBreakerOpensAndHalfOpens(t *testing.T) {
	t.Parallel()
	var healthy atomic.Bool
	s, url := serve(t, func(w http.ResponseWriter, _ *http.Request) {
		if healthy.Load() {
			w.WriteHeader(http.StatusOK)
			return
		}
		w.WriteHeader(http.StatusInternalServerError)
	})
	cfg := fastConfig()
	cfg.MaxAttempts = 1
	cfg.FailureThreshold = 3
	cfg.OpenTimeout = 300 * time.Millisecond
	changes := make(chan struct{}, 16)
	cfg.OnChange = func() { changes <- struct{}{} }
	pool := outbound.NewPool(cfg)
	c := pool.Client("company-a", "fiscal")

	for range 3 {
		res, err := do(t, c, "GET", url, "")
		require.NoError(t, err, "a 5xx is an answer")
		require.Equal(t, http.StatusInternalServerError, res.StatusCode)
	}
	_, err := do(t, c, "GET", url, "")
	require.ErrorIs(t, err, outbound.ErrCircuitOpen)
	require.Equal(t, 3, s.hits(), "an open breaker does not call the service")
	require.Equal(t, outbound.StateOpen, stateOf(t, pool.Breakers(), "company-a", "fiscal"))
	require.Len(t, changes, 1, "the change is signalled")
	require.Equal(t, outbound.StateOpen, pool.State("company-a", "fiscal"), "State reads one breaker as Breakers lists it")
	require.Equal(t, outbound.StateClosed, pool.State("company-z", "fiscal"), "a breaker never called is closed")

	res, err := do(t, pool.Client("company-b", "fiscal"), "GET", url, "")
	require.NoError(t, err, "another company's breaker is closed")
	require.Equal(t, http.StatusInternalServerError, res.StatusCode)

	time.Sleep(cfg.OpenTimeout)
	require.Equal(t, outbound.StateHalfOpen, stateOf(t, pool.Breakers(), "company-a", "fiscal"))
	res, err = do(t, c, "GET", url, "")
	require.NoError(t, err)
	require.Equal(t, http.StatusInternalServerError, res.StatusCode, "the half-open probe reaches the service")
	require.Equal(t, outbound.StateOpen, stateOf(t, pool.Breakers(), "company-a", "fiscal"), "a failed probe opens it again")

	healthy.Store(true)
	time.Sleep(cfg.OpenTimeout)
	res, err = do(t, c, "GET", url, "")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, outbound.StateClosed, stateOf(t, pool.Breakers(), "company-a", "fiscal"), "a good probe closes it")
	// closed→open, open→half-open, half-open→open, open→half-open, half-open→closed
	require.Len(t, changes, 5, "every change is signalled")
}

func stateOf(t *testing.T, bs []outbound.Breaker, company, service string) string {
	t.Helper()
	for _, b := range bs {
		if b.CompanyID == company && b.Service == service {
			return b.State
		}
	}
	t.Fatalf("no breaker for %s/%s in %+v", company, service, bs)
	return ""
}

func TestNoSecretInLogsOrErrors(t *testing.T) {
	t.Parallel()
	const token, querySecret = "tok-3f9a1c-very-secret", "qs-77e2b0-also-secret"
	_, url := serve(t, status(500))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := "http://" + ln.Addr().String()
	require.NoError(t, ln.Close()) // nothing listens there any more

	var buf syncBuffer
	cfg := fastConfig()
	cfg.Logger = hclog.New(&hclog.LoggerOptions{Output: &buf, Level: hclog.Trace, JSONFormat: true})
	c := outbound.NewPool(cfg).Client("company-a", "svc")
	var errs []string
	for _, base := range []string{url, closed} {
		_, err := do(t, c, "GET", base+"/v1/invoices?api_key="+querySecret+"&page=2", "",
			"Authorization", "Bearer "+token, "X-Api-Key", token)
		if err != nil {
			errs = append(errs, err.Error())
		}
	}
	require.Len(t, errs, 1, "the closed port fails")
	logged := buf.String()
	require.Contains(t, logged, "/v1/invoices", "the attempts are logged")
	require.Contains(t, logged, "outbound call failed")
	for _, secret := range []string{token, querySecret} {
		require.NotContains(t, logged, secret)
		require.NotContains(t, errs[0], secret)
	}
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestCanceledCallStopsWaiting has the service ask for a pause of an hour
// (allowed by MaxRetryAfter) and cancels the call once the first answer is
// sent: Do returns the cancellation and the service sees no second
// attempt. Were the pause not cut short by the context, Do would not
// return before the test binary's timeout.
func TestCanceledCallStopsWaiting(t *testing.T) {
	t.Parallel()
	answered := make(chan struct{})
	var once sync.Once
	s, url := serve(t, func(w http.ResponseWriter, r *http.Request) {
		status(503, "Retry-After", "3600")(w, r)
		once.Do(func() { close(answered) })
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { <-answered; cancel() }()
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	require.NoError(t, err)
	cfg := fastConfig()
	cfg.MaxRetryAfter = 2 * time.Hour
	_, err = outbound.NewPool(cfg).Client("company-a", "svc").Do(req)
	require.True(t, errors.Is(err, context.Canceled), "got %v", err)
	s.mu.Lock()
	defer s.mu.Unlock()
	require.Len(t, s.arrived, 1, "no attempt after the cancellation")
}

// TestWithLogger checks that a client given a request's logger logs its
// attempts there, with the request's fields, and not to the pool's, while
// the breaker it opens is still the pool's to log.
func TestWithLogger(t *testing.T) {
	t.Parallel()
	_, url := serve(t, status(500))
	var pool, request syncBuffer
	cfg := fastConfig()
	cfg.FailureThreshold = 1
	cfg.Logger = hclog.New(&hclog.LoggerOptions{Output: &pool, Level: hclog.Trace})
	c := outbound.NewPool(cfg).Client("company-a", "svc").
		WithLogger(hclog.New(&hclog.LoggerOptions{Output: &request, Level: hclog.Trace}).With("request_id", "req-42"))
	_, _ = do(t, c, "GET", url+"/v1/ping", "")
	require.Contains(t, request.String(), "outbound call: request_id=req-42")
	require.NotContains(t, pool.String(), "outbound call")
	require.Contains(t, pool.String(), "outbound circuit breaker changed")
}
