// Package audit owns each company's append-only audit log: who (a user, an
// API key or the platform) did what (an action, its target, details), when,
// from where (IP, user agent) and in which request. Host packages append
// with Record; verticals append through the SDK (the Host service's
// AppendAudit call, which uses Insert in the request's unit of work);
// admins read the log with filters and keyset paging (Service.Routes).
//
// The actor and origin of an entry come from the request context: the
// router stores the origin (WithOrigin) and authentication the actor
// (WithActor), so a call site names only the company, action, target and
// details. Details must never hold a secret's value, a password or a
// token.
//
// It must not update or delete log rows: the table refuses both for every
// role (migration 0014: tenant grants of SELECT and INSERT only, and a
// trigger). It imports no other host package that could record into it,
// so any of them may import it.
package audit
