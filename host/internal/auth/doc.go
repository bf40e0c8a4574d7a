// Package auth owns authentication: password hashing and checks, login with
// per-IP and per-email rate limits, short-lived JWT access tokens, rotating
// refresh tokens, the middleware that turns a bearer token into a Principal,
// role checks, and bootstrapping the first platform admin.
//
// It reads users, memberships and companies and writes users (CreateAdmin)
// and refresh_tokens; it must not manage companies or memberships (that is
// the tenancy package's job) nor trust anything but the user id, company id
// and session id carried by a token: roles and the platform-admin flag are
// read from the database on every request.
//
// The host's pool connects as a superuser or BYPASSRLS role, so the
// platform-level queries here see every company's memberships; they always
// filter by the authenticated user.
package auth
