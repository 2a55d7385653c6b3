package labfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/checks"
	"github.com/multistage-lab/multistage-lab/internal/structuretest"
)

// seed is the project's own lab file.
func seed(t testing.TB) string {
	data, err := os.ReadFile(filepath.Join("..", "..", "dockerfiles", Name))
	require.NoError(t, err)
	return string(data)
}

// labDir writes a lab folder: the project's Dockerfiles and app, and
// lab.yaml as given.
func labDir(t *testing.T, lab string) string {
	dir := t.TempDir()
	for _, f := range []string{"v1.Dockerfile", "v2.Dockerfile"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "dockerfiles", f))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), data, 0o644))
	}
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "..", "app"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "..", "app", "helloworld.go"), []byte("package main\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, Name), []byte(lab), 0o644))
	return dir
}

func TestTheSeedsLab(t *testing.T) {
	l, err := Load(filepath.Join("..", "..", "dockerfiles", Name), "dockerfiles/lab.yaml")
	require.NoError(t, err)
	var tags []string
	for _, im := range l.Images {
		tags = append(tags, im.Name+"="+im.Tag+"@"+im.Dockerfile+"#"+im.Target)
	}
	assert.Equal(t, []string{"v1=multi-state:v1@v1.Dockerfile#", "v2=multi-state:v2@v2.Dockerfile#", "builder=multi-state:builder@v2.Dockerfile#builder", "runtime=multi-state:runtime@v2.Dockerfile#runtime"}, tags)
	assert.Equal(t, []string{"multi-state"}, l.Repositories())
	assert.Equal(t, 3, l.Build.Parallel)
	var refs []string
	for _, b := range l.Bases {
		ref, err := l.BaseRef(b)
		require.NoError(t, err)
		refs = append(refs, b.Role+"="+ref)
	}
	assert.Equal(t, []string{"golang=golang:latest", "alpine=alpine:latest"}, refs)
	require.Len(t, l.Checks, 10)
	assert.Equal(t, "exist", l.Checks[0].Key)
	assert.Equal(t, &checks.Exist{All: true}, l.Checks[0].Kind)
	assert.Equal(t, &checks.Run{Image: "runtime", Stdout: new("Hello World\n")}, l.Checks[8].Kind)
	assert.Len(t, l.Walkthrough, 7)
	assert.Equal(t, "기존에 생성한 컨테이너와 이미지를 삭제", l.Walkthrough[1].Korean)
}

func TestAFifthImageIsOneEntry(t *testing.T) {
	text := strings.Replace(seed(t), "\nbuild:", "  - tag: multi-state:v3\n    dockerfile: v3.Dockerfile\n\nbuild:", 1)
	dir := labDir(t, text)
	_, err := Load(filepath.Join(dir, Name), "lab.yaml")
	require.EqualError(t, err, "invalid lab file: lab.yaml:20: multi-state:v3: dockerfile v3.Dockerfile does not exist beside lab.yaml")
	data, err := os.ReadFile(filepath.Join(dir, "v2.Dockerfile"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "v3.Dockerfile"), data, 0o644))
	l, err := Load(filepath.Join(dir, Name), "lab.yaml")
	require.NoError(t, err)
	im, ok := l.ImageNamed("v3")
	require.True(t, ok)
	assert.Equal(t, filepath.Join(dir, "v3.Dockerfile"), l.DockerfilePath(im))
}

func TestBadLabFiles(t *testing.T) {
	for _, c := range []struct {
		name, old, new, want string
	}{
		{"unknown top key", "\nbuild:", "\nbuilds:", `lab.yaml:21: unknown key "builds"`},
		{"unknown image key", "    target: builder", "    taget: builder", `lab.yaml:16: unknown key "taget" (known here: name, tag, dockerfile, target, build-args, labels, context, no-cache)`},
		{"unknown key in a check's parameters", "percent: 10", "pct: 10", `lab.yaml:40: unknown key "pct" (known here: image, than, percent)`},
		{"target no stage has", "    target: runtime", "    target: final", "lab.yaml:17: multi-state:runtime: "},
		{"target no stage has, said", "    target: runtime", "    target: final", "--target final names no stage; the stages are builder (line 1), runtime (line 7)"},
		{"group names an image not listed", "same-id: [v1, v2, runtime]", "same-id: [v1, v9, runtime]", `lab.yaml:35: check "2. v1, v2 and runtime are one image" names "v9", which is not in images (v1, v2, builder, runtime)`},
		{"two kinds", "    differ: [builder, runtime]", "    differ: [builder, runtime]\n    same-id: [v1, v2]", `lab.yaml:37: check "3. builder is another image than runtime" has several kinds (differ, same-id): give one per check`},
		{"no kind", "    on-base: [builder, runtime]", "", `lab.yaml:51: check "8. the build used the reported base images" has no kind: give one of exist`},
		{"a tag twice", "tag: multi-state:v2", "tag: multi-state:v1", `lab.yaml:12: name v1 is listed twice (first at line 10)`},
		{"a tag without its tag part", "tag: multi-state:v2", "tag: multi-state", `tag "multi-state" has no tag part`},
		{"wrong version", "version: 1", "version: 2", "lab.yaml: version is 2: this lab reads version 1"},
		{"bad percent", "percent: 10", "percent: 0", `check "4a. runtime is under 10% of builder's size": smaller.percent is 0`},
		{"a base image not listed", "    image: builder", "    image: compiler", `lab.yaml:27: base golang names "compiler", which is not in images`},
		{"a step's action", "do: [clean]", "do: [prune]", `step "Remove the containers and images made before": do "prune" is not one of clean, verify, run`},
		{"a file a step shows", "show: [v2.Dockerfile]", "show: [v4.Dockerfile]", "shows v4.Dockerfile, which does not exist beside lab.yaml"},
		{"not YAML", "images:", "images: [", "lab.yaml:"},
		{"exist takes all or names", "exist: all", "exist: every", `exist takes all or a list of image names, not "every"`},
		{"a base check without a base", "at-least-base: builder", "at-least-base: v1", `needs v1's base: add {role: ..., image: v1} to bases`},
	} {
		t.Run(c.name, func(t *testing.T) {
			text := seed(t)
			require.Contains(t, text, c.old)
			dir := labDir(t, strings.Replace(text, c.old, c.new, 1))
			_, err := Load(filepath.Join(dir, Name), "lab.yaml")
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalid)
			assert.Contains(t, err.Error(), c.want)
			assert.NotContains(t, err.Error(), "\n", "one line")
		})
	}
}

func TestAMissingLabFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), Name), "/x/lab.yaml")
	assert.EqualError(t, err, "invalid lab file: /x/lab.yaml: not found: a lab folder holds a lab.yaml beside its Dockerfiles (copy dockerfiles/lab.yaml to start one)")
}

// FuzzParse: any bytes give a lab or an ErrInvalid of one line, never a
// panic, and a lab that parses has what the rest of the lab relies on.
func FuzzParse(f *testing.F) {
	f.Add(seed(f))
	f.Add("version: 1\nimages: [{tag: a:b, dockerfile: D}]\n")
	f.Add("version: 1\nimages: [{tag: a:b, dockerfile: D}]\nchecks: [{name: x, exist: [a, b]}]\n")
	f.Add("version: 1\n---\nversion: 1\n")
	f.Add("images: &a [*a]\n")
	f.Fuzz(func(t *testing.T, text string) {
		l, err := Parse("lab.yaml", []byte(text))
		if err != nil {
			require.ErrorIs(t, err, ErrInvalid)
			require.NotContains(t, err.Error(), "\n")
			return
		}
		require.NotEmpty(t, l.Images)
		require.GreaterOrEqual(t, l.Build.Parallel, 1)
		for _, im := range l.Images {
			require.NotEmpty(t, im.Name)
		}
		for _, c := range l.Checks {
			require.NotEmpty(t, c.Key)
			require.NotNil(t, c.Kind)
		}
	})
}

func TestBadComparisonFiles(t *testing.T) {
	lab, err := Load(filepath.Join("..", "..", "dockerfiles", Name), "lab.yaml")
	require.NoError(t, err)
	data, err := os.ReadFile(filepath.Join("..", "..", "dockerfiles", CompareName))
	require.NoError(t, err)
	for _, c := range []struct{ name, old, new, want string }{
		{"the seed's", "", "", ""},
		{"unknown key", "within-mib: 1", "within: 1", `compare.yaml:26: unknown key "within" (known here: approaches, within-mib)`},
		{"about in its first form", "about: {approaches: [builder pattern, multi-stage], within-mib: 1}", "about: [builder pattern, multi-stage]\n    within-mib: 1", ""},
		{"about in its first form, no within-mib", "about: {approaches: [builder pattern, multi-stage], within-mib: 1}", "about: [builder pattern, multi-stage]", `check "builder pattern ~ multi-stage": about needs within-mib above 0`},
		{"two kinds", "prints: \"Hello World\\n\"", "prints: \"Hello World\\n\"\n    larger: [single stage, builder pattern]", `check "every approach prints Hello World": give one of larger, about, prints`},
		{"a lab image not listed", "lab: runtime", "lab: final", `approach "multi-stage": lab names "final", which is not in lab.yaml's images`},
		{"copy from a later image", "image: helloworld-build:latest", "image: helloworld:scratch", `approach "builder pattern" copies from helloworld:scratch, which no approach before it builds`},
		{"a check names no approach", "larger: [single stage, builder pattern]", "larger: [single stage, builder]", `check "single stage > builder pattern" names "builder", which is not an approach`},
		{"a missing Dockerfile", "dockerfile: scratch.Dockerfile", "dockerfile: empty.Dockerfile", `approach "static on scratch": dockerfile empty.Dockerfile does not exist beside compare.yaml`},
	} {
		t.Run(c.name, func(t *testing.T) {
			text := string(data)
			require.Contains(t, text, c.old)
			path := filepath.Join(t.TempDir(), CompareName)
			require.NoError(t, os.WriteFile(path, []byte(strings.Replace(text, c.old, c.new, 1)), 0o644))
			for _, f := range []string{"single.Dockerfile", "builder-pattern.Dockerfile", "scratch.Dockerfile"} {
				require.NoError(t, os.WriteFile(filepath.Join(filepath.Dir(path), f), []byte("FROM scratch\n"), 0o644))
			}
			cmp, err := LoadComparison(path, "compare.yaml", lab)
			if c.want == "" {
				require.NoError(t, err)
				assert.Len(t, cmp.Approaches, 4)
				assert.Equal(t, &checks.About{Approaches: []string{"builder pattern", "multi-stage"}, WithinMiB: 1}, cmp.Checks[1].Kind, "both forms of about read alike")
				return
			}
			require.ErrorIs(t, err, ErrInvalid)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

func TestAYAMLErrorIsOneLineAtItsLine(t *testing.T) {
	_, err := Parse("lab.yaml", []byte("version: 1\nimages: \"0\n0\"\n"))
	assert.EqualError(t, err, `invalid lab file: lab.yaml:2: cannot unmarshal !!str `+"`0 0`"+` into []labfile.Image`)
	// The fuzzer's find: a value quoted with its line break.
	_, err = Parse("lab.yaml", []byte("00\r\r0"))
	assert.EqualError(t, err, "invalid lab file: lab.yaml:1: cannot unmarshal !!str `00\\n0` into labfile.Lab")
}

func TestExternalBasesAreTheImagesBuildsStartFrom(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644))
	}
	write("app.Dockerfile", `ARG V=1
FROM golang AS deps
RUN true
FROM deps AS build
RUN true
FROM debian:bookworm-slim AS test
RUN true
FROM scratch AS final
COPY --from=build /x /x
FROM busybox:${V} AS tools
`)
	write(Name, `version: 1
images:
  - {tag: team/app:build, dockerfile: app.Dockerfile, target: build}
  - {tag: team/app:final, dockerfile: app.Dockerfile, target: final}
`)
	l, err := Load(filepath.Join(dir, Name), Name)
	require.NoError(t, err)
	uses, err := l.ExternalBases()
	require.NoError(t, err)
	assert.Equal(t, []BaseUse{
		{Ref: "golang:latest", File: "app.Dockerfile", Line: 2},
		{Ref: "debian:bookworm-slim", File: "app.Dockerfile", Line: 6},
	}, uses, "not an earlier stage, not scratch, not the stage after the last target, not a build argument")
}

// TestAStructureTestFileIsReadWithTheLabFile: a CST config that the lab
// refuses stops the lab file, with the config's own file and line; one it
// reads is there for verify; a file that is not there is the lab file's
// fault, at its line.
func TestAStructureTestFileIsReadWithTheLabFile(t *testing.T) {
	text := seed(t) + "structure-tests:\n  - {image: runtime, file: cst.yaml}\n"
	dir := labDir(t, text)
	_, err := Load(filepath.Join(dir, Name), "lab.yaml")
	require.ErrorIs(t, err, ErrInvalid)
	assert.Contains(t, err.Error(), "structure test file cst.yaml does not exist beside lab.yaml")

	require.NoError(t, os.WriteFile(filepath.Join(dir, "cst.yaml"), []byte("schemaVersion: 2.0.0\nlicenseTests:\n  - debian: true\n"), 0o644))
	_, err = Load(filepath.Join(dir, Name), "lab.yaml")
	require.ErrorIs(t, err, structuretest.ErrInvalid)
	assert.EqualError(t, err, "invalid structure test file: cst.yaml:3: licenseTests are not run by the lab: check licenses with CST itself, or remove them")

	require.NoError(t, os.WriteFile(filepath.Join(dir, "cst.yaml"), []byte("schemaVersion: 2.0.0\ncommandTests:\n  - {name: hi, command: echo, args: [hi]}\n"), 0o644))
	l, err := Load(filepath.Join(dir, Name), "lab.yaml")
	require.NoError(t, err)
	require.Len(t, l.StructureTests, 1)
	assert.Equal(t, "runtime", l.StructureTests[0].Image)
	assert.Equal(t, "hi", l.StructureTests[0].Config.CommandTests[0].Name)
}
