// Command nexus-vertical-hello is the smallest complete Nexus vertical: a
// greeting route and an echo route that calls the host back.
package main

import (
	"net/http"
	"strings"

	"github.com/nexuspos/nexus/sdk"
)

func main() { sdk.Serve(Hello{}) }

// Hello is the vertical.
type Hello struct{}

// Manifest implements sdk.Vertical.
func (Hello) Manifest() sdk.Manifest {
	return sdk.Manifest{
		Name:        "hello",
		Version:     "1.0.0",
		Description: "Greets people and echoes messages through the host.",
		Routes: []sdk.Route{
			sdk.GET("/greetings/{name}", sdk.RoleViewer, "Greet someone", greet).Returns(greeting{}),
			sdk.POST("/echo", sdk.RoleCashier, "Echo a message through the host", echo).
				Takes(echoRequest{}).Returns(echoResponse{}),
		},
	}
}

type greeting struct {
	Message string `json:"message"`
}

func greet(c *sdk.Context) error {
	hello := "Hello"
	if c.Query("lang") == "es" {
		hello = "Hola"
	}
	return c.JSON(http.StatusOK, greeting{Message: hello + ", " + c.Param("name") + "!"})
}

type echoRequest struct {
	Message string `json:"message"`
}

type echoResponse struct {
	Message   string `json:"message"`
	RequestID string `json:"request_id"`
	CompanyID string `json:"company_id"`
	Vertical  string `json:"vertical"`
}

func echo(c *sdk.Context) error {
	var req echoRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	if strings.TrimSpace(req.Message) == "" {
		return sdk.Unprocessable("invalid_message", "message must not be empty")
	}
	res, err := c.Echo(req.Message)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, echoResponse{
		Message: res.Message, RequestID: res.RequestID, CompanyID: res.CompanyID, Vertical: res.Vertical,
	})
}
