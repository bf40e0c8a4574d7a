package sdk

import (
	"fmt"

	"github.com/hashicorp/go-hclog"

	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
	"github.com/nexuspos/nexus/sdk/internal/bridge"
)

func init() {
	bridge.NewServer = func(v any, log hclog.Logger, host nexusv1.HostClient) (nexusv1.VerticalServer, error) {
		vertical, ok := v.(Vertical)
		if !ok {
			return nil, fmt.Errorf("%T does not implement sdk.Vertical", v)
		}
		s := newServer(vertical, log)
		s.host = host
		return s, nil
	}
}
