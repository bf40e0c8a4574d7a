package fiscal

import (
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// TestCreditedUsesTheRelatedIndex: with a few thousand documents of a
// company (invoices, and credit notes reversing some), the sum of an
// invoice's credit notes (qCredited) reads the index on related_id
// (migration 0026) instead of scanning the company's documents.
func TestCreditedUsesTheRelatedIndex(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	companyID, _ := e.company(t, false)
	ctx := t.Context()
	_, err := e.pool.Exec(ctx, `
INSERT INTO fiscal_documents (company_id, id, vertical, source_id, kind, status, country, input, input_hash, currency, total,
    series, number, authorization_code)
SELECT $1, gen_random_uuid(), 'cpg', 'sale-' || g, 'invoice', 'authorized', 'AR', '{}', '\x00', 'ARS', g, 'A', g, 'cae'
FROM generate_series(1, 4000) g`, companyID)
	require.NoError(t, err)
	_, err = e.pool.Exec(ctx, `
INSERT INTO fiscal_documents (company_id, id, vertical, source_id, kind, status, country, input, input_hash, currency, total,
    series, number, authorization_code, related_id)
SELECT company_id, gen_random_uuid(), vertical, source_id, 'credit_note', 'authorized', country, input, input_hash, currency, 1,
    'NC', number, 'cae', id
FROM fiscal_documents WHERE company_id = $1 AND kind = 'invoice' AND total::int % 10 = 0`, companyID)
	require.NoError(t, err)
	_, err = e.pool.Exec(ctx, `ANALYZE fiscal_documents`)
	require.NoError(t, err)
	var invoice uuid.UUID
	require.NoError(t, e.pool.QueryRow(ctx, `SELECT related_id FROM fiscal_documents WHERE company_id = $1 AND related_id IS NOT NULL LIMIT 1`,
		companyID).Scan(&invoice))

	var plan []byte
	require.NoError(t, e.pool.QueryRow(ctx, "EXPLAIN (FORMAT JSON) "+qCredited, companyID, invoice).Scan(&plan))
	require.Contains(t, string(plan), `"Index Name": "fiscal_documents_related_idx"`, "plan: %s", plan)
	require.NotContains(t, strings.ToLower(string(plan)), "seq scan", "plan: %s", plan)
}
