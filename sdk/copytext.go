package sdk

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// appendCopyValue appends v to buf as one column of PostgreSQL's COPY text
// format: \N for NULL, backslash escapes for the characters the format
// reserves, bytea as \x hex.
func appendCopyValue(buf []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(buf, `\N`...), nil
	case string:
		return appendCopyText(buf, x), nil
	case json.RawMessage:
		if x == nil {
			return append(buf, `\N`...), nil
		}
		return appendCopyText(buf, string(x)), nil
	case []byte:
		if x == nil {
			return append(buf, `\N`...), nil
		}
		buf = append(buf, `\\x`...)
		return hex.AppendEncode(buf, x), nil
	case bool:
		if x {
			return append(buf, 't'), nil
		}
		return append(buf, 'f'), nil
	case int:
		return strconv.AppendInt(buf, int64(x), 10), nil
	case int32:
		return strconv.AppendInt(buf, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(buf, x, 10), nil
	case time.Time:
		return x.AppendFormat(buf, "2006-01-02 15:04:05.999999Z07:00"), nil
	case *time.Time:
		if x == nil {
			return append(buf, `\N`...), nil
		}
		return x.AppendFormat(buf, "2006-01-02 15:04:05.999999Z07:00"), nil
	case float32, float64:
		return buf, fmt.Errorf("floating-point value %v: use a decimal or an integer", x)
	case fmt.Stringer:
		return appendCopyText(buf, x.String()), nil
	default:
		return buf, fmt.Errorf("unsupported value of type %T", v)
	}
}

// appendCopyText appends s escaped for the COPY text format.
func appendCopyText(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			buf = append(buf, `\\`...)
		case '\t':
			buf = append(buf, `\t`...)
		case '\n':
			buf = append(buf, `\n`...)
		case '\r':
			buf = append(buf, `\r`...)
		default:
			buf = append(buf, c)
		}
	}
	return buf
}
