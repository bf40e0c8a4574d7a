package kind_test

import (
	"fmt"

	"github.com/nexuspos/nexus/sdk/kind"
)

func ExampleKind_Status() {
	fmt.Println(kind.Conflict.Status(), kind.Unprocessable.Status())
	fmt.Println(kind.Kind("from_a_newer_peer").Known(), kind.Kind("from_a_newer_peer").Status())
	// Output:
	// 409 422
	// false 500
}

func ExampleAll() {
	for _, k := range kind.All()[:3] {
		fmt.Println(k, k.Status())
	}
	// Output:
	// invalid 400
	// unauthenticated 401
	// forbidden 403
}
