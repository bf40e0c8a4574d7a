package manifest

import (
	"net/http"
	"regexp"
	"slices"
	"strings"

	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
)

// Routes matches request paths to a validated manifest's routes with the
// precedence of the host's router: at each path segment a literal beats a
// parameter with a regexp, which beats a plain parameter, and a branch that
// leads nowhere is left for the next one.
type Routes struct {
	root *segmentNode
}

// segmentNode is one path segment of the routes' tree.
type segmentNode struct {
	literals map[string]*segmentNode
	regexps  []*paramNode
	params   []*paramNode
	methods  map[string]*nexusv1.Route
}

// paramNode is a parameter segment: its name, its regexp (nil for any
// value) and the tree below it.
type paramNode struct {
	name string
	re   *regexp.Regexp
	next *segmentNode
}

func newSegmentNode() *segmentNode {
	return &segmentNode{literals: map[string]*segmentNode{}, methods: map[string]*nexusv1.Route{}}
}

// Compile builds the matcher of m's routes. m must have passed Validate.
func Compile(m *nexusv1.Manifest) *Routes {
	root := newSegmentNode()
	for _, r := range m.GetRoutes() {
		n := root
		for _, seg := range strings.Split(r.GetPattern()[1:], "/") {
			n = n.child(seg)
		}
		n.methods[r.GetMethod()] = r
	}
	return &Routes{root: root}
}

// child returns the node below n for one pattern segment, adding it when new.
func (n *segmentNode) child(seg string) *segmentNode {
	if !strings.HasPrefix(seg, "{") {
		next, ok := n.literals[seg]
		if !ok {
			next = newSegmentNode()
			n.literals[seg] = next
		}
		return next
	}
	name, expr, hasRE := strings.Cut(seg[1:len(seg)-1], ":")
	list := &n.params
	var re *regexp.Regexp
	if hasRE {
		list = &n.regexps
		re = regexp.MustCompile(anchor(expr))
	}
	for _, p := range *list {
		if p.name == name && (re == nil || p.re.String() == re.String()) {
			return p.next
		}
	}
	p := &paramNode{name: name, re: re, next: newSegmentNode()}
	*list = append(*list, p)
	return p.next
}

// Match finds the route for method and path (the escaped path when the URL
// has one, as the host's router reads it). It returns the route and its
// parameters, or nil and the methods the path allows (empty: no route has
// this path, 404; otherwise 405).
func (rs *Routes) Match(method, path string) (*nexusv1.Route, map[string]string, []string) {
	if !strings.HasPrefix(path, "/") {
		return nil, nil, nil
	}
	var allowed []string
	params := map[string]string{}
	if r := rs.root.match(method, strings.Split(path[1:], "/"), params, &allowed); r != nil {
		return r, params, nil
	}
	return nil, nil, allowed
}

// match walks segs below n depth first in precedence order, collecting the
// methods of paths that match with another method into allowed.
func (n *segmentNode) match(method string, segs []string, params map[string]string, allowed *[]string) *nexusv1.Route {
	if len(segs) == 0 {
		if r, ok := n.methods[method]; ok {
			return r
		}
		for _, m := range allMethods {
			if _, ok := n.methods[m]; ok && !slices.Contains(*allowed, m) {
				*allowed = append(*allowed, m)
			}
		}
		return nil
	}
	seg, rest := segs[0], segs[1:]
	if next, ok := n.literals[seg]; ok {
		if r := next.match(method, rest, params, allowed); r != nil {
			return r
		}
	}
	// A parameter never matches an empty last segment; the host's router
	// lets a plain one match an empty segment inside the path.
	for _, p := range n.regexps {
		if seg != "" && p.re.MatchString(seg) {
			if r := p.try(method, seg, rest, params, allowed); r != nil {
				return r
			}
		}
	}
	for _, p := range n.params {
		if seg != "" || len(rest) > 0 {
			if r := p.try(method, seg, rest, params, allowed); r != nil {
				return r
			}
		}
	}
	return nil
}

// try matches rest below p with p's parameter set to seg.
func (p *paramNode) try(method, seg string, rest []string, params map[string]string, allowed *[]string) *nexusv1.Route {
	params[p.name] = seg
	if r := p.next.match(method, rest, params, allowed); r != nil {
		return r
	}
	delete(params, p.name)
	return nil
}

// anchor anchors a parameter's regexp at both ends as the host's router
// does: a ^ or $ already there is kept, so "a|b" reads "^a|b$".
func anchor(expr string) string {
	if !strings.HasPrefix(expr, "^") {
		expr = "^" + expr
	}
	if !strings.HasSuffix(expr, "$") {
		expr += "$"
	}
	return expr
}

// allMethods lists the methods a route may have, in the order an Allow
// header names them.
var allMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}
