package sdk_test

import (
	"fmt"
	"net/http"

	"github.com/nexuspos/nexus/sdk"
)

// Notes is a whole vertical: a manifest with one route.
type Notes struct{}

// Manifest declares the vertical's routes.
func (Notes) Manifest() sdk.Manifest {
	return sdk.Manifest{Name: "notes", Version: "0.1.0", Routes: []sdk.Route{
		sdk.GET("/notes/{id}", sdk.RoleViewer, "A note", func(c *sdk.Context) error {
			return c.JSON(http.StatusOK, map[string]string{"id": c.Param("id")})
		}),
	}}
}

// A vertical's main is one line; the host launches the binary and Serve
// speaks the plugin protocol until the host stops it. (Not run: it needs
// the host at the other end.)
func ExampleServe() {
	sdk.Serve(Notes{})
}

// Routes are declared with the method helpers and identified by method and
// pattern.
func ExampleGET() {
	m := Notes{}.Manifest()
	fmt.Println(m.Routes[0].Method, m.Routes[0].Pattern, m.Routes[0].MinRole, m.Routes[0].RouteID())
	// Output: GET /notes/{id} viewer GET /notes/{id}
}
