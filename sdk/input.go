package sdk

import (
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Helpers for the fields every vertical reads: free text, UUIDs in the
// body, the path and the query, and times. Each refuses bad input with the
// platform's answer: 422 invalid_field naming the body field, 404 for a
// path id that cannot exist, 400 invalid_query naming the parameter.

// InvalidField is the 422 invalid_field naming a field of the request body
// and what is wrong with it: details {"field","reason"}. It is also how
// money.Limits' errors are answered.
func InvalidField(field, format string, args ...any) *Error {
	reason := fmt.Sprintf(format, args...)
	return Unprocessable("invalid_field", field+" "+reason).
		WithDetails(map[string]any{"field": field, "reason": reason})
}

// InvalidQuery is the 400 invalid_query naming a malformed query parameter:
// details {"parameter"}.
func InvalidQuery(name, format string, args ...any) *Error {
	return BadRequest("invalid_query", "query parameter "+name+" "+fmt.Sprintf(format, args...)).
		WithDetails(map[string]any{"parameter": name})
}

// Text returns s, the value of the body's field, without surrounding
// spaces: InvalidField when that leaves it empty or longer than max
// characters.
func Text(field, s string, max int) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", InvalidField(field, "is required")
	case len([]rune(s)) > max:
		return "", InvalidField(field, "must have at most %d characters", max)
	}
	return s, nil
}

// OptionalText is Text for a field that may be left out: blank is nil.
func OptionalText(field, s string, max int) (*string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	v, err := Text(field, s, max)
	return &v, err
}

// UUID returns s, the value of the body's field, as a canonical UUID:
// InvalidField when it is blank or not a UUID.
func UUID(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", InvalidField(field, "is required")
	}
	id, err := uuid.Parse(s)
	if err != nil {
		return "", InvalidField(field, "must be a UUID, got %q", s)
	}
	return id.String(), nil
}

// PathUUID returns the path parameter name as a canonical UUID. Anything
// else cannot name a row, so it is the 404 not_found a missing what
// ("charge", "client") gets: details {"id"}.
func (c *Context) PathUUID(name, what string) (string, error) {
	id, err := uuid.Parse(c.Param(name))
	if err != nil {
		return "", NotFound("not_found", what+" "+c.Param(name)+" not found").WithDetails(map[string]any{"id": c.Param(name)})
	}
	return id.String(), nil
}

// QueryUUID returns the query parameter name as a canonical UUID, "" when
// it is absent: InvalidQuery when it is not a UUID.
func (c *Context) QueryUUID(name string) (string, error) {
	v := c.Query(name)
	if v == "" {
		return "", nil
	}
	id, err := uuid.Parse(v)
	if err != nil {
		return "", InvalidQuery(name, "must be a UUID, got %q", v)
	}
	return id.String(), nil
}

// Timestamp is a point in time that JSON always shows in UTC, RFC 3339 with
// the fraction it has ("2026-12-05T07:10:01.123456Z"), whatever offset
// PostgreSQL wrote it with; it reads any RFC 3339 time. Days of the
// company's calendar are plain "YYYY-MM-DD" strings instead.
type Timestamp struct{ time.Time }

// MarshalJSON implements json.Marshaler.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	return []byte(`"` + t.UTC().Format(time.RFC3339Nano) + `"`), nil
}
