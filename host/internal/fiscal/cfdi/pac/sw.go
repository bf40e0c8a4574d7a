package pac

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"
)

// SW sapien's endpoints.
const (
	// SWTestURL is SW sapien's test (homologation) environment.
	SWTestURL = "https://services.test.sw.com.mx"
	// SWProductionURL is SW sapien's production environment.
	SWProductionURL = "https://services.sw.com.mx"

	swAuthPath   = "/security/authenticate"
	swStampPath  = "/cfdi33/stamp/v4"
	swCancelPath = "/cfdi33/cancel/csd"
	// swTokenLife is how long SW's tokens last when the answer does not
	// say (two hours, minus a margin).
	swTokenLife = 2*time.Hour - 5*time.Minute
	// maxAnswerBytes bounds what is read of an answer.
	maxAnswerBytes = 16 << 20
	// swAlreadyStamped is SAT's and SW's code of a CFDI stamped before.
	swAlreadyStamped = "307"
)

// Doer sends HTTP requests; *http.Client and the SDK's outbound client
// (timeouts, breaker) both are.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// Credentials are a SW sapien account: user and password, or a long-lived
// token. They are never logged: String hides the secrets.
type Credentials struct {
	User     string
	Password string
	// Token is SW's "token infinito"; when set, User and Password are not
	// used.
	Token string
}

// String implements fmt.Stringer without the password or token.
func (c Credentials) String() string { return "SW account " + c.User + " (secrets hidden)" }

// GoString implements fmt.GoStringer like String.
func (c Credentials) GoString() string { return c.String() }

// SW is a client of SW sapien's REST API for one account, and of SAT's
// status service its SDKs query.
type SW struct {
	baseURL    string
	statusURL  string
	statusHTTP Doer
	creds      Credentials
	http       Doer
	now        func() time.Time

	mu      sync.Mutex
	token   string
	expires time.Time
}

// SWOption configures an SW client.
type SWOption func(*SW)

// WithStatusService sends the status queries (Status) to url instead of
// SAT's production service (SATStatusTestURL in homologation, a fake's in
// tests), through doer (nil: the client's own), since SAT's service is
// another service than the PAC's.
func WithStatusService(url string, doer Doer) SWOption {
	return func(s *SW) { s.statusURL, s.statusHTTP = url, doer }
}

// NewSW returns a client of the SW API at baseURL (SWTestURL,
// SWProductionURL or a fake's) that sends through doer.
func NewSW(baseURL string, creds Credentials, doer Doer, opts ...SWOption) *SW {
	s := &SW{baseURL: strings.TrimSuffix(baseURL, "/"), statusURL: SATStatusURL, creds: creds, http: doer, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	if s.statusHTTP == nil {
		s.statusHTTP = doer
	}
	return s
}

// swAnswer is SW's answer envelope.
type swAnswer struct {
	Status        string          `json:"status"`
	Message       string          `json:"message"`
	MessageDetail *string         `json:"messageDetail"`
	Data          json.RawMessage `json:"data"`
}

type swToken struct {
	Token     string `json:"token"`
	ExpiresIn int64  `json:"expires_in"`
}

type swStamp struct {
	CFDI              string `json:"cfdi"`
	CadenaOriginalSAT string `json:"cadenaOriginalSAT"`
	NoCertificadoSAT  string `json:"noCertificadoSAT"`
	NoCertificadoCFDI string `json:"noCertificadoCFDI"`
	UUID              string `json:"uuid"`
	SelloSAT          string `json:"selloSAT"`
	SelloCFDI         string `json:"selloCFDI"`
	FechaTimbrado     string `json:"fechaTimbrado"`
}

type swCancel struct {
	Acuse string            `json:"acuse"`
	UUID  map[string]string `json:"uuid"`
}

// swCancelBody is the request of /cfdi33/cancel/csd.
type swCancelBody struct {
	UUID             string `json:"uuid"`
	Password         string `json:"password"`
	RFC              string `json:"rfc"`
	Motivo           string `json:"motivo"`
	FolioSustitucion string `json:"foliosustitucion,omitempty"`
	B64Cer           string `json:"b64Cer"`
	B64Key           string `json:"b64Key"`
}

// Stamp implements Provider: POST /cfdi33/stamp/v4 with the XML as the
// multipart field "xml". SW answers the same sealed CFDI sent again (after
// a timeout or a lost answer) with code 307 and the earlier stamp, which
// Stamp returns as a success; a 307 without it is an *AlreadyStampedError.
func (s *SW) Stamp(ctx context.Context, sealed []byte) (*Stamp, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	part, err := mw.CreateFormFile("xml", "cfdi.xml")
	if err != nil {
		return nil, fmt.Errorf("stamp: %w", err)
	}
	if _, err := part.Write(sealed); err != nil {
		return nil, fmt.Errorf("stamp: %w", err)
	}
	if err := mw.Close(); err != nil {
		return nil, fmt.Errorf("stamp: %w", err)
	}
	ans, status, err := s.authorized(ctx, http.MethodPost, swStampPath, mw.FormDataContentType(), body.Bytes())
	if err != nil {
		var pe *Error
		if errors.As(err, &pe) && pe.Code == swAlreadyStamped {
			if st := stampOf(ans); st != nil {
				return st, nil
			}
			return nil, &AlreadyStampedError{Message: pe.Message}
		}
		return nil, fmt.Errorf("stamp: %w", err)
	}
	st := stampOf(ans)
	if st == nil {
		return nil, fmt.Errorf("stamp: %w", &Error{Kind: ErrUnavailable, HTTPStatus: status, Message: "success without a stamped CFDI"})
	}
	return st, nil
}

// stampOf reads the stamp in an answer's data; nil when there is none.
func stampOf(ans *swAnswer) *Stamp {
	if ans == nil || len(ans.Data) == 0 {
		return nil
	}
	var d swStamp
	if json.Unmarshal(ans.Data, &d) != nil || d.CFDI == "" || d.UUID == "" {
		return nil
	}
	return &Stamp{
		XML: []byte(d.CFDI), UUID: strings.ToUpper(d.UUID), FechaTimbrado: d.FechaTimbrado,
		RfcProvCertif: rfcProvCertif(d.CadenaOriginalSAT), NoCertificadoSAT: d.NoCertificadoSAT,
		SelloCFD: d.SelloCFDI, SelloSAT: d.SelloSAT,
	}
}

// rfcProvCertif reads RfcProvCertif from the Timbre's cadena original
// (||1.1|UUID|FechaTimbrado|RfcProvCertif|...).
func rfcProvCertif(cadena string) string {
	f := strings.Split(strings.Trim(cadena, "|"), "|")
	if len(f) < 4 {
		return ""
	}
	return f[3]
}

// Cancel implements Provider: POST /cfdi33/cancel/csd with the CSD in
// base64. The request is checked first (Validate).
func (s *SW) Cancel(ctx context.Context, req CancelRequest) (*Cancellation, error) {
	if err := req.Validate(); err != nil {
		return nil, fmt.Errorf("cancel: %w", err)
	}
	body, err := json.Marshal(swCancelBody{
		UUID: req.UUID, Password: req.KeyPassword, RFC: req.RFC, Motivo: req.Motivo,
		FolioSustitucion: req.FolioSustitucion,
		B64Cer:           base64.StdEncoding.EncodeToString(req.Cer), B64Key: base64.StdEncoding.EncodeToString(req.Key),
	})
	if err != nil {
		return nil, fmt.Errorf("cancel: %w", err)
	}
	ans, status, err := s.authorized(ctx, http.MethodPost, swCancelPath, "application/json", body)
	if err != nil {
		return nil, fmt.Errorf("cancel %s: %w", req.UUID, err)
	}
	var d swCancel
	if err := json.Unmarshal(ans.Data, &d); err != nil {
		return nil, fmt.Errorf("cancel %s: %w", req.UUID, &Error{Kind: ErrUnavailable, HTTPStatus: status, Message: "unreadable cancellation data"})
	}
	c := &Cancellation{UUID: strings.ToUpper(req.UUID), Acuse: []byte(d.Acuse)}
	for u, st := range d.UUID {
		if strings.EqualFold(u, req.UUID) {
			c.Status = st
		}
	}
	return c, nil
}

// Authenticate gets the account's token now, so that refused credentials
// or an unreachable PAC show before anything is sent for stamping. A
// token that is still valid is kept.
func (s *SW) Authenticate(ctx context.Context) error {
	_, err := s.tokenFor(ctx, false)
	return err
}

// authorized sends a request with the account's token, fetching a token
// first when there is none or it expired, and once more after a 401.
func (s *SW) authorized(ctx context.Context, method, path, contentType string, body []byte) (*swAnswer, int, error) {
	for attempt := 0; ; attempt++ {
		token, err := s.tokenFor(ctx, attempt > 0)
		if err != nil {
			return nil, 0, err
		}
		req, err := http.NewRequestWithContext(ctx, method, s.baseURL+path, bytes.NewReader(body))
		if err != nil {
			return nil, 0, err
		}
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Authorization", "Bearer "+token)
		ans, status, err := s.send(req)
		if status == http.StatusUnauthorized && attempt == 0 && s.creds.Token == "" {
			continue
		}
		return ans, status, err
	}
}

// tokenFor returns the cached token, or authenticates when there is none,
// it expired or fresh is set.
func (s *SW) tokenFor(ctx context.Context, fresh bool) (string, error) {
	if s.creds.Token != "" {
		return s.creds.Token, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !fresh && s.token != "" && s.now().Before(s.expires) {
		return s.token, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.baseURL+swAuthPath, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("user", s.creds.User)
	req.Header.Set("password", s.creds.Password)
	ans, _, err := s.send(req)
	if err != nil {
		return "", fmt.Errorf("authenticate: %w", err)
	}
	var t swToken
	if err := json.Unmarshal(ans.Data, &t); err != nil || t.Token == "" {
		return "", fmt.Errorf("authenticate: %w", &Error{Kind: ErrUnavailable, Message: "no token in the answer"})
	}
	s.token, s.expires = t.Token, s.now().Add(swTokenLife)
	// SW documents expires_in as the expiry in Unix seconds.
	if exp := time.Unix(t.ExpiresIn, 0); t.ExpiresIn > 0 && exp.Before(s.expires) && exp.After(s.now()) {
		s.expires = exp
	}
	return s.token, nil
}

// send does req and reads SW's envelope. Transport errors, timeouts, 5xx
// and unreadable answers are ErrUnavailable; an envelope with status
// "error" is an *Error whose kind follows its code and HTTP status (the
// answer is returned too, as a 307 carries the earlier stamp).
func (s *SW) send(req *http.Request) (*swAnswer, int, error) {
	res, err := s.http.Do(req)
	if err != nil {
		// The error may name the URL but never carries headers or body.
		return nil, 0, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	defer func() { _ = res.Body.Close() }()
	raw, err := io.ReadAll(io.LimitReader(res.Body, maxAnswerBytes))
	if err != nil {
		return nil, res.StatusCode, fmt.Errorf("%w: read answer: %v", ErrUnavailable, err)
	}
	var ans swAnswer
	if jerr := json.Unmarshal(raw, &ans); jerr != nil || ans.Status == "" {
		kind := ErrUnavailable
		if res.StatusCode == http.StatusUnauthorized || res.StatusCode == http.StatusForbidden {
			kind = ErrAuth
		}
		return nil, res.StatusCode, &Error{Kind: kind, HTTPStatus: res.StatusCode, Message: "answer is not SW's JSON envelope: " + snippet(raw)}
	}
	if ans.Status == "success" && res.StatusCode < 300 {
		return &ans, res.StatusCode, nil
	}
	code := errorCode(ans.Message)
	kind := ErrRejected
	switch {
	case res.StatusCode >= 500:
		kind = ErrUnavailable
	case res.StatusCode == http.StatusUnauthorized || res.StatusCode == http.StatusForbidden || strings.HasPrefix(code, "AU"):
		kind = ErrAuth
	}
	return &ans, res.StatusCode, &Error{Kind: kind, HTTPStatus: res.StatusCode, Code: code, Message: ans.Message}
}

// swCode finds the code SW puts first in a message: "307. El comprobante
// ...", "CFDI40102 - ...", "AU2000 - ...".
var swCode = regexp.MustCompile(`^\s*([A-Z]*[0-9]+)\b`)

func errorCode(message string) string {
	if m := swCode.FindStringSubmatch(message); m != nil {
		return m[1]
	}
	return ""
}

// snippet is the start of a body, for an error message.
func snippet(b []byte) string {
	const n = 200
	s := strings.TrimSpace(string(b))
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}
