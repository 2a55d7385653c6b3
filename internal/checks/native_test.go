package checks

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// app is an image's facts for the native kinds' tests.
var app = ImageFacts{Present: true, Entrypoint: []string{"/app"}, Cmd: []string{"serve"}, WorkingDir: "/srv", User: "1000",
	Env: []string{"PATH=/bin", "PORT=8080"}, Labels: map[string]string{"team": "web"},
	ExposedPorts: []string{"53/udp", "8080/tcp"}, Volumes: []string{"/data"}}

func oneApp(extra func(*Inventory)) Inventory {
	inv := Inventory{Images: map[string]ImageFacts{"runtime": app}}
	if extra != nil {
		extra(&inv)
	}
	return inv
}

// TestConfigComparesEveryFieldItNames: each field passes on the image's
// value and fails on another; a bare port is tcp.
func TestConfigComparesEveryFieldItNames(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		pass bool
	}{
		{Config{User: "1000", Cmd: []string{"serve"}, Workdir: "/srv"}, true},
		{Config{User: "root"}, false},
		{Config{Cmd: []string{"serve", "--debug"}}, false},
		{Config{Env: map[string]string{"PORT": "8080"}}, true},
		{Config{Env: map[string]string{"PORT": "80"}}, false},
		{Config{Env: map[string]string{"HOME": "/"}}, false},
		{Config{Labels: map[string]string{"team": "web"}}, true},
		{Config{Labels: map[string]string{"team": "db"}}, false},
		{Config{ExposedPorts: []string{"8080", "53/udp"}}, true},
		{Config{ExposedPorts: []string{"53"}}, false},
		{Config{Volumes: []string{"/data"}}, true},
		{Config{Volumes: []string{"/var"}}, false},
	} {
		c.cfg.Image = "runtime"
		assert.Empty(t, c.cfg.Invalid())
		assert.Equal(t, c.pass, c.cfg.Evaluate(oneImage{}, oneApp(nil)).Pass, "%+v", c.cfg)
	}
	v := Config{Image: "runtime", User: "root", ExposedPorts: []string{"8080"}}.Evaluate(oneImage{}, oneApp(nil))
	assert.Equal(t, Verdict{Expected: "user root, exposed ports 8080/tcp", Actual: `user "1000", exposed ports 53/udp 8080/tcp`}, v)
	assert.Equal(t, `config.exposed-ports: "http" is not a port (8080, 8080/tcp, 53/udp)`, Config{Image: "runtime", ExposedPorts: []string{"http"}}.Invalid())
}

// TestFilesModeOwnerContent: a path's permission bits, owner and content,
// as read from the image's archive.
func TestFilesModeOwnerContent(t *testing.T) {
	inv := oneApp(func(inv *Inventory) {
		inv.Paths = map[string]map[string]PathInfo{"runtime": {
			"/app":      {Path: "/app", Present: true, Read: true, Mode: 0o755, UID: 0, GID: 0, Content: []byte("\x7fELF...")},
			"/data/cfg": {Path: "/data/cfg", Present: true, Read: true, Mode: 0o640, UID: 1000, GID: 1000, Content: []byte("port = 8080\n")},
		}}
	})
	for _, c := range []struct {
		f    Files
		pass bool
	}{
		{Files{Mode: map[string]string{"/app": "0755", "/data/cfg": "640"}}, true},
		{Files{Mode: map[string]string{"/app": "0775"}}, false},
		{Files{Owner: map[string]string{"/data/cfg": "1000:1000", "/app": "0"}}, true},
		{Files{Owner: map[string]string{"/data/cfg": "1000:0"}}, false},
		{Files{Contains: map[string]string{"/data/cfg": `^port = \d+$`}}, false},
		{Files{Contains: map[string]string{"/data/cfg": `(?m)^port = \d+$`}}, true},
		{Files{Mode: map[string]string{"/missing": "0644"}}, false},
	} {
		c.f.Image = "runtime"
		assert.Empty(t, c.f.Invalid())
		assert.Equal(t, c.pass, c.f.Evaluate(oneImage{}, inv).Pass, "%+v", c.f)
	}
	var n Needs
	Files{Image: "runtime", Present: []string{"/app"}, Owner: map[string]string{"/data/cfg": "1"}}.Need(&n)
	assert.Equal(t, []string{"/app", "/data/cfg"}, n.Paths["runtime"])
	assert.Equal(t, []string{"/data/cfg"}, n.Read["runtime"], "only the paths whose owner, mode or content is asked are read")
	assert.Equal(t, `files.mode of /app: "rwx" is not an octal mode (0755)`, Files{Image: "runtime", Mode: map[string]string{"/app": "rwx"}}.Invalid())
	assert.Equal(t, `files.owner of /app: "root" is not uid or uid:gid as numbers (1000:1000)`, Files{Image: "runtime", Owner: map[string]string{"/app": "root"}}.Invalid())
}

// TestRunWithArgumentsAndEnvironment: a run with its own arguments and
// variables is its own run; stdout and stderr as text or a regular
// expression.
func TestRunWithArgumentsAndEnvironment(t *testing.T) {
	r := Run{Image: "runtime", Args: []string{"--version"}, Env: map[string]string{"LANG": "C", "A": "1"}, StdoutMatches: `^app v\d`, Stderr: new(""), Exit: 0}
	var n Needs
	r.Need(&n)
	Run{Image: "runtime"}.Need(&n)
	assert.Equal(t, []RunSpec{{Image: "runtime", Args: []string{"--version"}, Env: []string{"A=1", "LANG=C"}}}, n.Execs)
	assert.Equal(t, []string{"runtime"}, n.Runs, "a plain run stays the image's run")
	inv := oneApp(func(inv *Inventory) {
		inv.Runs = map[string]RunOutcome{
			n.Execs[0].Key(): {RunResult: RunResult{Stdout: "app v1.2\n"}},
			"runtime":        {RunResult: RunResult{Stdout: "serving\n", Stderr: "warn\n"}},
		}
	})
	v := r.Evaluate(oneImage{}, inv)
	assert.True(t, v.Pass, "%+v", v)
	assert.Equal(t, `with args ["--version"], env ["A=1" "LANG=C"]: stdout matching "^app v\\d", stderr "", exit 0`, v.Expected)
	assert.False(t, Run{Image: "runtime", StderrMatches: "^error"}.Evaluate(oneImage{}, inv).Pass)
	assert.True(t, Run{Image: "runtime", Stdout: new("serving\n"), StderrMatches: "warn"}.Evaluate(oneImage{}, inv).Pass)
	assert.True(t, Run{Image: "runtime"}.Evaluate(oneImage{}, inv).Pass, "no stdout given: not compared")
	assert.Equal(t, "run: error parsing regexp: missing closing ): `(`", Run{Image: "runtime", StdoutMatches: "("}.Invalid())
}
