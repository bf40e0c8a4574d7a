package afip

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"time"

	"github.com/smallstep/pkcs7"
	"golang.org/x/sync/singleflight"

	"github.com/nexuspos/nexus/host/internal/fiscal"
	"github.com/nexuspos/nexus/host/internal/httpx"
)

// Credential names of the company's certificate and private key (PEM),
// stored with PUT /api/v1/fiscal/credentials/{name}.
const (
	CredentialCertificate = "afip_certificate"
	CredentialKey         = "afip_key"
)

// Outbound service names, one breaker each per company.
const (
	serviceWSAA = "afip_wsaa"
	serviceWSFE = "afip_wsfe"
)

// ticket is WSAA's token and sign for one service, until Expires.
type ticket struct {
	Token   string    `json:"token"`
	Sign    string    `json:"sign"`
	Expires time.Time `json:"expires"`
}

// ticketMargin is how long before its expiry a ticket stops being used.
const ticketMargin = 5 * time.Minute

// logins collapses concurrent logins of one company within the process.
var logins singleflight.Group

// SignTRA signs a login ticket request for service, valid from now for
// ttl, as CMS SignedData (the TRA embedded, SHA-256, the certificate
// included), and returns its DER.
func SignTRA(certPEM, keyPEM []byte, service string, now time.Time, ttl time.Duration) ([]byte, error) {
	cert, key, err := parseCredentials(certPEM, keyPEM)
	if err != nil {
		return nil, err
	}
	n, err := rand.Int(rand.Reader, big.NewInt(1<<31-1))
	if err != nil {
		return nil, err
	}
	var tra LoginTicketRequest
	tra.Version = "1.0"
	tra.Header.UniqueID = n.Int64()
	// WSAA wants times with their offset, and a generation time in the
	// past tolerates clocks a little ahead.
	art := time.FixedZone("ART", -3*3600)
	tra.Header.GenerationTime = now.Add(-time.Minute).In(art).Format(time.RFC3339)
	tra.Header.ExpirationTime = now.Add(ttl).In(art).Format(time.RFC3339)
	tra.Service = service
	body, err := xml.Marshal(tra)
	if err != nil {
		return nil, err
	}
	sd, err := pkcs7.NewSignedData(append([]byte(xml.Header), body...))
	if err != nil {
		return nil, fmt.Errorf("afip: sign TRA: %w", err)
	}
	sd.SetDigestAlgorithm(pkcs7.OIDDigestAlgorithmSHA256)
	if err := sd.AddSigner(cert, key, pkcs7.SignerInfoConfig{}); err != nil {
		return nil, fmt.Errorf("afip: sign TRA: %w", err)
	}
	return sd.Finish()
}

// parseCredentials reads the company's certificate and key. Errors never
// carry their content.
func parseCredentials(certPEM, keyPEM []byte) (*x509.Certificate, crypto.Signer, error) {
	block, _ := pem.Decode(certPEM)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, nil, errCredential(CredentialCertificate, "a PEM certificate (BEGIN CERTIFICATE)")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, nil, errCredential(CredentialCertificate, "a PEM certificate AFIP issued")
	}
	block, _ = pem.Decode(keyPEM)
	if block == nil {
		return nil, nil, errCredential(CredentialKey, "a PEM private key")
	}
	var key any
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	default:
		err = errors.New("unsupported PEM type")
	}
	signer, ok := key.(crypto.Signer)
	if err != nil || !ok {
		return nil, nil, errCredential(CredentialKey, "a PEM RSA private key (PKCS#1 or PKCS#8)")
	}
	return cert, signer, nil
}

func errCredential(name, want string) *httpx.Error {
	return httpx.Unprocessable("invalid_fiscal_credentials", fmt.Sprintf("the fiscal credential %s must be %s", name, want)).
		WithDetails(map[string]any{"name": name})
}

// ticket returns the company's WSFEv1 access ticket: the shared cache's
// while it is valid, otherwise a new one from WSAA (stored for every
// replica). fresh skips the cache (AFIP refused the cached one).
func (is *Issuer) ticket(ctx context.Context, env *fiscal.Env, cfg config, fresh bool) (ticket, error) {
	key := "afip:ticket:wsfe:" + string(env.Settings.Environment) + ":" + cfg.CUIT
	if !fresh {
		if t, ok := is.cached(ctx, env, key); ok {
			return t, nil
		}
	}
	v, err, _ := logins.Do(env.Company.ID.String()+key, func() (any, error) {
		if !fresh {
			if t, ok := is.cached(ctx, env, key); ok {
				return t, nil
			}
		}
		t, err := is.login(ctx, env)
		if err != nil {
			return ticket{}, err
		}
		if b, err := json.Marshal(t); err == nil {
			if ttl := time.Until(t.Expires) - ticketMargin; ttl > 0 {
				_ = env.Cache().Set(ctx, key, b, ttl)
			}
		}
		return t, nil
	})
	if err != nil {
		return ticket{}, err
	}
	return v.(ticket), nil
}

func (is *Issuer) cached(ctx context.Context, env *fiscal.Env, key string) (ticket, bool) {
	b, ok, err := env.Cache().Get(ctx, key)
	if err != nil || !ok {
		return ticket{}, false
	}
	var t ticket
	if json.Unmarshal(b, &t) != nil || time.Until(t.Expires) < ticketMargin {
		return ticket{}, false
	}
	return t, true
}

// ticketTTL is how long a requested ticket is asked to last (WSAA grants
// at most 12 hours).
const ticketTTL = 12 * time.Hour

// login asks WSAA for a new access ticket to wsfe.
func (is *Issuer) login(ctx context.Context, env *fiscal.Env) (ticket, error) {
	cert, err := env.Secret(ctx, CredentialCertificate)
	if err != nil {
		return ticket{}, err
	}
	key, err := env.Secret(ctx, CredentialKey)
	if err != nil {
		return ticket{}, err
	}
	cms, err := SignTRA(cert, key, "wsfe", time.Now(), ticketTTL)
	if err != nil {
		return ticket{}, err
	}
	body, err := envelopeOf(LoginCms{Xmlns: WSAANamespace, In0: base64.StdEncoding.EncodeToString(cms)})
	if err != nil {
		return ticket{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, is.endpoints(env).WSAA, bytes.NewReader(body))
	if err != nil {
		return ticket{}, err
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	req.Header.Set("SOAPAction", `""`)
	res, err := env.Client(serviceWSAA).Do(req)
	if err != nil {
		return ticket{}, fiscal.Unavailable(serviceWSAA, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, maxResponse))
	if err != nil {
		return ticket{}, fiscal.Unavailable(serviceWSAA, err)
	}
	var env2 responseEnvelope
	if err := xml.Unmarshal(data, &env2); err != nil {
		return ticket{}, fiscal.Unavailable(serviceWSAA, fmt.Errorf("status %d, not a SOAP answer", res.StatusCode))
	}
	if f := env2.Body.Fault; f != nil {
		return ticket{}, wsaaFault(f)
	}
	if res.StatusCode != http.StatusOK {
		return ticket{}, fiscal.Unavailable(serviceWSAA, fmt.Errorf("status %d", res.StatusCode))
	}
	var out LoginCmsResponse
	if err := xml.Unmarshal(env2.Body.Inner, &out); err != nil {
		return ticket{}, fiscal.Unavailable(serviceWSAA, errors.New("unreadable loginCmsResponse"))
	}
	var ta LoginTicketResponse
	if err := xml.Unmarshal([]byte(out.Return), &ta); err != nil {
		return ticket{}, fiscal.Unavailable(serviceWSAA, errors.New("unreadable loginTicketResponse"))
	}
	exp, err := time.Parse(time.RFC3339, ta.Header.ExpirationTime)
	if err != nil || ta.Credentials.Token == "" || ta.Credentials.Sign == "" {
		return ticket{}, fiscal.Unavailable(serviceWSAA, errors.New("a loginTicketResponse without credentials"))
	}
	return ticket{Token: ta.Credentials.Token, Sign: ta.Credentials.Sign, Expires: exp}, nil
}

// wsaaFault is the error of a WSAA fault: the company's certificate or
// its authorization is wrong (422, the admin must act), or WSAA cannot
// help now (503).
func wsaaFault(f *Fault) error {
	code := f.Code
	if i := strings.LastIndex(code, ":"); i >= 0 {
		code = code[i+1:]
	}
	details := map[string]any{"service": serviceWSAA, "code": code, "message": f.String}
	switch {
	case strings.HasPrefix(code, "cms.") || strings.HasPrefix(code, "coe.notAuthorized") || strings.HasPrefix(code, "cms.cert"):
		return httpx.Unprocessable("fiscal_authentication_failed", "AFIP refused the company's certificate: "+f.String).WithDetails(details)
	default:
		e := httpx.Unavailable("fiscal_service_unavailable", "AFIP's WSAA refused a login ticket: "+f.String).WithDetails(details)
		e.Err = errors.New("wsaa fault " + code)
		return e
	}
}

// maxResponse bounds what is read of an answer.
const maxResponse = 1 << 20
