package plugins

import "sort"

// PaymentSource is one vertical's SELECT of the payments it took that may
// reach a bank account (name → SELECT), for bank reconciliation.
type PaymentSource struct {
	Vertical, Name, SQL string
}

// PaymentSources lists the payment sources of every running vertical,
// sorted by name.
func (m *Manager) PaymentSources() []PaymentSource {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []PaymentSource
	for _, v := range m.verticals {
		proc, ok := v.running()
		if !ok {
			continue
		}
		for _, s := range proc.manifest.GetPaymentSources() {
			out = append(out, PaymentSource{Vertical: v.name, Name: s.GetName(), SQL: s.GetSql()})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
