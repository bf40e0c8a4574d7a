package gtin_test

import (
	"errors"
	"fmt"

	"github.com/nexuspos/nexus/sdk/gtin"
)

func ExampleValidate() {
	fmt.Println(gtin.Validate("7501055300075"))
	err := gtin.Validate("7501055300076")
	fmt.Println(errors.Is(err, gtin.ErrCheckDigit))
	// Output:
	// <nil>
	// true
}

func ExampleCheckDigit() {
	d, err := gtin.CheckDigit("750105530007")
	if err != nil {
		panic(err)
	}
	fmt.Printf("%c\n", d)
	// Output: 5
}

func ExampleComplete() {
	code, err := gtin.Complete("750105530007")
	if err != nil {
		panic(err)
	}
	fmt.Println(code)
	// Output: 7501055300075
}
