package checks

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Config: the image's config, each field the check names: entrypoint, cmd,
// workdir, user, environment variables and labels (each named one, exact),
// exposed ports ("8080" is 8080/tcp, as docker's EXPOSE takes it) and
// volumes (each one listed, others allowed).
//
//	config: {image: runtime, entrypoint: [./helloworld], workdir: /myapp}
//	config: {image: app, user: "1000", cmd: [serve], env: {PORT: "8080"}, labels: {team: web}, exposed-ports: ["8080"], volumes: [/data]}
type Config struct {
	Image        string            `yaml:"image"`
	Entrypoint   []string          `yaml:"entrypoint"`
	Cmd          []string          `yaml:"cmd"`
	Workdir      string            `yaml:"workdir"`
	User         string            `yaml:"user"`
	Env          map[string]string `yaml:"env"`
	Labels       map[string]string `yaml:"labels"`
	ExposedPorts []string          `yaml:"exposed-ports"`
	Volumes      []string          `yaml:"volumes"`
}

func (c Config) Images() ([]string, bool) { return []string{c.Image}, false }
func (Config) Need(*Needs)                {}

func (c Config) Invalid() string {
	if c.Entrypoint == nil && c.Cmd == nil && c.Workdir == "" && c.User == "" && c.Env == nil && c.Labels == nil && c.ExposedPorts == nil && c.Volumes == nil {
		return "config names nothing to compare: give entrypoint, cmd, workdir, user, env, labels, exposed-ports or volumes"
	}
	for _, p := range c.ExposedPorts {
		if port(p) == "" {
			return fmt.Sprintf("config.exposed-ports: %q is not a port (8080, 8080/tcp, 53/udp)", p)
		}
	}
	return ""
}

// port is a port as docker's config keys it ("8080/tcp"), or "".
func port(p string) string {
	n, proto, ok := strings.Cut(p, "/")
	if !ok {
		proto = "tcp"
	}
	if n == "" || strings.Trim(n, "0123456789") != "" || (proto != "tcp" && proto != "udp" && proto != "sctp") {
		return ""
	}
	return n + "/" + proto
}

func (c Config) Evaluate(l Lab, inv Inventory) Verdict {
	var want, got []string
	pass := true
	im, err := image(l, inv, c.Image)
	field := func(name string, asked bool, w, g string, ok bool) {
		if !asked {
			return
		}
		want = append(want, name+" "+w)
		got = append(got, name+" "+g)
		pass = pass && ok
	}
	field("entrypoint", c.Entrypoint != nil, fmt.Sprintf("%q", c.Entrypoint), fmt.Sprintf("%q", im.Entrypoint), slices.Equal(im.Entrypoint, c.Entrypoint))
	field("cmd", c.Cmd != nil, fmt.Sprintf("%q", c.Cmd), fmt.Sprintf("%q", im.Cmd), slices.Equal(im.Cmd, c.Cmd))
	field("workdir", c.Workdir != "", c.Workdir, im.WorkingDir, im.WorkingDir == c.Workdir)
	field("user", c.User != "", c.User, fmt.Sprintf("%q", im.User), im.User == c.User)
	env := map[string]string{}
	for _, kv := range im.Env {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	for _, k := range slices.Sorted(maps.Keys(c.Env)) {
		v, ok := env[k]
		g := "unset"
		if ok {
			g = fmt.Sprintf("%q", v)
		}
		field("env "+k, true, fmt.Sprintf("%q", c.Env[k]), g, ok && v == c.Env[k])
	}
	for _, k := range slices.Sorted(maps.Keys(c.Labels)) {
		v, ok := im.Labels[k]
		g := "unset"
		if ok {
			g = fmt.Sprintf("%q", v)
		}
		field("label "+k, true, fmt.Sprintf("%q", c.Labels[k]), g, ok && v == c.Labels[k])
	}
	if c.ExposedPorts != nil {
		var ports []string
		ok := true
		for _, p := range c.ExposedPorts {
			ports = append(ports, port(p))
			ok = ok && slices.Contains(im.ExposedPorts, port(p))
		}
		field("exposed ports", true, strings.Join(ports, " "), strings.Join(im.ExposedPorts, " "), ok)
	}
	if c.Volumes != nil {
		ok := true
		for _, v := range c.Volumes {
			ok = ok && slices.Contains(im.Volumes, v)
		}
		field("volumes", true, strings.Join(c.Volumes, " "), strings.Join(im.Volumes, " "), ok)
	}
	expected := strings.Join(want, ", ")
	if err != nil {
		return missing(expected, err)
	}
	return Verdict{Expected: expected, Actual: strings.Join(got, ", "), Pass: pass}
}
