package audit

// SQL used by the package. Every value is bound.
const (
	qInsert = `
INSERT INTO public.audit_log (company_id, actor_type, actor_id, actor_label, action, target, details, vertical, ip, user_agent, request_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`

	// qList reads one page of a company's log, newest first, after the
	// keyset position ($2, $3) when $2 is set; $4 action (exact, or a
	// prefix when $5), $6 actor id, $7 since (inclusive), $8 until
	// (exclusive), each skipped when NULL; $9 rows.
	qList = `
SELECT id, at, actor_type, actor_id, actor_label, action, target, details, coalesce(vertical, ''), ip, user_agent, request_id
FROM public.audit_log
WHERE company_id = $1
  AND ($2::timestamptz IS NULL OR (at, id) < ($2, $3::uuid))
  AND ($4::text IS NULL OR (CASE WHEN $5 THEN starts_with(action, $4) ELSE action = $4 END))
  AND ($6::uuid IS NULL OR actor_id = $6)
  AND ($7::timestamptz IS NULL OR at >= $7)
  AND ($8::timestamptz IS NULL OR at < $8)
ORDER BY at DESC, id DESC
LIMIT $9`
)
