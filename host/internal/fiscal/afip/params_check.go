package afip

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/nexuspos/nexus/host/internal/fiscal"
	"github.com/nexuspos/nexus/host/internal/httpx"
)

// Warning codes of VerifyConfig.
const warnUnverified = "fiscal_settings_unverified"

// VerifyConfig implements fiscal.ConfigVerifier: each of the company's
// points of sale must be one of its CUIT's at AFIP (FEParamGetPtosVenta),
// for CAE, neither blocked nor withdrawn; a 422 names the first that is
// not (config.points_of_sale[i]). AFIP's refusal of the request itself
// (the certificate may not act for the CUIT: 600/601) is a 422 with its
// codes.
//
// Without credentials nothing can be asked: the settings are stored with
// a warning, checked again on the next PUT. When AFIP cannot be reached
// (a timeout, a 5xx, an open breaker) they are stored as well, with a
// warning: an admin must be able to change the settings during an AFIP
// outage (turning auto_issue off is what one does then), and a point of
// sale AFIP no longer takes only gets a receipt rejected with AFIP's code
// at issuance, never a wrong one.
func (is *Issuer) VerifyConfig(ctx context.Context, env *fiscal.Env) ([]fiscal.Warning, error) {
	cfg, err := configOf(env)
	if err != nil {
		return nil, err
	}
	for _, name := range []string{CredentialCertificate, CredentialKey} {
		if _, err := env.Secret(ctx, name); err != nil {
			var he *httpx.Error
			if errors.As(err, &he) && he.Code == "fiscal_credentials_missing" {
				return []fiscal.Warning{{Code: warnUnverified, Message: "the points of sale were not checked with AFIP: the credentials " +
					CredentialCertificate + " and " + CredentialKey + " are not stored yet; PUT the settings again once they are"}}, nil
			}
			return nil, err
		}
	}
	points, err := is.pointsOfSale(ctx, env, cfg)
	var he *httpx.Error
	if errors.As(err, &he) && he.Status() == http.StatusServiceUnavailable {
		env.Log().Warn("fiscal settings stored without AFIP's check of the points of sale", "company_id", env.Company.ID, "error", err)
		return []fiscal.Warning{{Code: warnUnverified, Message: "AFIP could not be reached to check the points of sale; " +
			"the settings were stored unchecked: PUT them again to check them"}}, nil
	}
	if err != nil {
		return nil, err
	}
	return nil, checkPoints(cfg, points)
}

// usable reports whether receipts can be asked for on p with a CAE.
func (p PointOfSale) usable() bool {
	return !p.Blocked && p.WithdrawnOn == "" && strings.HasPrefix(p.EmissionType, "CAE") && !strings.HasPrefix(p.EmissionType, "CAEA")
}

// checkPoints refuses the first configured point of sale AFIP does not
// list as usable with CAE.
func checkPoints(cfg config, points []PointOfSale) error {
	var usable []string
	for _, p := range points {
		if p.usable() {
			usable = append(usable, fmt.Sprint(p.Number))
		}
	}
	list := "none"
	if len(usable) > 0 {
		list = strings.Join(usable, ", ")
	}
	for i, n := range cfg.PointsOfSale {
		field := fmt.Sprintf("points_of_sale[%d]", i)
		k := slices.IndexFunc(points, func(p PointOfSale) bool { return p.Number == n })
		switch {
		case k < 0:
			return fiscal.InvalidConfig(field, fmt.Sprintf("point of sale %d is not one of CUIT %s's electronic points of sale at AFIP (usable: %s)", n, cfg.CUIT, list))
		case points[k].WithdrawnOn != "":
			return fiscal.InvalidConfig(field, fmt.Sprintf("point of sale %d was withdrawn at AFIP on %s (usable: %s)", n, points[k].WithdrawnOn, list))
		case points[k].Blocked:
			return fiscal.InvalidConfig(field, fmt.Sprintf("point of sale %d is blocked at AFIP: regularize it in AFIP's points of sale (usable: %s)", n, list))
		case !points[k].usable():
			return fiscal.InvalidConfig(field, fmt.Sprintf("point of sale %d issues with %s at AFIP, not with CAE (usable: %s)", n, points[k].EmissionType, list))
		}
	}
	return nil
}

// Compile-time check of the issuer's optional capability.
var _ fiscal.ConfigVerifier = (*Issuer)(nil)
