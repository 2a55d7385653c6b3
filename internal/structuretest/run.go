package structuretest

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/docker/pkg/stdcopy"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/multistage-lab/multistage-lab/internal/engine"
)

// Result is one test's verdict, named as CST names it, with CST's reasons
// for a failure.
type Result struct {
	Name   string
	Pass   bool
	Errors []string
}

func (r *Result) fail(format string, args ...any) {
	r.Pass = false
	r.Errors = append(r.Errors, fmt.Sprintf(format, args...))
}

// match fails r for each expression that is not found in s (expected) or
// is (excluded), in CST's words; where names s as CST does.
func (r *Result) match(exprs []string, s, where string, expected bool) {
	for _, e := range exprs {
		switch {
		case matches(e, s, expected):
		case expected:
			r.fail("Expected string '%s' not found in %s '%s'", e, where, s)
		default:
			r.fail("Excluded string '%s' found in %s '%s'", e, where, s)
		}
	}
}

// noop is the command CST gives a container that is created and never
// started.
const noop = "NOOP_COMMAND_DO_NOT_RUN"

// Run runs the config's tests on the image ref, in CST's order (command,
// file content, file existence, then metadata tests), each on a fresh
// container of the image, and removes every container and image it made.
// Its containers carry labels, so a run that is killed leaves only what
// the lab's clean finds. A test whose run the engine refuses fails with
// the engine's words.
func Run(ctx context.Context, c engine.Client, ref string, cfg *Config, labels map[string]string) []Result {
	c = labelled{Client: c, labels: labels}
	var out []Result
	for _, t := range cfg.CommandTests {
		out = append(out, commandTest(ctx, c, ref, cfg.GlobalEnvVars, t))
	}
	for _, t := range cfg.FileContentTests {
		out = append(out, fileContentTest(ctx, c, ref, cfg.GlobalEnvVars, t))
	}
	for _, t := range cfg.FileExistenceTests {
		out = append(out, fileExistenceTest(ctx, c, ref, cfg.GlobalEnvVars, t))
	}
	if !cfg.MetadataTest.empty() {
		out = append(out, metadataTest(ctx, c, ref, cfg.MetadataTest))
	}
	return out
}

// driver is CST's docker driver for one test: the image the test runs on,
// which global variables and setup commands commit anew.
type driver struct {
	c         engine.Client
	original  string
	current   string
	committed []string
}

func newDriver(c engine.Client, ref string) *driver {
	return &driver{c: c, original: ref, current: ref}
}

// destroy removes the images the test committed, the newest first.
func (d *driver) destroy() {
	ctx := context.Background()
	for i := len(d.committed) - 1; i >= 0; i-- {
		_, _ = d.c.ImageRemove(ctx, d.committed[i], image.RemoveOptions{})
	}
}

func (d *driver) removeContainer(id string) {
	_ = d.c.ContainerRemove(context.Background(), id, container.RemoveOptions{Force: true})
}

// imageEnv is the current image's environment, as a map.
func (d *driver) imageEnv(ctx context.Context) map[string]string {
	cfg, err := d.config(ctx)
	if err != nil {
		return map[string]string{}
	}
	return cfg.env
}

// expandEnv is CST's processEnvVars: each value expanded with the current
// image's environment; nil for none.
func (d *driver) expandEnv(ctx context.Context, vars []EnvVar) []string {
	if len(vars) == 0 {
		return nil
	}
	env := d.imageEnv(ctx)
	var out []string
	for _, v := range vars {
		out = append(out, v.Key+"="+os.Expand(v.Value, func(k string) string { return env[k] }))
	}
	return out
}

func (d *driver) commit(ctx context.Context, id string) error {
	resp, err := d.c.ContainerCommit(ctx, id, container.CommitOptions{})
	if err != nil {
		return fmt.Errorf("Error committing container: %w", err)
	}
	d.current = resp.ID
	d.committed = append(d.committed, resp.ID)
	return nil
}

// setEnv is CST's SetEnv: the global variables committed into the image.
func (d *driver) setEnv(ctx context.Context, vars []EnvVar) error {
	if len(vars) == 0 {
		return nil
	}
	env := d.expandEnv(ctx, vars)
	cr, err := d.c.ContainerCreate(ctx, &container.Config{Image: d.current, Env: env, Cmd: []string{noop}, Entrypoint: []string{""}}, nil, nil, nil, "")
	if err != nil {
		return fmt.Errorf("Error creating container: %w", err)
	}
	defer d.removeContainer(cr.ID)
	return d.commit(ctx, cr.ID)
}

// setup is CST's Setup: each command run and committed in turn.
func (d *driver) setup(ctx context.Context, vars []EnvVar, commands [][]string) error {
	env := d.expandEnv(ctx, vars)
	for _, cmd := range commands {
		id, _, err := d.run(ctx, env, cmd)
		if err != nil {
			return err
		}
		err = d.commit(ctx, id)
		d.removeContainer(id)
		if err != nil {
			return err
		}
	}
	return nil
}

// run starts a container of the current image with its entrypoint cleared,
// as CST does, and waits for it; the container is left for the caller.
func (d *driver) run(ctx context.Context, env, cmd []string) (string, int, error) {
	cr, err := d.c.ContainerCreate(ctx, &container.Config{Image: d.current, Env: env, Cmd: cmd, Entrypoint: []string{""}, AttachStdout: true, AttachStderr: true}, nil, nil, nil, "")
	if err != nil {
		return "", -1, fmt.Errorf("Error creating container: %w", err)
	}
	if err := d.c.ContainerStart(ctx, cr.ID, container.StartOptions{}); err != nil {
		d.removeContainer(cr.ID)
		return "", -1, fmt.Errorf("Error creating container: %w", err)
	}
	waitC, errC := d.c.ContainerWait(ctx, cr.ID, container.WaitConditionNotRunning)
	select {
	case w := <-waitC:
		return cr.ID, int(w.StatusCode), nil
	case err := <-errC:
		d.removeContainer(cr.ID)
		return "", -1, fmt.Errorf("Error when waiting for container: %w", err)
	}
}

// exec is CST's exec: run the command, read its output, remove it.
func (d *driver) exec(ctx context.Context, env, cmd []string) (string, string, int, error) {
	id, code, err := d.run(ctx, env, cmd)
	if err != nil {
		return "", "", -1, err
	}
	defer d.removeContainer(id)
	logs, err := d.c.ContainerLogs(ctx, id, container.LogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		return "", "", -1, fmt.Errorf("Error retrieving container logs: %w", err)
	}
	defer logs.Close()
	var stdout, stderr bytes.Buffer
	if _, err := stdcopy.StdCopy(&stdout, &stderr, logs); err != nil {
		return "", "", -1, fmt.Errorf("Error retrieving container logs: %w", err)
	}
	return stdout.String(), stderr.String(), code, nil
}

// imageConfig is CST's view of an image's config.
type imageConfig struct {
	env             map[string]string
	entrypoint, cmd []string
	volumes, ports  []string
	workdir, user   string
	labels          map[string]string
}

func (d *driver) config(ctx context.Context) (imageConfig, error) {
	in, err := d.c.ImageInspect(ctx, d.current)
	if err != nil {
		return imageConfig{}, fmt.Errorf("Error when inspecting image: %w", err)
	}
	cfg := imageConfig{env: map[string]string{}}
	if in.Config == nil {
		return cfg, nil
	}
	for _, kv := range in.Config.Env {
		k, v, _ := strings.Cut(kv, "=")
		cfg.env[k] = v
	}
	for v := range in.Config.Volumes {
		cfg.volumes = append(cfg.volumes, v)
	}
	for p := range in.Config.ExposedPorts {
		port, _, _ := strings.Cut(p, "/") // CST compares the port without its protocol
		cfg.ports = append(cfg.ports, port)
	}
	cfg.entrypoint, cfg.cmd = in.Config.Entrypoint, in.Config.Cmd
	cfg.workdir, cfg.user, cfg.labels = in.Config.WorkingDir, in.Config.User, in.Config.Labels
	return cfg, nil
}

// archive is what CST's retrieveTar reads: the path as `docker cp` gives
// it, from a container of the current image that is created and never
// started.
func (d *driver) archive(ctx context.Context, p string) (*tar.Reader, error) {
	cr, err := d.c.ContainerCreate(ctx, &container.Config{Image: d.current, Cmd: []string{noop}}, nil, nil, nil, "")
	if err != nil {
		return nil, fmt.Errorf("Error creating container: %w", err)
	}
	defer d.removeContainer(cr.ID)
	rc, _, err := d.c.CopyFromContainer(ctx, cr.ID, p)
	if err != nil {
		return nil, fmt.Errorf("Error retrieving file from container: %w", err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, err
	}
	return tar.NewReader(bytes.NewReader(data)), nil
}

// entries calls fn with each entry of target's archive until it returns
// true.
func (d *driver) entries(ctx context.Context, target string, fn func(h *tar.Header, tr *tar.Reader) bool) error {
	tr, err := d.archive(ctx, target)
	if err != nil {
		return err
	}
	for {
		h, err := tr.Next()
		if err != nil || fn(h, tr) {
			return nil
		}
	}
}

// named reports whether an archive entry is target itself.
func named(h *tar.Header, target string) bool { return filepath.Clean(h.Name) == path.Base(target) }

// stat is CST's StatFile.
func (d *driver) stat(ctx context.Context, target string) (fs.FileInfo, error) {
	var info fs.FileInfo
	err := d.entries(ctx, target, func(h *tar.Header, _ *tar.Reader) bool {
		switch h.Typeflag {
		case tar.TypeDir, tar.TypeReg, tar.TypeLink, tar.TypeSymlink:
			if named(h, target) {
				info = h.FileInfo()
			}
		}
		return info != nil
	})
	if err == nil && info == nil {
		err = fmt.Errorf("File %s not found in image", target)
	}
	return info, err
}

// read is CST's ReadFile: a symbolic link is followed by its target as
// written.
func (d *driver) read(ctx context.Context, target string) ([]byte, error) {
	var data []byte
	var readErr error
	var link string
	found := false
	err := d.entries(ctx, target, func(h *tar.Header, tr *tar.Reader) bool {
		switch h.Typeflag {
		case tar.TypeDir:
			if named(h, target) {
				readErr, found = fmt.Errorf("Cannot read specified path: %s is a directory, not a file", target), true
			}
		case tar.TypeSymlink:
			link, found = h.Linkname, true
		case tar.TypeReg, tar.TypeLink:
			if named(h, target) {
				data, readErr = io.ReadAll(tr)
				found = true
			}
		}
		return found
	})
	switch {
	case err != nil:
		return nil, err
	case link != "":
		return d.read(ctx, link)
	case !found:
		return nil, fmt.Errorf("File %s not found in image", target)
	}
	return data, readErr
}

// matches is CST's CompileAndRunRegex: a Go regular expression found
// anywhere in s; one that does not compile is false either way.
func matches(expr, s string, shouldMatch bool) bool {
	re, err := regexp.Compile(expr)
	if err != nil {
		return false
	}
	return shouldMatch == re.MatchString(s)
}

func commandTest(ctx context.Context, c engine.Client, ref string, global []EnvVar, t CommandTest) Result {
	if msgs := t.invalid(); len(msgs) > 0 {
		return Result{Name: t.Name, Errors: msgs}
	}
	r := Result{Name: "Command Test: " + t.Name, Pass: true}
	d := newDriver(c, ref)
	defer d.destroy()
	if err := d.setEnv(ctx, global); err != nil {
		return Result{Name: t.Name, Errors: []string{"error setting env vars: " + err.Error()}}
	}
	if err := d.setup(ctx, t.EnvVars, t.Setup); err != nil {
		return Result{Name: t.Name, Errors: []string{"error in setup: " + err.Error()}}
	}
	env := d.imageEnv(ctx)
	full := append([]string{t.Command}, t.Args...)
	for i, a := range full {
		full[i] = os.Expand(a, func(k string) string { return env[k] })
	}
	var raw []string
	for _, v := range t.EnvVars {
		raw = append(raw, v.Key+"="+v.Value)
	}
	stdout, stderr, code, err := d.exec(ctx, raw, full)
	if err != nil {
		r.fail("%s", err)
		return r
	}
	r.match(t.ExpectedError, stderr, "error", true)
	r.match(t.ExcludedError, stderr, "error", false)
	r.match(t.ExpectedOutput, stdout, "output", true)
	r.match(t.ExcludedOutput, stdout, "output", false)
	if t.ExitCode != code {
		r.fail("Test '%s' exited with incorrect error code. Expected: %d, Actual: %d", t.Name, t.ExitCode, code)
	}
	return r
}

// invalid is CST's Validate for a command test.
func (t CommandTest) invalid() []string {
	var msgs []string
	if t.Name == "" {
		msgs = append(msgs, "Please provide a valid name for every test")
	}
	if t.Command == "" {
		msgs = append(msgs, "Please provide a valid command to run for test "+t.Name)
	}
	for _, c := range t.Setup {
		if len(c) == 0 {
			msgs = append(msgs, "Error in setup command configuration encountered; please check formatting and remove all empty setup commands")
		}
	}
	for _, c := range t.Teardown {
		if len(c) == 0 {
			msgs = append(msgs, "Error in teardown command configuration encountered; please check formatting and remove all empty teardown commands")
		}
	}
	for _, v := range t.EnvVars {
		if v.Key == "" || v.Value == "" {
			msgs = append(msgs, "Please provide non-empty keys and values for all specified env vars")
		}
	}
	return msgs
}

// fileTest starts a file test as CST does: its name and path checked, a
// driver with the global variables committed. A non-nil Result is the
// test's verdict already (a failure).
func fileTest(ctx context.Context, c engine.Client, ref string, global []EnvVar, name, p string) (*driver, *Result) {
	if name == "" || p == "" {
		return nil, &Result{Name: name, Errors: []string{"Please provide a valid name and file path for every test"}}
	}
	d := newDriver(c, ref)
	if err := d.setEnv(ctx, global); err != nil {
		d.destroy()
		return nil, &Result{Name: name, Errors: []string{"error setting env vars: " + err.Error()}}
	}
	return d, nil
}

func fileContentTest(ctx context.Context, c engine.Client, ref string, global []EnvVar, t FileContentTest) Result {
	d, early := fileTest(ctx, c, ref, global, t.Name, t.Path)
	if early != nil {
		return *early
	}
	defer d.destroy()
	r := Result{Name: "File Content Test: " + t.Name, Pass: true}
	data, err := d.read(ctx, t.Path)
	if err != nil {
		r.fail("Failed to open %s. Error: %s", t.Path, err)
		return r
	}
	contents := string(data)
	r.match(t.ExpectedContents, contents, "file content string", true)
	r.match(t.ExcludedContents, contents, "file content string", false)
	return r
}

func fileExistenceTest(ctx context.Context, c engine.Client, ref string, global []EnvVar, t FileExistenceTest) Result {
	d, early := fileTest(ctx, c, ref, global, t.Name, t.Path)
	if early != nil {
		return *early
	}
	defer d.destroy()
	r := Result{Name: "File Existence Test: " + t.Name, Pass: true}
	env := d.imageEnv(ctx)
	info, err := d.stat(ctx, os.Expand(t.Path, func(k string) string { return env[k] }))
	if info == nil && t.ShouldExist {
		r.fail("Error examining file in container: %s", err)
		return r
	}
	if t.ShouldExist && err != nil {
		r.fail("File %s should exist but does not, got error: %s", t.Path, err)
	} else if !t.ShouldExist && err == nil {
		r.fail("File %s should not exist but does", t.Path)
	}
	if !t.ShouldExist {
		return r
	}
	mode := info.Mode()
	if t.Permissions != "" && mode.String() != t.Permissions {
		r.fail("%s has incorrect permissions. Expected: %s, Actual: %s", t.Path, t.Permissions, mode.String())
	}
	if t.IsExecutableBy != "" {
		bits := map[string]fs.FileMode{"any": 0o111, "owner": 0o100, "group": 0o010, "other": 0o001}
		if b, ok := bits[t.IsExecutableBy]; !ok {
			r.fail("%s not recognised as a valid option", t.IsExecutableBy)
		} else if mode&b == 0 {
			r.fail("%s has incorrect executable bit. Expected to be executable by %s, Actual: %s", t.Path, t.IsExecutableBy, mode.String())
		}
	}
	if t.UID != noOwner || t.GID != noOwner {
		h, ok := info.Sys().(*tar.Header)
		switch {
		case !ok:
			r.fail("Error checking ownership of file %s", t.Path)
		default:
			if t.UID != noOwner && h.Uid != t.UID {
				r.fail("%s has incorrect user ownership. Expected: %d, Actual: %d", t.Path, t.UID, h.Uid)
			}
			if t.GID != noOwner && h.Gid != t.GID {
				r.fail("%s has incorrect group ownership. Expected: %d, Actual: %d", t.Path, t.GID, h.Gid)
			}
		}
	}
	return r
}

func metadataTest(ctx context.Context, c engine.Client, ref string, m MetadataTest) Result {
	r := Result{Name: "Metadata Test", Pass: true}
	for _, v := range m.EnvVars {
		if v.Key == "" {
			return Result{Name: r.Name, Errors: []string{"Environment variable key cannot be empty"}}
		}
	}
	for _, l := range m.Labels {
		if l.Key == "" {
			return Result{Name: r.Name, Errors: []string{"Label key cannot be empty"}}
		}
	}
	d := newDriver(c, ref)
	cfg, err := d.config(ctx)
	if err != nil {
		r.fail("Error retrieving image config: %s", err)
		return r
	}
	same := func(want EnvVar, got string) bool {
		if want.IsRegex {
			return matches(want.Value, got, true)
		}
		return want.Value == got
	}
	for _, v := range m.EnvVars {
		if got, ok := cfg.env[v.Key]; !ok {
			r.fail("variable %s not found in image env", v.Key)
		} else if !same(v, got) {
			r.fail("env var %s value %s does not match expected value: %s", v.Key, got, v.Value)
		}
	}
	for _, v := range m.UnboundEnvVars {
		if _, ok := cfg.env[v.Key]; ok {
			r.fail("env variable %s should not be present in image metadata", v.Key)
		}
	}
	for _, l := range m.Labels {
		if got, ok := cfg.labels[l.Key]; !ok {
			r.fail("label %s not found in image metadata", l.Key)
		} else if !same(l, got) {
			r.fail("label %s value %s does not match expected value: %s", l.Key, got, l.Value)
		}
	}
	if m.Cmd != nil && !slices.Equal(*m.Cmd, cfg.cmd) {
		r.fail("Image Cmd %v does not match expected Cmd: %v", cfg.cmd, *m.Cmd)
	}
	if m.Entrypoint != nil && !slices.Equal(*m.Entrypoint, cfg.entrypoint) {
		r.fail("Image entrypoint %v does not match expected entrypoint: %v", cfg.entrypoint, *m.Entrypoint)
	}
	if m.Workdir != "" && m.Workdir != cfg.workdir {
		r.fail("Image workdir %s does not match config workdir: %s", cfg.workdir, m.Workdir)
	}
	if m.User != "" && m.User != cfg.user {
		r.fail("Image user %s does not match config user: %s", cfg.user, m.User)
	}
	for _, p := range m.ExposedPorts {
		if !slices.Contains(cfg.ports, p) {
			r.fail("Port %s not found in config", p)
		}
	}
	for _, p := range m.UnexposedPorts {
		if slices.Contains(cfg.ports, p) {
			r.fail("Port %s should not be exposed", p)
		}
	}
	for _, v := range m.Volumes {
		if !slices.Contains(cfg.volumes, v) {
			r.fail("Volume %s not found in config", v)
		}
	}
	for _, v := range m.UnmountedVolumes {
		if slices.Contains(cfg.volumes, v) {
			r.fail("Volume %s should not be mounted", v)
		}
	}
	return r
}

// labelled is a client whose containers carry labels.
type labelled struct {
	engine.Client
	labels map[string]string
}

func (l labelled) ContainerCreate(ctx context.Context, cfg *container.Config, host *container.HostConfig, net *network.NetworkingConfig, platform *ocispec.Platform, name string) (container.CreateResponse, error) {
	c := *cfg
	c.Labels = maps.Clone(cfg.Labels)
	if c.Labels == nil {
		c.Labels = map[string]string{}
	}
	maps.Copy(c.Labels, l.labels)
	return l.Client.ContainerCreate(ctx, &c, host, net, platform, name)
}
