package cfdi

import (
	"errors"
	"fmt"
)

// Error kinds. Every error of Build, Seal and LoadCSD wraps one of them.
var (
	// ErrInvalidDocument is a document that cannot make a valid CFDI.
	ErrInvalidDocument = errors.New("invalid fiscal document")
	// ErrInvalidCSD is a certificate or key that cannot be read or do not
	// belong together.
	ErrInvalidCSD = errors.New("invalid CSD")
	// ErrWrongPassword is a CSD key password that does not decrypt the key.
	ErrWrongPassword = errors.New("the CSD key password is wrong")
	// ErrUnsupported is an XML construct the cadena original here does not
	// compute (a complement whose SAT template is not implemented).
	ErrUnsupported = errors.New("unsupported CFDI construct")
)

// FieldError is an invalid field of a Document. Field is a dotted path such
// as "Lines[2].Cantidad".
type FieldError struct {
	Field   string
	Message string
}

// Error implements error.
func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// Unwrap makes every FieldError an ErrInvalidDocument.
func (e *FieldError) Unwrap() error { return ErrInvalidDocument }

func invalid(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
}
