package sdk_test

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nexuspos/nexus/sdk"
)

// NewPage answers a list: data never null, next_cursor null on the last
// page.
func ExampleNewPage() {
	last, _ := json.Marshal(sdk.NewPage([]string(nil), ""))
	more, _ := json.Marshal(sdk.NewPage([]string{"a", "b"}, "eyJpIjoyfQ"))
	fmt.Println(string(last))
	fmt.Println(string(more))
	// Output:
	// {"data":[],"next_cursor":null}
	// {"data":["a","b"],"next_cursor":"eyJpIjoyfQ"}
}

func ExampleParseLimit() {
	n, err := sdk.ParseLimit("", 50)
	fmt.Println(n, err)
	_, err = sdk.ParseLimit("501", 50)
	var e *sdk.Error
	fmt.Println(errors.As(err, &e), e.Status(), e.Code)
	// Output:
	// 50 <nil>
	// true 400 invalid_limit
}

// A cursor is the page's last key, opaque to the client; anything the
// list did not issue is a 400 invalid_cursor.
func ExampleDecodeCursor() {
	type key struct {
		Name string `json:"n"`
		ID   string `json:"i"`
	}
	cur := sdk.EncodeCursor(key{Name: "Acme", ID: "7"})
	var k key
	fmt.Println(sdk.DecodeCursor(cur, &k), k.Name, k.ID)
	fmt.Println(sdk.DecodeCursor("not-a-cursor", &k))
	// Output:
	// <nil> Acme 7
	// invalid_cursor: cursor is not valid; pass next_cursor from the previous page unchanged
}

func ExampleEncodeCursor() {
	fmt.Println(sdk.EncodeCursor(map[string]int{"i": 2}))
	// Output: eyJpIjoyfQ
}

// A list on a named query reads limit+1 rows after the cursor's key;
// KeysetPage keeps limit of them and makes the cursor from the last one.
func ExampleKeysetPage() {
	type row struct {
		Name string
		ID   int
	}
	read := []row{{"Ana", 1}, {"Beto", 2}, {"Caro", 3}} // limit 2, so 3 rows were read
	page, next := sdk.KeysetPage(read, 2, func(last row) [2]any { return [2]any{last.Name, last.ID} })
	var after [2]any
	_ = sdk.DecodeCursor(next, &after)
	fmt.Println(len(page), after)
	page, next = sdk.KeysetPage(read[2:], 2, func(last row) [2]any { return [2]any{last.Name, last.ID} })
	fmt.Println(len(page), next == "")
	// Output:
	// 2 [Beto 2]
	// 1 true
}
