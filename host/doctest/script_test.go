package doctest

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestBlocks(t *testing.T) {
	t.Parallel()
	md := "# T\n\n```console\nmake run\n```\n\n```sh\nA=1\necho $A\n```\ntext\n```go\nx := 1\n```\n```sh\nB=2\n```\n"
	blocks, err := Blocks("R.md", md)
	require.NoError(t, err)
	require.Equal(t, []Block{
		{File: "R.md", Line: 8, Lines: []string{"A=1", "echo $A"}},
		{File: "R.md", Line: 16, Lines: []string{"B=2"}},
	}, blocks)

	_, err = Blocks("R.md", "```sh\necho\n")
	require.ErrorContains(t, err, "never closed")
}

func TestCommands(t *testing.T) {
	t.Parallel()
	lines := []string{
		`# a comment alone`,
		`X=$(curl -s localhost:8080/a -H "$H" \`,
		`  -d '{"a":"'$Y'",`,
		`   "b":"it'\''s # not a comment"}' | jq -r .id)   # → 201`,
		``,
		`curl -s "localhost:8080/b?q=$(echo "x)y")" # answers → 409 when taken`,
		`curl -s localhost:8080/c#fragment`,
	}
	cmds, err := Commands(Block{File: "R.md", Line: 10, Lines: lines})
	require.NoError(t, err)
	require.Equal(t, []Command{
		{First: 1, Last: 3, Expect: 201},
		{First: 5, Last: 5, Expect: 409},
		{First: 6, Last: 6},
	}, cmds)

	_, err = Commands(Block{File: "R.md", Line: 10, Lines: []string{`curl -d '{"a":1}`, `echo`}})
	require.ErrorContains(t, err, "R.md:10: a quote or $( opened here is never closed")
	_, err = Commands(Block{File: "R.md", Line: 10, Lines: []string{`echo a`, `curl \`}})
	require.ErrorContains(t, err, "R.md:11: the block ends inside a command")
}

// TestWalkthroughFailsOnUnexpectedStatus runs a built script against a
// local server: a 409 passes only where the README line expects it, and the
// failure names the README line, the status and the body.
func TestWalkthroughFailsOnUnexpectedStatus(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			_, _ = w.Write([]byte(`{"id":"42"}`))
		default:
			w.WriteHeader(http.StatusConflict)
			_, _ = w.Write([]byte(`{"error":{"code":"taken"}}`))
		}
	}))
	defer srv.Close()
	run := func(lines ...string) (failure string, err error) {
		dir := t.TempDir()
		s, err := Build(preamble, []Block{{File: "README.md", Line: 20, Lines: lines}}, func(l string) string {
			return strings.ReplaceAll(l, "localhost:8080", strings.TrimPrefix(srv.URL, "http://"))
		})
		require.NoError(t, err)
		path := filepath.Join(dir, "walkthrough.sh")
		require.NoError(t, os.WriteFile(path, []byte(s.Text), 0o644))
		cmd := exec.Command("bash", path)
		cmd.Env = append(os.Environ(), "WALK_DIR="+dir)
		err = cmd.Run()
		f, _ := os.ReadFile(filepath.Join(dir, "failure"))
		return string(f), err
	}

	failure, err := run(
		`ID=$(curl -s localhost:8080/ok | jq -r .id)`,
		`curl -s localhost:8080/taken -d "{\"id\":\"$ID\"}" # → 409`,
	)
	require.NoError(t, err, failure)
	require.Empty(t, failure)

	failure, err = run(
		`curl -s localhost:8080/ok`,
		`curl -s -X PUT localhost:8080/taken \`,
		`  -d '{}'`,
		`echo never reached`,
	)
	require.Error(t, err)
	require.Contains(t, failure, "README.md:21: PUT 127.0.0.1:")
	require.Contains(t, failure, `/taken answered 409, want 2xx: {"error":{"code":"taken"}}`)

	failure, err = run(`ID=$(curl -s localhost:8080/ok -H "X: $(curl -s localhost:8080/taken)" | jq -r .id)`, `echo $ID`)
	require.Error(t, err)
	require.Contains(t, failure, "README.md:20: GET 127.0.0.1:")

	failure, err = run(`curl -s localhost:8080/ok`, `echo $NEVER_SET`)
	require.Error(t, err)
	require.Equal(t, "README.md:21: the walkthrough stopped here (exit status 1)\n", failure)
}
