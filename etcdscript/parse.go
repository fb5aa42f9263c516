package etcdscript

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/cockroachdb/datadriven"
)

// Limits on what a script may ask for, checked before any work.
const (
	// MaxScriptBytes is the largest script Parse accepts (1 MiB; etcd's
	// largest is about 40 KiB).
	MaxScriptBytes = 1 << 20
	// MaxNodes is the most nodes a script may add (etcd's scripts use at
	// most 7).
	MaxNodes = 16
	// MaxDirectives is the most directives a script may hold (etcd's
	// longest has 74). With MaxNodes and LogWindow it bounds the work and
	// the memory of a run, which MaxOutputBytes alone does not (log-level
	// none silences the output).
	MaxDirectives = 1000
	// LogWindow is how many of a node's newest entries a step's view
	// shows.
	LogWindow = 64
	// MaxOutputBytes bounds the output a Runner keeps over a whole script
	// (actual outputs summed).
	MaxOutputBytes = 32 << 20
)

// Script is a parsed datadriven script.
type Script struct {
	// Name is the name given to Parse, used in errors (e.g. "campaign.txt").
	Name       string
	Directives []Directive
}

// Directive is one directive of a script: a command line, its input, and
// the output the file expects.
type Directive struct {
	// Line is the 1-based line of the command.
	Line int
	// Text is the command and its arguments as in the file (continued
	// lines joined with a space, as datadriven joins them).
	Text string
	// Cmd is the command ("add-nodes"); Args its parsed arguments.
	Cmd  string
	Args []datadriven.CmdArg
	// Input is the text between the command line and "----", trimmed
	// (propose-conf-change's changes).
	Input string
	// Expected is the output the file gives, each line ending in "\n"
	// (empty if the directive has no "----" section).
	Expected string
}

// testData returns d as datadriven hands it to InteractionEnv.Handle.
func (d *Directive) testData(script string) datadriven.TestData {
	return datadriven.TestData{
		Pos: fmt.Sprintf("%s:%d", script, d.Line), Cmd: d.Cmd, CmdArgs: d.Args,
		Input: d.Input, Expected: d.Expected,
	}
}

// Parse reads a script with datadriven's reading rules (those of its
// RunTest without rewriting): "#" lines are comments, a line ending in "\"
// continues on the next, a command's input runs to a "----" line, and its
// expected output to the next blank line, or, after "----" twice, to the
// next "----" twice. name is used in errors only.
//
// The errors, each a *LineError: ErrTooLarge (over MaxScriptBytes, line
// 0, or over MaxDirectives, at the first one too many), ErrBinary (a NUL byte or invalid UTF-8, at its line), ErrSyntax (a
// line datadriven.ParseLine refuses, a subtest, which InteractionEnv
// scripts do not use, or text after a closing "----" fence). Directives
// are not checked here; a Runner checks each when it runs it.
func Parse(name string, src []byte) (*Script, error) {
	if len(src) > MaxScriptBytes {
		return nil, lineErr(name, 0, ErrTooLarge, "%d bytes, at most %d", len(src), MaxScriptBytes)
	}
	if i := bytes.IndexByte(src, 0); i >= 0 || !utf8.Valid(src) {
		if i < 0 {
			i = invalidUTF8(src)
		}
		return nil, lineErr(name, 1+bytes.Count(src[:i], []byte("\n")), ErrBinary, "a NUL byte or invalid UTF-8")
	}
	sc := &lineScanner{Scanner: bufio.NewScanner(bytes.NewReader(src))}
	sc.Buffer(make([]byte, 0, 4096), MaxScriptBytes+1)
	s := &Script{Name: name}
	for sc.Scan() {
		lineNo := sc.line
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") {
			continue
		}
		for strings.HasSuffix(line, `\`) && sc.Scan() {
			line = strings.TrimSuffix(line, `\`) + " " + strings.TrimSpace(sc.Text())
		}
		cmd, args, err := datadriven.ParseLine(line)
		if err != nil {
			return nil, lineErr(name, lineNo, ErrSyntax, "%v", err)
		}
		if cmd == "" {
			continue
		}
		if cmd == "subtest" {
			return nil, lineErr(name, lineNo, ErrSyntax, "subtests are not supported")
		}
		if len(s.Directives) == MaxDirectives {
			return nil, lineErr(name, lineNo, ErrTooLarge, "more than %d directives", MaxDirectives)
		}
		d := Directive{Line: lineNo, Text: line, Cmd: cmd, Args: args}
		var input strings.Builder
		separator := false
		for sc.Scan() {
			if sc.Text() == "----" {
				separator = true
				break
			}
			input.WriteString(sc.Text())
			input.WriteByte('\n')
		}
		d.Input = strings.TrimSpace(input.String())
		if separator {
			if d.Expected, err = readExpected(sc); err != nil {
				return nil, lineErr(name, sc.line, ErrSyntax, "%v", err)
			}
		}
		s.Directives = append(s.Directives, d)
	}
	if err := sc.Err(); err != nil {
		return nil, lineErr(name, sc.line+1, ErrSyntax, "%v", err)
	}
	return s, nil
}

// readExpected reads the expected output after the first "----", as
// datadriven's testDataReader.readExpected does.
func readExpected(sc *lineScanner) (string, error) {
	var buf strings.Builder
	var line string
	if sc.Scan() {
		line = sc.Text()
	}
	if line == "----" {
		// Fenced: up to "----" twice, blank lines allowed.
		for sc.Scan() {
			line = sc.Text()
			if line == "----" && sc.Scan() {
				line2 := sc.Text()
				if line2 == "----" {
					if sc.Scan() && sc.Text() != "" {
						return "", fmt.Errorf("non-blank line after end of double ---- separator section")
					}
					break
				}
				buf.WriteString(line + "\n" + line2 + "\n")
				continue
			}
			buf.WriteString(line + "\n")
		}
		return buf.String(), nil
	}
	for strings.TrimSpace(line) != "" {
		buf.WriteString(line + "\n")
		if !sc.Scan() {
			break
		}
		line = sc.Text()
	}
	return buf.String(), nil
}

// lineScanner counts lines, as datadriven's does.
type lineScanner struct {
	*bufio.Scanner
	line int
}

// Scan reads the next line.
func (l *lineScanner) Scan() bool {
	ok := l.Scanner.Scan()
	if ok {
		l.line++
	}
	return ok
}

// invalidUTF8 returns the offset of the first invalid UTF-8 sequence in b.
func invalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}
