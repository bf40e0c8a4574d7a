// Package pac stamps and cancels CFDIs through a PAC (proveedor autorizado
// de certificación) behind the Provider interface. SW is SW sapien's
// documented REST API (developers.sw.com.mx): token authentication,
// /cfdi33/stamp/v4 and /cfdi33/cancel/csd, and SAT's CFDI status service
// (ConsultaCFDIService, SOAP Consulta) that SW's SDKs query for a CFDI's
// state and its cancellation's; pactest is a local fake that speaks both.
//
// The package must not log or return credentials (user, password, token,
// CSD key or its password) in errors, and must not decide retries: a
// failure whose outcome is unknown is ErrUnavailable, and stamping the same
// sealed XML again is safe because the PAC answers a CFDI it already
// stamped with that stamp.
package pac

import (
	"context"
	"errors"
	"fmt"
	"regexp"
)

// Cancellation reasons (SAT's motivos de cancelación).
const (
	// MotivoConRelacion is 01: issued with errors, replaced by the CFDI
	// in FolioSustitucion.
	MotivoConRelacion = "01"
	// MotivoSinRelacion is 02: issued with errors, no replacement.
	MotivoSinRelacion = "02"
	// MotivoNoOperacion is 03: the operation did not take place.
	MotivoNoOperacion = "03"
	// MotivoGlobal is 04: a nominative operation included in a global
	// CFDI.
	MotivoGlobal = "04"
)

// Error kinds; every error of a Provider wraps one of them.
var (
	// ErrRejected is a CFDI or request the PAC refused; sending it again
	// gives the same answer. *Error carries the PAC's code.
	ErrRejected = errors.New("rejected by the PAC")
	// ErrAlreadyStamped is a CFDI the PAC stamped before and whose stamp
	// it did not return (*AlreadyStampedError).
	ErrAlreadyStamped = errors.New("the CFDI was already stamped")
	// ErrAuth is a PAC that refused the credentials.
	ErrAuth = errors.New("the PAC refused the credentials")
	// ErrUnavailable is a PAC that did not answer usably (timeout,
	// transport error, 5xx, unreadable body): the outcome is unknown, so
	// the same request may be sent again.
	ErrUnavailable = errors.New("the PAC is unavailable")
)

// Error is an answer of the PAC refusing a request.
type Error struct {
	// Kind is ErrRejected, ErrAuth or ErrUnavailable.
	Kind error
	// HTTPStatus is the status of the PAC's answer.
	HTTPStatus int
	// Code is the PAC's or SAT's code (e.g. "302", "CFDI40102", "AU2000").
	Code string
	// Message is the PAC's message, as sent.
	Message string
}

// Error implements error.
func (e *Error) Error() string {
	return fmt.Sprintf("%v: %s (HTTP %d, code %s)", e.Kind, e.Message, e.HTTPStatus, e.Code)
}

// Unwrap returns the kind.
func (e *Error) Unwrap() error { return e.Kind }

// AlreadyStampedError is the answer to a CFDI stamped before when the PAC
// did not return the earlier stamp.
type AlreadyStampedError struct {
	Message string
}

// Error implements error.
func (e *AlreadyStampedError) Error() string { return ErrAlreadyStamped.Error() + ": " + e.Message }

// Unwrap returns ErrAlreadyStamped.
func (e *AlreadyStampedError) Unwrap() error { return ErrAlreadyStamped }

// Provider is a PAC.
type Provider interface {
	// Stamp sends a sealed CFDI and returns it stamped.
	Stamp(ctx context.Context, sealed []byte) (*Stamp, error)
	// Cancel asks for the cancellation of a stamped CFDI. SAT answers 201
	// once it has the request: a CFDI that needs its receiver's
	// acceptance stays in force until the receiver accepts, or lets three
	// business days pass, which Status tells.
	Cancel(ctx context.Context, req CancelRequest) (*Cancellation, error)
	// Status asks SAT about a stamped CFDI: in force or cancelled,
	// whether and how it may be cancelled, and what became of a
	// cancellation request.
	Status(ctx context.Context, q StatusQuery) (*SATStatus, error)
}

// Stamp is a stamped CFDI: the XML with its TimbreFiscalDigital and the
// Timbre's fields.
type Stamp struct {
	XML              []byte
	UUID             string
	FechaTimbrado    string
	RfcProvCertif    string
	NoCertificadoSAT string
	SelloCFD         string
	SelloSAT         string
}

// CancelRequest asks for the cancellation of the CFDI UUID issued by RFC,
// signed with the issuer's CSD.
type CancelRequest struct {
	RFC  string
	UUID string
	// Motivo is one of the Motivo constants; MotivoConRelacion needs
	// FolioSustitucion, the UUID of the replacing CFDI.
	Motivo           string
	FolioSustitucion string
	// Cer and Key are the CSD's .cer and .key (DER), KeyPassword the key's
	// password.
	Cer         []byte
	Key         []byte
	KeyPassword string
}

// GoString and String keep the CSD key and its password out of logs.
func (r CancelRequest) String() string {
	return fmt.Sprintf("cancel %s of %s motivo %s sustitución %q", r.UUID, r.RFC, r.Motivo, r.FolioSustitucion)
}

// GoString implements fmt.GoStringer like String.
func (r CancelRequest) GoString() string { return r.String() }

// Cancellation is the PAC's answer to a cancellation request.
type Cancellation struct {
	UUID string
	// Status is SAT's code for the UUID: 201 requested, 202 previously
	// cancelled.
	Status string
	// Acuse is SAT's acknowledgement (XML) as the PAC returned it.
	Acuse []byte
}

var uuidPattern = regexp.MustCompile(`^[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{12}$`)

// Validate checks the request before it is sent: a known motivo, UUIDs
// well-formed, FolioSustitucion present exactly for motivo 01, the CSD
// given. Errors wrap ErrRejected.
func (r CancelRequest) Validate() error {
	switch r.Motivo {
	case MotivoConRelacion:
		if !uuidPattern.MatchString(r.FolioSustitucion) {
			return fmt.Errorf("%w: motivo 01 needs FolioSustitucion, the UUID of the replacing CFDI", ErrRejected)
		}
	case MotivoSinRelacion, MotivoNoOperacion, MotivoGlobal:
		if r.FolioSustitucion != "" {
			return fmt.Errorf("%w: FolioSustitucion goes only with motivo 01", ErrRejected)
		}
	default:
		return fmt.Errorf("%w: motivo must be 01, 02, 03 or 04, got %q", ErrRejected, r.Motivo)
	}
	switch {
	case !uuidPattern.MatchString(r.UUID):
		return fmt.Errorf("%w: %q is not a UUID", ErrRejected, r.UUID)
	case r.RFC == "":
		return fmt.Errorf("%w: the issuer's RFC is required", ErrRejected)
	case len(r.Cer) == 0 || len(r.Key) == 0:
		return fmt.Errorf("%w: the CSD certificate and key are required", ErrRejected)
	}
	return nil
}
