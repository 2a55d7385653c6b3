package structuretest

import (
	"context"
	"slices"

	"github.com/multistage-lab/multistage-lab/internal/engine"
)

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
