package plugins

import (
	"sort"
	"strings"

	"github.com/nexuspos/nexus/internal/manifest"
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

// RevenueEvent is an event topic of a running vertical that moves the
// revenue rollup: the payload's field Key names a row of the vertical's
// universal source Source, of transaction type Type, which the event adds
// or (Remove) takes back out.
type RevenueEvent struct {
	Vertical, Topic, Source, Type, Key string
	Remove                             bool
}

// RevenueEvents lists the revenue events of every running vertical,
// sorted by topic. A declaration manifest.RevenueEvents refuses is left
// out, and the vertical is degraded with the reason (see Degrade).
func (m *Manager) RevenueEvents() []RevenueEvent {
	m.mu.RLock()
	var out []RevenueEvent
	problems := map[string]map[string]string{}
	for _, v := range m.verticals {
		proc, ok := v.running()
		if !ok {
			continue
		}
		good, bad := manifest.RevenueEvents(proc.manifest)
		for _, e := range good {
			out = append(out, RevenueEvent{Vertical: v.name, Topic: e.Topic, Source: e.Source, Type: e.Type, Key: e.Key, Remove: e.Remove})
		}
		problems[v.name] = map[string]string{}
		for topic, reason := range bad {
			m.log.Error("revenue event left out", "vertical", v.name, "topic", topic, "reason", reason)
			problems[v.name]["revenue event "+topic] = reason
		}
	}
	m.mu.RUnlock()
	for name, p := range problems {
		m.Degrade(name, CheckRevenueEvents, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Topic < out[j].Topic })
	return out
}

// LargeTransactionTopics lists the topics with which running verticals
// flag a large transaction, sorted. A topic outside its vertical's
// namespace is left out and logged.
func (m *Manager) LargeTransactionTopics() []string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []string
	for _, v := range m.verticals {
		proc, ok := v.running()
		if !ok {
			continue
		}
		for _, topic := range proc.manifest.GetLargeTransactionTopics() {
			if !strings.HasPrefix(topic, v.name+".") {
				m.log.Error("large-transaction topic left out", "vertical", v.name, "topic", topic,
					"reason", "the topic is not in the vertical's namespace "+v.name+".")
				continue
			}
			out = append(out, topic)
		}
	}
	sort.Strings(out)
	return out
}
