package core

import (
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// kindNames are the error kinds of errors.go: every error core returns must
// match exactly one of them.
var kindNames = map[string]bool{
	"ErrNotLeader": true, "ErrNoQuorum": true, "ErrConfig": true,
	"ErrRaft": true, "ErrStorage": true, "ErrSerialization": true, "ErrConfChangeRefused": true,
}

// kindWrappers attach a kind to a cause (errors.go).
var kindWrappers = map[string]bool{"raftErr": true, "storageErr": true, "serializationErr": true, "refusedErr": true}

// ruleHelpers return plain errors that are never returned by core: their
// callers put the text into a *ConfigError's Rule.
var ruleHelpers = map[string]bool{"splitHostPort": true, "checkAddr": true, "checkWritableDir": true}

// TestEveryReturnedErrorHasAKind reads core's source and checks, for every
// function that returns an error, that each error it returns carries a kind:
// nil, a kind wrapper (raftErr, storageErr, serializationErr), a
// *NotLeaderError or *ConfigError, fmt.Errorf wrapping a kind with %w,
// errors.Join of *ConfigErrors, or an err variable just returned by another
// core function that is itself checked here. A new error path that returns
// a bare cause (an etcd, storage or state machine error without a kind)
// fails this test, naming the file and line.
func TestEveryReturnedErrorHasAKind(t *testing.T) {
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var funcs []*ast.FuncDecl
	checked := map[string]bool{} // names of functions returning error (or []error)
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil || ruleHelpers[fd.Name.Name] || kindWrappers[fd.Name.Name] {
				continue
			}
			if fd.Name.Name == "Unwrap" && fd.Recv != nil {
				continue // returns the cause, by design
			}
			if fd.Recv != nil && len(fd.Recv.List) == 1 && types.ExprString(fd.Recv.List[0].Type) == "*probedRaw" {
				continue // stands in for etcd's RawNode: its callers wrap, as they wrap the RawNode's
			}
			if k := errorResult(fd); k != "" {
				funcs = append(funcs, fd)
				checked[fd.Name.Name] = true
			}
		}
	}
	if len(funcs) < 10 {
		t.Fatalf("found only %d functions returning errors in core's source; is the test run from core/?", len(funcs))
	}
	for _, fd := range funcs {
		kind := errorResult(fd)
		assigned := map[string]ast.Expr{} // err variable -> the call it last came from
		local := coreVars(fd)             // variables whose type is one of core's
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncLit:
				return false // its returns are its own
			case *ast.AssignStmt:
				for i, lhs := range n.Lhs {
					id, ok := lhs.(*ast.Ident)
					if !ok {
						continue
					}
					var rhs ast.Expr
					if len(n.Rhs) == 1 {
						rhs = n.Rhs[0]
					} else if i < len(n.Rhs) {
						rhs = n.Rhs[i]
					}
					assigned[id.Name] = rhs
					switch r := rhs.(type) {
					case *ast.UnaryExpr: // n := &RaftNode{...}
						if lit, ok := r.X.(*ast.CompositeLit); ok && isLocalType(lit.Type) {
							local[id.Name] = true
						}
					case *ast.CallExpr: // cfg := DefaultConfig()
						if isLocalType(r.Fun) {
							local[id.Name] = true
						}
					}
				}
			case *ast.ReturnStmt:
				if len(n.Results) == 0 {
					return true
				}
				last := n.Results[len(n.Results)-1]
				if why := kindless(last, kind, assigned, checked, local); why != "" {
					t.Errorf("%s: %s returns an error with no kind: %s", fset.Position(last.Pos()), fd.Name.Name, why)
				}
			case *ast.CallExpr:
				// append(errs, x), the list of configuration problems: x must
				// be a *ConfigError.
				if isIdent(n.Fun, "append") && len(n.Args) > 0 && isIdent(n.Args[0], "errs") {
					for _, a := range n.Args[1:] {
						if n.Ellipsis.IsValid() {
							continue // append(errs, other.validate()...): checked where built
						}
						if !isErrorStruct(a) {
							t.Errorf("%s: %s appends an error that is not a *ConfigError", fset.Position(a.Pos()), fd.Name.Name)
						}
					}
				}
			}
			return true
		})
	}
}

// errorResult is "error" or "[]error" when fd's last result is one, else "".
func errorResult(fd *ast.FuncDecl) string {
	res := fd.Type.Results
	if res == nil || len(res.List) == 0 {
		return ""
	}
	switch t := res.List[len(res.List)-1].Type.(type) {
	case *ast.Ident:
		if t.Name == "error" {
			return "error"
		}
	case *ast.ArrayType:
		if isIdent(t.Elt, "error") {
			return "[]error"
		}
	}
	return ""
}

// kindless says why e, returned as an error, may carry no kind, or "" if it
// carries one.
func kindless(e ast.Expr, kind string, assigned map[string]ast.Expr, checked, local map[string]bool) string {
	// coreCall: a call of a core function, or of a method on a core value
	// (not, say, n.rn.Step or st.Snapshot, which are etcd's and storage's).
	coreCall := func(c *ast.CallExpr) bool {
		switch f := c.Fun.(type) {
		case *ast.Ident:
			return checked[f.Name]
		case *ast.SelectorExpr:
			x, ok := f.X.(*ast.Ident)
			return ok && local[x.Name] && checked[f.Sel.Name]
		}
		return false
	}
	if kind == "[]error" {
		return "" // the appends are checked instead
	}
	switch e := e.(type) {
	case *ast.Ident:
		if e.Name == "nil" {
			return ""
		}
		src, ok := assigned[e.Name]
		if !ok {
			return e.Name + " is not assigned in this function"
		}
		call, ok := src.(*ast.CallExpr)
		if !ok || !coreCall(call) {
			return e.Name + " comes from outside core; wrap it with a kind (raftErr, storageErr, serializationErr)"
		}
		return ""
	case *ast.UnaryExpr:
		if isErrorStruct(e) {
			return ""
		}
	case *ast.CallExpr:
		name := calleeName(e)
		switch {
		case kindWrappers[name]:
			return ""
		case name == "Errorf" && isIdent(e.Fun.(*ast.SelectorExpr).X, "fmt"):
			if len(e.Args) > 1 {
				if lit, ok := e.Args[0].(*ast.BasicLit); ok {
					format, _ := strconv.Unquote(lit.Value)
					if strings.Contains(format, "%w") {
						for _, a := range e.Args[1:] {
							if id, ok := a.(*ast.Ident); ok && kindNames[id.Name] {
								return ""
							}
						}
					}
				}
			}
			return "fmt.Errorf wraps no error kind with %w"
		case name == "Join" && isIdent(e.Fun.(*ast.SelectorExpr).X, "errors"):
			for _, a := range e.Args {
				if c, ok := a.(*ast.CallExpr); ok && coreCall(c) {
					continue
				}
				if id, ok := a.(*ast.Ident); ok && assigned[id.Name] != nil {
					continue // errs, built by appends of *ConfigError checked above
				}
				return "errors.Join of errors not built by core"
			}
			return ""
		case coreCall(e):
			return ""
		}
		return "a call to " + name + ", which is not a kind wrapper"
	}
	return "an expression the test does not recognise"
}

// coreVars are fd's receiver and parameters whose type is declared in core.
func coreVars(fd *ast.FuncDecl) map[string]bool {
	vars := map[string]bool{}
	var fields []*ast.Field
	if fd.Recv != nil {
		fields = append(fields, fd.Recv.List...)
	}
	fields = append(fields, fd.Type.Params.List...)
	for _, f := range fields {
		if isLocalType(f.Type) {
			for _, n := range f.Names {
				vars[n.Name] = true
			}
		}
	}
	return vars
}

// isLocalType reports whether t is T or *T for an exported T of this package
// (not a qualified pkg.T, not a builtin such as string or error).
func isLocalType(t ast.Expr) bool {
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	id, ok := t.(*ast.Ident)
	return ok && ast.IsExported(id.Name)
}

// calleeName is the function or method name a call calls.
func calleeName(c *ast.CallExpr) string {
	switch f := c.Fun.(type) {
	case *ast.Ident:
		return f.Name
	case *ast.SelectorExpr:
		return f.Sel.Name
	}
	return ""
}

// isErrorStruct reports whether e is &NotLeaderError{...} or &ConfigError{...}.
func isErrorStruct(e ast.Expr) bool {
	u, ok := e.(*ast.UnaryExpr)
	if !ok || u.Op != token.AND {
		return false
	}
	lit, ok := u.X.(*ast.CompositeLit)
	return ok && (isIdent(lit.Type, "NotLeaderError") || isIdent(lit.Type, "ConfigError"))
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}
