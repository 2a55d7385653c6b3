// Package labtargets is the lab's Mage targets, for any repository's
// magefile. Two imports bring them in under a namespace of your choosing:
//
//	import (
//		//mage:import lab
//		_ "github.com/multistage-lab/multistage-lab/labtargets"
//		//mage:import lab
//		_ "github.com/multistage-lab/multistage-lab/labtargets/namespaces"
//	)
//
// and `go tool mage -l` lists lab:all, lab:build, lab:verify, lab:clean,
// lab:images, lab:sizes, lab:compare, lab:walkthrough, lab:run and
// lab:context from this package, and lab:build:image, lab:verify:rebuild,
// lab:clean:all, lab:base:standins and lab:base:remove from package
// namespaces. They run on that repository's own lab: the
// dockerfiles/lab.yaml found in the folder mage runs in or above (or the
// folder LAB_DOCKERFILES names), its Dockerfiles and its app/ (or LAB_APP).
//
// The settings are environment variables, read when a target starts:
//
//	LAB_BUILDER          buildkit (default) or classic
//	LAB_PROGRESS         auto (default), tty, plain or quiet, as docker build --progress
//	LAB_BASE             auto (default: local, else pull, else a stand-in), pull or standin
//	LAB_BUSYBOX          the static busybox the stand-ins get (default: found, else the lab's toolbox)
//	LAB_DOCKERFILES      a folder with a lab.yaml and its Dockerfiles (default dockerfiles/)
//	LAB_APP              the build context (default app/)
//	LAB_REPORT           json, junit or markdown: verify also writes that report
//	LAB_REPORT_FILE      where the report goes (default build/report.json, .xml or .md; - is stdout)
//	LAB_ENGINES          engine URLs or docker context names, comma-separated: every one at once
//	LAB_ENGINES_PARALLEL how many of LAB_ENGINES at a time (default 4)
//	LAB_LOCK_TIMEOUT     how long a run waits for another that holds the engine (default 5m)
//	LAB_LEDGER_DIR       where the record of the classic builds' images is kept
//	LAB_CONFIRM          clean-all lets clean:all remove everything on the engine
//	LAB_STEP             1: walkthrough waits for Enter between steps on a terminal
//	DOCKER_HOST, DOCKER_CONTEXT, DOCKER_CERT_PATH, DOCKER_TLS_VERIFY, DOCKER_API_VERSION,
//	DOCKER_CONFIG        the engine and the registry credentials, as for the docker CLI
//
// The exit codes: 0 everything passed; 1 a check, a build or the lab's program
// failed, or the connection to the engine was lost; 2 the environment or
// the input is wrong (no engine, a bad setting or lab file, a Dockerfile
// that does not parse, another run that held the engine longer than
// LAB_LOCK_TIMEOUT), with one line that says what to fix; 130 interrupted
// (Ctrl-C or SIGTERM).
//
// The targets write only through the lab's one output package, to the
// process's standard streams.
package labtargets

import (
	"context"

	"github.com/multistage-lab/multistage-lab/internal/lab"
	"github.com/multistage-lab/multistage-lab/internal/targets"
)

// All runs the whole lab: clean, build, verify, run, then the image table.
func All(ctx context.Context) error {
	return targets.RunVerifying(ctx, targets.Process(), (*lab.Lab).All)
}

// Build builds the lab file's images, in its order.
func Build(ctx context.Context) error {
	return targets.Run(ctx, targets.Process(), func(l *lab.Lab, ctx context.Context) error {
		_, err := l.BuildAll(ctx)
		return err
	})
}

// Verify checks the lab file's checks on the engine; exits 1 if any fails.
func Verify(ctx context.Context) error {
	return targets.RunVerifying(ctx, targets.Process(), (*lab.Lab).Verify)
}

// Clean removes the containers and images the lab made from its lab file's images, and nothing else.
func Clean(ctx context.Context) error {
	return targets.Run(ctx, targets.Process(), (*lab.Lab).Clean)
}

// Images prints the lab's and its base images as `docker image ls` does.
func Images(ctx context.Context) error {
	return targets.Read(ctx, targets.Process(), (*lab.Lab).ShowImages)
}

// Sizes shows where the megabytes went: each image's layers, by stage, and a chart.
func Sizes(ctx context.Context) error {
	return targets.Show(ctx, targets.Process(), (*lab.Lab).ShowSizes)
}

// Compare builds the approaches the lab's compare.yaml lists and compares them.
func Compare(ctx context.Context) error {
	return targets.Show(ctx, targets.Process(), (*lab.Lab).ShowComparison)
}

// Walkthrough replays the lab file's steps: the commands, then the same through the API.
func Walkthrough(ctx context.Context) error {
	env := targets.Process()
	return targets.ShowVerifying(ctx, env, func(l *lab.Lab, ctx context.Context) (*lab.Verification, error) {
		return l.Walkthrough(ctx, env.In)
	})
}

// Run runs the lab's program image (the one its first run check names), prints its output and removes the container.
func Run(ctx context.Context) error {
	return targets.Show(ctx, targets.Process(), (*lab.Lab).RunRuntime)
}

// Context writes the first image's build context to standard output as a tar stream (try: go tool mage context | tar t).
func Context() error {
	return targets.RunOffline(targets.Process(), func(l *lab.Lab) error {
		return l.WriteContextTar(l.Out, l.Images()[0])
	})
}
