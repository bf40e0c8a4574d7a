package pac

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/nexuspos/nexus/host/internal/invoices"
)

// SAT's CFDI status service (Servicio de Consulta de CFDI,
// ConsultaCFDIService), which SW sapien's SDKs call for a CFDI's status:
// a SOAP 1.1 operation Consulta with the CFDI's printed expression.
const (
	// SATStatusURL is SAT's production service.
	SATStatusURL = "https://consultaqr.facturaelectronica.sat.gob.mx/ConsultaCFDIService.svc"
	// SATStatusTestURL is SAT's test service.
	SATStatusTestURL = "https://pruebacfdiconsultaqr.cloudapp.net/ConsultaCFDIService.svc"
	// StatusPath is the service's path, where a fake serves it too.
	StatusPath = "/ConsultaCFDIService.svc"

	satConsultaAction = "http://tempuri.org/IConsultaCFDIService/Consulta"
	satTempuri        = "http://tempuri.org/"
)

// SAT's words in a status answer.
const (
	// Estado.
	EstadoVigente      = "Vigente"
	EstadoCancelado    = "Cancelado"
	EstadoNoEncontrado = "No Encontrado"

	// EsCancelable.
	CancelableSinAceptacion = "Cancelable sin aceptación"
	CancelableConAceptacion = "Cancelable con aceptación"
	NoCancelable            = "No cancelable"

	// EstatusCancelacion.
	CancelacionEnProceso   = "En proceso"
	CanceladoSinAceptacion = "Cancelado sin aceptación"
	CanceladoConAceptacion = "Cancelado con aceptación"
	PlazoVencido           = "Plazo vencido"
	SolicitudRechazada     = "Solicitud rechazada"
)

// StatusQuery names a CFDI to SAT's status service: the issuer's and the
// receiver's RFC, the Total as the CFDI writes it, the UUID and the last
// eight characters of the issuer's Sello.
type StatusQuery struct {
	Emisor   string
	Receptor string
	Total    string
	UUID     string
	Sello    string
}

// StatusQueryOf is the query of a stamped CFDI (as invoices.Parse reads
// it).
func StatusQueryOf(c *invoices.CFDI) StatusQuery {
	sello := c.Timbre.SelloCFD
	if len(sello) > 8 {
		sello = sello[len(sello)-8:]
	}
	return StatusQuery{Emisor: c.Emisor.Rfc, Receptor: c.Receptor.Rfc,
		Total: c.Total.StringFixed(max(2, -c.Total.Exponent())), UUID: strings.ToUpper(c.Timbre.UUID), Sello: sello}
}

// Expression is the query's expresionImpresa:
// ?re=<emisor>&rr=<receptor>&tt=<total>&id=<uuid>&fe=<sello>.
func (q StatusQuery) Expression() string {
	return "?re=" + url.QueryEscape(q.Emisor) + "&rr=" + url.QueryEscape(q.Receptor) + "&tt=" + q.Total +
		"&id=" + q.UUID + "&fe=" + q.Sello
}

// SATStatus is SAT's answer about a CFDI.
type SATStatus struct {
	// CodigoEstatus is "S - Comprobante obtenido satisfactoriamente." or
	// SAT's refusal ("N - 602: Comprobante no encontrado.").
	CodigoEstatus string
	// Estado is EstadoVigente, EstadoCancelado or EstadoNoEncontrado.
	Estado string
	// EsCancelable says whether the issuer may cancel it alone, needs the
	// receiver's acceptance or cannot cancel it.
	EsCancelable string
	// EstatusCancelacion is the state of a cancellation request; empty
	// when none was made.
	EstatusCancelacion string
}

// String is SAT's answer in one line, as SAT words it.
func (s SATStatus) String() string {
	out := s.Estado
	if s.EsCancelable != "" {
		out += " · " + s.EsCancelable
	}
	if s.EstatusCancelacion != "" {
		out += " · " + s.EstatusCancelacion
	}
	return out
}

// consultaResponse is the SOAP answer of Consulta.
type consultaResponse struct {
	Body struct {
		Fault *struct {
			String string `xml:"faultstring"`
		} `xml:"http://schemas.xmlsoap.org/soap/envelope/ Fault"`
		Response *struct {
			Result struct {
				CodigoEstatus      string `xml:"CodigoEstatus"`
				Estado             string `xml:"Estado"`
				EsCancelable       string `xml:"EsCancelable"`
				EstatusCancelacion string `xml:"EstatusCancelacion"`
			} `xml:"http://tempuri.org/ ConsultaResult"`
		} `xml:"http://tempuri.org/ ConsultaResponse"`
	} `xml:"http://schemas.xmlsoap.org/soap/envelope/ Body"`
}

// Status implements Provider: SAT's Consulta of the CFDI through the
// status service (SATStatusURL, SATStatusTestURL or a fake's, see
// WithStatusService). A CFDI SAT does not find is an answer (Estado
// EstadoNoEncontrado), not an error; a malformed query is ErrRejected;
// a service that does not answer usably is ErrUnavailable.
func (s *SW) Status(ctx context.Context, q StatusQuery) (*SATStatus, error) {
	var body bytes.Buffer
	body.WriteString(`<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><c:Consulta xmlns:c="` +
		satTempuri + `"><c:expresionImpresa>`)
	if err := xml.EscapeText(&body, []byte(q.Expression())); err != nil {
		return nil, fmt.Errorf("status %s: %w", q.UUID, err)
	}
	body.WriteString(`</c:expresionImpresa></c:Consulta></s:Body></s:Envelope>`)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.statusURL, &body)
	if err != nil {
		return nil, fmt.Errorf("status %s: %w", q.UUID, err)
	}
	req.Header.Set("Content-Type", `text/xml; charset="utf-8"`)
	req.Header.Set("SOAPAction", satConsultaAction)
	res, err := s.statusHTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("status %s: %w: %w", q.UUID, ErrUnavailable, err)
	}
	defer func() { _ = res.Body.Close() }()
	raw, err := io.ReadAll(io.LimitReader(res.Body, maxAnswerBytes))
	if err != nil {
		return nil, fmt.Errorf("status %s: %w: read answer: %v", q.UUID, ErrUnavailable, err)
	}
	var ans consultaResponse
	if err := xml.Unmarshal(raw, &ans); err != nil || ans.Body.Response == nil {
		msg := "answer is not SAT's Consulta: " + snippet(raw)
		if err == nil && ans.Body.Fault != nil {
			msg = "SOAP fault: " + ans.Body.Fault.String
		}
		return nil, fmt.Errorf("status %s: %w", q.UUID, &Error{Kind: ErrUnavailable, HTTPStatus: res.StatusCode, Message: msg})
	}
	r := ans.Body.Response.Result
	st := &SATStatus{CodigoEstatus: strings.TrimSpace(r.CodigoEstatus), Estado: strings.TrimSpace(r.Estado),
		EsCancelable: strings.TrimSpace(r.EsCancelable), EstatusCancelacion: strings.TrimSpace(r.EstatusCancelacion)}
	switch {
	case strings.HasPrefix(st.CodigoEstatus, "S"):
		return st, nil
	case st.Estado == EstadoNoEncontrado || strings.Contains(st.CodigoEstatus, "602"):
		st.Estado = EstadoNoEncontrado
		return st, nil
	default:
		return nil, fmt.Errorf("status %s: %w", q.UUID, &Error{Kind: ErrRejected, HTTPStatus: res.StatusCode,
			Code: errorCode(strings.TrimSpace(strings.TrimPrefix(st.CodigoEstatus, "N -"))), Message: st.CodigoEstatus})
	}
}
