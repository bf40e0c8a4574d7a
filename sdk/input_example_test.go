package sdk_test

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/nexuspos/nexus/sdk"
)

// Body fields are checked under their names; a bad one is the 422
// invalid_field every vertical answers.
func ExampleText() {
	name, err := sdk.Text("name", "  Contabilidad mensual ", 200)
	fmt.Printf("%q %v\n", name, err)
	_, err = sdk.Text("name", " ", 200)
	fmt.Println(err)
	// Output:
	// "Contabilidad mensual" <nil>
	// invalid_field: name is required
}

func ExampleOptionalText() {
	note, err := sdk.OptionalText("note", "", 500)
	fmt.Println(note == nil, err)
	// Output: true <nil>
}

func ExampleUUID() {
	id, err := sdk.UUID("client_id", "0B5E3F1A-6D0E-4D7E-9A55-2F1F7C9E8A11")
	fmt.Println(id, err)
	_, err = sdk.UUID("client_id", "42")
	fmt.Println(err)
	// Output:
	// 0b5e3f1a-6d0e-4d7e-9a55-2f1f7c9e8a11 <nil>
	// invalid_field: client_id must be a UUID, got "42"
}

func ExampleInvalidField() {
	err := sdk.InvalidField("billing_day", "must be from 1 to 31, got %d", 32)
	fmt.Println(err.Status(), err.Details["field"], err.Details["reason"])
	// Output: 422 billing_day must be from 1 to 31, got 32
}

func ExampleInvalidQuery() {
	err := sdk.InvalidQuery("as_of", "must be a date YYYY-MM-DD, got %q", "ayer")
	fmt.Println(err.Status(), err)
	// Output: 400 invalid_query: query parameter as_of must be a date YYYY-MM-DD, got "ayer"
}

// A Timestamp shows UTC whatever offset the database wrote.
func ExampleTimestamp() {
	at := time.Date(2026, 12, 5, 1, 10, 1, 0, time.FixedZone("CST", -6*3600))
	b, _ := json.Marshal(map[string]sdk.Timestamp{"paid_at": {Time: at}})
	fmt.Println(string(b))
	// Output: {"paid_at":"2026-12-05T07:10:01Z"}
}
