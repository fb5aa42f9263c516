package etcdscript

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"

	"go.etcd.io/raft/v3"
)

// RaftModule is the module whose scripts this package plays.
const RaftModule = "go.etcd.io/raft/v3"

// ScriptsDir is where the scripts are inside RaftModule.
const ScriptsDir = "testdata"

// ModuleDir returns the directory of RaftModule, at the version this
// binary was built with (runtime/debug.ReadBuildInfo, following a
// replace), in the module cache: $GOMODCACHE, else the first $GOPATH
// entry's pkg/mod, else ~/go/pkg/mod. A binary that records no
// dependencies (a test binary) falls back on the directory of raft's source
// files as the compiler recorded them (not with -trimpath). It returns an error wrapping
// ErrNoModule if the binary has no build information, does not depend on
// the module, or the directory is missing (e.g. a binary run on another
// machine). `go list -m -json go.etcd.io/raft/v3` answers the same
// question with the go tool; the conformance test checks they agree.
func ModuleDir() (string, error) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "", fmt.Errorf("%w: no build information", ErrNoModule)
	}
	for _, m := range bi.Deps {
		if m.Path != RaftModule {
			continue
		}
		if m.Replace != nil {
			m = m.Replace
			if m.Version == "" { // a directory replacement
				return checkDir(m.Path)
			}
		}
		return checkDir(filepath.Join(modCache(), filepath.FromSlash(escape(m.Path))+"@"+escape(m.Version)))
	}
	// A test binary records no dependencies: ask where the compiler found
	// raft's source (the module root holds rawnode.go). -trimpath hides it.
	if f := runtime.FuncForPC(reflect.ValueOf(raft.NewRawNode).Pointer()); f != nil {
		if file, _ := f.FileLine(f.Entry()); filepath.IsAbs(file) {
			return checkDir(filepath.Dir(file))
		}
	}
	return "", fmt.Errorf("%w: %s is not a recorded dependency of %s", ErrNoModule, RaftModule, bi.Main.Path)
}

// escape is the module cache's case encoding (golang.org/x/mod/module's
// EscapePath): an upper-case letter becomes "!" and its lower case.
func escape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if 'A' <= r && r <= 'Z' {
			b.WriteByte('!')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

func modCache() string {
	if c := os.Getenv("GOMODCACHE"); c != "" {
		return c
	}
	if p := filepath.SplitList(os.Getenv("GOPATH")); len(p) > 0 && p[0] != "" {
		return filepath.Join(p[0], "pkg", "mod")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, "go", "pkg", "mod")
}

func checkDir(dir string) (string, error) {
	if fi, err := os.Stat(filepath.Join(dir, ScriptsDir)); err != nil || !fi.IsDir() {
		return "", fmt.Errorf("%w: no %s in %s", ErrNoModule, ScriptsDir, dir)
	}
	return dir, nil
}

// ReadDir returns the names of the scripts (*.txt) in dir of fsys, sorted:
// for etcd's, ReadDir(os.DirFS(moduleDir), ScriptsDir).
func ReadDir(fsys fs.FS, dir string) ([]string, error) {
	ents, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".txt") {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	return names, nil
}

// ReadScript reads and parses the script name of fsys, reading at most
// MaxScriptBytes+1 bytes (a larger file is ErrTooLarge, unread beyond
// that). The script is named by its base name in errors.
func ReadScript(fsys fs.FS, name string) (*Script, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, MaxScriptBytes+1))
	if err != nil {
		return nil, err
	}
	return Parse(path.Base(name), src)
}
