package dal

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"

	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
)

// Filter operators (Filter.op).
const (
	FilterEq       = "eq"
	FilterNe       = "ne"
	FilterLt       = "lt"
	FilterLte      = "lte"
	FilterGt       = "gt"
	FilterGte      = "gte"
	FilterIn       = "in"
	FilterContains = "contains"
	FilterPrefix   = "prefix"
	FilterIsNull   = "is_null"
	FilterNotNull  = "not_null"
)

// comparisons maps the comparison operators to SQL.
var comparisons = map[string]string{FilterEq: "=", FilterNe: "<>", FilterLt: "<", FilterLte: "<=", FilterGt: ">", FilterGte: ">="}

// maxCursor bounds a cursor's length.
const maxCursor = 8 << 10

// where accumulates a WHERE clause and its bound arguments; $1 is always
// the company.
type where struct {
	conds []string
	args  []any
}

// newWhere starts a WHERE clause confined to company.
func newWhere(company string) *where {
	return &where{conds: []string{companyCond}, args: []any{company}}
}

// bind adds an argument and returns its placeholder.
func (w *where) bind(v any) string {
	w.args = append(w.args, v)
	return fmt.Sprintf("$%d", len(w.args))
}

// sql renders the conditions joined by AND.
func (w *where) sql() string { return strings.Join(w.conds, " AND ") }

// filters adds op's filters on t.
func (w *where) filters(t *Table, fs []*nexusv1.Filter) error {
	for _, f := range fs {
		cond, err := w.filter(t, f)
		if err != nil {
			return err
		}
		w.conds = append(w.conds, cond)
	}
	return nil
}

// filter renders one filter, binding its value.
func (w *where) filter(t *Table, f *nexusv1.Filter) (string, error) {
	c, err := t.column(f.GetColumn())
	if err != nil {
		return "", err
	}
	col := quote(c.Name)
	what := fmt.Sprintf("filter %s %s", c.Name, f.GetOp())
	bad := func(format string, args ...any) error {
		return invalid(ReasonInvalidFilter, "%s: %s", what, fmt.Sprintf(format, args...)).with("column", c.Name).with("op", f.GetOp())
	}
	if sqlOp, ok := comparisons[f.GetOp()]; ok {
		if c.Kind == KindJSON || (c.Kind == KindJSONB && f.GetOp() != FilterEq && f.GetOp() != FilterNe) {
			return "", bad("column type %s does not support it", c.Type)
		}
		if c.Kind == KindJSONB {
			v, err := jsonText(f.GetValue())
			if err != nil {
				return "", err
			}
			return col + " " + sqlOp + " " + w.bind(v) + "::jsonb", nil
		}
		v, err := scalarParam(f.GetValue(), what)
		if err != nil {
			return "", err
		}
		return col + " " + sqlOp + " " + w.bind(v), nil
	}
	switch f.GetOp() {
	case FilterIn:
		if c.Kind == KindJSON || c.Kind == KindJSONB {
			return "", bad("column type %s does not support it", c.Type)
		}
		var items []json.RawMessage
		if kindOfJSON(f.GetValue()) != jsonArray || strictUnmarshal(f.GetValue(), &items) != nil {
			return "", bad("the value must be a JSON array")
		}
		if len(items) > MaxIDs {
			return "", bad("at most %d values, got %d", MaxIDs, len(items))
		}
		if len(items) == 0 {
			return "false", nil
		}
		ph := make([]string, len(items))
		for i, it := range items {
			v, err := scalarParam(it, what)
			if err != nil {
				return "", err
			}
			ph[i] = w.bind(v)
		}
		return col + " IN (" + joinComma(ph) + ")", nil
	case FilterContains:
		if c.Kind != KindJSONB {
			return "", bad("only jsonb columns support it, %q is %s", c.Name, c.Type)
		}
		k := kindOfJSON(f.GetValue())
		if (k != jsonObject && k != jsonArray) || !json.Valid(f.GetValue()) {
			return "", bad("the value must be a JSON object or array")
		}
		v, err := param(f.GetValue())
		if err != nil {
			return "", err
		}
		return col + " @> " + w.bind(v) + "::jsonb", nil
	case FilterPrefix:
		if c.Kind != KindText {
			return "", bad("only text columns support it, %q is %s", c.Name, c.Type)
		}
		var s string
		if kindOfJSON(f.GetValue()) != jsonString || json.Unmarshal(f.GetValue(), &s) != nil {
			return "", bad("the value must be a JSON string")
		}
		return col + ` LIKE ` + w.bind(likePrefix(s)) + ` ESCAPE '\'`, nil
	case FilterIsNull, FilterNotNull:
		if k := kindOfJSON(f.GetValue()); k != jsonInvalid && k != jsonNull {
			return "", bad("takes no value")
		}
		if f.GetOp() == FilterIsNull {
			return col + " IS NULL", nil
		}
		return col + " IS NOT NULL", nil
	}
	return "", invalid(ReasonInvalidFilter, "unknown filter operator %q", f.GetOp()).with("op", f.GetOp())
}

// likeEscaper escapes LIKE's wildcards and its escape character.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// likePrefix is the LIKE pattern matching strings that start with s.
func likePrefix(s string) string { return likeEscaper.Replace(s) + "%" }

// sortKey is one column of a list's ordering.
type sortKey struct {
	name     string
	nullable bool
}

// cursor is the decoded form of an opaque list cursor: the ordering it was
// issued for and the last row's values of those columns.
type cursor struct {
	Keys   []string          `json:"k"`
	Desc   bool              `json:"d,omitempty"`
	Values []json.RawMessage `json:"v"`
}

// list reads a page of rows in keyset order.
func (r *runner) list(_ context.Context, t *Table, op *nexusv1.DBOp) (result, error) {
	limit := int(op.GetLimit())
	switch {
	case limit == 0:
		limit = DefaultLimit
	case limit < 0 || limit > MaxLimit:
		return nil, invalid(ReasonInvalidLimit, "limit must be between 1 and %d, got %d", MaxLimit, limit).with("max", MaxLimit)
	}
	w := newWhere(r.company)
	if err := w.filters(t, op.GetFilters()); err != nil {
		return nil, err
	}
	keys, desc, err := sortKeys(t, op.GetOrder())
	if err != nil {
		return nil, err
	}
	if op.GetCursor() != "" {
		cond, err := w.after(keys, desc, op.GetCursor())
		if err != nil {
			return nil, err
		}
		w.conds = append(w.conds, cond)
	}
	dir := ""
	if desc {
		dir = " DESC"
	}
	order := make([]string, len(keys))
	for i, k := range keys {
		order[i] = quote(k.name) + dir
	}
	stmt := fmt.Sprintf(listSQL, t.ident, w.sql(), joinComma(order), limit+1)
	var rows [][]byte
	r.queueRows(&rows, wrapOrdered(stmt, t.output), w.args...)
	return func() (*nexusv1.DBResult, error) {
		res := &nexusv1.DBResult{Rows: rows, Affected: int64(len(rows))}
		if len(rows) > limit {
			res.Rows, res.Affected = rows[:limit], int64(limit)
			next, err := encodeCursor(keys, desc, rows[limit-1])
			if err != nil {
				return nil, fmt.Errorf("list %s: %w", t.Name, err)
			}
			res.NextCursor = next
		}
		return res, nil
	}, nil
}

// sortKeys validates a list's ordering and appends id as the tiebreaker.
func sortKeys(t *Table, order []*nexusv1.Order) ([]sortKey, bool, error) {
	var keys []sortKey
	desc := len(order) > 0 && order[0].GetDesc()
	for _, o := range order {
		c, err := t.column(o.GetColumn())
		if err != nil {
			return nil, false, err
		}
		if c.Kind == KindJSON || c.Kind == KindJSONB {
			return nil, false, invalid(ReasonInvalidArgument, "cannot order by %s column %q", c.Type, c.Name).with("column", c.Name)
		}
		if o.GetDesc() != desc {
			return nil, false, invalid(ReasonInvalidArgument, "every order column must have the same direction")
		}
		if slices.ContainsFunc(keys, func(k sortKey) bool { return k.name == c.Name }) {
			return nil, false, invalid(ReasonInvalidArgument, "column %q is ordered by twice", c.Name).with("column", c.Name)
		}
		keys = append(keys, sortKey{name: c.Name, nullable: !c.NotNull})
	}
	if len(keys) == 0 || keys[len(keys)-1].name != colID {
		if slices.ContainsFunc(keys, func(k sortKey) bool { return k.name == colID }) {
			return nil, false, invalid(ReasonInvalidArgument, "id must be the last order column")
		}
		keys = append(keys, sortKey{name: colID})
	}
	return keys, desc, nil
}

// encodeCursor builds the cursor continuing after row (a JSON object).
func encodeCursor(keys []sortKey, desc bool, row []byte) (string, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(row, &obj); err != nil {
		return "", fmt.Errorf("encode cursor: %w", err)
	}
	c := cursor{Desc: desc}
	for _, k := range keys {
		v, ok := obj[k.name]
		if !ok {
			return "", fmt.Errorf("encode cursor: row has no column %q", k.name)
		}
		c.Keys = append(c.Keys, k.name)
		c.Values = append(c.Values, v)
	}
	b, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("encode cursor: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// after decodes a cursor issued for keys and desc and returns the
// condition selecting the rows after it: a row-value comparison when no
// key is nullable (index-friendly), otherwise its expansion with the NULL
// ordering PostgreSQL uses by default (ASC NULLS LAST, DESC NULLS FIRST).
func (w *where) after(keys []sortKey, desc bool, token string) (string, error) {
	bad := func(why string) error {
		return invalid(ReasonInvalidCursor, "invalid cursor: %s", why)
	}
	if len(token) > maxCursor {
		return "", bad("too long")
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return "", bad("not base64url")
	}
	var c cursor
	if err := strictUnmarshal(raw, &c); err != nil {
		return "", bad("malformed")
	}
	if c.Desc != desc || len(c.Keys) != len(keys) || len(c.Values) != len(keys) {
		return "", bad("it was issued for another order")
	}
	vals := make([]any, len(keys))
	anyNullable := false
	for i, k := range keys {
		if c.Keys[i] != k.name {
			return "", bad("it was issued for another order")
		}
		switch kindOfJSON(c.Values[i]) {
		case jsonNull:
			if !k.nullable {
				return "", bad("null value for a non-null column")
			}
		case jsonString, jsonNumber, jsonBool:
			v, err := param(c.Values[i])
			if err != nil {
				return "", bad("malformed value")
			}
			vals[i] = v
		default:
			return "", bad("malformed value")
		}
		anyNullable = anyNullable || k.nullable
	}
	cmp := ">"
	if desc {
		cmp = "<"
	}
	if !anyNullable {
		cols, phs := make([]string, len(keys)), make([]string, len(keys))
		for i, k := range keys {
			cols[i], phs[i] = quote(k.name), w.bind(vals[i])
		}
		return "(" + joinComma(cols) + ") " + cmp + " (" + joinComma(phs) + ")", nil
	}
	var ors []string
	var eqs []string
	for i, k := range keys {
		col := quote(k.name)
		var next string
		switch {
		case vals[i] == nil && !desc:
			next = ""
		case vals[i] == nil:
			next = col + " IS NOT NULL"
		case k.nullable && !desc:
			next = "(" + col + " > " + w.bind(vals[i]) + " OR " + col + " IS NULL)"
		default:
			next = col + " " + cmp + " " + w.bind(vals[i])
		}
		if next != "" {
			ors = append(ors, "("+strings.Join(append(slices.Clone(eqs), next), " AND ")+")")
		}
		if i == len(keys)-1 {
			break
		}
		if vals[i] == nil {
			eqs = append(eqs, col+" IS NULL")
		} else {
			eqs = append(eqs, col+" = "+w.bind(vals[i]))
		}
	}
	if len(ors) == 0 {
		return "false", nil
	}
	return "(" + strings.Join(ors, " OR ") + ")", nil
}

// aliasRE is what an aggregate's result name must look like.
var aliasRE = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// aggregate computes grouped aggregates over the filtered rows.
func (r *runner) aggregate(_ context.Context, t *Table, op *nexusv1.DBOp) (result, error) {
	if len(op.GetAggregates()) == 0 {
		return nil, invalid(ReasonInvalidArgument, "aggregate needs at least one aggregate")
	}
	w := newWhere(r.company)
	if err := w.filters(t, op.GetFilters()); err != nil {
		return nil, err
	}
	names := map[string]bool{}
	var (
		selects []string
		groups  []string
	)
	for _, g := range op.GetGroupBy() {
		c, err := t.column(g)
		if err != nil {
			return nil, err
		}
		if c.Kind == KindJSON || names[g] {
			return nil, invalid(ReasonInvalidArgument, "cannot group by %q twice or by a json column", g).with("column", g)
		}
		names[g] = true
		groups = append(groups, "t."+quote(g))
		selects = append(selects, "t."+outputExpr(g, c.Kind == KindNumeric))
	}
	for _, a := range op.GetAggregates() {
		expr, alias, err := aggregateExpr(t, a)
		if err != nil {
			return nil, err
		}
		if names[alias] {
			return nil, invalid(ReasonInvalidArgument, "result name %q is used twice", alias).with("as", alias)
		}
		names[alias] = true
		selects = append(selects, expr+" AS "+quote(alias))
	}
	group := ""
	if len(groups) > 0 {
		group = " GROUP BY " + joinComma(groups) + " ORDER BY " + joinComma(groups)
	}
	stmt := fmt.Sprintf(aggregateSQL, joinComma(selects), t.ident, w.sql(), group)
	var rows [][]byte
	r.queueRows(&rows, wrapAggregate(stmt), w.args...)
	return func() (*nexusv1.DBResult, error) {
		return &nexusv1.DBResult{Rows: rows, Affected: int64(len(rows))}, nil
	}, nil
}

// aggregateExpr validates one aggregate and returns its SQL and result
// name (by default the function, or function_column).
func aggregateExpr(t *Table, a *nexusv1.Aggregate) (string, string, error) {
	fn := a.GetFn()
	alias := a.GetAs()
	if alias == "" {
		alias = fn
		if a.GetColumn() != "" {
			alias = fn + "_" + a.GetColumn()
		}
	}
	if !aliasRE.MatchString(alias) {
		return "", "", invalid(ReasonInvalidArgument, "result name %q must match %s", alias, aliasRE).with("as", alias)
	}
	if a.GetColumn() == "" {
		if fn != "count" {
			return "", "", invalid(ReasonInvalidArgument, "aggregate %q needs a column", fn).with("fn", fn)
		}
		return "count(*)", alias, nil
	}
	c, err := t.column(a.GetColumn())
	if err != nil {
		return "", "", err
	}
	col := "t." + quote(c.Name)
	numeric := c.Kind == KindNumeric || c.Kind == KindNumber
	switch {
	case fn == "count":
		return "count(" + col + ")", alias, nil
	case (fn == "sum" || fn == "avg") && numeric:
		return fn + "(" + col + ")::text", alias, nil
	case (fn == "min" || fn == "max") && c.Kind != KindJSON && c.Kind != KindJSONB && c.Kind != KindBool:
		expr := fn + "(" + col + ")"
		if c.Kind == KindNumeric {
			expr += "::text"
		}
		return expr, alias, nil
	case fn == "sum" || fn == "avg" || fn == "min" || fn == "max":
		return "", "", invalid(ReasonInvalidArgument, "%s does not apply to %s column %q", fn, c.Type, c.Name).
			with("fn", fn).with("column", c.Name)
	default:
		return "", "", invalid(ReasonInvalidArgument, "unknown aggregate function %q (count, sum, avg, min, max)", fn).with("fn", fn)
	}
}
