// Package pactest is a local fake of SW sapien's REST API for tests:
// /security/authenticate, /cfdi33/stamp/v4 and /cfdi33/cancel/csd with
// SW's JSON envelope and SAT's codes, and of SAT's status service
// (ConsultaCFDIService.svc, SOAP Consulta). Stamping checks what a PAC
// checks that can be checked offline (the cadena original and the Sello
// against the certificate in the CFDI, the issuer's RFC in that
// certificate, a CFDI stamped before) and adds a TimbreFiscalDigital
// signed with the fake's own key. Failures (5xx, hang, a lost answer) are
// queued with Fail, and for the status service with FailStatus.
//
// Cancellation follows SAT's rules since 2022: an Ingreso to a named
// receiver (not XAXX010101000 nor XEXX010101000) of more than $1,000 needs
// the receiver's acceptance — the request leaves it in force, "En
// proceso", until the test answers for the receiver with Respond (accept,
// reject, or let the three business days pass); other CFDIs (Egreso,
// Nómina, Traslado, Pago, to the public in general, $1,000 or less) are
// cancelled at once; a CFDI that an Ingreso or Egreso in force relates
// (CfdiRelacionados) is not cancelable. SAT's further exception of a
// cancellation on the day after issuance is not modelled: tests cancel
// right after stamping and must see the receiver's part.
//
// It must not be used outside tests: it keeps everything in memory and
// trusts any certificate.
package pactest

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi"
	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi/pac"
	"github.com/nexuspos/nexus/host/internal/invoices"
)

// Identity of the fake PAC and of its stamping certificate.
const (
	// RfcProvCertif is the RFC the fake writes as the PAC's (SW sapien's,
	// as in SW's own examples).
	RfcProvCertif = "SPR190613I52"
	// NoCertificadoSAT is the number of the fake's stamping certificate.
	NoCertificadoSAT = "30001000000500009999"
)

// Failure is a fault the next stamp or cancel request meets.
type Failure int

// Failures.
const (
	// FailServerError answers 500 with SW's envelope for an uncontrolled
	// error, stamping nothing.
	FailServerError Failure = iota + 1
	// FailGateway answers 502 with an HTML page, as a proxy would.
	FailGateway
	// FailHang never answers (until the client gives up or Close).
	FailHang
	// FailLostAnswer stamps the CFDI, then answers 500: the client cannot
	// know it was stamped.
	FailLostAnswer
)

// Server is a running fake SW.
type Server struct {
	*httptest.Server
	// User and Password are the account the fake accepts.
	User, Password string

	satKey  *rsa.PrivateKey
	satCert []byte
	loc     *time.Location
	closing chan struct{}

	mu       sync.Mutex
	tokens   map[string]bool
	failures []Failure
	// statusFailures are the next status queries' faults.
	statusFailures []Failure
	bySeal         map[[32]byte]*record
	byUUID         map[string]*record
	calls          map[string]int
}

// record is a stamped CFDI and its state at SAT.
type record struct {
	answer   stampData
	emisor   string
	receptor string
	total    decimal.Decimal
	tipo     string
	related  []string
	// estado and estatus are SAT's Estado and EstatusCancelacion.
	estado  string
	estatus string
}

// stampData is the data of a /cfdi33/stamp/v4 answer.
type stampData struct {
	CFDI              string `json:"cfdi"`
	CadenaOriginalSAT string `json:"cadenaOriginalSAT"`
	NoCertificadoSAT  string `json:"noCertificadoSAT"`
	NoCertificadoCFDI string `json:"noCertificadoCFDI"`
	UUID              string `json:"uuid"`
	SelloSAT          string `json:"selloSAT"`
	SelloCFDI         string `json:"selloCFDI"`
	FechaTimbrado     string `json:"fechaTimbrado"`
	QRCode            string `json:"qrCode"`
}

// New starts a fake accepting user and password.
func New(user, password string) *Server {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(fmt.Sprintf("pactest: generate key: %v", err))
	}
	serial := new(big.Int).SetBytes([]byte(NoCertificadoSAT))
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: "pactest SAT stamping certificate"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(fmt.Sprintf("pactest: certificate: %v", err))
	}
	loc, err := time.LoadLocation("America/Mexico_City")
	if err != nil {
		panic(fmt.Sprintf("pactest: %v", err))
	}
	s := &Server{
		User: user, Password: password, satKey: key, satCert: der, loc: loc,
		closing: make(chan struct{}),
		tokens:  map[string]bool{}, bySeal: map[[32]byte]*record{}, byUUID: map[string]*record{},
		calls: map[string]int{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /security/authenticate", s.authenticate)
	mux.HandleFunc("POST /cfdi33/stamp/v4", s.stamp)
	mux.HandleFunc("POST /cfdi33/cancel/csd", s.cancel)
	mux.HandleFunc("POST "+pac.StatusPath, s.status)
	s.Server = httptest.NewServer(mux)
	return s
}

// Close releases hanging requests and stops the server.
func (s *Server) Close() {
	close(s.closing)
	s.Server.Close()
}

// SATCertificate is the fake's stamping certificate in base64 DER, which
// verifies the SelloSAT of its stamps.
func (s *Server) SATCertificate() string { return base64.StdEncoding.EncodeToString(s.satCert) }

// Fail queues failures for the next stamp or cancel requests, in order.
func (s *Server) Fail(f ...Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, f...)
}

// Calls is how many requests reached path.
func (s *Server) Calls(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[path]
}

// envelope writes SW's JSON answer.
func envelope(w http.ResponseWriter, status int, message string, data any) {
	body := map[string]any{"status": "success", "data": data}
	if message != "" {
		body = map[string]any{"status": "error", "message": message, "messageDetail": nil, "data": data}
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) {
	s.count(r)
	if r.Header.Get("user") != s.User || r.Header.Get("password") != s.Password {
		envelope(w, http.StatusBadRequest, "AU2000 - El usuario y/o contraseña son inválidos, no se puede autenticar el servicio.", nil)
		return
	}
	token := base64.RawURLEncoding.EncodeToString([]byte(uuid.NewString()))
	s.mu.Lock()
	s.tokens[token] = true
	s.mu.Unlock()
	envelope(w, http.StatusOK, "", map[string]any{
		"token": token, "expires_in": time.Now().Add(2 * time.Hour).Unix(), "tokeny_type": "bearer",
	})
}

func (s *Server) count(r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[r.URL.Path]++
}

// authorized checks the bearer token; false after answering 401.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	valid := ok && s.tokens[token]
	s.mu.Unlock()
	if !valid {
		envelope(w, http.StatusUnauthorized, "AU4101 - El token proporcionado viene vacio o no es válido.", nil)
	}
	return valid
}

// failure takes the next queued failure, 0 if none.
func (s *Server) failure() Failure {
	s.mu.Lock()
	defer s.mu.Unlock()
	return next(&s.failures)
}

// next takes the first of a queue of failures, 0 if none.
func next(queue *[]Failure) Failure {
	if len(*queue) == 0 {
		return 0
	}
	f := (*queue)[0]
	*queue = (*queue)[1:]
	return f
}

// fail answers a failure that happens before any work; false for none
// (or FailLostAnswer, which happens after).
func (s *Server) fail(w http.ResponseWriter, r *http.Request, f Failure) bool {
	switch f {
	case FailServerError:
		envelope(w, http.StatusInternalServerError, "CO1000 - Error no controlado, si el problema persiste contacte a soporte técnico.", nil)
	case FailGateway:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = io.WriteString(w, "<html><body><h1>502 Bad Gateway</h1></body></html>")
	case FailHang:
		select {
		case <-r.Context().Done():
		case <-s.closing:
		}
	default:
		return false
	}
	return true
}

// comprobante is what the fake reads of a CFDI.
type comprobante struct {
	Sello         string `xml:"Sello,attr"`
	Certificado   string `xml:"Certificado,attr"`
	NoCertificado string `xml:"NoCertificado,attr"`
	Total         string `xml:"Total,attr"`
	Tipo          string `xml:"TipoDeComprobante,attr"`
	Emisor        struct {
		Rfc string `xml:"Rfc,attr"`
	} `xml:"http://www.sat.gob.mx/cfd/4 Emisor"`
	Receptor struct {
		Rfc string `xml:"Rfc,attr"`
	} `xml:"http://www.sat.gob.mx/cfd/4 Receptor"`
	Relacionados []struct {
		Relacionado []struct {
			UUID string `xml:"UUID,attr"`
		} `xml:"http://www.sat.gob.mx/cfd/4 CfdiRelacionado"`
	} `xml:"http://www.sat.gob.mx/cfd/4 CfdiRelacionados"`
	Complemento struct {
		Timbre *struct{} `xml:"http://www.sat.gob.mx/TimbreFiscalDigital TimbreFiscalDigital"`
	} `xml:"http://www.sat.gob.mx/cfd/4 Complemento"`
}

func (s *Server) stamp(w http.ResponseWriter, r *http.Request) {
	s.count(r)
	if !s.authorized(w, r) {
		return
	}
	f := s.failure()
	if s.fail(w, r, f) {
		return
	}
	file, _, err := r.FormFile("xml")
	if err != nil {
		envelope(w, http.StatusBadRequest, "301. XML mal formado.", nil)
		return
	}
	sealed, err := io.ReadAll(io.LimitReader(file, 4<<20))
	if err != nil {
		envelope(w, http.StatusBadRequest, "301. XML mal formado.", nil)
		return
	}
	data, msg := s.issue(sealed)
	if msg != "" {
		status := http.StatusBadRequest
		envelope(w, status, msg, data)
		return
	}
	if f == FailLostAnswer {
		envelope(w, http.StatusInternalServerError, "CO1000 - Error no controlado, si el problema persiste contacte a soporte técnico.", nil)
		return
	}
	envelope(w, http.StatusOK, "", data)
}

// issue checks and stamps sealed. It returns the stamp, or SW's message
// of the refusal (with the earlier stamp for a CFDI stamped before).
func (s *Server) issue(sealed []byte) (*stampData, string) {
	var c comprobante
	if err := xml.Unmarshal(sealed, &c); err != nil {
		return nil, "301. XML mal formado."
	}
	sum := sha256.Sum256(sealed)
	s.mu.Lock()
	prev := s.bySeal[sum]
	s.mu.Unlock()
	if prev != nil {
		return &prev.answer, "307. El comprobante contiene un timbre previo."
	}
	if c.Complemento.Timbre != nil {
		return nil, "307. El comprobante contiene un timbre previo."
	}
	cadena, err := cfdi.CadenaOriginal(sealed)
	if err != nil {
		return nil, "301. XML mal formado."
	}
	if err := cfdi.VerifySello(c.Certificado, cadena, c.Sello); err != nil {
		return nil, "302. Sello mal formado o inválido."
	}
	der, _ := base64.StdEncoding.DecodeString(c.Certificado)
	cert, err := x509.ParseCertificate(der)
	if err != nil || !certNamesRFC(cert, c.Emisor.Rfc) {
		return nil, "303. Sello no corresponde a emisor."
	}
	d := stampData{
		UUID: strings.ToUpper(uuid.NewString()), FechaTimbrado: time.Now().In(s.loc).Format("2006-01-02T15:04:05"),
		NoCertificadoSAT: NoCertificadoSAT, NoCertificadoCFDI: c.NoCertificado, SelloCFDI: c.Sello,
	}
	d.CadenaOriginalSAT = "||1.1|" + d.UUID + "|" + d.FechaTimbrado + "|" + RfcProvCertif + "|" + d.SelloCFDI + "|" + d.NoCertificadoSAT + "||"
	digest := sha256.Sum256([]byte(d.CadenaOriginalSAT))
	sig, err := rsa.SignPKCS1v15(rand.Reader, s.satKey, crypto.SHA256, digest[:])
	if err != nil {
		return nil, "CO1000 - Error no controlado, si el problema persiste contacte a soporte técnico."
	}
	d.SelloSAT = base64.StdEncoding.EncodeToString(sig)
	d.CFDI = string(withTimbre(sealed, d))
	total, err := decimal.NewFromString(c.Total)
	if err != nil {
		return nil, "301. XML mal formado."
	}
	rec := &record{answer: d, emisor: c.Emisor.Rfc, receptor: c.Receptor.Rfc, total: total, tipo: c.Tipo, estado: pac.EstadoVigente}
	for _, rel := range c.Relacionados {
		for _, r := range rel.Relacionado {
			rec.related = append(rec.related, strings.ToUpper(r.UUID))
		}
	}
	s.mu.Lock()
	s.bySeal[sum], s.byUUID[d.UUID] = rec, rec
	s.mu.Unlock()
	return &d, ""
}

// certNamesRFC reports whether the certificate's subject carries rfc (SAT
// writes it in x500UniqueIdentifier, "RFC / RFC of the representative").
func certNamesRFC(cert *x509.Certificate, rfc string) bool {
	for _, n := range cert.Subject.Names {
		if v, ok := n.Value.(string); ok && rfc != "" && strings.Contains(v, rfc) {
			return true
		}
	}
	return false
}

// withTimbre inserts the TimbreFiscalDigital into the Complemento.
func withTimbre(sealed []byte, d stampData) []byte {
	tfd := `<tfd:TimbreFiscalDigital xmlns:tfd="` + invoices.NamespaceTimbre + `"` +
		` xsi:schemaLocation="http://www.sat.gob.mx/TimbreFiscalDigital http://www.sat.gob.mx/sitio_internet/cfd/TimbreFiscalDigital/TimbreFiscalDigitalv11.xsd"` +
		` Version="1.1" UUID="` + d.UUID + `" FechaTimbrado="` + d.FechaTimbrado + `" RfcProvCertif="` + RfcProvCertif +
		`" SelloCFD="` + d.SelloCFDI + `" NoCertificadoSAT="` + d.NoCertificadoSAT + `" SelloSAT="` + d.SelloSAT + `"/>`
	if i := bytes.LastIndex(sealed, []byte("</cfdi:Complemento>")); i >= 0 {
		return append(append(append([]byte{}, sealed[:i]...), tfd...), sealed[i:]...)
	}
	i := bytes.LastIndex(sealed, []byte("</cfdi:Comprobante>"))
	out := append([]byte{}, sealed[:i]...)
	out = append(out, "  <cfdi:Complemento>"+tfd+"</cfdi:Complemento>\n"...)
	return append(out, sealed[i:]...)
}

// cancelRequest is the body of /cfdi33/cancel/csd.
type cancelRequest struct {
	UUID             string `json:"uuid"`
	Password         string `json:"password"`
	RFC              string `json:"rfc"`
	Motivo           string `json:"motivo"`
	FolioSustitucion string `json:"foliosustitucion"`
	B64Cer           string `json:"b64Cer"`
	B64Key           string `json:"b64Key"`
}

func (s *Server) cancel(w http.ResponseWriter, r *http.Request) {
	s.count(r)
	if !s.authorized(w, r) {
		return
	}
	if s.fail(w, r, s.failure()) {
		return
	}
	var req cancelRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
		envelope(w, http.StatusBadRequest, "El cuerpo de la solicitud no es JSON válido.", nil)
		return
	}
	switch {
	case req.Motivo == "01" && req.FolioSustitucion == "":
		envelope(w, http.StatusBadRequest, "El motivo 01 requiere el folio de sustitución.", nil)
		return
	case req.Motivo != "01" && req.Motivo != "02" && req.Motivo != "03" && req.Motivo != "04":
		envelope(w, http.StatusBadRequest, "El motivo de cancelación no es válido.", nil)
		return
	}
	cer, errCer := base64.StdEncoding.DecodeString(req.B64Cer)
	key, errKey := base64.StdEncoding.DecodeString(req.B64Key)
	csd, err := cfdi.LoadCSD(cer, key, req.Password)
	if errors.Join(errCer, errKey, err) != nil || !certNamesRFC(csd.Certificate(), req.RFC) {
		envelope(w, http.StatusBadRequest, "El certificado, la llave privada o su contraseña no son válidos para el RFC emisor.", nil)
		return
	}
	id := strings.ToUpper(req.UUID)
	status := "201"
	s.mu.Lock()
	rec := s.byUUID[id]
	switch {
	case rec == nil || rec.emisor != req.RFC:
		status = "205"
	case rec.estado == pac.EstadoCancelado:
		status = "202"
	case s.cancelable(id, rec) == pac.NoCancelable:
		status = "204"
	case rec.estatus == pac.CancelacionEnProceso:
	case rec.needsAcceptance():
		rec.estatus = pac.CancelacionEnProceso
	default:
		rec.estado, rec.estatus = pac.EstadoCancelado, pac.CanceladoSinAceptacion
	}
	s.mu.Unlock()
	acuse := `<?xml version="1.0" encoding="utf-8"?><Acuse xmlns:xsd="http://www.w3.org/2001/XMLSchema" Fecha="` +
		time.Now().In(s.loc).Format("2006-01-02T15:04:05") + `" RfcEmisor="` + req.RFC +
		`"><Folios xmlns="http://cancelacfd.sat.gob.mx"><UUID>` + id + `</UUID><EstatusUUID>` + status +
		`</EstatusUUID></Folios></Acuse>`
	envelope(w, http.StatusOK, "", map[string]any{"acuse": acuse, "uuid": map[string]string{id: status}})
}
