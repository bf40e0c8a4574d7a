// Package secrets owns the per-company secrets of the verticals:
// credentials for fiscal authorities, payment providers and marketplaces,
// stored encrypted at rest with AES-256-GCM under the platform's key
// (NEXUS_SECRETS_KEY). Each row keeps the id of the key that sealed it, so
// keys rotate: the host opens rows sealed with a previous key
// (NEXUS_SECRETS_KEY_PREVIOUS) and Rotate (`nexus secrets rotate-key`)
// re-seals them under the current one. The sealed value is bound to its
// company, vertical and name, so a row copied elsewhere does not open.
//
// Admins write, list (names and update times only) and delete secrets
// through /api/v1/companies/{id}/verticals/{name}/secrets; a plugin reads a
// value only through the Host service's GetSecret call, for the request's
// company and its own vertical (Service.Get).
//
// It must never return a value in an HTTP response, write one to a log or
// put one in an error message or an audit entry; tests capture responses
// and logs to hold it to that. Reads and writes of the table run in tenant
// transactions (row-level security), except Rotate, which runs as the
// host's role across companies.
package secrets
