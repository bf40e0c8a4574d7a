// Package auditaction holds the rules of an audit log entry that the host
// (host/internal/audit, the AppendAudit callback) and sdktest both apply:
// the shape of an action, the vertical's namespace, the size of details.
// It only checks; it must not store anything.
package auditaction

import (
	"encoding/json"
	"errors"
	"regexp"
	"strings"
)

// MaxDetailsBytes bounds an entry's details (a JSON object).
const MaxDetailsBytes = 16 << 10

// MaxTargetBytes bounds an entry's target.
const MaxTargetBytes = 200

var pattern = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$`)

// Valid reports whether action is dotted snake_case ("member.role_changed")
// of at most 100 bytes.
func Valid(action string) bool { return len(action) <= 100 && pattern.MatchString(action) }

// CheckVertical checks an entry a vertical appends: the action in the
// vertical's namespace ("<vertical>.…"), the target's length, and details
// that are empty or a JSON object within MaxDetailsBytes. It returns the
// decoded details.
func CheckVertical(vertical, action, target string, details []byte) (map[string]any, error) {
	if !strings.HasPrefix(action, vertical+".") || !Valid(action) {
		return nil, errors.New("an audit action is dotted snake_case starting with " + vertical + ".")
	}
	if len(target) > MaxTargetBytes {
		return nil, errors.New("an audit target is at most 200 bytes")
	}
	if len(details) == 0 {
		return nil, nil
	}
	var m map[string]any
	if len(details) > MaxDetailsBytes || json.Unmarshal(details, &m) != nil || m == nil {
		return nil, errors.New("audit details are a JSON object of at most 16 KiB")
	}
	return m, nil
}
