// Package manifest validates a vertical's manifest and matches request paths
// to its routes. The host uses it to register plugins and sdktest uses it to
// route requests as the host does. It performs no I/O and must not import a
// router or anything else the SDK module cannot carry (it is part of the
// module the SDK depends on).
package manifest

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/nexuspos/nexus/internal/role"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
)

var (
	nameRE  = regexp.MustCompile(`^[a-z][a-z0-9-]{0,39}$`)
	paramRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	// literalRE is what a pattern may hold outside {params}.
	literalRE = regexp.MustCompile(`^[A-Za-z0-9._~\-/]*$`)
)

// Validate checks everything the host relies on: the name, for every
// route and webhook a known method (and role), a well-formed pattern and
// no duplicate id or (method, pattern), and for every job a unique name
// and a schedule that parses. The error lists every problem found.
func Validate(m *nexusv1.Manifest) error {
	var errs []error
	if !nameRE.MatchString(m.GetName()) {
		errs = append(errs, fmt.Errorf("name %q must match %s", m.GetName(), nameRE))
	}
	ids := map[string]bool{}
	shapes := map[string]string{}
	for _, r := range m.GetRoutes() {
		where := fmt.Sprintf("route %q", r.GetId())
		if r.GetId() == "" {
			errs = append(errs, fmt.Errorf("route %s %s: empty id", r.GetMethod(), r.GetPattern()))
		} else if ids[r.GetId()] {
			errs = append(errs, fmt.Errorf("%s: duplicate id", where))
		}
		ids[r.GetId()] = true
		if !slices.Contains(allMethods, r.GetMethod()) {
			errs = append(errs, fmt.Errorf("%s: unsupported method %q", where, r.GetMethod()))
		}
		if !role.Known(r.GetMinRole()) {
			errs = append(errs, fmt.Errorf("%s: unknown min_role %q", where, r.GetMinRole()))
		}
		shape, err := patternShape(r.GetPattern())
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: pattern %q: %w", where, r.GetPattern(), err))
			continue
		}
		key := r.GetMethod() + " " + shape
		if other, dup := shapes[key]; dup {
			errs = append(errs, fmt.Errorf("%s: %s %s duplicates route %q", where, r.GetMethod(), r.GetPattern(), other))
		}
		shapes[key] = r.GetId()
	}
	errs = append(errs, validateHooks(m)...)
	return errors.Join(errs...)
}

// patternShape validates a route pattern and returns it with parameter names
// erased, so that /a/{id} and /a/{key} compare equal.
func patternShape(p string) (string, error) {
	if !strings.HasPrefix(p, "/") {
		return "", errors.New("must start with /")
	}
	if strings.Contains(p, "//") {
		return "", errors.New("empty path segment")
	}
	var shape strings.Builder
	names := map[string]bool{}
	for rest := p; rest != ""; {
		open := strings.IndexByte(rest, '{')
		lit := rest
		if open >= 0 {
			lit = rest[:open]
		}
		if strings.ContainsRune(lit, '}') {
			return "", errors.New("unbalanced }")
		}
		if strings.Contains(lit, "*") {
			return "", errors.New("wildcards are not allowed")
		}
		if !literalRE.MatchString(lit) {
			return "", fmt.Errorf("invalid characters in %q", lit)
		}
		shape.WriteString(lit)
		if open < 0 {
			break
		}
		end := strings.IndexByte(rest[open:], '}')
		if end < 0 {
			return "", errors.New("unbalanced {")
		}
		param := rest[open+1 : open+end]
		name, re, hasRE := strings.Cut(param, ":")
		if !paramRE.MatchString(name) {
			return "", fmt.Errorf("bad parameter name %q", name)
		}
		if names[name] {
			return "", fmt.Errorf("parameter %q appears twice", name)
		}
		names[name] = true
		if hasRE {
			if strings.ContainsAny(re, "{}") {
				return "", fmt.Errorf("parameter %q: braces in regexp", name)
			}
			if strings.Contains(re, "/") {
				return "", fmt.Errorf("parameter %q: a regexp matches within one path segment, so it may not hold /", name)
			}
			if _, err := regexp.Compile(re); err != nil {
				return "", fmt.Errorf("parameter %q: %w", name, err)
			}
		}
		if open > 0 && rest[open-1] != '/' || open+end+1 < len(rest) && rest[open+end+1] != '/' {
			return "", fmt.Errorf("parameter %q must fill a whole path segment", name)
		}
		shape.WriteString("{" + re + "}")
		rest = rest[open+end+1:]
	}
	return shape.String(), nil
}
