package sdk

import (
	"encoding/json"
	"fmt"

	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
)

// This file is the only place where SDK types meet protobuf types.

func manifestToProto(m Manifest) (*nexusv1.Manifest, error) {
	pm := &nexusv1.Manifest{
		Name:         m.Name,
		Version:      m.Version,
		Description:  m.Description,
		ConfigSchema: m.ConfigSchema,
	}
	for _, r := range m.Routes {
		req, err := exampleJSON(r.RequestExample)
		if err != nil {
			return nil, fmt.Errorf("route %s: request example: %w", r.RouteID(), err)
		}
		res, err := exampleJSON(r.ResponseExample)
		if err != nil {
			return nil, fmt.Errorf("route %s: response example: %w", r.RouteID(), err)
		}
		pm.Routes = append(pm.Routes, &nexusv1.Route{
			Id:              r.RouteID(),
			Method:          r.Method,
			Pattern:         r.Pattern,
			MinRole:         string(r.MinRole),
			Summary:         r.Summary,
			RequestExample:  req,
			ResponseExample: res,
		})
	}
	return pm, nil
}

func exampleJSON(v any) (string, error) {
	if v == nil {
		return "", nil
	}
	b, err := json.Marshal(v)
	return string(b), err
}

func principalFromProto(p *nexusv1.Principal) Principal {
	return Principal{
		UserID:    p.GetUserId(),
		Email:     p.GetEmail(),
		CompanyID: p.GetCompanyId(),
		Role:      Role(p.GetRole()),
	}
}

func companyFromProto(c *nexusv1.Company) Company {
	return Company{
		ID:       c.GetId(),
		Name:     c.GetName(),
		Country:  c.GetCountry(),
		Currency: c.GetCurrency(),
		Timezone: c.GetTimezone(),
		TaxID:    c.GetTaxId(),
	}
}

func fromValues(m map[string]*nexusv1.Values) map[string][]string {
	out := make(map[string][]string, len(m))
	for k, v := range m {
		out[k] = v.GetValues()
	}
	return out
}

func toValues(m map[string][]string) map[string]*nexusv1.Values {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]*nexusv1.Values, len(m))
	for k, v := range m {
		out[k] = &nexusv1.Values{Values: v}
	}
	return out
}
