// Package taxid validates and normalizes tax identifiers: the Mexican RFC
// (SAT) and the Argentine CUIT (AFIP/ARCA). It is pure computation: it must
// not do I/O or look taxpayers up in any registry, so a valid id is only
// well-formed, not known to exist.
package taxid

import (
	"strings"
	"time"
)

// Kind is the kind of taxpayer an RFC belongs to.
type Kind string

// RFC kinds.
const (
	// KindMoral is a persona moral (company): 12-character RFC.
	KindMoral Kind = "moral"
	// KindFisica is a persona física (individual): 13-character RFC.
	KindFisica Kind = "fisica"
)

// WarningCheckDigit is the warning for an RFC whose check digit does not
// match the SAT algorithm. The SAT has issued such RFCs, so it is no error.
const WarningCheckDigit = "check digit does not match"

// Generic RFCs: anonymous sales (público en general) and foreigners.
const (
	// GenericRFC is the RFC for anonymous sales to the general public.
	GenericRFC = "XAXX010101000"
	// ForeignGenericRFC is the RFC for sales to foreigners.
	ForeignGenericRFC = "XEXX010101000"
)

// Result is a well-formed RFC.
type Result struct {
	// Normalized is the RFC in upper case without spaces or hyphens.
	Normalized string
	// Kind tells a company (12 characters) from an individual (13).
	Kind Kind
	// Generic is set for GenericRFC and ForeignGenericRFC.
	Generic bool
	// Warnings lists doubts that do not make the RFC invalid.
	Warnings []string
}

// rfcAlphabet orders the characters for the SAT check digit: each
// character's value is its index.
const rfcAlphabet = "0123456789ABCDEFGHIJKLMN&OPQRSTUVWXYZ Ñ"

var rfcValues = func() map[rune]int {
	m := map[rune]int{}
	for i, r := range []rune(rfcAlphabet) {
		m[r] = i
	}
	return m
}()

// ValidateRFC checks that s is a well-formed RFC: three (company) or four
// (individual) letters from A–Z, Ñ and &, a real YYMMDD date, a two-character
// homoclave from A–Z and 0–9 and a check digit from 0–9 and A. Case,
// surrounding spaces and separating spaces or hyphens are ignored. A check
// digit that does not match the SAT algorithm is reported in
// Result.Warnings, not as an error.
func ValidateRFC(s string) (Result, error) {
	norm := normalize(s)
	rs := []rune(norm)
	var letters int
	var kind Kind
	switch len(rs) {
	case 12:
		letters, kind = 3, KindMoral
	case 13:
		letters, kind = 4, KindFisica
	default:
		return Result{}, newError("RFC", ErrLength,
			"must be 12 characters (persona moral) or 13 (persona física), got %d", len(rs))
	}
	for i, r := range rs {
		var ok bool
		var want string
		switch {
		case i < letters:
			ok, want = isRFCLetter(r), "a letter (A–Z, Ñ, &)"
		case i < letters+6:
			ok, want = isDigit(r), "a digit of the date YYMMDD"
		case i < letters+8:
			ok, want = isDigit(r) || isUpperASCII(r), "a letter or digit of the homoclave"
		default:
			ok, want = isDigit(r) || r == 'A', "a check digit (0–9 or A)"
		}
		if !ok {
			return Result{}, newError("RFC", ErrPattern, "character %d (%q) must be %s", i+1, r, want)
		}
	}
	date := string(rs[letters : letters+6])
	if !realDate(date) {
		return Result{}, newError("RFC", ErrDate, "%s is not a real date (YYMMDD)", date)
	}
	res := Result{Normalized: norm, Kind: kind, Generic: norm == GenericRFC || norm == ForeignGenericRFC}
	if !res.Generic && rfcCheckDigit(rs[:len(rs)-1]) != rs[len(rs)-1] {
		res.Warnings = []string{WarningCheckDigit}
	}
	return res, nil
}

// ValidateCompanyRFC is ValidateRFC for a company's own tax id: it also
// rejects the generic RFCs, which identify no taxpayer.
func ValidateCompanyRFC(s string) (Result, error) {
	res, err := ValidateRFC(s)
	if err != nil {
		return Result{}, err
	}
	if res.Generic {
		return Result{}, newError("RFC", ErrGeneric,
			"%s is a generic RFC for anonymous or foreign customers, not a company's tax id", res.Normalized)
	}
	return res, nil
}

// RFCCheckDigit returns the SAT check digit of body, an RFC without its
// last character: 11 characters for a company (three letters), 12 for an
// individual (four), upper case, without separators. Appending it to body
// gives an RFC whose check digit ValidateRFC accepts without a warning; it
// is how a generator of test or demo RFCs completes one. A body of another
// length is an ErrLength error, a character outside A–Z, 0–9, Ñ and & an
// ErrPattern error; the letters, date and homoclave are not validated.
func RFCCheckDigit(body string) (rune, error) {
	rs := []rune(body)
	if len(rs) != 11 && len(rs) != 12 {
		return 0, newError("RFC", ErrLength,
			"a check digit needs the first 11 (persona moral) or 12 (persona física) characters, got %d", len(rs))
	}
	for i, r := range rs {
		if _, ok := rfcValues[r]; !ok || r == ' ' {
			return 0, newError("RFC", ErrPattern, "character %d (%q) must be a letter (A–Z, Ñ, &) or a digit", i+1, r)
		}
	}
	return rfcCheckDigit(rs), nil
}

// rfcCheckDigit computes the SAT check digit of body, the first 11 or 12
// characters of an RFC: body (an 11-character body gets a leading space)
// weighted 13 down to 2, summed modulo 11; 0 stays 0, otherwise
// 11 − remainder, with 10 written as A.
func rfcCheckDigit(body []rune) rune {
	if len(body) == 11 {
		body = append([]rune{' '}, body...)
	}
	sum := 0
	for i, r := range body {
		sum += rfcValues[r] * (13 - i)
	}
	rem := sum % 11
	switch {
	case rem == 0:
		return '0'
	case rem == 1:
		return 'A'
	}
	return rune('0' + 11 - rem)
}

// realDate reports whether yymmdd is a calendar date. The century is not
// written; time.Parse reads 69–99 as 1969–1999 and 00–68 as 2000–2068, and
// in either century a two-digit year is leap exactly when divisible by four
// (1900 aside, which RFCs of living taxpayers do not carry).
func realDate(yymmdd string) bool {
	_, err := time.Parse("060102", yymmdd)
	return err == nil
}

func normalize(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, strings.ToUpper(strings.TrimSpace(s)))
}

func isRFCLetter(r rune) bool { return isUpperASCII(r) || r == 'Ñ' || r == '&' }

func isUpperASCII(r rune) bool { return r >= 'A' && r <= 'Z' }

func isDigit(r rune) bool { return r >= '0' && r <= '9' }
