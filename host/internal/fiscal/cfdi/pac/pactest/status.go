package pactest

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi/pac"
	"github.com/nexuspos/nexus/host/internal/invoices"
)

// Answer is the receiver's answer to a cancellation request.
type Answer int

// Answers.
const (
	// Accept cancels the CFDI ("Cancelado con aceptación").
	Accept Answer = iota + 1
	// Reject keeps it in force ("Solicitud rechazada").
	Reject
	// Lapse is no answer within three business days: SAT cancels it
	// ("Plazo vencido").
	Lapse
)

// Respond answers for the receiver the cancellation request of the CFDI
// uuid, which must be "En proceso".
func (s *Server) Respond(uuid string, a Answer) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := s.byUUID[strings.ToUpper(uuid)]
	if rec == nil || rec.estatus != pac.CancelacionEnProceso {
		return fmt.Errorf("pactest: %s has no cancellation in process", uuid)
	}
	switch a {
	case Accept:
		rec.estado, rec.estatus = pac.EstadoCancelado, pac.CanceladoConAceptacion
	case Reject:
		rec.estatus = pac.SolicitudRechazada
	case Lapse:
		rec.estado, rec.estatus = pac.EstadoCancelado, pac.PlazoVencido
	default:
		return fmt.Errorf("pactest: unknown answer %d", a)
	}
	return nil
}

// FailStatus queues failures for the next status queries, in order.
func (s *Server) FailStatus(f ...Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.statusFailures = append(s.statusFailures, f...)
}

// needsAcceptance reports whether cancelling rec waits for its receiver.
func (r *record) needsAcceptance() bool {
	generic := r.receptor == "XAXX010101000" || r.receptor == "XEXX010101000"
	return r.tipo == invoices.TipoIngreso && !generic && r.total.GreaterThan(decimal.NewFromInt(1000))
}

// cancelable is SAT's EsCancelable of the CFDI id (under s.mu): not while
// an Ingreso or Egreso in force relates it.
func (s *Server) cancelable(id string, rec *record) string {
	for _, other := range s.byUUID {
		if other.estado != pac.EstadoVigente || (other.tipo != invoices.TipoIngreso && other.tipo != invoices.TipoEgreso) {
			continue
		}
		for _, rel := range other.related {
			if rel == id {
				return pac.NoCancelable
			}
		}
	}
	if rec.needsAcceptance() {
		return pac.CancelableConAceptacion
	}
	return pac.CancelableSinAceptacion
}

// consulta is the SOAP request of SAT's Consulta.
type consulta struct {
	Expresion string `xml:"Body>Consulta>expresionImpresa"`
}

// status answers SAT's Consulta: the CFDI named by the expression's id,
// re, rr and tt (an amount equal to the Total), else "No Encontrado".
func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	s.count(r)
	s.mu.Lock()
	f := next(&s.statusFailures)
	s.mu.Unlock()
	if f == FailLostAnswer {
		f = FailServerError
	}
	if s.fail(w, r, f) {
		return
	}
	var req consulta
	if err := xml.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil || r.Header.Get("SOAPAction") != "http://tempuri.org/IConsultaCFDIService/Consulta" {
		soapFault(w, "The message could not be processed.")
		return
	}
	q, err := url.ParseQuery(strings.TrimPrefix(strings.TrimSpace(req.Expresion), "?"))
	if err != nil || q.Get("id") == "" || q.Get("re") == "" || q.Get("tt") == "" {
		consultaAnswer(w, "N - 601: La expresión impresa proporcionada no es válida.", "", "", "")
		return
	}
	total, terr := decimal.NewFromString(q.Get("tt"))
	s.mu.Lock()
	defer s.mu.Unlock()
	id := strings.ToUpper(q.Get("id"))
	rec := s.byUUID[id]
	if rec == nil || terr != nil || rec.emisor != q.Get("re") || rec.receptor != q.Get("rr") || !rec.total.Equal(total) {
		consultaAnswer(w, "N - 602: Comprobante no encontrado.", pac.EstadoNoEncontrado, "", "")
		return
	}
	consultaAnswer(w, "S - Comprobante obtenido satisfactoriamente.", rec.estado, s.cancelable(id, rec), rec.estatus)
}

// consultaAnswer writes SAT's ConsultaResponse.
func consultaAnswer(w http.ResponseWriter, codigo, estado, cancelable, estatus string) {
	var b strings.Builder
	b.WriteString(`<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><ConsultaResponse xmlns="http://tempuri.org/">` +
		`<ConsultaResult xmlns:a="http://schemas.datacontract.org/2004/07/Sat.Cfdi.Negocio.ConsultaCfdi.Servicio" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">`)
	for _, f := range [][2]string{{"CodigoEstatus", codigo}, {"EsCancelable", cancelable}, {"Estado", estado}, {"EstatusCancelacion", estatus}, {"ValidacionEFOS", "200"}} {
		if f[1] == "" {
			b.WriteString("<a:" + f[0] + "/>")
			continue
		}
		b.WriteString("<a:" + f[0] + ">")
		_ = xml.EscapeText(&b, []byte(f[1]))
		b.WriteString("</a:" + f[0] + ">")
	}
	b.WriteString(`</ConsultaResult></ConsultaResponse></s:Body></s:Envelope>`)
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, b.String())
}

// soapFault writes a SOAP 1.1 fault, as the service answers a request it
// cannot read.
func soapFault(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(msg))
	_, _ = io.WriteString(w, `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault><faultcode>s:Client</faultcode><faultstring xml:lang="en-US">`+
		b.String()+`</faultstring></s:Fault></s:Body></s:Envelope>`)
}
