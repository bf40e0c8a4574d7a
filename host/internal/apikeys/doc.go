// Package apikeys owns the API keys of machine clients (POS terminals,
// sync agents, integrations): a company admin creates one with a name, a
// role no higher than their own and an optional expiry, sees the key once,
// lists keys with their last use, and revokes them. Only the key's SHA-256
// is stored. Authenticating a request that carries a key is the auth
// package's job (it reads the same table on every request, so a revoked or
// expired key is refused at once).
//
// Keys are a tenant table: every read and write runs in a tenant
// transaction of the company. Creation and revocation are recorded in the
// company's audit log in the same transaction. It must not authenticate
// requests nor return a key after its creation.
package apikeys
