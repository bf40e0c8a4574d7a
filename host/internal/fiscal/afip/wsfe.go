package afip

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/nexuspos/nexus/host/internal/fiscal"
	"github.com/nexuspos/nexus/sdk/outbound"
)

// errNoAnswer marks a request that was sent and got no usable answer: a
// timeout, a cut connection, a 5xx, an unreadable body. Whether AFIP
// processed it is unknown.
var errNoAnswer = errors.New("no answer from AFIP")

// errTokenRefused marks WSFEv1's error 600: the access ticket is expired
// or not valid.
var errTokenRefused = errors.New("AFIP refused the access ticket")

// codeTokenRefused is WSFEv1's ValidacionDeToken error.
const codeTokenRefused = 600

// call posts op (operation action) to WSFEv1 and decodes the SOAP body
// into out. A read-only op carries an Idempotency-Key so the outbound
// client may retry it; FECAESolicitar never is retried blindly. An error
// wraps outbound.ErrCircuitOpen or ErrRateLimited when nothing was sent,
// errNoAnswer when the outcome is unknown.
func (is *Issuer) call(ctx context.Context, env *fiscal.Env, action string, op, out any, readOnly bool) error {
	body, err := envelopeOf(op)
	if err != nil {
		return fmt.Errorf("afip %s: %w", action, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, is.endpoints(env).WSFE, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("afip %s: %w", action, err)
	}
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	req.Header.Set("SOAPAction", `"`+WSFENamespace+action+`"`)
	if readOnly {
		req.Header.Set("Idempotency-Key", uuid.NewString())
	}
	res, err := env.Client(serviceWSFE).Do(req)
	if err != nil {
		if errors.Is(err, outbound.ErrCircuitOpen) || errors.Is(err, outbound.ErrRateLimited) {
			return fmt.Errorf("afip %s: %w", action, err)
		}
		return fmt.Errorf("afip %s: %w: %w", action, errNoAnswer, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, maxResponse))
	if err != nil {
		return fmt.Errorf("afip %s: %w: %w", action, errNoAnswer, err)
	}
	var env2 responseEnvelope
	if err := xml.Unmarshal(data, &env2); err != nil {
		return fmt.Errorf("afip %s: status %d: %w", action, res.StatusCode, errNoAnswer)
	}
	if f := env2.Body.Fault; f != nil || res.StatusCode != http.StatusOK {
		fault := ""
		if f != nil {
			fault = f.Code
		}
		return fmt.Errorf("afip %s: status %d %s: %w", action, res.StatusCode, fault, errNoAnswer)
	}
	if err := xml.Unmarshal(env2.Body.Inner, out); err != nil {
		return fmt.Errorf("afip %s: unreadable answer: %w", action, errNoAnswer)
	}
	return nil
}

// tokenRefused reports whether errs hold WSFEv1's error 600.
func tokenRefused(errs []codeMsg) bool {
	for _, e := range errs {
		if e.Code == codeTokenRefused {
			return true
		}
	}
	return false
}

// codeNotRepresented is WSFEv1's "CUIT representada no incluida en token".
const codeNotRepresented = 601

// notRepresented reports whether errs say the certificate may not act for
// the CUIT in Auth: 601, or the 600 "No apareció CUIT en lista de
// relaciones" the manual shows. Logging in again does not help.
func notRepresented(errs []codeMsg) bool {
	for _, e := range errs {
		if e.Code == codeNotRepresented || e.Code == codeTokenRefused && strings.Contains(strings.ToLower(e.Msg), "lista de relaciones") {
			return true
		}
	}
	return false
}

// refusal is the one rule every WSFEv1 call applies to AFIP's Errors
// about the request's Auth: a certificate that may not act for the CUIT
// is errAuthority (a 422 naming AFIP's code: an admin must act), a
// refused ticket wraps errTokenRefused (authed logs in once more); nil
// when errs say neither.
func refusal(op string, errs []codeMsg) error {
	switch {
	case notRepresented(errs):
		return errAuthority(op, errs)
	case tokenRefused(errs):
		return fmt.Errorf("afip %s: %w", op, errTokenRefused)
	}
	return nil
}

// authed runs fn with the company's access ticket, once more with a new
// ticket when AFIP refused the cached one (error 600); a new ticket
// refused too is a 503 (AFIP's clocks or its WSAA, not the request).
func (is *Issuer) authed(ctx context.Context, env *fiscal.Env, cfg config, fn func(Auth) error) error {
	for _, fresh := range []bool{false, true} {
		t, err := is.ticket(ctx, env, cfg, fresh)
		if err != nil {
			return err
		}
		err = fn(Auth{Token: t.Token, Sign: t.Sign, Cuit: cfg.cuitNumber()})
		if !errors.Is(err, errTokenRefused) {
			return err
		}
		if fresh {
			return fiscal.Unavailable(serviceWSFE, err)
		}
	}
	return nil
}

// lastNumber is FECompUltimoAutorizado: the last number AFIP authorized
// for (point of sale, type).
func (is *Issuer) lastNumber(ctx context.Context, env *fiscal.Env, cfg config, pos, cbteTipo int) (int64, error) {
	var n int64
	err := is.authed(ctx, env, cfg, func(a Auth) error {
		var res FECompUltimoAutorizadoResponse
		if err := is.call(ctx, env, "FECompUltimoAutorizado",
			FECompUltimoAutorizado{Xmlns: WSFENamespace, Auth: a, PtoVta: pos, CbteTipo: cbteTipo}, &res, true); err != nil {
			return err
		}
		if err := refusal("FECompUltimoAutorizado", res.Result.Errors); err != nil {
			return err
		}
		if len(res.Result.Errors) > 0 {
			return errAuthority("FECompUltimoAutorizado", res.Result.Errors)
		}
		n = res.Result.CbteNro
		return nil
	})
	if err != nil {
		return 0, readError(err)
	}
	return n, nil
}

// readError turns a failed read-only call into what the core answers: a
// 503 when AFIP cannot be reached, the error itself otherwise.
func readError(err error) error {
	if errors.Is(err, errNoAnswer) || errors.Is(err, outbound.ErrCircuitOpen) || errors.Is(err, outbound.ErrRateLimited) {
		return fiscal.Unavailable(serviceWSFE, err)
	}
	return err
}

// consult is FECompConsultar: AFIP's record of receipt n, or nil when it
// has none (error 602).
func (is *Issuer) consult(ctx context.Context, env *fiscal.Env, cfg config, pos, cbteTipo int, n int64) (*FECompConsultarResponse, error) {
	var out *FECompConsultarResponse
	err := is.authed(ctx, env, cfg, func(a Auth) error {
		op := FECompConsultar{Xmlns: WSFENamespace, Auth: a}
		op.FeCompConsReq.CbteTipo, op.FeCompConsReq.CbteNro, op.FeCompConsReq.PtoVta = cbteTipo, n, pos
		var res FECompConsultarResponse
		if err := is.call(ctx, env, "FECompConsultar", op, &res, true); err != nil {
			return err
		}
		if err := refusal("FECompConsultar", res.Result.Errors); err != nil {
			return err
		}
		for _, e := range res.Result.Errors {
			if e.Code == codeNotFound {
				return nil
			}
		}
		if len(res.Result.Errors) > 0 || res.Result.ResultGet == nil {
			return afipErrors(res.Result.Errors)
		}
		out = &res
		return nil
	})
	return out, err
}

// codeNotFound is FECompConsultar's "no such receipt".
const codeNotFound = 602

// afipErrors is an error carrying WSFEv1's Errors (never credentials).
func afipErrors(errs []codeMsg) error {
	if len(errs) == 0 {
		return errors.New("afip: an answer without a result")
	}
	return fmt.Errorf("afip: error %d: %s", errs[0].Code, errs[0].Msg)
}
