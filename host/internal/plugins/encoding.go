package plugins

import (
	"net/http"
	"unicode/utf8"

	"github.com/nexuspos/nexus/host/internal/httpx"
)

// checkEncoding refuses a request whose path, query or headers are not
// valid UTF-8 with 400 invalid_encoding: protobuf strings must be UTF-8, so
// such a request cannot be passed to a plugin, and is the client's fault.
func checkEncoding(r *http.Request) error {
	bad := func(part, name string) error {
		d := map[string]any{"part": part}
		if name != "" {
			d["name"] = name
		}
		return httpx.BadRequest("invalid_encoding", "the request's "+part+" is not valid UTF-8").WithDetails(d)
	}
	if !utf8.ValidString(r.URL.Path) {
		return bad("path", "")
	}
	for k, vs := range r.URL.Query() {
		if !utf8.ValidString(k) {
			return bad("query", "")
		}
		for _, v := range vs {
			if !utf8.ValidString(v) {
				return bad("query", k)
			}
		}
	}
	for k, vs := range r.Header {
		if !utf8.ValidString(k) {
			return bad("header", "")
		}
		for _, v := range vs {
			if !utf8.ValidString(v) {
				return bad("header", k)
			}
		}
	}
	return nil
}
