package outbound_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/nexuspos/nexus/sdk/outbound"
)

// A GET is idempotent, so a 503 is retried; the breaker of the
// (company, service) counts the failures until a success closes it again.
func ExampleNewPool() {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		calls++
		if calls == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, "ok")
	}))
	defer srv.Close()

	pool := outbound.NewPool(outbound.Config{BaseDelay: time.Millisecond, MaxDelay: time.Millisecond})
	req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
	if err != nil {
		panic(err)
	}
	res, err := pool.Client("company-1", "afip").Do(req)
	if err != nil {
		panic(err)
	}
	_ = res.Body.Close()
	b := pool.Breakers()[0]
	fmt.Println(res.StatusCode, calls, b.Service, b.State, b.Failures)
	// Output: 200 2 afip closed 0
}
