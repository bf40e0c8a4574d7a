package services

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/nexuspos/nexus/sdk"
)

// invalidField is a 422 naming the offending request field.
func invalidField(field, format string, args ...any) *sdk.Error {
	reason := fmt.Sprintf(format, args...)
	return sdk.Unprocessable("invalid_field", field+" "+reason).
		WithDetails(map[string]any{"field": field, "reason": reason})
}

// notFound is a 404 for a resource addressed by the URL.
func notFound(what, id string) *sdk.Error {
	return sdk.NotFound("not_found", what+" "+id+" not found").WithDetails(map[string]any{"id": id})
}

// isCode reports whether err is an *sdk.Error with code.
func isCode(err error, code string) bool {
	var e *sdk.Error
	return errors.As(err, &e) && e.Code == code
}

// text validates a required free-text field of at most max characters.
func text(field, s string, max int) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", invalidField(field, "is required")
	case len([]rune(s)) > max:
		return "", invalidField(field, "must have at most %d characters", max)
	}
	return s, nil
}

// optionalText validates an optional free-text field; "" becomes nil.
func optionalText(field, s string, max int) (*string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	v, err := text(field, s, max)
	return &v, err
}

// parseID validates a UUID given in the body.
func parseID(field, s string) (string, error) {
	if strings.TrimSpace(s) == "" {
		return "", invalidField(field, "is required")
	}
	id, err := uuid.Parse(strings.TrimSpace(s))
	if err != nil {
		return "", invalidField(field, "must be a UUID, got %q", s)
	}
	return id.String(), nil
}

// parseDate validates a required YYYY-MM-DD date field.
func parseDate(field, s string) (time.Time, error) {
	if strings.TrimSpace(s) == "" {
		return time.Time{}, invalidField(field, "is required (a date YYYY-MM-DD)")
	}
	d, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil || d.Year() < 2000 || d.Year() > 2999 {
		return time.Time{}, invalidField(field, "must be a date YYYY-MM-DD from 2000 on, got %q", s)
	}
	return d, nil
}

// pathID reads the UUID path parameter name; anything else cannot name an
// existing row, so it is a 404.
func pathID(c *sdk.Context, name, what string) (string, error) {
	id, err := uuid.Parse(c.Param(name))
	if err != nil {
		return "", notFound(what, c.Param(name))
	}
	return id.String(), nil
}

// badQuery is a 400 for a malformed query parameter.
func badQuery(name, format string, args ...any) *sdk.Error {
	return sdk.BadRequest("invalid_query", "query parameter "+name+" "+fmt.Sprintf(format, args...)).
		WithDetails(map[string]any{"parameter": name})
}

// queryID reads an optional UUID query parameter.
func queryID(c *sdk.Context, name string) (string, error) {
	v := c.Query(name)
	if v == "" {
		return "", nil
	}
	id, err := uuid.Parse(v)
	if err != nil {
		return "", badQuery(name, "must be a UUID, got %q", v)
	}
	return id.String(), nil
}

// queryEnum reads an optional query parameter that must be one of allowed.
func queryEnum(c *sdk.Context, name string, allowed ...string) (string, error) {
	v := c.Query(name)
	if v == "" {
		return "", nil
	}
	for _, a := range allowed {
		if v == a {
			return v, nil
		}
	}
	return "", badQuery(name, "must be one of %s, got %q", strings.Join(allowed, ", "), v)
}

// bindOptional decodes the body into v when there is one: transitions take
// an optional {"note"}.
func bindOptional(c *sdk.Context, v any) error {
	if len(strings.TrimSpace(string(c.Body()))) == 0 {
		return nil
	}
	return c.Bind(v)
}

// Timestamp renders a time in UTC, RFC 3339.
type Timestamp struct{ time.Time }

// MarshalJSON implements json.Marshaler.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	return []byte(`"` + t.UTC().Format(time.RFC3339Nano) + `"`), nil
}

// created answers 201 with v.
func created(c *sdk.Context, v any) error { return c.JSON(http.StatusCreated, v) }

// userOf is the id of the user making the request, nil when the caller is
// no user.
func userOf(c *sdk.Context) *string {
	if id := c.Principal().UserID; id != "" {
		return &id
	}
	return nil
}
