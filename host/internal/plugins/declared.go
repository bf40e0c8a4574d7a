package plugins

import (
	"sort"
	"strings"

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
// sorted by topic. A declaration whose topic is not in the vertical's
// namespace (<vertical>.) or declared twice, whose source is not one of
// the vertical's universal sources, or that lacks a key is left out and
// logged.
func (m *Manager) RevenueEvents() []RevenueEvent {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []RevenueEvent
	for _, v := range m.verticals {
		proc, ok := v.running()
		if !ok {
			continue
		}
		sources, seen := map[string]bool{}, map[string]bool{}
		for _, s := range proc.manifest.GetUniversalSources() {
			sources[s.GetName()] = true
		}
		for _, r := range proc.manifest.GetRevenueEvents() {
			e := RevenueEvent{Vertical: v.name, Topic: r.GetTopic(), Source: r.GetSource(), Type: r.GetType(), Key: r.GetKey(), Remove: r.GetRemove()}
			if e.Type == "" {
				e.Type = e.Source
			}
			reason := revenueEventProblem(e, sources)
			if reason == "" && seen[e.Topic] {
				reason = "the topic is declared twice"
			}
			seen[e.Topic] = true
			if reason != "" {
				m.log.Error("revenue event left out", "vertical", v.name, "topic", e.Topic, "reason", reason)
				continue
			}
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Topic < out[j].Topic })
	return out
}

// revenueEventProblem says what is wrong with e, given its vertical's
// universal sources, or "".
func revenueEventProblem(e RevenueEvent, sources map[string]bool) string {
	switch {
	case !strings.HasPrefix(e.Topic, e.Vertical+"."):
		return "the topic is not in the vertical's namespace " + e.Vertical + "."
	case !sources[e.Source]:
		return "source " + e.Source + " is not one of the vertical's universal sources"
	case e.Key == "":
		return "no payload key"
	}
	return ""
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
