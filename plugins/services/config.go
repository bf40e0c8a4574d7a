package services

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/money"
)

// Config is a company's configuration of the vertical.
type Config struct {
	// DefaultTaxRate is the tax rate code of contracts that name none
	// (default iva16 in Mexico, iva21 in Argentina).
	DefaultTaxRate string `json:"default_tax_rate,omitempty"`
}

// configSchema documents Config (JSON Schema); its example is what a demo
// company gets.
const configSchema = `{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "additionalProperties": false,
  "examples": [{}],
  "properties": {
    "default_tax_rate": {"type": "string",
      "description": "tax rate code of contracts that name none: iva16, iva8, iva0 or exempt in MX (default iva16); iva21, iva10_5, iva27, iva0 or exempt in AR (default iva21)"}
  }
}`

// defaultTaxRates are the rates of contracts when the company configures none.
var defaultTaxRates = map[string]string{"MX": "iva16", "AR": "iva21"}

// env is what a call needs of its company: country rules, currency, time
// zone, tax rates and configuration, derived from the call.
type env struct {
	company  sdk.Company
	cfg      Config
	currency money.Currency
	rates    map[string]money.TaxRate
	loc      *time.Location
}

// newEnvFor derives the env of company configured with raw, or lists what is
// wrong with them.
func newEnvFor(company sdk.Company, raw json.RawMessage) (*env, []string) {
	var problems []string
	e := &env{company: company}
	country := strings.ToUpper(company.Country)
	if _, ok := defaultTaxRates[country]; !ok {
		return nil, []string{fmt.Sprintf("the services vertical serves companies in MX and AR, not %q", company.Country)}
	}
	e.company.Country = country
	cur, err := money.CurrencyOf(company.Currency)
	if err != nil {
		problems = append(problems, fmt.Sprintf("the company's currency %q is not supported", company.Currency))
	}
	e.currency = cur
	if e.loc, err = time.LoadLocation(company.Timezone); err != nil || company.Timezone == "" {
		problems = append(problems, fmt.Sprintf("the company's time zone %q is not known", company.Timezone))
	}
	e.rates, _ = money.RatesFor(country)
	if len(bytes.TrimSpace(raw)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e.cfg); err != nil {
			problems = append(problems, "configuration: "+strings.TrimPrefix(err.Error(), "json: "))
		}
	}
	if e.cfg.DefaultTaxRate == "" {
		e.cfg.DefaultTaxRate = defaultTaxRates[country]
	}
	if _, ok := e.rates[e.cfg.DefaultTaxRate]; !ok {
		problems = append(problems, fmt.Sprintf("default_tax_rate %q is not a tax rate of %s", e.cfg.DefaultTaxRate, country))
	}
	return e, problems
}

// newEnv reads the company and its configuration from the call.
func newEnv(c *sdk.Context) (*env, error) {
	co := c.Company()
	if co.ID == "" {
		co.ID = c.Principal().CompanyID
	}
	e, problems := newEnvFor(co, c.Config())
	if len(problems) > 0 {
		return nil, sdk.Conflict("invalid_configuration", "the company cannot use the services vertical as configured: "+
			strings.Join(problems, "; ")+"; configure the vertical again")
	}
	return e, nil
}

// ConfigureCompany implements sdk.CompanyConfigurer: it refuses a company
// outside Mexico and Argentina, an unsupported currency or an unknown tax
// rate with a 422 listing the problems.
func (*Vertical) ConfigureCompany(_ *sdk.Context, company sdk.Company, config json.RawMessage) error {
	if _, problems := newEnvFor(company, config); len(problems) > 0 {
		return sdk.InvalidConfig(problems...)
	}
	return nil
}

// today is the current day in the company's time zone.
func (e *env) today() string { return time.Now().In(e.loc).Format(time.DateOnly) }
