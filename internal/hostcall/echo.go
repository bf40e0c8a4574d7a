package hostcall

import (
	"errors"
	"fmt"

	"github.com/nexuspos/nexus/internal/dal"
	"github.com/nexuspos/nexus/internal/wire"
	"github.com/nexuspos/nexus/sdk/kind"
)

// EchoFailure is the Echo callback's answer to a request naming a
// fail_kind: the error of kind k (code "echo_<kind>", details naming the
// kind) as a gRPC status, the way every host service fails — an internal
// one like any internal failure, carrying nothing — so that a vertical,
// and the platform's tests, see each kind cross the callback path. A kind
// this build does not know is an invalid request (unknown_kind).
func EchoFailure(k kind.Kind) error {
	switch {
	case !k.Known():
		return wire.Status(wire.Error{Kind: kind.Invalid, Code: "unknown_kind",
			Message: fmt.Sprintf("%q is not an error kind", string(k)), Details: map[string]any{"field": "fail_kind"}})
	case k == kind.Internal:
		return dal.Status(errors.New("echo failed as asked"))
	}
	return wire.Status(wire.Error{Kind: k, Code: "echo_" + string(k),
		Message: fmt.Sprintf("echo failed with kind %s as asked", k), Details: map[string]any{"kind": string(k)}})
}
