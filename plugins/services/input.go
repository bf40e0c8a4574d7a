package services

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/nexuspos/nexus/sdk"
)

// notFound is a 404 for a resource addressed by the URL.
func notFound(what, id string) *sdk.Error {
	return sdk.NotFound("not_found", what+" "+id+" not found").WithDetails(map[string]any{"id": id})
}

// isCode reports whether err is an *sdk.Error with code.
func isCode(err error, code string) bool {
	var e *sdk.Error
	return errors.As(err, &e) && e.Code == code
}

// parseDate validates a required YYYY-MM-DD date field.
func parseDate(field, s string) (time.Time, error) {
	if strings.TrimSpace(s) == "" {
		return time.Time{}, sdk.InvalidField(field, "is required (a date YYYY-MM-DD)")
	}
	d, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil || d.Year() < 2000 || d.Year() > 2999 {
		return time.Time{}, sdk.InvalidField(field, "must be a date YYYY-MM-DD from 2000 on, got %q", s)
	}
	return d, nil
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
	return "", sdk.InvalidQuery(name, "must be one of %s, got %q", strings.Join(allowed, ", "), v)
}

// bindOptional decodes the body into v when there is one: transitions take
// an optional {"note"}.
func bindOptional(c *sdk.Context, v any) error {
	if len(strings.TrimSpace(string(c.Body()))) == 0 {
		return nil
	}
	return c.Bind(v)
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
