package manifest

import (
	"strings"

	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
)

// RevenueEvent is a vertical's declaration that its event Topic adds
// (or, with Remove, takes back out) the row of its universal source Source
// whose source_id the payload's field Key holds, of transaction type Type.
type RevenueEvent struct {
	Topic, Source, Type, Key string
	Remove                   bool
}

// RevenueEvents returns the revenue events m declares that the host uses
// and, by topic, why it leaves out the others: a topic outside the
// vertical's namespace (<name>.) or declared twice, a source that is not
// one of the vertical's universal sources, no payload key. A blank Type is
// the source's name. The host and sdktest both check declarations with it.
func RevenueEvents(m *nexusv1.Manifest) ([]RevenueEvent, map[string]string) {
	sources, seen := map[string]bool{}, map[string]bool{}
	for _, s := range m.GetUniversalSources() {
		sources[s.GetName()] = true
	}
	var ok []RevenueEvent
	bad := map[string]string{}
	for _, r := range m.GetRevenueEvents() {
		e := RevenueEvent{Topic: r.GetTopic(), Source: r.GetSource(), Type: r.GetType(), Key: r.GetKey(), Remove: r.GetRemove()}
		if e.Type == "" {
			e.Type = e.Source
		}
		var reason string
		switch {
		case !strings.HasPrefix(e.Topic, m.GetName()+"."):
			reason = "the topic is not in the vertical's namespace " + m.GetName() + "."
		case seen[e.Topic]:
			reason = "the topic is declared twice"
		case !sources[e.Source]:
			reason = "source " + e.Source + " is not one of the vertical's universal sources"
		case e.Key == "":
			reason = "no payload key"
		}
		seen[e.Topic] = true
		if reason != "" {
			bad[e.Topic] = reason
			continue
		}
		ok = append(ok, e)
	}
	return ok, bad
}
