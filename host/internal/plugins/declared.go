package plugins

import (
	"sort"

	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
)

// DeclaredSQL is a named SELECT that a running vertical declares in its
// manifest for a host feature to run.
type DeclaredSQL struct {
	Vertical, Name, SQL string
}

// UniversalSources lists the universal-transaction sources of every running
// vertical (its documents mapped into the universal shape), sorted by name.
func (m *Manager) UniversalSources() []DeclaredSQL {
	return declared(m, (*nexusv1.Manifest).GetUniversalSources)
}

// PaymentSources lists the payment sources of every running vertical (the
// payments it took that may reach a bank account), sorted by name.
func (m *Manager) PaymentSources() []DeclaredSQL {
	return declared(m, (*nexusv1.Manifest).GetPaymentSources)
}

// declared collects what list returns of every running vertical's manifest.
func declared[T interface {
	GetName() string
	GetSql() string
}](m *Manager, list func(*nexusv1.Manifest) []T) []DeclaredSQL {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []DeclaredSQL
	for _, v := range m.verticals {
		proc, ok := v.running()
		if !ok {
			continue
		}
		for _, s := range list(proc.manifest) {
			out = append(out, DeclaredSQL{Vertical: v.name, Name: s.GetName(), SQL: s.GetSql()})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
