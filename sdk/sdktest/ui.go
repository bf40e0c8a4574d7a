package sdktest

import (
	"strings"
	"testing"

	"github.com/nexuspos/nexus/internal/manifest"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
)

// checkUI fails the test on a UI declaration the host would leave out
// (listing the vertical as degraded). A bundle with no files at all is
// one not built yet (a clean clone before make web): only logged, so a
// vertical's Go tests run before npm has.
func checkUI(t testing.TB, m *nexusv1.Manifest) {
	t.Helper()
	problems := manifest.UIProblems(m)
	if len(problems) == 0 {
		return
	}
	if len(m.GetUi().GetAssets()) == 0 {
		t.Logf("sdktest: vertical %s's UI bundle holds no files (not built?); the host would leave its UI out", m.GetName())
		return
	}
	t.Fatalf("sdktest: the host would leave out vertical %s's UI:\n%s", m.GetName(), strings.Join(problems, "\n"))
}
