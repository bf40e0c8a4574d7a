package cpg

import (
	"errors"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/money"
)

// notFound is a 404 for a resource addressed by the URL.
func notFound(what, id string) *sdk.Error {
	return sdk.NotFound("not_found", what+" "+id+" not found").WithDetails(map[string]any{"id": id})
}

// unknownRef is a 422 for a referenced row that does not exist in the
// caller's company.
func unknownRef(field, id string) *sdk.Error {
	return sdk.Unprocessable("unknown_"+trimID(field), field+" "+id+" does not exist").
		WithDetails(map[string]any{"field": field, "id": id})
}

// trimID names what a field references: "lines[0].variant_id" and
// "to_location_id" reference a "variant" and a "location".
func trimID(field string) string {
	field = strings.TrimSuffix(field[strings.LastIndexAny(field, ".]")+1:], "_id")
	return field[strings.LastIndex(field, "_")+1:]
}

// insufficientStock is the 409 of a movement that would take on-hand below
// zero, naming the variant (id and SKU), the location, the quantity asked
// for and what is on hand there.
func insufficientStock(variantID, sku, locationID string, requested, available decimal.Decimal) *sdk.Error {
	return sdk.Conflict("insufficient_stock", fmt.Sprintf("not enough stock of %s at location %s: %s requested, %s on hand",
		sku, locationID, fmtQty(requested), fmtQty(available))).
		WithDetails(map[string]any{"variant_id": variantID, "sku": sku, "location_id": locationID,
			"requested": fmtQty(requested), "available": fmtQty(available)})
}

// isCode reports whether err is an *sdk.Error with code.
func isCode(err error, code string) bool {
	var e *sdk.Error
	return errors.As(err, &e) && e.Code == code
}

// moneyError is the SDK's 422 for a calculator error (sdk.ValidationError),
// naming the field as the request does: "lines[2].quantity" for a line.
func moneyError(err error, lineField string) error {
	e, ok := sdk.ValidationError(err)
	var me *money.Error
	if !ok || !errors.As(err, &me) {
		return err
	}
	field := me.Field
	if me.Line != money.NoLine {
		field = fmt.Sprintf("%s[%d].%s", lineField, me.Line, me.Field)
	}
	return e.WithDetails(map[string]any{"field": field, "reason": me.Detail})
}

// taxIDError is the SDK's 422 for a tax id error (sdk.ValidationError),
// naming the request's field.
func taxIDError(field string, err error) error {
	e, ok := sdk.ValidationError(err)
	if !ok {
		return err
	}
	e.Details["field"] = field
	return e
}

// errForbidden is a 403 for an action the caller's role does not allow.
func errForbidden(code, message string) *sdk.Error { return sdk.Forbidden(code, message) }

// notFoundIn reports whether err is the host's 404 for a row of table,
// telling which of several reads of one batch missed: the host names the
// table in the error's Internal details, which never reach the client (and
// its message starts with the table's name).
func notFoundIn(err error, table string) bool {
	var e *sdk.Error
	if !errors.As(err, &e) || e.Code != "not_found" {
		return false
	}
	if t, ok := e.Internal["table"].(string); ok {
		return t == table
	}
	return strings.HasPrefix(e.Message, table+" ")
}

// refNotFound turns the host's 404 for a row read by a batch into a 422
// naming the request field that referenced it; fields maps table names to
// request fields. Other errors pass through.
func refNotFound(err error, fields map[string]string) error {
	var e *sdk.Error
	if !errors.As(err, &e) || e.Code != "not_found" {
		return err
	}
	for table, field := range fields {
		if notFoundIn(err, table) {
			id, _ := e.Details["id"].(string)
			return unknownRef(field, id)
		}
	}
	return err
}
