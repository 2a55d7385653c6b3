package output

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// mayWrite are the folders whose code may write to the process's standard
// streams: this package, BuildKit's progress display for the live build
// stream, and the two programs that are not the lab but what it puts in
// images: the program the lab containerizes (app) and the stand-ins' shell
// and commands (the toolbox).
var mayWrite = []string{"internal/output", "internal/progress", "app", "internal/toolbox/cmd/toolbox"}

// TestOnlyTheOutputPackageWrites fails when any other package's code (tests
// aside) names os.Stdout or os.Stderr, prints with fmt.Print*, log's
// standard logger or the print builtins: steps return results or write to
// the writer they are given, so a repository that imports the lab's
// targets decides where the words go.
func TestOnlyTheOutputPackageWrites(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	var found []string
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel := filepath.ToSlash(strings.TrimPrefix(path, root+string(filepath.Separator)))
		if d.IsDir() {
			switch {
			case path == root:
			case strings.HasPrefix(d.Name(), "."), d.Name() == "testdata", rel == "build":
				return filepath.SkipDir
			case slices.Contains(mayWrite, rel):
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		if d.Name() == "mage_output_file.go" {
			return nil // mage's own main, written beside the magefile while it compiles
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		found = append(found, writes(t, rel, src)...)
		return nil
	})
	require.NoError(t, err)
	assert.Empty(t, found, "only %s write to the standard streams; the rest write to the writer they are given (lab.Env.Out, targets.Env)", strings.Join(mayWrite, ", "))
}

// TestTheScanFindsEveryWayToWrite keeps the scan above honest: each way
// to reach the standard streams is found, under any import name.
func TestTheScanFindsEveryWayToWrite(t *testing.T) {
	src := `package p

import (
	"fmt"
	stdlog "log"
	goos "os"
)

func f() {
	fmt.Fprintln(goos.Stdout, "a")
	w := goos.Stderr
	fmt.Println("b")
	fmt.Printf("c")
	stdlog.Printf("d")
	stdlog.Fatal("e")
	println("f")
	fmt.Fprintf(w, "fine: a writer given")
}
`
	assert.Equal(t, []string{
		"p.go:10: os.Stdout", "p.go:11: os.Stderr", "p.go:12: fmt.Println", "p.go:13: fmt.Printf",
		"p.go:14: log.Printf", "p.go:15: log.Fatal", "p.go:16: println",
	}, writes(t, "p.go", []byte(src)))
}

// writes lists where a Go file reaches the standard streams.
func writes(t *testing.T, name string, src []byte) []string {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, 0)
	require.NoError(t, err, name)
	imports := map[string]string{} // local name -> path
	for _, imp := range f.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		local := filepath.Base(path)
		if imp.Name != nil {
			local = imp.Name.Name
		}
		imports[local] = path
	}
	var found []string
	at := func(n ast.Node, what string) {
		found = append(found, name+":"+strconv.Itoa(fset.Position(n.Pos()).Line)+": "+what)
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			x, ok := n.X.(*ast.Ident)
			if !ok || x.Obj != nil {
				return true
			}
			switch path, sel := imports[x.Name], n.Sel.Name; {
			case path == "os" && (sel == "Stdout" || sel == "Stderr"):
				at(n, "os."+sel)
			case path == "fmt" && strings.HasPrefix(sel, "Print"):
				at(n, "fmt."+sel)
			case path == "log" && (strings.HasPrefix(sel, "Print") || strings.HasPrefix(sel, "Fatal") || strings.HasPrefix(sel, "Panic")):
				at(n, "log."+sel)
			}
		case *ast.CallExpr:
			if id, ok := n.Fun.(*ast.Ident); ok && id.Obj == nil && (id.Name == "print" || id.Name == "println") {
				at(n, id.Name)
			}
		}
		return true
	})
	sort.Strings(found)
	return found
}

// emitOnly are the packages whose steps tell the user what they do only as
// values (package event), never as text of their own.
var emitOnly = []string{"internal/lab", "internal/walkthrough", "internal/clean"}

// TestStepsEmitEventsNotText fails when a step package formats words for
// the user itself (fmt.Fprint*): what it has to say is an event, and this
// package renders it.
func TestStepsEmitEventsNotText(t *testing.T) {
	var found []string
	for _, dir := range emitOnly {
		files, err := filepath.Glob(filepath.Join("..", "..", filepath.FromSlash(dir), "*.go"))
		require.NoError(t, err)
		require.NotEmpty(t, files, dir)
		for _, path := range files {
			if strings.HasSuffix(path, "_test.go") {
				continue
			}
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, path, nil, 0)
			require.NoError(t, err)
			ast.Inspect(f, func(n ast.Node) bool {
				if s, ok := n.(*ast.SelectorExpr); ok {
					if x, ok := s.X.(*ast.Ident); ok && x.Name == "fmt" && strings.HasPrefix(s.Sel.Name, "Fprint") {
						found = append(found, dir+"/"+filepath.Base(path)+":"+strconv.Itoa(fset.Position(s.Pos()).Line)+": fmt."+s.Sel.Name)
					}
				}
				return true
			})
		}
	}
	assert.Empty(t, found, "%s emit events (package event); package output renders them", strings.Join(emitOnly, ", "))
}
