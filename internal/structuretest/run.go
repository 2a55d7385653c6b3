package structuretest

import (
	"context"
	"fmt"
	"maps"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"
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
