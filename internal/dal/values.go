package dal

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"

	"github.com/google/uuid"
)

// jsonKind is the type of a JSON value, from its first byte.
type jsonKind int

const (
	jsonInvalid jsonKind = iota
	jsonNull
	jsonBool
	jsonNumber
	jsonString
	jsonArray
	jsonObject
)

// kindOfJSON classifies a syntactically valid JSON value.
func kindOfJSON(raw []byte) jsonKind {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return jsonInvalid
	}
	switch raw[0] {
	case 'n':
		return jsonNull
	case 't', 'f':
		return jsonBool
	case '"':
		return jsonString
	case '[':
		return jsonArray
	case '{':
		return jsonObject
	default:
		return jsonNumber
	}
}

// param converts a JSON value to a query parameter PostgreSQL casts to the
// parameter's type: a string's content, a number's or bool's literal text,
// nil for null, and the compact JSON text of an array or object (for json
// and jsonb parameters). pgx sends strings in text format whatever the
// parameter's type, so numerics, uuids and timestamps arrive exactly.
func param(raw json.RawMessage) (any, error) {
	if !json.Valid(raw) {
		return nil, invalid(ReasonInvalidJSON, "malformed JSON value")
	}
	switch kindOfJSON(raw) {
	case jsonNull:
		return nil, nil
	case jsonString:
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, invalid(ReasonInvalidJSON, "malformed JSON string")
		}
		return s, nil
	case jsonArray, jsonObject:
		return jsonText(raw)
	default:
		return string(bytes.TrimSpace(raw)), nil
	}
}

// jsonText returns raw compacted, for a json or jsonb parameter.
func jsonText(raw json.RawMessage) (string, error) {
	var buf bytes.Buffer
	if kindOfJSON(raw) == jsonInvalid || json.Compact(&buf, raw) != nil {
		return "", invalid(ReasonInvalidJSON, "malformed JSON value")
	}
	return buf.String(), nil
}

// scalarParam is param restricted to non-null scalars.
func scalarParam(raw json.RawMessage, what string) (any, error) {
	switch kindOfJSON(raw) {
	case jsonString, jsonNumber, jsonBool:
		return param(raw)
	case jsonNull:
		return nil, invalid(ReasonInvalidValue, "%s: null is not a value here (use is_null or not_null)", what)
	case jsonInvalid:
		return nil, invalid(ReasonInvalidJSON, "%s: missing or malformed JSON value", what)
	default:
		return nil, invalid(ReasonInvalidValue, "%s: want a JSON string, number or boolean", what)
	}
}

// parseID validates a row id.
func parseID(s, what string) (string, error) {
	id, err := uuid.Parse(s)
	if err != nil {
		return "", invalid(ReasonInvalidID, "%s %s is not a UUID", what, strconv.Quote(s)).with("id", s)
	}
	return id.String(), nil
}

// decodeObjects decodes an insert's rows: a JSON array of objects or one
// object.
func decodeObjects(raw []byte) ([]map[string]json.RawMessage, error) {
	switch kindOfJSON(raw) {
	case jsonObject:
		obj, err := decodeObject(raw)
		if err != nil {
			return nil, err
		}
		return []map[string]json.RawMessage{obj}, nil
	case jsonArray:
		var rows []map[string]json.RawMessage
		if err := strictUnmarshal(raw, &rows); err != nil {
			return nil, invalid(ReasonInvalidJSON, "rows must be a JSON array of objects: %v", err)
		}
		for i, r := range rows {
			if r == nil {
				return nil, invalid(ReasonInvalidJSON, "row %d is not a JSON object", i)
			}
		}
		return rows, nil
	default:
		return nil, invalid(ReasonInvalidJSON, "rows must be a JSON object or an array of objects")
	}
}

// decodeObject decodes one JSON object.
func decodeObject(raw []byte) (map[string]json.RawMessage, error) {
	if kindOfJSON(raw) != jsonObject {
		return nil, invalid(ReasonInvalidJSON, "rows must be a JSON object")
	}
	var obj map[string]json.RawMessage
	if err := strictUnmarshal(raw, &obj); err != nil {
		return nil, invalid(ReasonInvalidJSON, "malformed JSON object: %v", err)
	}
	return obj, nil
}

// strictUnmarshal decodes exactly one JSON value, refusing trailing data.
func strictUnmarshal(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errTrailing
	}
	return nil
}

// errTrailing reports data after a JSON value.
var errTrailing = errors.New("trailing data after the JSON value")
