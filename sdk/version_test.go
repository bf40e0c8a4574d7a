package sdk_test

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/sdk"
)

func TestVersionIsSemantic(t *testing.T) {
	t.Parallel()
	semver := regexp.MustCompile(`^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?$`)
	require.Regexp(t, semver, sdk.Version)
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	require.True(t, strings.Contains(string(readme), "`"+sdk.Version+"`"), "README.md names the current version %s", sdk.Version)
	require.True(t, strings.Contains(string(readme), fmt.Sprintf("protocol version %d", sdk.ProtocolVersion)), "README.md names protocol version %d", sdk.ProtocolVersion)
}

func ExampleVersion() {
	fmt.Println(sdk.ProtocolVersion)
	// Output: 1
}
