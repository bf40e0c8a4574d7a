package webui_test

import (
	"bytes"
	"compress/gzip"
	"io/fs"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/webui"
)

// initialJSBudget is DESIGN.md's budget of the web app's initial
// JavaScript, gzipped.
const initialJSBudget = 200 << 10

// initialScripts finds the scripts index.html loads before anything else:
// its module entry and the chunks it preloads.
var initialScripts = regexp.MustCompile(`<(?:script[^>]+src|link[^>]+rel="modulepreload"[^>]+href)="/([^"]+\.js)"`)

// TestInitialJavaScriptBudget fails when the app built into the binary
// (make web) loads more than 200 KB of gzipped JavaScript at start, or
// was not built at all.
func TestInitialJavaScriptBudget(t *testing.T) {
	t.Parallel()
	files := webui.Files()
	index, err := fs.ReadFile(files, "index.html")
	require.NoError(t, err, "the web app is not built into the host: run make web (make build does) before go test")
	matches := initialScripts.FindAllSubmatch(index, -1)
	require.NotEmpty(t, matches, "index.html loads no script:\n%s", index)
	total := 0
	for _, m := range matches {
		body, err := fs.ReadFile(files, string(m[1]))
		require.NoError(t, err)
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(body)
		require.NoError(t, zw.Close())
		t.Logf("%s: %d bytes, %d gzipped", m[1], len(body), buf.Len())
		total += buf.Len()
	}
	t.Logf("initial JavaScript: %d bytes gzipped (budget %d)", total, initialJSBudget)
	require.LessOrEqual(t, total, initialJSBudget, "initial JavaScript over budget")
}
