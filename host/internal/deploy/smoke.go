package deploy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// waitReady polls base's /readyz until it answers 200 (ready or degraded)
// or within has passed; the error carries the last answer. A vertical the
// host refused (checksum, protocol, manifest) never becomes ready without
// a new binary, so it ends the wait at once. It returns what the 200
// answer says serves degraded (degradedChecks): a host that answers 200
// serves, and DESIGN.md routes traffic to it.
func waitReady(ctx context.Context, base string, within time.Duration) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	last := "no answer"
	for {
		res, body, err := call(ctx, http.MethodGet, base+"/readyz", "", nil)
		switch {
		case err == nil && res == http.StatusOK:
			return degradedChecks(body), nil
		case err == nil:
			last = fmt.Sprintf("%d %s", res, body)
			if refused := refusedVerticals(body); refused != "" {
				return nil, fmt.Errorf("not ready: %s: /readyz: %s", refused, last)
			}
		default:
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("not ready within %s: /readyz: %s", within, last)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// readyzChecks returns the checks of a /readyz body, nil when it is not
// one.
func readyzChecks(body []byte) map[string]string {
	var r struct {
		Checks map[string]string `json:"checks"`
	}
	if json.Unmarshal(body, &r) != nil {
		return nil
	}
	return r.Checks
}

// refusedVerticals names the verticals a /readyz body says were refused,
// or returns "".
func refusedVerticals(body []byte) string {
	var names []string
	for check, state := range readyzChecks(body) {
		if name, ok := strings.CutPrefix(check, "vertical:"); ok && strings.HasPrefix(state, "refused") {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return ""
	}
	slices.Sort(names)
	return "the host refused vertical(s) " + strings.Join(names, ", ")
}

// degradedChecks describes, sorted, what a /readyz body says serves
// degraded: each running vertical part of whose declarations the host
// left out ("vertical NAME: REASON") and a shared service in its fallback
// mode ("shared service: REASON").
func degradedChecks(body []byte) []string {
	var out []string
	for check, state := range readyzChecks(body) {
		if check == "degraded" {
			out = append(out, "shared service: "+state)
		} else if reason, ok := strings.CutPrefix(state, "degraded: "); ok {
			out = append(out, strings.Replace(check, ":", " ", 1)+": "+reason)
		}
	}
	slices.Sort(out)
	return out
}

// call sends a request with an optional bearer token and JSON body and
// returns the status and body.
func call(ctx context.Context, method, u, token string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(data)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 4<<20))
	return res.StatusCode, data, err
}

// smoke sends the smoke requests of c to the live host and returns what
// each answered, one line per request.
func smoke(ctx context.Context, c Config, now time.Time) ([]string, error) {
	var done []string
	status, body, err := call(ctx, http.MethodPost, c.URL+"/api/v1/auth/login", "",
		map[string]string{"email": c.SmokeEmail, "password": c.SmokePassword})
	if err != nil || status != http.StatusOK {
		return done, fmt.Errorf("login as %s: %s", c.SmokeEmail, answer(status, body, err))
	}
	var login struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(body, &login); err != nil || login.AccessToken == "" {
		return done, fmt.Errorf("login as %s: no access token in %s", c.SmokeEmail, body)
	}
	token := login.AccessToken
	done = append(done, "POST /api/v1/auth/login: 200")

	routes, err := smokeRoutes(ctx, c, token)
	if err != nil {
		return done, err
	}
	for _, r := range routes {
		status, body, err := call(ctx, http.MethodGet, c.URL+r.path, token, nil)
		if err != nil || status >= 500 || (r.configured && status >= 300) || slices.Contains([]int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound}, status) {
			return done, fmt.Errorf("GET %s: %s", r.path, answer(status, body, err))
		}
		done = append(done, fmt.Sprintf("GET %s: %d", r.path, status))
	}

	q := url.Values{"group_by": {"day"}, "from": {now.AddDate(0, 0, -30).Format(time.DateOnly)}, "to": {now.AddDate(0, 0, 1).Format(time.DateOnly)}}
	path := "/api/v1/reports/revenue?" + q.Encode()
	status, body, err = call(ctx, http.MethodGet, c.URL+path, token, nil)
	if err != nil || status != http.StatusOK {
		return done, fmt.Errorf("GET %s: %s", path, answer(status, body, err))
	}
	return append(done, "GET "+path+": 200"), nil
}

type smokeRoute struct {
	path       string
	configured bool
}

// smokeRoutes returns the configured route, or for each serving (running
// or degraded) vertical that the smoke company enabled the first (by path)
// GET route without parameters that any member may call (minimal role
// viewer, so the host lets the smoke user through to the plugin) its API
// description lists.
// A vertical that does not serve (starting, restarting, failed, refused,
// stopped) is an error; so is finding no route at all.
func smokeRoutes(ctx context.Context, c Config, token string) ([]smokeRoute, error) {
	if c.SmokeRoute != "" {
		return []smokeRoute{{path: "/api/v1/" + strings.TrimPrefix(c.SmokeRoute, "/api/v1/"), configured: true}}, nil
	}
	status, body, err := call(ctx, http.MethodGet, c.URL+"/api/v1/verticals", token, nil)
	if err != nil || status != http.StatusOK {
		return nil, fmt.Errorf("GET /api/v1/verticals: %s", answer(status, body, err))
	}
	var list struct {
		Data []struct {
			Name   string `json:"name"`
			State  string `json:"state"`
			Reason string `json:"reason"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, fmt.Errorf("GET /api/v1/verticals: %w", err)
	}
	status, body, err = call(ctx, http.MethodGet, c.URL+"/api/v1/openapi.json", token, nil)
	if err != nil || status != http.StatusOK {
		return nil, fmt.Errorf("GET /api/v1/openapi.json: %s", answer(status, body, err))
	}
	var doc struct {
		Paths map[string]map[string]struct {
			MinRole string `json:"x-nexus-min-role"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("GET /api/v1/openapi.json: %w", err)
	}
	paths := slices.Sorted(maps.Keys(doc.Paths))
	var out []smokeRoute
	for _, v := range list.Data {
		// A degraded vertical serves its routes (what the host left out
		// of it is missing from, say, the reports): it is smoke-tested,
		// and the deploy goes live warning about it (waitReady). Any
		// other state than running serves nothing.
		if v.State != "running" && v.State != "degraded" {
			return nil, fmt.Errorf("vertical %s is %s: %s", v.Name, v.State, v.Reason)
		}
		prefix := "/api/v1/verticals/" + v.Name + "/"
		for _, p := range paths {
			if op, get := doc.Paths[p]["get"]; get && op.MinRole == "viewer" && strings.HasPrefix(p, prefix) && !strings.Contains(p, "{") {
				out = append(out, smokeRoute{path: p})
				break
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no vertical route to smoke-test: %s enables no running vertical with a viewer's GET route without parameters (set the smoke route)", c.SmokeEmail)
	}
	return out, nil
}

func answer(status int, body []byte, err error) string {
	if err != nil {
		return err.Error()
	}
	if len(body) > 300 {
		body = append(body[:300], "..."...)
	}
	return fmt.Sprintf("%d %s", status, body)
}
