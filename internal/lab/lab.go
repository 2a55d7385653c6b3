// Package lab is the multi-stage build lab done through the Docker Engine
// API: make the base images, build the four tags, list them, run the result,
// prove what the lab teaches, and clean up only what it made.
package lab

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/api/types/system"
	"github.com/docker/docker/client"
	"github.com/moby/buildkit/session"
	"github.com/moby/buildkit/session/auth/authprovider"

	"github.com/multistage-lab/multistage-lab/internal/clean"
	"github.com/multistage-lab/multistage-lab/internal/display"
	"github.com/multistage-lab/multistage-lab/internal/engine"
	"github.com/multistage-lab/multistage-lab/internal/event"
	"github.com/multistage-lab/multistage-lab/internal/labfile"
	"github.com/multistage-lab/multistage-lab/internal/progress"
	"github.com/multistage-lab/multistage-lab/internal/registryauth"
	"github.com/multistage-lab/multistage-lab/internal/settings"
	"github.com/multistage-lab/multistage-lab/internal/standin"
)

// Labels the lab puts on what it creates. The values never vary, so builds
// of the same inputs keep one image ID.
const (
	LabelLab     = clean.LabelLab
	LabValue     = clean.LabValue
	LabelStandin = clean.LabelStandin
	// LabelStandinCommands: see clean.LabelStandinCommands.
	LabelStandinCommands = clean.LabelStandinCommands
	LabelContainer       = clean.LabelContainer
	// Repository is the seed's lab's repository.
	Repository = "multi-state"
)

// Image is one image the lab builds: its tag, the Dockerfile it comes from,
// and the stage it stops at, as the lab file lists it.
type Image = labfile.Image

// Lab runs the lab's steps against one engine.
type Lab struct {
	Client   engine.Client
	Settings settings.Settings
	// Root is the project folder holding app/ and dockerfiles/.
	Root string
	Out  io.Writer
	// Def is the lab file the lab runs: dockerfiles/lab.yaml, or the one in
	// LAB_DOCKERFILES.
	Def *labfile.Lab
	// Cmp is the comparison file beside it, if there is one.
	Cmp *labfile.Comparison
	// Events receives what the steps do and find, as values (package
	// event), for the caller to render (the targets give them to package
	// output); New drops them. A run on several engines shows their
	// Status on its board.
	Events event.Sink

	version  *types.Version
	info     *system.Info
	infoMu   sync.Mutex // held while the engine's info is asked
	builds   []Built
	listed   map[string]image.Summary // see listBeforeBuilds
	mu       sync.Mutex
	bases    map[string]Base
	baseRefs []string
	creds    *registryauth.Store
	session  *session.Session

	connect func(ctx context.Context, target string) (engine.Client, error)
	// getenv reads the environment the lab was opened with (Env.Getenv):
	// the engine's DOCKER_* variables, the docker config's folder, the
	// lab's record's folder, CI. os.Getenv unless Open was given another.
	getenv func(string) string

	shell    *standin.Shell
	shellDir string // where the toolbox was built for this run, if it was

	// retired are the images whose fate the cleaner's Retire has said.
	retired clean.Retired

	defErr error
	cmpErr error // why there is no comparison

	dfMu        sync.Mutex
	dockerfiles map[string]*dockerfileFile

	buildingMu sync.Mutex
	building   map[string]bool // the images being built now, by name
}

// New makes a lab over an engine client. Settings left empty take their
// defaults, as unset variables do.
func New(c engine.Client, s settings.Settings, root string, out io.Writer) *Lab {
	d, _ := settings.FromEnv(func(string) string { return "" })
	if s.Builder == "" {
		s.Builder = d.Builder
	}
	if s.Progress == "" {
		s.Progress = d.Progress
	}
	if s.Base == "" {
		s.Base = d.Base
	}
	l := &Lab{Client: c, Settings: s, Root: root, Out: out, Events: event.Discard, getenv: os.Getenv}
	if fi, err := os.Stat(s.Dockerfiles); s.Dockerfiles != "" && (err != nil || !fi.IsDir()) {
		l.defErr = fmt.Errorf("%w: LAB_DOCKERFILES=%s is not a folder: point it at a folder holding a lab.yaml and its Dockerfiles", labfile.ErrInvalid, s.Dockerfiles)
		return l
	}
	l.Def, l.defErr = labfile.Load(l.labFilePath(), l.displayPath(l.labFilePath()))
	if l.defErr == nil {
		path := filepath.Join(filepath.Dir(l.labFilePath()), labfile.CompareName)
		l.Cmp, l.cmpErr = labfile.LoadComparison(path, l.displayPath(path), l.Def)
		if _, err := os.Stat(path); err == nil && l.cmpErr != nil {
			// A comparison file that is there but wrong is bad input.
			l.defErr = l.cmpErr
		}
	}
	return l
}

// labFilePath is the lab file: lab.yaml in LAB_DOCKERFILES if set, else
// the project's dockerfiles/lab.yaml.
func (l *Lab) labFilePath() string {
	if l.Settings.Dockerfiles != "" {
		return filepath.Join(l.Settings.Dockerfiles, labfile.Name)
	}
	return filepath.Join(l.Root, "dockerfiles", labfile.Name)
}

// Images are the lab file's images, in build order.
func (l *Lab) Images() []Image { return l.Def.Images }

// ImageNamed returns the lab image called name (v1, v2, builder, runtime in
// the seed's lab).
func (l *Lab) ImageNamed(name string) (Image, error) {
	if im, ok := l.Def.ImageNamed(name); ok {
		return im, nil
	}
	var names []string
	for _, im := range l.Def.Images {
		names = append(names, im.Name)
	}
	return Image{}, fmt.Errorf("%w: %s names no image %q (its images: %s)", labfile.ErrInvalid, l.displayPath(l.Def.Path), name, strings.Join(names, ", "))
}

// Connect connects a lab opened offline (settings, project folder, lab
// file: bad input is reported before any engine call) to the engine
// DOCKER_HOST or the docker CLI's context names, and returns what closes
// both.
func (l *Lab) Connect(ctx context.Context) (func(), error) {
	return l.connectTo(ctx, "")
}

// connectTo connects the lab to target (a LAB_ENGINES entry), or to the
// engine DOCKER_HOST or the current context names when target is "".
func (l *Lab) connectTo(ctx context.Context, target string) (func(), error) {
	if l.connect != nil {
		c, err := l.connect(ctx, target)
		if err != nil {
			return nil, err
		}
		l.Client = c
		return l.Close, nil
	}
	var c *client.Client
	var err error
	if target != "" {
		c, err = engine.ConnectToEnv(ctx, target, l.getenv)
	} else {
		c, err = engine.ConnectEnv(ctx, l.getenv)
	}
	if err != nil {
		return nil, err
	}
	l.Client = c
	l.warnPlaintext(c)
	return func() { l.Close(); _ = c.Close() }, nil
}

// warnPlaintext says, once a run, that an engine reached over TCP without
// TLS is open to anyone who reaches its port.
func (l *Lab) warnPlaintext(c *client.Client) {
	if engine.Plaintext(c) {
		l.emit(event.PlainTCP{Host: c.DaemonHost()})
	}
}

// OpenOn opens the lab (Open) and connects it to one engine of
// LAB_ENGINES: an engine URL or a docker context's name.
func OpenOn(ctx context.Context, env Env, target string) (*Lab, func(), error) {
	l, err := Open(env)
	if err != nil {
		return nil, nil, err
	}
	// Several engines share one output, a line at a time: no live display.
	if l.Settings.Progress == progress.TTY || l.Settings.Progress == progress.Auto {
		l.Settings.Progress = progress.Plain
	}
	closeLab, err := l.connectTo(ctx, target)
	if err != nil {
		return nil, nil, err
	}
	return l, closeLab, nil
}

// Close ends the lab's BuildKit session, if it opened one, and removes the
// shell it built for the stand-ins, if it built one.
func (l *Lab) Close() {
	if l.shellDir != "" {
		_ = os.RemoveAll(l.shellDir)
		l.shellDir = ""
	}
	if l.session != nil {
		_ = l.session.Close()
		l.session = nil
	}
}

// credentials loads the docker CLI's credential store once.
func (l *Lab) credentials() (*registryauth.Store, error) {
	if l.creds == nil {
		s, err := registryauth.LoadEnv(l.getenv)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadCredentials, err)
		}
		l.creds = s
	}
	return l.creds, nil
}

// ErrBadCredentials says the docker CLI's config file could not be read.
var ErrBadCredentials = errors.New("registry credentials")

// buildSession is the BuildKit session attached to every BuildKit build, as
// the docker CLI attaches one: through it BuildKit asks for registry
// credentials when it pulls a base image. One serves the whole lab run.
func (l *Lab) buildSession(ctx context.Context) (string, error) {
	if l.session != nil {
		return l.session.ID(), nil
	}
	creds, err := l.credentials()
	if err != nil {
		return "", err
	}
	s, err := session.NewSession(ctx, "multistage-lab")
	if err != nil {
		return "", fmt.Errorf("buildkit session: %w", err)
	}
	s.Allow(authprovider.NewDockerAuthProvider(authprovider.DockerAuthProviderConfig{ConfigFile: creds.File}))
	client := l.Client
	go func() {
		_ = s.Run(context.Background(), func(ctx context.Context, proto string, meta map[string][]string) (net.Conn, error) {
			return client.DialHijack(ctx, "/session", proto, meta)
		})
	}()
	l.session = s
	return s.ID(), nil
}

// Env is what a run of the lab takes from whoever runs it: where its words
// go, its settings' variables, and the folder it starts in (the lab's is
// found there or above). The targets pass the process's; a test or another
// program passes its own.
type Env struct {
	// Out receives BuildKit's progress display and what a step writes as
	// its answer (a build context's tar stream).
	Out io.Writer
	// Events receives what the steps do and find as values (package
	// event); the caller renders them. Without it they are dropped.
	Events event.Sink
	Getenv func(string) string
	Dir    string
	// Connect, if set, reaches the engine instead of DOCKER_HOST or the
	// docker CLI's context (target is "" for that one) or LAB_ENGINES's
	// target: a test's fake engine.
	Connect func(ctx context.Context, target string) (engine.Client, error)
}

// Open reads the settings, finds the project folder and reads its lab
// file, for steps that need no engine (Connect connects it to one).
func Open(env Env) (*Lab, error) {
	s, err := settings.FromEnv(env.Getenv)
	if err != nil {
		return nil, err
	}
	root, err := FindRoot(env.Dir)
	if errors.Is(err, ErrNoProject) && s.Dockerfiles != "" {
		// The lab file is elsewhere: the project is the module being
		// worked on (its app/ and build/), else the folder itself.
		root = moduleRoot(env.Dir)
	} else if err != nil {
		return nil, err
	}
	l := New(nil, s, root, env.Out)
	if env.Events != nil {
		l.Events = env.Events
	}
	l.connect = env.Connect
	if env.Getenv != nil {
		l.getenv = env.Getenv
	}
	if l.defErr != nil {
		return nil, l.defErr
	}
	return l, nil
}

// dockerfilePath is where im's Dockerfile is: beside the lab file.
func (l *Lab) dockerfilePath(im Image) string {
	return l.Def.DockerfilePath(im)
}

// displayPath shortens a path inside the project for messages.
func (l *Lab) displayPath(path string) string {
	if rel, ok := display.Within(l.Root, path); ok {
		return filepath.ToSlash(rel)
	}
	return path
}

// ErrNoProject says the lab's files were not found.
var ErrNoProject = errors.New("dockerfiles/lab.yaml not found here or above: run the lab from the folder that holds dockerfiles/lab.yaml, or point LAB_DOCKERFILES at the folder that holds your lab.yaml")

// ErrUnreadable says the lab's files, or a folder above them, may not be
// read by the user running the lab.
var ErrUnreadable = errors.New("unreadable project")

type unreadableError struct{ path string }

func (e *unreadableError) Error() string {
	return "cannot read " + e.path + ": permission denied: run the lab as a user who may read the project's folder, or let that user read it"
}

func (e *unreadableError) Is(target error) bool { return target == ErrUnreadable }

// FindRoot returns dir or its nearest parent that holds the lab's files.
// A folder the user may not read is named as such (ErrUnreadable), not as
// one without the lab's files.
func FindRoot(dir string) (string, error) {
	start := dir
	for {
		path := filepath.Join(dir, "dockerfiles", labfile.Name)
		_, err := os.Stat(path)
		if err == nil {
			return dir, nil
		}
		if errors.Is(err, fs.ErrPermission) {
			if rel, rerr := filepath.Rel(start, path); rerr == nil && !strings.HasPrefix(rel, "..") {
				path = rel
			}
			return "", &unreadableError{path: filepath.ToSlash(path)}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", ErrNoProject
		}
		dir = parent
	}
}

// moduleRoot is dir's nearest folder (dir or above) holding a go.mod, else
// dir.
func moduleRoot(dir string) string {
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			return dir
		}
		d = parent
	}
}

// engineVersion is the engine's version, asked once.
func (l *Lab) engineVersion(ctx context.Context) (types.Version, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.version == nil {
		v, err := l.Client.ServerVersion(ctx)
		if err != nil {
			return types.Version{}, fmt.Errorf("engine version: %w", err)
		}
		l.version = &v
	}
	return *l.version, nil
}

// engineArch is the engine's architecture in Go's terms.
func (l *Lab) engineArch(ctx context.Context) (string, error) {
	v, err := l.engineVersion(ctx)
	return v.Arch, err
}

// status says what the lab is doing now (event.Status).
func (l *Lab) status(format string, args ...any) {
	l.emit(event.Status{Text: fmt.Sprintf(format, args...)})
}

// buildingNow marks the image called name as being built (or no longer)
// and says which are, in the lab file's order.
func (l *Lab) buildingNow(name string, now bool) {
	l.buildingMu.Lock()
	defer l.buildingMu.Unlock()
	if l.building == nil {
		l.building = map[string]bool{}
	}
	l.building[name] = now
	var names []string
	for _, im := range l.Images() {
		if l.building[im.Name] {
			names = append(names, im.Name)
		}
	}
	if len(names) > 0 {
		l.status("building %s", strings.Join(names, ", "))
	}
}

// emit gives one event to Events.
func (l *Lab) emit(e event.Event) {
	l.Events(e)
}
