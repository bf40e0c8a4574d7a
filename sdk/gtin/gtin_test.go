package gtin_test

import (
	"errors"
	"testing"

	"github.com/nexuspos/nexus/sdk/gtin"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"7501234567893", "4006381333931", "036000291452", "96385074", "0000000000000"} {
		if err := gtin.Validate(ok); err != nil {
			t.Errorf("Validate(%q) = %v, want nil", ok, err)
		}
	}
	for _, tc := range []struct {
		code string
		want error
	}{
		{"7501234567890", gtin.ErrCheckDigit},
		{"036000291453", gtin.ErrCheckDigit},
		{"96385075", gtin.ErrCheckDigit},
		{"12345", gtin.ErrLength},
		{"75012345678931", gtin.ErrLength},
		{"", gtin.ErrLength},
		{"750123456789X", gtin.ErrDigits},
		{"75012345678-3", gtin.ErrDigits},
		{"ABCDEFGH", gtin.ErrDigits},
	} {
		err := gtin.Validate(tc.code)
		if !errors.Is(err, tc.want) {
			t.Errorf("Validate(%q) = %v, want %v", tc.code, err, tc.want)
		}
		var e *gtin.Error
		if !errors.As(err, &e) || e.Error() != e.Detail || e.Detail == "" {
			t.Errorf("Validate(%q) = %#v, want an *Error with a detail", tc.code, err)
		}
	}
}

func TestValidateMessages(t *testing.T) {
	t.Parallel()
	for code, want := range map[string]string{
		"7501234567890": "check digit is 0, expected 3",
		"12345":         "must be an EAN-8, UPC-A (12 digits) or EAN-13, got 5 characters",
		"ABCDEFGH":      "must hold only digits",
	} {
		if err := gtin.Validate(code); err == nil || err.Error() != want {
			t.Errorf("Validate(%q) = %v, want %q", code, err, want)
		}
	}
}

func TestComplete(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]string{
		"750123456789": "7501234567893",
		"400638133393": "4006381333931",
		"03600029145":  "036000291452",
		"9638507":      "96385074",
		"779000000001": "7790000000010",
	} {
		got, err := gtin.Complete(body)
		if err != nil || got != want {
			t.Errorf("Complete(%q) = %q, %v; want %q", body, got, err, want)
		}
		if err := gtin.Validate(got); err != nil {
			t.Errorf("Validate(Complete(%q)) = %v", body, err)
		}
	}
	for _, bad := range []string{"", "123456", "1234567890123", "75012345678a"} {
		if _, err := gtin.Complete(bad); err == nil {
			t.Errorf("Complete(%q) succeeded", bad)
		}
	}
}

func FuzzComplete(f *testing.F) {
	f.Add("750123456789")
	f.Add("9638507")
	f.Fuzz(func(t *testing.T, body string) {
		code, err := gtin.Complete(body)
		if err != nil {
			return
		}
		if err := gtin.Validate(code); err != nil {
			t.Fatalf("Validate(Complete(%q) = %q) = %v", body, code, err)
		}
	})
}
