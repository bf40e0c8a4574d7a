package fiscal

import (
	"context"
	"strings"

	"github.com/google/uuid"

	"github.com/nexuspos/nexus/host/internal/httpx"
)

// ConfigVerifier is an Issuer that can also check a company's settings
// with its authority (AR: the points of sale against WSFEv1's
// FEParamGetPtosVenta). PutSettings calls it after CheckConfig, before
// anything is stored.
type ConfigVerifier interface {
	// VerifyConfig checks env.Settings (Config as CheckConfig returned
	// it) with the authority, using the company's stored credentials. A
	// setting the authority refuses is a 422 naming it (config.<field>);
	// what could not be checked (no credentials yet, the authority
	// unreachable) is a Warning, and the settings are stored anyway.
	VerifyConfig(ctx context.Context, env *Env) ([]Warning, error)
}

// ParameterSource is an Issuer that serves its authority's parameter
// tables (AR: WSFEv1's FEParamGet* tables), so a front end offers the
// choices the authority accepts.
type ParameterSource interface {
	// Parameters returns the rows of table as the authority answers
	// them for the company (its credentials and tax id): a 404
	// fiscal_parameter_table_not_found for a table the issuer does not
	// serve. query holds the table's options (such as a currency).
	Parameters(ctx context.Context, env *Env, table string, query map[string]string) ([]any, error)
	// ParameterQuery lists the query parameters Parameters reads.
	ParameterQuery() []string
}

// Warning is something a request did without being able to check it,
// answered with its result.
type Warning struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Parameters answers table of the authority of country for the company:
// 404 fiscal_parameter_table_not_found when the company is not of
// country or its issuer has no such table.
func (s *Service) Parameters(ctx context.Context, companyID uuid.UUID, country, table string, query map[string]string) ([]any, error) {
	env, iss, err := s.env(ctx, companyID)
	if err != nil {
		return nil, err
	}
	src, ok := iss.(ParameterSource)
	if !ok || !strings.EqualFold(country, env.Company.Country) {
		return nil, ErrParameterTable(country, table)
	}
	return src.Parameters(ctx, env, table, query)
}

// parameterQuery lists the query parameters every country's tables may
// take (the issuers').
func (s *Service) parameterQuery() []string {
	var out []string
	for _, iss := range s.issuers {
		if src, ok := iss.(ParameterSource); ok {
			out = append(out, src.ParameterQuery()...)
		}
	}
	return out
}

// ErrParameterTable is the 404 of a table an issuer does not serve.
func ErrParameterTable(country, table string) *httpx.Error {
	return httpx.NotFound("fiscal_parameter_table_not_found", "no fiscal parameter table "+table+" for the company's country").
		WithDetails(map[string]any{"country": country, "table": table})
}
