package mx

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/host/internal/fiscal"
	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi"
	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi/pac"
	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi/pdf"
	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/host/internal/invoices"
	"github.com/nexuspos/nexus/host/internal/store"
	sdkfiscal "github.com/nexuspos/nexus/sdk/fiscal"
)

// factSealed is the attempt's fact holding the sealed CFDI (base64): Status
// sends exactly it again.
const factSealed = "sealed_cfdi"

// Issue implements fiscal.Issuer: it builds and checks the CFDI, loads
// the CSD and authenticates with the PAC (any failure so far sends
// nothing: a 422 or 503 at once), takes the serie's next folio, seals,
// records the attempt with the sealed CFDI and stamps it.
func (i *Issuer) Issue(ctx context.Context, env *fiscal.Env, doc *fiscal.Document) (fiscal.Outcome, error) {
	c, err := config(env)
	if err != nil {
		return fiscal.Outcome{}, err
	}
	comp, err := comprobante(env, c, doc, time.Now())
	if err != nil {
		return fiscal.Outcome{}, err
	}
	csd, err := loadCSD(ctx, env)
	if err != nil {
		return fiscal.Outcome{}, err
	}
	sw, err := i.client(ctx, env)
	if err != nil {
		return fiscal.Outcome{}, err
	}
	if err := sw.Authenticate(ctx); err != nil {
		return fiscal.Outcome{}, pacUnusable(err)
	}
	folio, err := i.nextFolio(ctx, env.Company.ID, comp.Serie)
	if err != nil {
		return fiscal.Outcome{}, err
	}
	comp.Folio = strconv.FormatInt(folio, 10)
	sealed, _, err := cfdi.Seal(comp, csd)
	if err != nil {
		return fiscal.Outcome{}, fmt.Errorf("mx: seal: %w", err)
	}
	err = env.Attempt(ctx, fiscal.Attempt{Series: comp.Serie, Number: folio, Facts: map[string]any{
		factSealed: base64.StdEncoding.EncodeToString(sealed), "fecha": comp.Fecha, "total": comp.Total,
		"receptor_rfc": comp.Receptor.Rfc,
	}})
	if err != nil {
		return fiscal.Outcome{}, err
	}
	return i.stamp(ctx, env, sw, comp.Serie, folio, sealed), nil
}

// comprobante builds and checks doc's CFDI: a payment receipt's of type
// P, an invoice's or credit note's at the sale's total.
func comprobante(env *fiscal.Env, c Config, doc *fiscal.Document, now time.Time) (*cfdi.Comprobante, error) {
	if doc.Kind == sdkfiscal.KindPaymentReceipt {
		return paymentComprobante(env, c, doc, now)
	}
	d, err := document(env, c, doc, now)
	if err != nil {
		return nil, invalidDocument(err)
	}
	comp, err := cfdi.Build(d)
	if err != nil {
		return nil, invalidDocument(err)
	}
	return comp, sameTotal(comp, doc)
}

// Status implements fiscal.Issuer: it sends the attempt's sealed CFDI
// again. The PAC answers a CFDI it stamped with that stamp (the same
// UUID), stamps one it never received, or refuses it: never a second
// CFDI for one attempt.
func (i *Issuer) Status(ctx context.Context, env *fiscal.Env, doc *fiscal.Document) (fiscal.Outcome, error) {
	a := doc.Attempt
	enc, _ := a.Facts[factSealed].(string)
	sealed, err := base64.StdEncoding.DecodeString(enc)
	if err != nil || len(sealed) == 0 {
		return fiscal.Outcome{}, fmt.Errorf("mx: attempt of %s carries no sealed CFDI", doc.ID)
	}
	sw, err := i.client(ctx, env)
	if err != nil {
		return fiscal.Outcome{}, err
	}
	if err := sw.Authenticate(ctx); err != nil {
		return fiscal.Outcome{}, fmt.Errorf("mx: status of %s: %w", doc.ID, err)
	}
	return i.stamp(ctx, env, sw, a.Series, a.Number, sealed), nil
}

// stamp sends sealed to the PAC and says what became of it.
func (i *Issuer) stamp(ctx context.Context, env *fiscal.Env, sw *pac.SW, serie string, folio int64, sealed []byte) fiscal.Outcome {
	st, err := sw.Stamp(ctx, sealed)
	var pe *pac.Error
	switch {
	case err == nil:
		return i.authorized(ctx, env, serie, folio, st)
	case errors.As(err, &pe) && errors.Is(err, pac.ErrRejected):
		return fiscal.Outcome{Result: fiscal.Rejected, Messages: []sdkfiscal.Message{{Type: "error", Code: pe.Code, Message: pe.Message}}}
	default:
		env.Log().Warn("CFDI stamp without an answer", "company_id", env.Company.ID, "serie", serie, "folio", folio, "error", err)
		return fiscal.Outcome{Result: fiscal.Unknown}
	}
}

// authorized stores the stamped CFDI with the host's invoices and answers
// the authorized outcome. A failure to store is logged, not returned: the
// CFDI exists at the SAT whatever happens here, and Printable and Cancel
// store it again (an identical upload is idempotent).
func (i *Issuer) authorized(ctx context.Context, env *fiscal.Env, serie string, folio int64, st *pac.Stamp) fiscal.Outcome {
	details := map[string]any{
		"uuid": st.UUID, "fecha_timbrado": st.FechaTimbrado, "rfc_prov_certif": st.RfcProvCertif,
		"no_certificado_sat": st.NoCertificadoSAT,
	}
	if parsed, err := invoices.Parse(st.XML); err == nil {
		details["verification_url"] = pdf.VerificationURL(parsed)
	}
	if id, err := i.ingest(ctx, env, st.XML); err != nil {
		env.Log().Error("stamped CFDI not stored with the invoices", "company_id", env.Company.ID, "uuid", st.UUID, "error", err)
	} else {
		details["invoice_id"] = id.String()
	}
	return fiscal.Outcome{Result: fiscal.Authorized, Series: serie, Number: folio, AuthorizationCode: st.UUID,
		LegalDocument: st.XML, Details: details}
}

// ingest stores a stamped CFDI with the invoices and returns its id.
func (i *Issuer) ingest(ctx context.Context, env *fiscal.Env, xml []byte) (uuid.UUID, error) {
	res, err := i.invoices.Ingest(ctx, env.Company.ID, uuid.Nil, xml)
	if err != nil {
		return uuid.Nil, err
	}
	return res.Invoice.ID, nil
}

// nextFolio takes the next folio of the company's serie.
func (i *Issuer) nextFolio(ctx context.Context, companyID uuid.UUID, serie string) (int64, error) {
	var folio int64
	err := store.TenantTx(ctx, i.pool, companyID, func(tx pgx.Tx) error {
		return tx.QueryRow(ctx, nextFolioSQL, companyID, serie).Scan(&folio)
	})
	if err != nil {
		return 0, fmt.Errorf("mx: next folio of serie %s: %w", serie, err)
	}
	return folio, nil
}

// loadCSD reads and opens the company's CSD. A missing, unreadable,
// expired CSD or a wrong password is a 422 naming the credential.
func loadCSD(ctx context.Context, env *fiscal.Env) (*cfdi.CSD, error) {
	cer, key, password, err := csdFiles(ctx, env)
	if err != nil {
		return nil, err
	}
	csd, err := cfdi.LoadCSD(cer, key, password)
	switch {
	case errors.Is(err, cfdi.ErrWrongPassword):
		return nil, credentialInvalid(SecretCSDPassword, "does not open the CSD key")
	case err != nil:
		return nil, credentialInvalid(SecretCSDCertificate, "the CSD certificate and key cannot be read or do not belong together")
	case !csd.ValidAt(time.Now()):
		return nil, credentialInvalid(SecretCSDCertificate, "the CSD certificate is not in force")
	case !certNames(csd, env.Company.TaxID):
		return nil, credentialInvalid(SecretCSDCertificate, "the CSD certificate is not of the company's RFC "+env.Company.TaxID)
	}
	return csd, nil
}

// csdFiles are the CSD's DER files (stored as base64) and password.
func csdFiles(ctx context.Context, env *fiscal.Env) (cer, key []byte, password string, err error) {
	if cer, err = base64Secret(ctx, env, SecretCSDCertificate); err != nil {
		return nil, nil, "", err
	}
	if key, err = base64Secret(ctx, env, SecretCSDKey); err != nil {
		return nil, nil, "", err
	}
	pw, err := env.Secret(ctx, SecretCSDPassword)
	if err != nil {
		return nil, nil, "", err
	}
	return cer, key, string(pw), nil
}

func base64Secret(ctx context.Context, env *fiscal.Env, name string) ([]byte, error) {
	v, err := env.Secret(ctx, name)
	if err != nil {
		return nil, err
	}
	b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(v)), ""))
	if err != nil {
		return nil, credentialInvalid(name, "base64 of the DER file as the SAT delivers it")
	}
	return b, nil
}

// certNames reports whether the CSD's subject carries rfc (SAT writes it
// in x500UniqueIdentifier).
func certNames(csd *cfdi.CSD, rfc string) bool {
	for _, n := range csd.Certificate().Subject.Names {
		if v, ok := n.Value.(string); ok && rfc != "" && strings.Contains(v, rfc) {
			return true
		}
	}
	return false
}

// sameTotal refuses a CFDI whose Total differs from the sale's by more
// than the rounding of its lines (a cent each): the CFDI must say what the
// customer paid.
func sameTotal(comp *cfdi.Comprobante, doc *fiscal.Document) error {
	total, err := decimal.NewFromString(comp.Total)
	if err != nil {
		return fmt.Errorf("mx: total %q: %w", comp.Total, err)
	}
	want := doc.Input.Totals.Total
	tolerance := decimal.New(int64(len(doc.Input.Lines)), -2)
	if total.Sub(want).Abs().GreaterThan(tolerance) {
		return httpx.Unprocessable("cfdi_total_mismatch",
			fmt.Sprintf("the CFDI's Total %s (per line and rate, as the SAT computes it) differs from the document's total %s", comp.Total, want.StringFixed(2))).
			WithDetails(map[string]any{"cfdi_total": comp.Total, "total": want.StringFixed(2)})
	}
	return nil
}

// invalidDocument turns a document the CFDI cannot carry into a 422.
func invalidDocument(err error) error {
	var fe *cfdi.FieldError
	if errors.As(err, &fe) {
		return httpx.Unprocessable("invalid_field", "cfdi."+fe.Field+": "+fe.Message).
			WithDetails(map[string]any{"field": "cfdi." + fe.Field, "reason": fe.Message})
	}
	return err
}

// credentialInvalid is a stored credential that cannot be used.
func credentialInvalid(name, reason string) *httpx.Error {
	return httpx.Unprocessable("fiscal_credentials_invalid", fmt.Sprintf("the fiscal credential %q: %s", name, reason)).
		WithDetails(map[string]any{"name": name, "reason": reason})
}

// pacUnusable is a PAC that refused the account or cannot be reached
// before anything was sent.
func pacUnusable(err error) error {
	if errors.Is(err, pac.ErrAuth) {
		return credentialInvalid(SecretPACUser, "the PAC refused the account ("+SecretPACUser+", "+SecretPACPassword+")")
	}
	return fiscal.Unavailable(pacService, err)
}
