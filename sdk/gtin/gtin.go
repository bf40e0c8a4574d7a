// Package gtin checks and completes GS1 trade item numbers as printed in
// barcodes: EAN-8 (GTIN-8), UPC-A (GTIN-12) and EAN-13 (GTIN-13), each
// ending in the GS1 mod-10 check digit. It is the platform's only
// implementation of that check digit; verticals validate barcodes and
// generate demo ones with it. It must not look anything up: a valid number
// is not necessarily an assigned one.
package gtin

import (
	"errors"
	"fmt"
)

// Sentinel errors say what is wrong with a code; every error of this
// package is an *Error wrapping one of them.
var (
	// ErrLength means the code is not 8, 12 or 13 digits long (7, 11 or 12
	// without its check digit).
	ErrLength = errors.New("gtin: invalid length")
	// ErrDigits means the code holds something other than the digits 0–9.
	ErrDigits = errors.New("gtin: not only digits")
	// ErrCheckDigit means the last digit is not the code's check digit.
	ErrCheckDigit = errors.New("gtin: wrong check digit")
)

// Error is a refused code. Its message is written for the person who
// typed the code ("check digit is 4, expected 3").
type Error struct {
	// Err is one of the sentinel errors of this package.
	Err error
	// Detail says what is wrong.
	Detail string
}

// Error implements error.
func (e *Error) Error() string { return e.Detail }

// Unwrap returns the sentinel error.
func (e *Error) Unwrap() error { return e.Err }

func newError(kind error, format string, args ...any) *Error {
	return &Error{Err: kind, Detail: fmt.Sprintf(format, args...)}
}

// CheckDigit returns the GS1 mod-10 check digit ('0'–'9') of body, a code
// without its check digit: 7, 11 or 12 digits.
func CheckDigit(body string) (byte, error) {
	switch len(body) {
	case 7, 11, 12:
	default:
		return 0, newError(ErrLength, "a check digit needs 7, 11 or 12 digits, got %d characters", len(body))
	}
	return checkDigit(body)
}

// Complete returns body followed by its check digit (see CheckDigit).
func Complete(body string) (string, error) {
	d, err := CheckDigit(body)
	if err != nil {
		return "", err
	}
	return body + string(d), nil
}

// Validate checks code: an EAN-8, a UPC-A (12 digits) or an EAN-13 whose
// last digit is its check digit.
func Validate(code string) error {
	switch len(code) {
	case 8, 12, 13:
	default:
		return newError(ErrLength, "must be an EAN-8, UPC-A (12 digits) or EAN-13, got %d characters", len(code))
	}
	want, err := checkDigit(code[:len(code)-1])
	if err != nil {
		return err
	}
	last := code[len(code)-1]
	if last < '0' || last > '9' {
		return newError(ErrDigits, "must hold only digits")
	}
	if last != want {
		return newError(ErrCheckDigit, "check digit is %c, expected %c", last, want)
	}
	return nil
}

// checkDigit computes the check digit of body, of any length: from the
// right, digits are weighted 3, 1, 3, 1...
func checkDigit(body string) (byte, error) {
	sum := 0
	for i := len(body) - 1; i >= 0; i-- {
		d := int(body[i]) - '0'
		if d < 0 || d > 9 {
			return 0, newError(ErrDigits, "must hold only digits")
		}
		if (len(body)-1-i)%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return byte('0' + (10-sum%10)%10), nil
}
