package sdk

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"

	"github.com/nexuspos/nexus/internal/migration"

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
	if m.Migrations != nil {
		ms, err := migration.Load(migrationsRoot(m.Migrations))
		if err != nil {
			return nil, err
		}
		for _, mg := range ms {
			pm.Migrations = append(pm.Migrations, &nexusv1.Migration{
				Version: int32(mg.Version), Name: mg.Name, Up: mg.Up, Down: mg.Down,
			})
		}
	}
	for _, sm := range m.StateMachines {
		psm := &nexusv1.StateMachine{Table: sm.Table, Column: sm.Column, Initial: sm.Initial}
		for _, t := range sm.Transitions {
			psm.Transitions = append(psm.Transitions, &nexusv1.Transition{
				From: t.From, Event: t.Event, To: t.To, MinRole: string(t.MinRole),
			})
		}
		pm.StateMachines = append(pm.StateMachines, psm)
	}
	for _, sub := range m.Subscriptions {
		pm.Subscriptions = append(pm.Subscriptions, &nexusv1.Subscription{
			Name: sub.Name, Pattern: sub.Pattern, Concurrency: int32(max(sub.Concurrency, 1)),
		})
	}
	for _, name := range sortedKeys(m.Queries) {
		pm.Queries = append(pm.Queries, &nexusv1.NamedQuery{Name: name, Sql: m.Queries[name]})
	}
	for _, name := range sortedKeys(m.UniversalSources) {
		pm.UniversalSources = append(pm.UniversalSources, &nexusv1.UniversalSource{Name: name, Sql: m.UniversalSources[name]})
	}
	for _, name := range sortedKeys(m.PaymentSources) {
		pm.PaymentSources = append(pm.PaymentSources, &nexusv1.PaymentSource{Name: name, Sql: m.PaymentSources[name]})
	}
	for _, r := range m.RevenueEvents {
		typ := r.Type
		if typ == "" {
			typ = r.Source
		}
		pm.RevenueEvents = append(pm.RevenueEvents, &nexusv1.RevenueEvent{
			Topic: r.Topic, Source: r.Source, Type: typ, Key: r.Key, Remove: r.Remove,
		})
	}
	pm.LargeTransactionTopics = append(pm.LargeTransactionTopics, m.LargeTransactionTopics...)
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

func configOf(b []byte) json.RawMessage {
	if len(b) == 0 {
		return json.RawMessage("{}")
	}
	return json.RawMessage(b)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// migrationsRoot returns fsys, or its "migrations" directory when the files
// are there (as with //go:embed migrations/*.sql).
func migrationsRoot(fsys fs.FS) fs.FS {
	if sub, err := fs.Sub(fsys, "migrations"); err == nil {
		if entries, err := fs.ReadDir(sub, "."); err == nil && len(entries) > 0 {
			return sub
		}
	}
	return fsys
}
