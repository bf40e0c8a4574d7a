// Package doctest turns the ```sh examples of the READMEs into one bash
// walkthrough, so that a test can run them, in order, against a fresh host
// and assert every HTTP status they get. It only reads Markdown and writes
// a script; the test in this package starts the host and runs it.
// Production code must never import it.
//
// A README example stays plain shell. Each curl command must answer 2xx
// unless the command carries a comment naming the status it expects:
//
//	curl -s -X POST localhost:8080/api/v1/companies ... # → 409
//
// Blocks fenced as ```console are shown, never run (`make run` itself).
// Commands are simple commands and pipelines, one or several lines long
// (backslash continuations, quotes open across lines, $( ) substitutions);
// compound commands (for, if, functions) are not supported.
package doctest

import (
	"bufio"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Block is one ```sh block of a Markdown file.
type Block struct {
	File string
	// Line is the 1-based line of the block's first line in File.
	Line  int
	Lines []string
}

// Blocks returns the ```sh blocks of the Markdown text of file, in order.
func Blocks(file, text string) ([]Block, error) {
	var (
		blocks []Block
		cur    *Block
		fence  string
	)
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case fence == "" && strings.HasPrefix(trimmed, "```"):
			fence = "```"
			if strings.TrimSpace(strings.TrimPrefix(trimmed, "```")) == "sh" {
				cur = &Block{File: file, Line: n + 1}
			}
		case fence != "" && trimmed == fence:
			if cur != nil {
				blocks = append(blocks, *cur)
			}
			cur, fence = nil, ""
		case cur != nil:
			cur.Lines = append(cur.Lines, line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if fence != "" {
		return nil, fmt.Errorf("%s: a code block is never closed", file)
	}
	return blocks, nil
}

// Command is one shell command of a block: the lines it spans and the HTTP
// status its comment expects (0: any 2xx).
type Command struct {
	// First and Last index Block.Lines.
	First, Last int
	Expect      int
}

// expectRE finds the expected status in a command's comment: "# → 409".
var expectRE = regexp.MustCompile(`→\s*([1-5][0-9][0-9])\b`)

// frame is a quoting context of the shell lexer.
type frame byte

const (
	plain  frame = iota // unquoted text, at the top or inside $( )
	single              // '...'
	double              // "..."
)

// Commands splits a block into its commands. A command ends at a newline
// outside any quote or $( ), not escaped by a backslash.
func Commands(b Block) ([]Command, error) {
	var (
		cmds     []Command
		stack    = []frame{plain}
		start    = -1
		comments []string
		content  bool
		openedAt []int // line where each pushed frame opened
	)
	for i, line := range b.Lines {
		if start < 0 {
			start, comments, content = i, nil, false
		}
		rs := []rune(line)
		continued := false
		for j := 0; j < len(rs); j++ {
			top := stack[len(stack)-1]
			c := rs[j]
			switch top {
			case single:
				if c == '\'' {
					stack, openedAt = stack[:len(stack)-1], openedAt[:len(openedAt)-1]
				}
				continue
			case double:
				switch {
				case c == '\\':
					j++
				case c == '"':
					stack, openedAt = stack[:len(stack)-1], openedAt[:len(openedAt)-1]
				case c == '$' && j+1 < len(rs) && rs[j+1] == '(':
					stack, openedAt = append(stack, plain), append(openedAt, i)
					j++
				}
				continue
			}
			switch {
			case c == '\\':
				if j == len(rs)-1 {
					continued = true
				}
				j++
			case c == '\'':
				stack, openedAt = append(stack, single), append(openedAt, i)
			case c == '"':
				stack, openedAt = append(stack, double), append(openedAt, i)
			case c == '$' && j+1 < len(rs) && rs[j+1] == '(':
				stack, openedAt = append(stack, plain), append(openedAt, i)
				j++
			case c == ')' && len(stack) > 1:
				stack, openedAt = stack[:len(stack)-1], openedAt[:len(openedAt)-1]
			case c == '#' && (j == 0 || strings.ContainsRune(" \t;|&(", rs[j-1])):
				comments = append(comments, string(rs[j:]))
				j = len(rs)
			case c != ' ' && c != '\t':
				content = true
			}
		}
		if continued || len(stack) > 1 {
			continue
		}
		if content {
			cmd := Command{First: start, Last: i}
			for _, c := range comments {
				if m := expectRE.FindStringSubmatch(c); m != nil {
					cmd.Expect, _ = strconv.Atoi(m[1])
				}
			}
			cmds = append(cmds, cmd)
		}
		start = -1
	}
	if len(stack) > 1 {
		return nil, fmt.Errorf("%s:%d: a quote or $( opened here is never closed", b.File, b.Line+openedAt[len(openedAt)-1])
	}
	if start >= 0 && content {
		return nil, fmt.Errorf("%s:%d: the block ends inside a command continued with a backslash", b.File, b.Line+start)
	}
	return cmds, nil
}

// Script is a bash walkthrough built from blocks.
type Script struct {
	Text string
	// Where maps a line of Text (1-based) to "file:line" of the README.
	Where map[int]string
}

// Build writes the blocks into one bash script after the preamble, each
// command prefixed with a call of `__cmd file line expect` (on its own
// first line, so README lines keep their shape), and with rewrite applied
// to every line (the test points localhost:8080 at its host).
func Build(preamble string, blocks []Block, rewrite func(string) string) (Script, error) {
	var sb strings.Builder
	s := Script{Where: map[int]string{}}
	sb.WriteString(preamble)
	if !strings.HasSuffix(preamble, "\n") {
		sb.WriteString("\n")
	}
	n := strings.Count(sb.String(), "\n")
	var errs []error
	for _, b := range blocks {
		cmds, err := Commands(b)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		starts := map[int]Command{}
		for _, c := range cmds {
			starts[c.First] = c
		}
		for i, line := range b.Lines {
			n++
			s.Where[n] = fmt.Sprintf("%s:%d", b.File, b.Line+i)
			if c, ok := starts[i]; ok {
				fmt.Fprintf(&sb, "__cmd %s %d %d; ", b.File, b.Line+i, c.Expect)
			}
			sb.WriteString(rewrite(line))
			sb.WriteString("\n")
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Script{}, err
	}
	s.Text = sb.String()
	return s, nil
}
