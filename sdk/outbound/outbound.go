// Package outbound is the HTTP client verticals use to call the services
// of others (fiscal authorities, payment providers, marketplaces): a
// timeout per attempt, retries with exponential backoff and full jitter for
// idempotent requests, Retry-After and rate-limit headers honoured, and a
// circuit breaker per (company, service) whose state the host shows with
// the vertical's health. It logs method, host, path, status and timing
// only: it must never log a header, a query string or a body, since those
// carry credentials.
package outbound

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/sony/gobreaker/v2"
)

// Config tunes a Pool. Zero values take the defaults noted.
type Config struct {
	// Timeout bounds one attempt, response headers included (10 s).
	Timeout time.Duration
	// MaxAttempts is how often an idempotent request is tried (3).
	MaxAttempts int
	// BaseDelay and MaxDelay bound the exponential backoff between
	// attempts; each wait is drawn uniformly below the bound (200 ms, 5 s).
	BaseDelay time.Duration
	MaxDelay  time.Duration
	// MaxRetryAfter is the longest Retry-After (or rate-limit reset) the
	// client waits for before retrying; a longer one returns the answer to
	// the caller at once (30 s).
	MaxRetryAfter time.Duration
	// FailureThreshold is the number of failures in a row (transport
	// errors and 5xx answers) that opens a breaker (5).
	FailureThreshold uint32
	// OpenTimeout is how long an open breaker refuses calls before it
	// half-opens and lets HalfOpenRequests through (30 s, 1).
	OpenTimeout      time.Duration
	HalfOpenRequests uint32
	// Transport sends the requests (http.DefaultTransport).
	Transport http.RoundTripper
	// Logger receives one line per attempt (none when nil).
	Logger hclog.Logger
	// OnChange is called after a breaker changed state, with that
	// breaker's lock held: it must return at once, typically by waking a
	// goroutine that reads Breakers (the SDK reports them to the host).
	OnChange func()
}

func (c *Config) defaults() {
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 3
	}
	if c.BaseDelay <= 0 {
		c.BaseDelay = 200 * time.Millisecond
	}
	if c.MaxDelay <= 0 {
		c.MaxDelay = 5 * time.Second
	}
	if c.MaxRetryAfter <= 0 {
		c.MaxRetryAfter = 30 * time.Second
	}
	if c.FailureThreshold == 0 {
		c.FailureThreshold = 5
	}
	if c.OpenTimeout <= 0 {
		c.OpenTimeout = 30 * time.Second
	}
	if c.HalfOpenRequests == 0 {
		c.HalfOpenRequests = 1
	}
	if c.Transport == nil {
		c.Transport = http.DefaultTransport
	}
	if c.Logger == nil {
		c.Logger = hclog.NewNullLogger()
	}
}

// Breaker states, as Breaker.State reports them.
const (
	StateClosed   = "closed"
	StateOpen     = "open"
	StateHalfOpen = "half_open"
)

// Breaker is the state of the circuit breaker of one (company, service).
type Breaker struct {
	CompanyID string
	Service   string
	// State is StateClosed, StateOpen or StateHalfOpen.
	State string
	// Failures counts the failures in a row so far.
	Failures uint32
	// Since is when the breaker entered State.
	Since time.Time
}

// ErrCircuitOpen is returned, wrapped, for a call refused by an open
// breaker (or by a half-open one already probing): the service failed
// too often lately and is given time to recover.
var ErrCircuitOpen = errors.New("circuit breaker is open")

// ErrRateLimited is returned, wrapped, for a call not sent because the
// service's last answer asked for a pause longer than MaxRetryAfter.
var ErrRateLimited = errors.New("service rate limit: paused")

// Pool holds the breakers and rate-limit state of every (company,
// service) a vertical calls. It is safe for concurrent use.
type Pool struct {
	cfg  Config
	http *http.Client

	mu       sync.Mutex
	services map[key]*service
}

type key struct{ company, service string }

// service is one (company, service)'s breaker and rate-limit pause.
type service struct {
	cb *gobreaker.CircuitBreaker[*http.Response]
	// since is when the breaker last changed state (Unix nanoseconds).
	since atomic.Int64
	// pausedUntil is when the service's rate limit lets calls through
	// again, as its last answer said (Retry-After, RateLimit-Reset).
	pausedUntil time.Time
}

// NewPool returns a Pool with cfg.
func NewPool(cfg Config) *Pool {
	cfg.defaults()
	return &Pool{cfg: cfg, http: &http.Client{Transport: cfg.Transport}, services: map[key]*service{}}
}

// Client returns the client for service called on behalf of company.
func (p *Pool) Client(companyID, serviceName string) *Client {
	return &Client{pool: p, key: key{companyID, serviceName}, log: p.cfg.Logger}
}

// Breakers returns the state of every breaker, sorted by company and
// service.
func (p *Pool) Breakers() []Breaker {
	p.mu.Lock()
	keys := make([]key, 0, len(p.services))
	services := make([]*service, 0, len(p.services))
	for k, s := range p.services {
		keys = append(keys, k)
		services = append(services, s)
	}
	p.mu.Unlock()
	// Reading a breaker's state may change it (open to half-open), which
	// calls changed: never with p.mu held.
	out := make([]Breaker, len(keys))
	for i, k := range keys {
		s := services[i]
		state := s.cb.State()
		out[i] = Breaker{CompanyID: k.company, Service: k.service, State: stateName(state),
			Failures: s.cb.Counts().ConsecutiveFailures, Since: time.Unix(0, s.since.Load())}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].CompanyID != out[j].CompanyID {
			return out[i].CompanyID < out[j].CompanyID
		}
		return out[i].Service < out[j].Service
	})
	return out
}

// State returns the state of the breaker of serviceName called on behalf
// of companyID: StateClosed when it was never called.
func (p *Pool) State(companyID, serviceName string) string {
	p.mu.Lock()
	s, ok := p.services[key{companyID, serviceName}]
	p.mu.Unlock()
	if !ok {
		return StateClosed
	}
	// Read without p.mu, as in Breakers: reading may change the state.
	return stateName(s.cb.State())
}

func stateName(s gobreaker.State) string {
	switch s {
	case gobreaker.StateOpen:
		return StateOpen
	case gobreaker.StateHalfOpen:
		return StateHalfOpen
	default:
		return StateClosed
	}
}

// service returns k's state, creating it on first use.
func (p *Pool) service(k key) *service {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s, ok := p.services[k]; ok {
		return s
	}
	s := &service{}
	s.since.Store(time.Now().UnixNano())
	s.cb = gobreaker.NewCircuitBreaker[*http.Response](gobreaker.Settings{
		Name:        k.company + "/" + k.service,
		MaxRequests: p.cfg.HalfOpenRequests,
		Timeout:     p.cfg.OpenTimeout,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= p.cfg.FailureThreshold },
		// Called by the breaker with its own lock held, never with p.mu.
		OnStateChange: func(_ string, _, to gobreaker.State) { p.changed(k, s, to) },
		// A canceled call says nothing about the service.
		IsExcluded: func(err error) bool { return errors.Is(err, context.Canceled) },
	})
	p.services[k] = s
	return s
}

// changed records a breaker's state change and reports it. The breaker
// calls it with its own lock held.
func (p *Pool) changed(k key, s *service, to gobreaker.State) {
	s.since.Store(time.Now().UnixNano())
	p.cfg.Logger.Warn("outbound circuit breaker changed", "company_id", k.company, "service", k.service, "state", stateName(to))
	if p.cfg.OnChange != nil {
		p.cfg.OnChange()
	}
}

// pause records that k's service asked for no calls before until.
func (p *Pool) pause(s *service, until time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if until.After(s.pausedUntil) {
		s.pausedUntil = until
	}
}

func (p *Pool) pausedUntil(s *service) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return s.pausedUntil
}

// Client calls one service for one company.
type Client struct {
	pool *Pool
	key  key
	log  hclog.Logger
}

// WithLogger returns a copy of c that logs its attempts to l instead of
// the pool's logger: a request's logger, so that the lines carry its
// request and trace ids. Breaker changes are still the pool's to log.
func (c *Client) WithLogger(l hclog.Logger) *Client {
	cc := *c
	cc.log = l
	return &cc
}

// Do sends req and returns the service's answer. An idempotent request
// (GET, HEAD, OPTIONS, PUT, DELETE, or one carrying an Idempotency-Key
// header, or X-Idempotency-Key as Mercado Pago names it) whose body can be
// replayed is retried after a transport error, a 429 or a 500/502/503/504,
// waiting as the answer's Retry-After or rate-limit reset asks, or with
// backoff and jitter. A call the breaker
// refuses returns an error wrapping ErrCircuitOpen without reaching the
// service. The caller closes the returned body. Errors never contain the
// request's query string.
func (c *Client) Do(req *http.Request) (*http.Response, error) {
	p := c.pool
	s := p.service(c.key)
	ctx := req.Context()
	attempts := 1
	if retriable(req) {
		attempts = p.cfg.MaxAttempts
	}
	target := redact(req.URL)
	for attempt := 1; ; attempt++ {
		pause := time.Until(p.pausedUntil(s))
		if pause > p.cfg.MaxRetryAfter {
			return nil, fmt.Errorf("%s %s: service %s asked for no calls for %s: %w", req.Method, target, c.key.service,
				pause.Round(time.Second), ErrRateLimited)
		}
		if err := sleep(ctx, pause); err != nil {
			return nil, fmt.Errorf("%s %s: %w", req.Method, target, err)
		}
		res, err := c.attempt(req, s, attempt)
		if errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests) {
			return nil, fmt.Errorf("%s %s: service %s: %w", req.Method, target, c.key.service, ErrCircuitOpen)
		}
		if ctx.Err() != nil {
			if res != nil {
				_ = res.Body.Close()
			}
			return nil, fmt.Errorf("%s %s: %w", req.Method, target, ctx.Err())
		}
		wait, again := p.retryWait(res, err, attempt)
		if res != nil {
			if until, ok := pauseUntil(res, time.Now()); ok {
				p.pause(s, until)
			}
		}
		if !again || attempt >= attempts || wait > p.cfg.MaxRetryAfter {
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", req.Method, target, err)
			}
			return res, nil
		}
		if res != nil {
			// Drain a little so the connection can be reused.
			_, _ = io.CopyN(io.Discard, res.Body, 4<<10)
			_ = res.Body.Close()
		}
		if req.GetBody != nil && req.Body != nil {
			body, err := req.GetBody()
			if err != nil {
				return nil, fmt.Errorf("%s %s: replay body: %w", req.Method, target, err)
			}
			req = req.Clone(ctx)
			req.Body = body
		}
		if err := sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("%s %s: %w", req.Method, target, err)
		}
	}
}

// attempt sends req once through the breaker. A 5xx answer counts as a
// failure of the service but is still returned.
func (c *Client) attempt(req *http.Request, s *service, n int) (*http.Response, error) {
	p := c.pool
	start := time.Now()
	var answer *http.Response
	_, err := s.cb.Execute(func() (*http.Response, error) {
		ctx, cancel := context.WithTimeout(req.Context(), p.cfg.Timeout)
		res, err := p.http.Do(req.WithContext(ctx))
		if err != nil {
			cancel()
			return nil, scrub(err)
		}
		res.Body = &cancelBody{ReadCloser: res.Body, cancel: cancel}
		answer = res
		if res.StatusCode >= 500 {
			return nil, errServerFailure
		}
		return res, nil
	})
	status := 0
	if answer != nil {
		status = answer.StatusCode
	}
	args := []any{"company_id", c.key.company, "service", c.key.service, "method", req.Method,
		"host", req.URL.Host, "path", req.URL.Path, "attempt", n, "status", status, "duration_ms", time.Since(start).Milliseconds()}
	if err != nil && !errors.Is(err, errServerFailure) {
		c.log.Warn("outbound call failed", append(args, "error", err.Error())...)
	} else {
		c.log.Debug("outbound call", args...)
	}
	if errors.Is(err, errServerFailure) {
		return answer, nil
	}
	return answer, err
}

// errServerFailure marks a 5xx answer to the breaker; the caller still
// gets the answer.
var errServerFailure = errors.New("server error")

// retryWait says whether an attempt that ended with res or err may be
// retried, and after how long.
func (p *Pool) retryWait(res *http.Response, err error, attempt int) (time.Duration, bool) {
	if err != nil {
		return p.backoff(attempt), true
	}
	switch res.StatusCode {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
	default:
		return 0, false
	}
	now := time.Now()
	if d, ok := retryAfter(res.Header.Get("Retry-After"), now); ok {
		return d, true
	}
	if until, ok := pauseUntil(res, now); ok {
		return until.Sub(now), true
	}
	return p.backoff(attempt), true
}

// backoff is the wait after the attempt-th failure: uniform in
// [0, min(MaxDelay, BaseDelay·2^(attempt-1))) ("full jitter").
func (p *Pool) backoff(attempt int) time.Duration {
	bound := p.cfg.MaxDelay
	if attempt < 31 {
		if d := p.cfg.BaseDelay << (attempt - 1); d > 0 && d < bound {
			bound = d
		}
	}
	return rand.N(bound)
}

// retriable reports whether req may be sent again: idempotent, and its
// body (if any) can be produced again.
func retriable(req *http.Request) bool {
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		return false
	}
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete, http.MethodTrace:
		return true
	}
	return req.Header.Get("Idempotency-Key") != "" || req.Header.Get("X-Idempotency-Key") != ""
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// cancelBody ends an attempt's context when the caller closes the body.
type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// redact returns u without its user info, query and fragment: what may be
// logged of a URL.
func redact(u *url.URL) string {
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
}

// scrub strips the query and user info from a *url.Error's URL, which
// http.Client fills with the whole request URL.
func scrub(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			return &url.Error{Op: ue.Op, URL: redact(u), Err: ue.Err}
		}
		return &url.Error{Op: ue.Op, URL: "(unparsable URL)", Err: ue.Err}
	}
	return err
}
