package e2e

import (
	"bufio"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/hosttest"
)

// TestTracesAndLogs runs a host with tracing on, exporting over OTLP to a
// receiver in the test, on both buses. A request's log lines, the host's
// and the plugin's, carry its request id and its trace id; an event
// published by a request is delivered in a trace of its own whose root
// links to the publishing span, with the subscriber's handler under it; a
// vertical's job runs in a trace of its own too, its attempt's call
// crossing into the plugin.
func TestTracesAndLogs(t *testing.T) {
	t.Parallel()
	for _, bus := range []string{"in-process", "rabbitmq"} {
		t.Run(bus, func(t *testing.T) {
			t.Parallel()
			traces := hosttest.StartTraces(t)
			env := append(traces.Env(), "NEXUS_LOG_FORMAT=json")
			if bus == "rabbitmq" {
				env = append(env, "NEXUS_AMQP_URL="+amqpURL())
			}
			h := hosttest.Start(t, hosttest.PluginDir(t, map[string]string{"probe": probe(t)}), env...)
			a := h.NewTenant("MX", "probe")
			cashier := a.Tokens["cashier"]

			const echoTrace = "0af7651916cd43dd8448eb211c80319c"
			requestID := "trace-logs-" + bus
			h.Expect(http.StatusOK, "POST", "/api/v1/verticals/probe/echo", cashier, map[string]string{"hi": "there"},
				"X-Request-ID", requestID, "traceparent", "00-"+echoTrace+"-b7ad6b7169203331-01")
			traces.Await(t, "echo span", func(spans []hosttest.Span) bool {
				return hasSpan(spans, echoTrace, "POST /api/v1/verticals/probe/echo")
			})
			lines := logLines(t, h.Log(), requestID)
			var messages []string
			for _, l := range lines {
				messages = append(messages, l["@message"].(string))
				require.Equal(t, echoTrace, l["trace_id"], "every line of the request names its trace: %v", l)
				require.NotEmpty(t, l["span_id"], "%v", l)
			}
			require.Contains(t, messages, "request", "the host's access log line")
			require.Contains(t, messages, "probe echo", "the plugin's line, logged through the host")

			// The outbound client's lines are the request's too.
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			closed := "http://" + ln.Addr().String() + "/x"
			require.NoError(t, ln.Close())
			const outboundTrace = "3c4d5e6f708192a3b4c5d6e7f8091a2b"
			outboundID := "trace-outbound-" + bus
			h.Expect(http.StatusOK, "GET", "/api/v1/verticals/probe/outbound?url="+url.QueryEscape(closed), cashier, nil,
				"X-Request-ID", outboundID, "traceparent", "00-"+outboundTrace+"-c7ad6b7169203331-01")
			// The plugin's lines reach the host's log asynchronously.
			hosttest.Eventually(t, 5*time.Second, "the outbound client's line", func() bool {
				for _, line := range strings.Split(h.Log(), "\n") {
					if strings.Contains(line, outboundID) && strings.Contains(line, "outbound call failed") {
						return true
					}
				}
				return false
			})
			messages = nil
			for _, l := range logLines(t, h.Log(), outboundID) {
				messages = append(messages, l["@message"].(string))
				require.Equal(t, outboundTrace, l["trace_id"], "every line of the request names its trace: %v", l)
			}
			require.Contains(t, messages, "outbound call failed", "the plugin's outbound client logs with the request's logger")

			const noteTrace = "5b8efff798038103d269b633813fc60c"
			h.Expect(http.StatusCreated, "POST", "/api/v1/verticals/probe/notes/event", cashier, map[string]string{"body": "x", "amount": "1"},
				"traceparent", "00-"+noteTrace+"-eee19b7ec3c1b174-01")
			// The vertical's subscription delivers the event (the host's
			// revenue subscription does too, without a plugin call).
			var publisher, deliver hosttest.Span
			spans := traces.Await(t, "the event's delivery to the vertical", func(spans []hosttest.Span) bool {
				for _, s := range spans {
					if s.Name == "handle probe.note.created" {
						for _, d := range spans {
							if d.TraceID == s.TraceID && d.Name == "deliver probe.note.created" {
								deliver = d
							}
						}
					}
					if s.TraceID == noteTrace && s.Name == "POST /api/v1/verticals/probe/notes/event" {
						publisher = s
					}
				}
				return deliver.SpanID != "" && publisher.SpanID != ""
			})
			require.NotEqual(t, noteTrace, deliver.TraceID, "the delivery has a trace of its own")
			require.Empty(t, deliver.ParentID, "the delivery's span is its trace's root")
			require.EqualValues(t, 5, deliver.Kind, "consumer")
			require.Equal(t, []string{noteTrace + "/" + publisher.SpanID}, deliver.Links, "linked to the request that published it")
			require.Equal(t, "nexus", deliver.Service)
			call := childNamed(t, spans, deliver, "nexus.v1.Vertical/HandleEvent")
			handler := childNamed(t, spans, call, "handle probe.note.created")
			require.Equal(t, "nexus-vertical-probe", handler.Service)
			insert := childNamed(t, spans, handler, "nexus.v1.Host/DB")
			require.Equal(t, "nexus-vertical-probe", insert.Service, "the callback's span is the plugin's")
			require.False(t, hasChild(spans, insert), "the host records no second span for a callback")

			// A vertical's job, run now by an admin: the run is the root
			// of a trace of its own, linked to the request, and crosses
			// into the plugin as a request does.
			const jobTrace = "8d3a4f6e2b1c40d59e7f6a5b4c3d2e1f"
			h.Expect(http.StatusAccepted, "POST", "/api/v1/admin/jobs/probe.tick/run", h.Login(hosttest.AdminEmail, hosttest.AdminPassword), nil,
				"traceparent", "00-"+jobTrace+"-a1b2c3d4e5f60718-01")
			var run, trigger hosttest.Span
			spans = traces.Await(t, "the job's run", func(spans []hosttest.Span) bool {
				for _, s := range spans {
					if s.Name == "job probe.tick" {
						run = s
					}
					if s.TraceID == jobTrace && s.Name == "POST /api/v1/admin/jobs/{name}/run" {
						trigger = s
					}
				}
				return run.SpanID != "" && trigger.SpanID != "" && hasSpan(spans, run.TraceID, "job tick")
			})
			require.Empty(t, run.ParentID, "the run is its trace's root")
			require.Equal(t, []string{jobTrace + "/" + trigger.SpanID}, run.Links, "linked to the request that ran it")
			require.Equal(t, "ok", run.Attributes["nexus.job.outcome"])
			require.Equal(t, "1", run.Attributes["nexus.job.attempts"])
			attempt := childNamed(t, spans, run, "attempt probe.tick")
			require.Equal(t, a.ID, attempt.Attributes["nexus.company_id"])
			require.Equal(t, "1", attempt.Attributes["nexus.job.attempt"])
			call = childNamed(t, spans, attempt, "nexus.v1.Vertical/RunJob")
			job := childNamed(t, spans, call, "job tick")
			require.Equal(t, "nexus-vertical-probe", job.Service)
			require.Equal(t, "1", job.Attributes["nexus.job.attempt"])
			childNamed(t, spans, job, "nexus.v1.Host/DB")
		})
	}
}

// hasSpan reports whether spans hold one named name, of trace tid unless
// tid is "".
func hasSpan(spans []hosttest.Span, tid, name string) bool {
	for _, s := range spans {
		if s.Name == name && (tid == "" || s.TraceID == tid) {
			return true
		}
	}
	return false
}

// hasChild reports whether any of spans is a child of parent.
func hasChild(spans []hosttest.Span, parent hosttest.Span) bool {
	for _, s := range spans {
		if s.TraceID == parent.TraceID && s.ParentID == parent.SpanID {
			return true
		}
	}
	return false
}

// childNamed requires exactly one child of parent named name.
func childNamed(t *testing.T, spans []hosttest.Span, parent hosttest.Span, name string) hosttest.Span {
	t.Helper()
	var found []hosttest.Span
	for _, s := range spans {
		if s.TraceID == parent.TraceID && s.ParentID == parent.SpanID && s.Name == name {
			found = append(found, s)
		}
	}
	require.Len(t, found, 1, "one %s under %s", name, parent.Name)
	return found[0]
}

// logLines returns the JSON log lines whose request_id is requestID.
func logLines(t *testing.T, log, requestID string) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(log))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.Contains(line, requestID) {
			continue
		}
		var l map[string]any
		require.NoError(t, json.Unmarshal([]byte(line[strings.Index(line, "{"):]), &l), line)
		if l["request_id"] == requestID {
			out = append(out, l)
		}
	}
	require.NotEmpty(t, out, "log lines of request %s", requestID)
	return out
}
