package seed

import (
	"math/rand/v2"

	"github.com/google/uuid"
)

// newUUID returns a version 4 UUID drawn from r, so a seed reproduces it.
func newUUID(r *rand.Rand) uuid.UUID {
	var u uuid.UUID
	a, b := r.Uint64(), r.Uint64()
	for i := range 8 {
		u[i] = byte(a >> (8 * i))
		u[8+i] = byte(b >> (8 * i))
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u
}
