// Package afiptest is a local fake of AFIP's WSAA and WSFEv1 for tests:
// an HTTP server that speaks their SOAP — LoginCms with a CMS-signed
// ticket request checked against the fake's own certificate authority,
// FECompUltimoAutorizado, FECAESolicitar and FECompConsultar with AFIP's
// envelopes, faults and Errors/Observaciones elements, and the FEParamGet*
// tables (params.go: a CUIT's points of sale, exchange rates) — and keeps the
// receipts it authorized, strictly numbered per (CUIT, point of sale,
// type) as AFIP numbers them. Failure modes make the next call of an
// operation time out after processing, answer a 5xx without processing,
// refuse the access ticket (error 600) or reject the receipt.
//
// It is for tests only and must never be imported by production code.
package afiptest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"encoding/xml"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/smallstep/pkcs7"

	"github.com/nexuspos/nexus/host/internal/fiscal/afip"
)

// Mode is a failure of the next call of an operation.
type Mode int

// Failure modes.
const (
	// TimeoutAfterProcessing processes the call, then never answers: the
	// client gives up with the receipt authorized at AFIP.
	TimeoutAfterProcessing Mode = iota + 1
	// ServerError answers 500 with a SOAP fault, processing nothing.
	ServerError
	// ExpiredToken answers WSFEv1's error 600 (ValidacionDeToken).
	ExpiredToken
	// Reject answers Resultado R with an observation and an error.
	Reject
)

// Receipt is a receipt the fake authorized.
type Receipt struct {
	CUIT     int64
	PtoVta   int
	CbteTipo int
	Detail   afip.FECAEDetRequest
	CAE      string
	CAEDue   string
}

// grant is a ticket: the CUIT of the certificate that asked, until when.
type grant struct {
	cuit  string
	until time.Time
}

type seriesKey struct {
	cuit     int64
	pos, typ int
}

// Server is the fake.
type Server struct {
	srv    *httptest.Server
	caCert *x509.Certificate
	caKey  *rsa.PrivateKey
	caPEM  []byte

	mu sync.Mutex
	// tokens are the tickets handed out, by token|sign.
	tokens   map[string]grant
	receipts map[seriesKey][]Receipt
	fail     map[string][]Mode
	down     bool
	calls    map[string]int
	cae      int64
	// points and quotes are what the parameter methods answer (params.go).
	points map[int64][]afip.PtoVenta
	quotes map[string]quote
}

// New starts a fake, stopped when the test ends.
func New(t testing.TB) *Server {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Computadores Test (fake AFIP CA)"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{caCert: ca, caKey: key, caPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		tokens: map[string]grant{}, receipts: map[seriesKey][]Receipt{}, fail: map[string][]Mode{}, calls: map[string]int{},
		cae: 76000000000000, points: map[int64][]afip.PtoVenta{}, quotes: defaultQuotes()}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+wsaaPath, s.loginCms)
	mux.HandleFunc("POST "+wsfePath, s.wsfe)
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

// WSAAURL and WSFEURL are the fake's endpoints.
func (s *Server) WSAAURL() string { return s.srv.URL + wsaaPath }

// WSFEURL is the fake's WSFEv1 endpoint.
func (s *Server) WSFEURL() string { return s.srv.URL + wsfePath }

// The fake serves WSAA and WSFEv1 at the paths AFIP's own endpoints have.
var (
	wsaaPath = endpointPath(afip.ProductionWSAA)
	wsfePath = endpointPath(afip.ProductionWSFE)
)

// endpointPath is the path of one of AFIP's endpoint URLs.
func endpointPath(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil {
		panic(fmt.Sprintf("afiptest: AFIP endpoint %q: %v", endpoint, err))
	}
	return u.Path
}

// CAPEM is the fake authority's certificate.
func (s *Server) CAPEM() []byte { return s.caPEM }

// Credentials returns a certificate for cuit signed by the fake's
// authority, and its key, both PEM, as AFIP hands a taxpayer.
func (s *Server) Credentials(t testing.TB, cuit string) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:   pkix.Name{CommonName: "nexus", SerialNumber: "CUIT " + cuit},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, s.caCert, &key.PublicKey, s.caKey)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
}

// FailNext makes the next call of op (LoginCms, FECompUltimoAutorizado,
// FECAESolicitar, FECompConsultar) fail with m; calls queue up.
func (s *Server) FailNext(op string, m Mode) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail[op] = append(s.fail[op], m)
}

// SetDown makes every WSFEv1 call answer 500 until set back.
func (s *Server) SetDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

// Calls counts the calls of op the fake received.
func (s *Server) Calls(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[op]
}

// Receipts returns the receipts of (cuit, point of sale, type), by number.
func (s *Server) Receipts(cuit int64, pos, typ int) []Receipt {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Receipt(nil), s.receipts[seriesKey{cuit, pos, typ}]...)
}

// Tokens returns the tokens and signs the fake handed out (to check that
// nothing logs them).
func (s *Server) Tokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for tok := range s.tokens {
		out = append(out, tok)
	}
	return out
}

// next takes the failure queued for op, if any, and counts the call.
func (s *Server) next(op string) Mode {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[op]++
	q := s.fail[op]
	if len(q) == 0 {
		return 0
	}
	s.fail[op] = q[1:]
	return q[0]
}

// writeEnvelope answers a SOAP envelope whose body is inner.
func writeEnvelope(w http.ResponseWriter, status int, inner string) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body>%s</soap:Body></soap:Envelope>`, inner)
}

// writeFault answers a SOAP fault as Axis (WSAA) writes it.
func writeFault(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "text/xml;charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault><faultcode xmlns:ns1="http://xml.apache.org/axis/">ns1:%s</faultcode><faultstring>%s</faultstring><detail><ns2:exceptionName xmlns:ns2="http://xml.apache.org/axis/">gov.afip.desein.dvadac.sua.view.wsaa.LoginFault</ns2:exceptionName><ns3:hostname xmlns:ns3="http://xml.apache.org/axis/">wsaahomo.afip.gov.ar</ns3:hostname></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>`,
		code, escape(msg))
}

func escape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// bodyOf reads the SOAP body's first element into v.
func bodyOf(r *http.Request, v any) error {
	data, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return err
	}
	var env struct {
		Body struct {
			Inner []byte `xml:",innerxml"`
		} `xml:"Body"`
	}
	if err := xml.Unmarshal(data, &env); err != nil {
		return err
	}
	return xml.Unmarshal(env.Body.Inner, v)
}

// loginCms is WSAA: the CMS must verify against the fake's authority and
// carry a TRA for wsfe that is valid now.
func (s *Server) loginCms(w http.ResponseWriter, r *http.Request) {
	s.next("LoginCms")
	var req afip.LoginCms
	if err := bodyOf(r, &req); err != nil {
		writeFault(w, http.StatusInternalServerError, "xml.bad", "No se pudo interpretar el XML")
		return
	}
	der, err := base64.StdEncoding.DecodeString(req.In0)
	if err != nil {
		writeFault(w, http.StatusInternalServerError, "cms.bad", "No se pudo interpretar el CMS")
		return
	}
	p7, err := pkcs7.Parse(der)
	if err != nil {
		writeFault(w, http.StatusInternalServerError, "cms.bad", "No se pudo interpretar el CMS")
		return
	}
	pool := x509.NewCertPool()
	pool.AddCert(s.caCert)
	if err := p7.VerifyWithChain(pool); err != nil {
		writeFault(w, http.StatusInternalServerError, "cms.cert.untrusted", "Certificado no emitido por AC de confianza")
		return
	}
	var tra afip.LoginTicketRequest
	if err := xml.Unmarshal(p7.Content, &tra); err != nil || tra.Service != "wsfe" {
		writeFault(w, http.StatusInternalServerError, "xml.bad", "No se pudo interpretar el XML del TRA")
		return
	}
	gen, err1 := time.Parse(time.RFC3339, tra.Header.GenerationTime)
	exp, err2 := time.Parse(time.RFC3339, tra.Header.ExpirationTime)
	if err1 != nil || err2 != nil || time.Now().Before(gen) || time.Now().After(exp) {
		writeFault(w, http.StatusInternalServerError, "xml.generationTime.invalid", "generationTime posee formato o dato inválido")
		return
	}
	cuit := strings.TrimPrefix(p7.GetOnlySigner().Subject.SerialNumber, "CUIT ")
	s.mu.Lock()
	for _, g := range s.tokens {
		if g.cuit == cuit && time.Now().Before(g.until) {
			s.mu.Unlock()
			writeFault(w, http.StatusInternalServerError, "coe.alreadyAuthenticated", "El CEE ya posee un TA valido para el acceso al WSN solicitado")
			return
		}
	}
	token := base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("fake-token-%d", time.Now().UnixNano())))
	sign := base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("fake-sign-%d", time.Now().UnixNano())))
	until := time.Now().Add(12 * time.Hour)
	s.tokens[token+"|"+sign] = grant{cuit: cuit, until: until}
	s.mu.Unlock()
	art := time.FixedZone("ART", -3*3600)
	ta := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<loginTicketResponse version="1.0"><header><source>CN=wsaahomo, O=AFIP, C=AR, SERIALNUMBER=CUIT 33693450239</source><destination>%s</destination><uniqueId>%d</uniqueId><generationTime>%s</generationTime><expirationTime>%s</expirationTime></header><credentials><token>%s</token><sign>%s</sign></credentials></loginTicketResponse>`,
		escape(p7.GetOnlySigner().Subject.String()), tra.Header.UniqueID, time.Now().In(art).Format("2006-01-02T15:04:05.000-07:00"),
		until.In(art).Format("2006-01-02T15:04:05.000-07:00"), token, sign)
	writeEnvelope(w, http.StatusOK, `<loginCmsResponse xmlns="`+afip.WSAANamespace+`"><loginCmsReturn>`+escape(ta)+`</loginCmsReturn></loginCmsResponse>`)
}

// ExpireTokens makes every token the fake handed out expired.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, g := range s.tokens {
		g.until = time.Now().Add(-time.Second)
		s.tokens[k] = g
	}
}

// authErrors is the Errors every WSFEv1 method answers to a request
// whose Auth is not valid: a token the fake did not hand out or that
// expired, or any under ExpiredToken (600, ValidacionDeToken), or one
// handed out to another CUIT than Auth's (600, the CUIT is not among the
// certificate's relations); "" when it is valid.
func (s *Server) authErrors(mode Mode, a afip.Auth) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.tokens[a.Token+"|"+a.Sign]
	switch {
	case mode == ExpiredToken || !ok || !time.Now().Before(g.until):
		return tokenError
	case g.cuit != fmt.Sprint(a.Cuit):
		return fmt.Sprintf(`<Errors><Err><Code>600</Code><Msg>ValidacionDeToken: No apareció CUIT en lista de relaciones: %d</Msg></Err></Errors>`, a.Cuit)
	}
	return ""
}

const tokenError = `<Errors><Err><Code>600</Code><Msg>ValidacionDeToken: No validaron las fechas del token GenTime, ExpTime, NowUTC</Msg></Err></Errors>`

// wsfe is WSFEv1, dispatched on SOAPAction.
func (s *Server) wsfe(w http.ResponseWriter, r *http.Request) {
	op := strings.TrimPrefix(strings.Trim(r.Header.Get("SOAPAction"), `"`), afip.WSFENamespace)
	mode := s.next(op)
	s.mu.Lock()
	down := s.down
	s.mu.Unlock()
	if down || mode == ServerError {
		writeEnvelope(w, http.StatusInternalServerError,
			`<soap:Fault><faultcode>soap:Server</faultcode><faultstring>Server was unable to process request. ---&gt; Timeout expired.</faultstring><detail /></soap:Fault>`)
		return
	}
	if paramOps[op] {
		s.params(w, r, op, mode)
		return
	}
	switch op {
	case "FECompUltimoAutorizado":
		var req afip.FECompUltimoAutorizado
		if err := bodyOf(r, &req); err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		result := s.authErrors(mode, req.Auth)
		if result == "" {
			s.mu.Lock()
			last := int64(len(s.receipts[seriesKey{req.Auth.Cuit, req.PtoVta, req.CbteTipo}]))
			s.mu.Unlock()
			result = fmt.Sprintf(`<PtoVta>%d</PtoVta><CbteTipo>%d</CbteTipo><CbteNro>%d</CbteNro>`, req.PtoVta, req.CbteTipo, last)
		}
		writeEnvelope(w, http.StatusOK, `<FECompUltimoAutorizadoResponse xmlns="`+afip.WSFENamespace+`"><FECompUltimoAutorizadoResult>`+
			result+`</FECompUltimoAutorizadoResult></FECompUltimoAutorizadoResponse>`)
	case "FECAESolicitar":
		s.solicitar(w, r, mode)
	case "FECompConsultar":
		s.consultar(w, r, mode)
	default:
		http.Error(w, "unknown SOAPAction", http.StatusBadRequest)
	}
}

// solicitar is FECAESolicitar: one receipt, numbered last + 1, amounts
// adding up, CondicionIVAReceptorId set, a credit note's CbtesAsoc.
func (s *Server) solicitar(w http.ResponseWriter, r *http.Request, mode Mode) {
	var req afip.FECAESolicitar
	if err := bodyOf(r, &req); err != nil || len(req.FeCAEReq.FeDetReq.FECAEDetRequest) != 1 {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	cab, det := req.FeCAEReq.FeCabReq, req.FeCAEReq.FeDetReq.FECAEDetRequest[0]
	answer := func(result string) {
		writeEnvelope(w, http.StatusOK, `<FECAESolicitarResponse xmlns="`+afip.WSFENamespace+`"><FECAESolicitarResult>`+result+
			`</FECAESolicitarResult></FECAESolicitarResponse>`)
	}
	if errs := s.authErrors(mode, req.Auth); errs != "" {
		answer(errs)
		return
	}
	head := func(resultado string) string {
		return fmt.Sprintf(`<FeCabResp><Cuit>%d</Cuit><PtoVta>%d</PtoVta><CbteTipo>%d</CbteTipo><FchProceso>%s</FchProceso><CantReg>1</CantReg><Resultado>%s</Resultado><Reproceso>N</Reproceso></FeCabResp>`,
			req.Auth.Cuit, cab.PtoVta, cab.CbteTipo, time.Now().Format("20060102150405"), resultado)
	}
	detResp := func(resultado, cae, due, obs string) string {
		return fmt.Sprintf(`<FeDetResp><FECAEDetResponse><Concepto>%d</Concepto><DocTipo>%d</DocTipo><DocNro>%d</DocNro><CbteDesde>%d</CbteDesde><CbteHasta>%d</CbteHasta><CbteFch>%s</CbteFch><Resultado>%s</Resultado>%s<CAE>%s</CAE><CAEFchVto>%s</CAEFchVto></FECAEDetResponse></FeDetResp>`,
			det.Concepto, det.DocTipo, det.DocNro, det.CbteDesde, det.CbteHasta, det.CbteFch, resultado, obs, cae, due)
	}
	reject := func(code int, msg string) {
		answer(head("R") + detResp("R", "", "", fmt.Sprintf(`<Observaciones><Obs><Code>%d</Code><Msg>%s</Msg></Obs></Observaciones>`, code, escape(msg))))
	}
	if mode == Reject {
		answer(head("R") + detResp("R", "", "", `<Observaciones><Obs><Code>10063</Code><Msg>Si el comprobante es B y el importe total es mayor o igual a $10.000.000, el campo DocTipo no puede ser 99.</Msg></Obs></Observaciones>`) +
			`<Errors><Err><Code>10048</Code><Msg>El campo 'Importe Total' ImpTotal, debe ser igual a la suma de ImpTotConc + ImpNeto + ImpOpEx + ImpTrib + ImpIVA.</Msg></Err></Errors>`)
		return
	}
	key := seriesKey{req.Auth.Cuit, cab.PtoVta, cab.CbteTipo}
	s.mu.Lock()
	last := int64(len(s.receipts[key]))
	s.mu.Unlock()
	if det.CbteDesde != last+1 || det.CbteHasta != det.CbteDesde {
		answer(head("R") + `<Errors><Err><Code>10016</Code><Msg>El numero o fecha del comprobante no se corresponde con el proximo a autorizar. Consultar metodo FECompUltimoAutorizado.</Msg></Err></Errors>`)
		return
	}
	if code, msg := check(cab.CbteTipo, det); code != 0 {
		reject(code, msg)
		return
	}
	s.mu.Lock()
	s.cae++
	cae := fmt.Sprintf("%014d", s.cae)
	fch, _ := time.Parse("20060102", det.CbteFch)
	due := fch.AddDate(0, 0, 10).Format("20060102")
	s.receipts[key] = append(s.receipts[key], Receipt{CUIT: req.Auth.Cuit, PtoVta: cab.PtoVta, CbteTipo: cab.CbteTipo, Detail: det, CAE: cae, CAEDue: due})
	s.mu.Unlock()
	if mode == TimeoutAfterProcessing {
		<-r.Context().Done()
		return
	}
	answer(head("A") + detResp("A", cae, due, ""))
}

// check validates a receipt's amounts and fields as WSFEv1 does (a subset
// of its codes).
func check(cbteTipo int, d afip.FECAEDetRequest) (int, string) {
	dec := func(s string) decimal.Decimal { v, _ := decimal.NewFromString(s); return v }
	sum := dec(d.ImpTotConc).Add(dec(d.ImpNeto)).Add(dec(d.ImpOpEx)).Add(dec(d.ImpTrib)).Add(dec(d.ImpIVA))
	if !sum.Equal(dec(d.ImpTotal)) {
		return 10048, "El campo 'Importe Total' ImpTotal, debe ser igual a la suma de ImpTotConc + ImpNeto + ImpOpEx + ImpTrib + ImpIVA."
	}
	if code, msg := checkTributos(d, dec); code != 0 {
		return code, msg
	}
	if d.CondicionIVAReceptorId == 0 {
		return 10242, "El campo Condicion Frente al IVA del receptor es obligatorio."
	}
	iva := decimal.Zero
	for _, a := range d.Iva {
		iva = iva.Add(dec(a.Importe))
	}
	switch cbteTipo {
	case 11, 13:
		if len(d.Iva) > 0 || !dec(d.ImpIVA).IsZero() {
			return 10071, "Para comprobantes tipo C el objeto IVA no debe informarse."
		}
	default:
		if !iva.Equal(dec(d.ImpIVA)) {
			return 10018, "Si ImpIva es mayor a 0 el objeto Iva es obligatorio y la suma de los importes debe ser igual a ImpIVA."
		}
	}
	if (cbteTipo == 3 || cbteTipo == 8 || cbteTipo == 13) && len(d.CbtesAsoc) == 0 {
		return 10151, "Para comprobantes de tipo Nota de Credito es obligatorio informar comprobantes asociados."
	}
	if cbteTipo == 1 && d.DocTipo != 80 {
		return 10013, "Para comprobantes clase A el campo DocTipo debe ser 80 (CUIT)."
	}
	return 0, ""
}

// tributoIDs are the ids FEParamGetTiposTributos answers.
var tributoIDs = map[int]bool{1: true, 2: true, 3: true, 4: true, 5: true, 6: true, 7: true, 8: true, 9: true, 13: true, 99: true}

// checkTributos validates the Tributos array against ImpTrib with AFIP's
// codes: 10024 present exactly when ImpTrib is positive, 10025 a known
// id, 10042 a description for id 99, 10029 their amounts adding up to
// ImpTrib.
func checkTributos(d afip.FECAEDetRequest, dec func(string) decimal.Decimal) (int, string) {
	impTrib := dec(d.ImpTrib)
	if impTrib.IsPositive() != (len(d.Tributos) > 0) {
		return 10024, "Si ImpTrib es mayor a 0 el objeto Tributos y Tributo son obligatorios. Si ImpTrib es igual a cero el objeto Tributos y Tributo no deben enviarse."
	}
	sum := decimal.Zero
	for _, t := range d.Tributos {
		switch {
		case !tributoIDs[t.Id]:
			return 10025, "El campo Id en Tributo es obligatorio y debe ser alguno de los devueltos por el método FEParamGetTiposTributos."
		case t.Id == 99 && strings.TrimSpace(t.Desc) == "":
			return 10042, "El campo Desc en Tributo es obligatorio cuando se informe Id = 99."
		}
		sum = sum.Add(dec(t.Importe))
	}
	if !sum.Equal(impTrib) {
		return 10029, "La suma de los importes en Tributo debe ser igual al valor ingresado en ImpTrib."
	}
	return 0, ""
}

// consultar is FECompConsultar.
func (s *Server) consultar(w http.ResponseWriter, r *http.Request, mode Mode) {
	var req afip.FECompConsultar
	if err := bodyOf(r, &req); err != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	answer := func(result string) {
		writeEnvelope(w, http.StatusOK, `<FECompConsultarResponse xmlns="`+afip.WSFENamespace+`"><FECompConsultarResult>`+result+
			`</FECompConsultarResult></FECompConsultarResponse>`)
	}
	if errs := s.authErrors(mode, req.Auth); errs != "" {
		answer(errs)
		return
	}
	c := req.FeCompConsReq
	s.mu.Lock()
	list := s.receipts[seriesKey{req.Auth.Cuit, c.PtoVta, c.CbteTipo}]
	var rc *Receipt
	if c.CbteNro >= 1 && c.CbteNro <= int64(len(list)) {
		cp := list[c.CbteNro-1]
		rc = &cp
	}
	s.mu.Unlock()
	if rc == nil {
		answer(`<Errors><Err><Code>602</Code><Msg>No existen datos en nuestros registros para los parametros ingresados.</Msg></Err></Errors>`)
		return
	}
	d := rc.Detail
	answer(fmt.Sprintf(`<ResultGet><Concepto>%d</Concepto><DocTipo>%d</DocTipo><DocNro>%d</DocNro><CbteDesde>%d</CbteDesde><CbteHasta>%d</CbteHasta><CbteFch>%s</CbteFch><ImpTotal>%s</ImpTotal><ImpTotConc>%s</ImpTotConc><ImpNeto>%s</ImpNeto><ImpOpEx>%s</ImpOpEx><ImpTrib>%s</ImpTrib><ImpIVA>%s</ImpIVA><MonId>%s</MonId><MonCotiz>%s</MonCotiz><Resultado>A</Resultado><CodAutorizacion>%s</CodAutorizacion><EmisionTipo>CAE</EmisionTipo><FchVto>%s</FchVto><FchProceso>%s</FchProceso><PtoVta>%d</PtoVta><CbteTipo>%d</CbteTipo></ResultGet>`,
		d.Concepto, d.DocTipo, d.DocNro, d.CbteDesde, d.CbteHasta, d.CbteFch, d.ImpTotal, d.ImpTotConc, d.ImpNeto, d.ImpOpEx, d.ImpTrib,
		d.ImpIVA, d.MonId, d.MonCotiz, rc.CAE, rc.CAEDue, time.Now().Format("20060102150405"), c.PtoVta, c.CbteTipo))
}
