package sdk_test

import (
	"encoding/json"
	"net/http"

	"github.com/nexuspos/nexus/sdk"
)

// settings is what a vertical derives once per company from its
// configuration.
type settings struct {
	Currency string
	Deposit  bool
}

var companySettings = sdk.NewInstances(func(co sdk.Company, config json.RawMessage) (*settings, error) {
	var s settings
	if err := json.Unmarshal(config, &s); err != nil {
		return nil, sdk.InvalidConfig("the configuration is not a JSON object")
	}
	s.Currency = co.Currency
	return &s, nil
})

// A handler takes its company's settings from the cache instead of parsing
// the configuration on every request.
func ExampleInstances() {
	_ = sdk.GET("/settings", sdk.RoleViewer, "The company's settings", func(c *sdk.Context) error {
		s, err := companySettings.Get(c)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, s)
	})
}
