package secrets

import (
	"fmt"

	"github.com/nexuspos/nexus/host/internal/httpx"
)

// Errors shown to API clients. None carries a secret's value.

func errVerticalNotFound(name string) *httpx.Error {
	return httpx.NotFound("vertical_not_found", fmt.Sprintf("vertical %q is not installed", name)).
		WithDetails(map[string]any{"vertical": name})
}

func errSecretNotFound(name string) *httpx.Error {
	return httpx.NotFound("secret_not_found", fmt.Sprintf("secret %q is not set", name)).
		WithDetails(map[string]any{"name": name})
}

func errInvalidName() *httpx.Error {
	return httpx.BadRequest("invalid_field", "a secret's name is 1 to 128 letters, digits, '_', '.' or '-', starting with a letter or digit").
		WithDetails(map[string]any{"field": "name"})
}

func errInvalidValue() *httpx.Error {
	return httpx.BadRequest("invalid_field", fmt.Sprintf("value must be a non-empty string of at most %d bytes", MaxValueBytes)).
		WithDetails(map[string]any{"field": "value"})
}

func errMissingValue() *httpx.Error {
	return httpx.BadRequest("missing_field", "field value is required").WithDetails(map[string]any{"field": "value"})
}
