package cpg

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/money"
)

// Defaults of a company's configuration.
var (
	// DefaultSizes is the size set when the configuration sets none.
	DefaultSizes = []string{"XS", "S", "M", "L", "XL", "XXL", "Unitalla"}
	// DefaultColors is the color set when the configuration sets none.
	DefaultColors = []string{"Negro", "Blanco", "Gris", "Rojo", "Azul", "Verde", "Amarillo", "Rosa", "Café", "Beige"}
	// DefaultBigTransactionThreshold is the consignment value, in the
	// company's currency, from which cpg.consignment.large is published.
	DefaultBigTransactionThreshold = decimal.NewFromInt(10000)
	// DefaultCashDifferenceLimit is the largest cash-session difference per
	// payment method a cashier may close with; above it a manager must.
	DefaultCashDifferenceLimit = decimal.NewFromInt(50)
)

// defaultTaxCodes is the tax rate a product gets when it names none.
var defaultTaxCodes = map[string]string{"MX": "iva16", "AR": "iva21"}

// DefaultLocationName is the name of the location every company starts with.
const DefaultLocationName = "Principal"

// Config is a company's effective configuration of the vertical: what it
// set, with defaults for the rest.
type Config struct {
	// Sizes and Colors are the values variants may take (matched without
	// regard to case); an empty set allows any value.
	Sizes  []string `json:"sizes"`
	Colors []string `json:"colors"`
	// DefaultTaxRate is the tax rate code of products that name none (iva16
	// in Mexico, iva21 in Argentina).
	DefaultTaxRate string `json:"default_tax_rate"`
	// PricesIncludeTax tells whether shelf prices include tax (true by
	// default: Mexican and Argentine shelf prices include IVA).
	PricesIncludeTax bool `json:"prices_include_tax"`
	// BigTransactionThreshold is the value from which a consignment is large.
	BigTransactionThreshold decimal.Decimal `json:"big_transaction_threshold"`
	// AllowNegativeStock lets movements take on-hand below zero.
	AllowNegativeStock bool `json:"allow_negative_stock"`
	// CashDifferenceLimit is the largest difference a cashier may close a
	// session with.
	CashDifferenceLimit decimal.Decimal `json:"cash_difference_limit"`
}

// rawConfig is the configuration as a company sends it; absent keys take
// their defaults.
type rawConfig struct {
	Sizes                   *[]string `json:"sizes"`
	Colors                  *[]string `json:"colors"`
	DefaultTaxRate          *string   `json:"default_tax_rate"`
	PricesIncludeTax        *bool     `json:"prices_include_tax"`
	BigTransactionThreshold *string   `json:"big_transaction_threshold"`
	AllowNegativeStock      *bool     `json:"allow_negative_stock"`
	CashDifferenceLimit     *string   `json:"cash_difference_limit"`
}

// ParseConfig validates a company's configuration against its country and
// returns the effective configuration, or every problem found.
func ParseConfig(country string, raw json.RawMessage) (Config, []string) {
	var in rawConfig
	if len(bytes.TrimSpace(raw)) == 0 {
		raw = json.RawMessage("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return Config{}, []string{"configuration must be a JSON object with known keys (sizes, colors, default_tax_rate, " +
			"prices_include_tax, big_transaction_threshold, allow_negative_stock, cash_difference_limit): " + err.Error()}
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return Config{}, []string{"configuration must be a single JSON object"}
	}
	var problems []string
	cfg := Config{
		Sizes:                   DefaultSizes,
		Colors:                  DefaultColors,
		DefaultTaxRate:          defaultTaxCodes[strings.ToUpper(country)],
		PricesIncludeTax:        true,
		BigTransactionThreshold: DefaultBigTransactionThreshold,
		CashDifferenceLimit:     DefaultCashDifferenceLimit,
	}
	rates, err := money.RatesFor(country)
	if err != nil {
		return Config{}, []string{fmt.Sprintf("country %q has no tax rates (MX, AR)", country)}
	}
	if in.Sizes != nil {
		cfg.Sizes, problems = checkSet("sizes", *in.Sizes, problems)
	}
	if in.Colors != nil {
		cfg.Colors, problems = checkSet("colors", *in.Colors, problems)
	}
	if in.DefaultTaxRate != nil {
		if _, ok := rates[*in.DefaultTaxRate]; !ok {
			problems = append(problems, fmt.Sprintf("default_tax_rate %q is not a tax rate of %s (%s)",
				*in.DefaultTaxRate, country, strings.Join(sortedCodes(rates), ", ")))
		}
		cfg.DefaultTaxRate = *in.DefaultTaxRate
	}
	if in.PricesIncludeTax != nil {
		cfg.PricesIncludeTax = *in.PricesIncludeTax
	}
	if in.AllowNegativeStock != nil {
		cfg.AllowNegativeStock = *in.AllowNegativeStock
	}
	for _, f := range []struct {
		name string
		in   *string
		out  *decimal.Decimal
	}{
		{"big_transaction_threshold", in.BigTransactionThreshold, &cfg.BigTransactionThreshold},
		{"cash_difference_limit", in.CashDifferenceLimit, &cfg.CashDifferenceLimit},
	} {
		if f.in == nil {
			continue
		}
		d, err := money.AmountLimits.Parse(f.name, *f.in)
		if err != nil {
			msg := err.Error()
			if e := (*sdk.Error)(nil); errors.As(err, &e) {
				msg = e.Message
			}
			problems = append(problems, msg)
			continue
		}
		*f.out = d
	}
	return cfg, problems
}

// checkSet validates a size or color set: distinct non-empty names of at
// most 40 characters, at most 100 of them.
func checkSet(name string, values []string, problems []string) ([]string, []string) {
	if len(values) > 100 {
		return nil, append(problems, fmt.Sprintf("%s may list at most 100 values", name))
	}
	seen := map[string]bool{}
	out := make([]string, 0, len(values))
	for i, v := range values {
		v = strings.TrimSpace(v)
		key := strings.ToLower(v)
		switch {
		case v == "" || len([]rune(v)) > 40:
			problems = append(problems, fmt.Sprintf("%s[%d] must have 1 to 40 characters", name, i))
		case seen[key]:
			problems = append(problems, fmt.Sprintf("%s[%d] %q is listed twice", name, i, v))
		}
		seen[key] = true
		out = append(out, v)
	}
	return out, problems
}

func sortedCodes(rates map[string]money.TaxRate) []string {
	codes := make([]string, 0, len(rates))
	for c := range rates {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	return codes
}

// ConfigureCompany implements sdk.CompanyConfigurer: it validates the
// configuration for the company's country and currency and provisions the
// default location "Principal" (idempotently).
func (*Vertical) ConfigureCompany(c *sdk.Context, company sdk.Company, config json.RawMessage) error {
	_, problems := ParseConfig(company.Country, config)
	if _, err := money.CurrencyOf(company.Currency); err != nil {
		problems = append(problems, fmt.Sprintf("currency %q is not supported (MXN, ARS, USD)", company.Currency))
	}
	if len(problems) > 0 {
		return sdk.InvalidConfig(problems...)
	}
	e, err := newEnv(c)
	if err != nil {
		return err
	}
	b := c.DB().Batch()
	e.ensurePrincipal(b)
	return b.Run()
}

// env is what every handler needs to know about the caller's company.
type env struct {
	company  sdk.Company
	cfg      Config
	currency money.Currency
	rates    map[string]money.TaxRate
}

// envs holds each company's env, built on its first request and rebuilt
// when the company is reconfigured; handlers share it and never modify it.
var envs = sdk.NewInstances(buildEnv)

// newEnv returns the env of the call's company.
func newEnv(c *sdk.Context) (*env, error) { return envs.Get(c) }

// buildEnv parses the company's configuration and derives its currency
// and tax rates.
func buildEnv(co sdk.Company, config json.RawMessage) (*env, error) {
	cfg, problems := ParseConfig(co.Country, config)
	if len(problems) > 0 {
		return nil, sdk.Conflict("invalid_configuration", "the company's cpg configuration is no longer valid: "+
			strings.Join(problems, "; ")+"; configure the vertical again")
	}
	cur, err := money.CurrencyOf(co.Currency)
	if err != nil {
		return nil, sdk.Conflict("unsupported_currency", fmt.Sprintf("currency %q is not supported", co.Currency))
	}
	rates, err := money.RatesFor(co.Country)
	if err != nil {
		return nil, sdk.Conflict("unsupported_country", fmt.Sprintf("country %q has no tax rates", co.Country))
	}
	return &env{company: co, cfg: cfg, currency: cur, rates: rates}, nil
}

// principalNamespace derives the id of each company's default location.
var principalNamespace = uuid.MustParse("6f1d2a3e-8c1b-4c55-9d36-0b7f3c1e2a90")

// PrincipalLocationID returns the id of a company's default location
// "Principal". It is derived from the company id, so every call can name it
// without reading it back and provisioning it twice changes nothing.
func PrincipalLocationID(companyID string) string {
	return uuid.NewSHA1(principalNamespace, []byte(strings.ToLower(companyID))).String()
}

// principal returns the id of the company's default location.
func (e *env) principal() string { return PrincipalLocationID(e.company.ID) }

// ensurePrincipal queues the idempotent creation of the company's default
// location; ConfigureCompany runs it whenever a company enables or
// reconfigures the vertical.
func (e *env) ensurePrincipal(b *sdk.Batch) {
	b.Query(qEnsurePrincipal, nil, e.principal(), DefaultLocationName, strings.ToLower(DefaultLocationName))
}

// taxRate resolves a product's tax rate: a code ("iva16", "exempt") or a
// percentage ("16", "10.5"); "" is the configured default.
func (e *env) taxRate(field, in string) (money.TaxRate, error) {
	in = strings.TrimSpace(in)
	if in == "" {
		in = e.cfg.DefaultTaxRate
	}
	if r, ok := e.rates[strings.ToLower(in)]; ok {
		return r, nil
	}
	if p, err := money.PercentLimits.Parse(field, in); err == nil {
		var match *money.TaxRate
		for _, code := range sortedCodes(e.rates) {
			r := e.rates[code]
			if !r.Exempt && r.Rate.Shift(2).Equal(p) {
				match = &r
				break
			}
		}
		if match != nil {
			return *match, nil
		}
	}
	return money.TaxRate{}, sdk.Unprocessable("unknown_tax_rate",
		fmt.Sprintf("%s %q is not a tax rate of %s (%s, or their percentages)", field, in, e.company.Country,
			strings.Join(sortedCodes(e.rates), ", "))).WithDetails(map[string]any{"field": field})
}

// rate returns the stored tax rate code's rate, or an error when the code is
// no longer one of the country's.
func (e *env) rate(code string) (money.TaxRate, error) {
	r, ok := e.rates[code]
	if !ok {
		return money.TaxRate{}, sdk.Conflict("unknown_tax_rate", fmt.Sprintf("tax rate %q is not one of %s's", code, e.company.Country))
	}
	return r, nil
}

// percent renders a tax rate as a percentage ("16", "10.5").
func percent(r money.TaxRate) string { return r.Rate.Shift(2).String() }

// normalizeOption matches v against a configured set without regard to
// case and returns the set's spelling; an empty set allows anything.
func normalizeOption(field, v string, set []string) (*string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, nil
	}
	if len(set) == 0 {
		if len([]rune(v)) > 40 {
			return nil, sdk.InvalidField(field, "must have at most 40 characters")
		}
		return &v, nil
	}
	for _, s := range set {
		if strings.EqualFold(s, v) {
			return &s, nil
		}
	}
	return nil, sdk.InvalidField(field, "%q is not one of the configured values (%s)", v, strings.Join(set, ", "))
}

// settingsResponse is GET /settings.
type settingsResponse struct {
	Config
	Currency            string `json:"currency"`
	Country             string `json:"country"`
	Timezone            string `json:"timezone"`
	PrincipalLocationID string `json:"principal_location_id"`
}

// getSettings answers the company's effective configuration.
func getSettings(c *sdk.Context) error {
	e, err := newEnv(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, settingsResponse{
		Config: e.cfg, Currency: e.currency.Code, Country: e.company.Country,
		Timezone: e.company.Timezone, PrincipalLocationID: e.principal(),
	})
}
