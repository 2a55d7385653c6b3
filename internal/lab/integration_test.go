package lab

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
	"github.com/docker/docker/errdefs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/display"
	"github.com/multistage-lab/multistage-lab/internal/engine"
	"github.com/multistage-lab/multistage-lab/internal/progress"
	"github.com/multistage-lab/multistage-lab/internal/settings"
	"github.com/multistage-lab/multistage-lab/internal/testkit"
	"github.com/multistage-lab/multistage-lab/internal/verify"
)

// These tests build real images on the engine DOCKER_HOST names. Without an
// engine they skip, except in CI (CI=true), where they fail.

func TestMain(m *testing.M) {
	flag.Parse()
	testkit.RoomsParallel()
	if !testing.Short() {
		// In a whole run, the task binary compiles beside the first tests,
		// which need none; a run of chosen tests compiles it if one needs it.
		if root, err := findTestRoot(); err == nil && flag.Lookup("test.run").Value.String() == "" {
			go func() { _, _ = testkit.TaskBinary(root) }()
		}
		// In CI, make the stand-ins from nothing, as a new machine does.
		if err := startClean(os.Getenv("CI") == "true"); err != nil && os.Getenv("CI") == "true" {
			fmt.Fprintln(os.Stderr, "integration setup:", err)
			os.Exit(1)
		}
	}
	os.Exit(m.Run())
}

// startClean takes the multi-state tags off the engine and cleans the lab,
// and with standins removes the stand-ins too. Without an engine it does
// nothing: the tests say so.
func startClean(standins bool) error {
	ctx := context.Background()
	c, err := engine.Connect(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	root, err := findTestRoot()
	if err != nil {
		return err
	}
	// Earlier runs on this engine may have left multi-state tags on images
	// the lab cannot tell it made (the classic builder takes byte-identical
	// images from its cache); clean rightly keeps those, and the tests
	// that say what clean leaves would see them, so the tests start by
	// taking the tags off themselves, with the images no other tag holds.
	images, err := c.ImageList(ctx, image.ListOptions{Filters: filters.NewArgs(filters.Arg("reference", Repository))})
	if err != nil {
		return err
	}
	for _, s := range images {
		for _, ref := range s.RepoTags {
			if _, err := c.ImageRemove(ctx, ref, image.RemoveOptions{}); err != nil && !errdefs.IsNotFound(err) {
				fmt.Fprintln(os.Stderr, "integration setup:", err)
			}
		}
	}
	l := New(c, settings.Settings{}, root, io.Discard)
	if err := l.Clean(ctx); err != nil {
		return err
	}
	if !standins {
		return nil
	}
	return l.RemoveStandins(ctx)
}

func findTestRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	return FindRoot(wd)
}

// realLab connects to the engine, or skips (fails in CI) when none answers.
func realLab(t *testing.T, s settings.Settings) (*Lab, *strings.Builder) {
	t.Helper()
	return realLabOn(t, "", s)
}

// realLabOn is realLab on the engine at host ("": the one the environment
// names).
func realLabOn(t *testing.T, host string, s settings.Settings) (*Lab, *strings.Builder) {
	t.Helper()
	testkit.NeedEngine(t)
	var c *client.Client
	var err error
	if host == "" {
		c, err = engine.Connect(t.Context())
	} else {
		c, err = engine.ConnectTo(t.Context(), host)
	}
	testkit.EngineAnswered(t, err)
	t.Cleanup(func() { _ = c.Close() })
	root, err := findTestRoot()
	require.NoError(t, err)
	if s.Progress == "" {
		s.Progress = progress.Plain
	}
	if s.Base == "" {
		s.Base = settings.BaseAuto
	}
	out := &strings.Builder{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("lab output:\n%s", out.String())
		}
	})
	l := newText(c, s, root, out)
	t.Cleanup(l.Close)
	return l, out
}

// docker runs the docker CLI, the independent witness of what the lab did.
func docker(t *testing.T, args ...string) string {
	t.Helper()
	testkit.NeedEngine(t)
	out, err := exec.Command("docker", args...).CombinedOutput()
	require.NoError(t, err, "docker %s: %s", strings.Join(args, " "), out)
	return strings.TrimSpace(string(out))
}

// dockerAt is the docker CLI's arguments for the engine at host ("": the
// one the environment names).
func dockerAt(host string, args ...string) []string {
	if host == "" {
		return args
	}
	return append([]string{"-H", host}, args...)
}

// labIDs asks the docker CLI for the full ID of every multi-state tag.
func labIDs(t *testing.T) map[string]string {
	t.Helper()
	return labIDsOn(t, "")
}

// labIDsOn is labIDs on the engine at host ("": the one the environment
// names).
func labIDsOn(t *testing.T, host string) map[string]string {
	t.Helper()
	ids := map[string]string{}
	out := docker(t, dockerAt(host, "image", "ls", "--no-trunc", "--format", "{{.Tag}} {{.ID}}", Repository)...)
	for _, line := range strings.Split(out, "\n") {
		if tag, id, ok := strings.Cut(line, " "); ok {
			ids[tag] = id
		}
	}
	return ids
}

func sortedLines(s string) []string {
	lines := strings.Fields(s)
	slices.Sort(lines)
	return lines
}

func labContainers(t *testing.T) string {
	return docker(t, "container", "ls", "-a", "-q", "--filter", "label="+LabelContainer+"="+LabValue)
}

func TestLabEndToEnd(t *testing.T) {
	testkit.Alone(t)
	for _, b := range []settings.Builder{settings.BuildKit, settings.Classic} {
		t.Run(string(b), func(t *testing.T) {
			l, out := realLab(t, settings.Settings{Builder: b})
			ctx := t.Context()
			require.NoError(t, l.Clean(ctx))
			assert.Empty(t, labIDs(t), "clean removed every multi-state tag")

			built, err := l.BuildAll(ctx)
			require.NoError(t, err)
			require.Len(t, built, 4)
			byName := map[string]string{}
			for _, x := range built {
				byName[x.Image.Name] = x.ID
			}

			// v2 waits for v1: it needs v1's last stage in the cache.
			assert.False(t, built[1].Finished.Add(-built[1].Duration).Before(built[0].Finished), "v2 starts after v1 ends")
			if b == settings.Classic {
				// ... but its request, with the first block of its
				// context, went with v1's (see BuildAll).
				for _, x := range built[1:] {
					assert.True(t, x.Requested.Before(built[0].Finished), "%s was requested before v1 ended", x.Image.Name)
				}
			}

			// The CLI sees the same four tags with the IDs the builds reported.
			assert.Equal(t, byName, labIDs(t))
			assert.Equal(t, byName["v1"], byName["v2"])
			assert.Equal(t, byName["v1"], byName["runtime"])
			assert.NotEqual(t, byName["builder"], byName["runtime"])
			labelOf := func(ref string) string {
				return docker(t, "image", "inspect", "--format", "{{index .Config.Labels \""+LabelLab+"\"}}", ref)
			}
			if b == settings.Classic {
				// The classic builder's builds make no LABEL step, so no
				// label (see buildLabels): --target builder is the seed's
				// own cache hit.
				for _, name := range []string{"v1", "builder"} {
					assert.NotEqual(t, LabValue, labelOf(Repository+":"+name), name)
				}
				// builder started while v1 was still building its last stage.
				v1, builder := built[0], built[2]
				require.Equal(t, "builder", builder.Image.Name)
				assert.True(t, builder.Finished.Add(-builder.Duration).Before(v1.Finished), "builder starts before v1 ends: builder started %s, v1 ended %s", builder.Finished.Add(-builder.Duration).Format(time.StampMicro), v1.Finished.Format(time.StampMicro))
				top := strings.SplitN(docker(t, "history", "--no-trunc", "--format", "{{.CreatedBy}}", Repository+":builder"), "\n", 2)[0]
				assert.Contains(t, top, "go build -o helloworld", "the builder image ends at the stage's last step")
			} else {
				for _, name := range []string{"v1", "builder"} {
					assert.Equal(t, LabValue, labelOf(Repository+":"+name), name)
				}
			}

			found, err := l.Verify(ctx)
			checks := checksOf(found)
			require.NoError(t, err)
			assert.Zero(t, verify.Failed(checks))
			assert.Contains(t, out.String(), "10 of 10 assertions passed\n")
			assert.Empty(t, labContainers(t), "verify removes the containers it made")

			assert.Equal(t, "Hello World", docker(t, "run", "--rm", Repository+":runtime"))

			out.Reset()
			require.NoError(t, l.RunRuntime(ctx))
			assert.Equal(t, "==> docker run --rm multi-state:runtime\nHello World\n", out.String())

			out.Reset()
			require.NoError(t, l.ShowImages(ctx))
			for _, tag := range []string{"v1", "v2", "builder", "runtime"} {
				assert.Regexp(t, `(?m)^multi-state\s+`+tag+`\s+`+display.ShortID(byName[tag])+`\s`, out.String())
			}
			assert.Regexp(t, `(?m)^base golang:latest: (stand-in|real)$`, out.String())
		})
	}
}

func TestVerifyFailsWhenATagIsMissing(t *testing.T) {
	testkit.Alone(t)
	l, out := realLab(t, settings.Settings{Builder: settings.BuildKit})
	ctx := t.Context()
	_, err := l.BuildAll(ctx)
	require.NoError(t, err)
	docker(t, "image", "rm", Repository+":builder")
	t.Cleanup(func() { _, _ = l.Build(context.Background(), l.Images()[2]) })

	found, err := l.Verify(ctx)
	checks := checksOf(found)
	require.ErrorIs(t, err, ErrAssertions)
	assert.Contains(t, checks[0].Actual, "missing: multi-state:builder")
	assert.Contains(t, out.String(), "FAIL  3. builder is another image than runtime")
}

func randomSuffix(t *testing.T) string {
	b := make([]byte, 4)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return hex.EncodeToString(b)
}

func TestCleanAllRefusesWithoutConfirmation(t *testing.T) {
	testkit.Alone(t)
	l, out := realLab(t, settings.Settings{Confirm: "please"})
	require.NoError(t, l.EnsureBases(t.Context()), "something for clean:all to leave alone")
	images := func() []string { return engineImages(t) }
	containers := func() []string { return engineContainers(t) }
	before, beforeC := images(), containers()
	require.NotEmpty(t, before)
	err := l.CleanAll(t.Context())
	require.ErrorIs(t, err, ErrNotConfirmed)
	assert.Equal(t, before, images())
	assert.Equal(t, beforeC, containers())
	assert.Contains(t, out.String(), "clean:all would remove")
}

func TestStandinsOnEngine(t *testing.T) {
	testkit.Alone(t)
	l, out := realLab(t, settings.Settings{Base: settings.BaseStandin})
	ctx := t.Context()
	require.NoError(t, l.EnsureBases(ctx))
	for _, ref := range DefaultBaseRefs {
		b, ok, err := l.InspectBase(ctx, ref)
		require.NoError(t, err)
		require.True(t, ok, ref)
		if !b.Standin {
			continue // a real image: the lab leaves it as it is
		}
		kind := strings.TrimSuffix(ref, ":latest")
		assert.Equal(t, kind, docker(t, "image", "inspect", "--format", "{{index .Config.Labels \""+LabelStandin+"\"}}", ref))
	}
	if b, _, _ := l.InspectBase(ctx, "golang:latest"); b.Standin {
		// The golang stand-in runs the seed's own commands.
		got := docker(t, "run", "--rm", "golang:latest", "sh", "-c", "go env -w GO111MODULE=auto && go env GO111MODULE GOPATH && go version")
		assert.Regexp(t, `^auto\n/go\ngo version go1\.\d+`, got)
	}
	if b, _, _ := l.InspectBase(ctx, "alpine:latest"); b.Standin {
		assert.Equal(t, "/bin/sh", docker(t, "image", "inspect", "--format", "{{index .Config.Cmd 0}}", "alpine:latest"))
		assert.Equal(t, "hi", docker(t, "run", "--rm", "alpine:latest", "echo", "hi"))
	}

	out.Reset()
	require.NoError(t, l.MakeStandins(ctx))
	assert.Contains(t, out.String(), "golang:latest: already here")
}

func TestRunInterruptedRemovesItsContainer(t *testing.T) {
	testkit.Alone(t)
	l, _ := realLab(t, settings.Settings{})
	require.NoError(t, l.EnsureBases(t.Context()))
	ref := "labtest-sleeper-" + randomSuffix(t) + ":latest"
	build := exec.Command("docker", "build", "-q", "-t", ref, "-")
	build.Env = append(os.Environ(), "DOCKER_BUILDKIT=0")
	build.Stdin = strings.NewReader("FROM alpine:latest\nENTRYPOINT [\"sleep\", \"60\"]\n")
	b, err := build.CombinedOutput()
	require.NoError(t, err, string(b))
	t.Cleanup(func() { _ = exec.Command("docker", "rmi", "-f", ref).Run() })

	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		// Cancel once the container runs, as Ctrl-C would.
		for ctx.Err() == nil {
			ids, _ := exec.Command("docker", "container", "ls", "-q", "--filter", "ancestor="+ref).Output()
			if len(strings.TrimSpace(string(ids))) > 0 {
				cancel()
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	start := time.Now()
	_, err = l.Run(ctx, ref)
	require.ErrorIs(t, err, context.Canceled)
	assert.Less(t, time.Since(start), 30*time.Second)
	assert.Empty(t, docker(t, "container", "ls", "-a", "-q", "--filter", "ancestor="+ref), "the run container is removed")
}

func TestNoStaticBusyboxForAMissingBase(t *testing.T) {
	// On an engine of its own the bases are missing from the start; on the
	// machine's, the stand-ins go for the test and are made again after
	// it, and every build after that is cold.
	host := ownEngineUnlessNamed(t, testkit.Alone)
	l, out := realLabOn(t, host, settings.Settings{})
	ctx := t.Context()
	if host == "" {
		require.NoError(t, l.EnsureBases(ctx))
		if b, _, _ := l.InspectBase(ctx, "alpine:latest"); !b.Standin {
			testkit.NotApplicable(t, "alpine:latest is a real image here; the lab never removes it")
		}
		require.NoError(t, l.Clean(ctx))
		require.NoError(t, l.RemoveStandins(ctx))
		t.Cleanup(func() {
			// Leave the stand-ins as the other tests expect them.
			restore := New(l.Client, settings.Settings{Base: settings.BaseAuto}, l.Root, io.Discard)
			require.NoError(t, restore.EnsureBases(context.Background()))
		})
	} else {
		for _, ref := range DefaultBaseRefs {
			_, ok, err := l.InspectBase(ctx, ref)
			require.NoError(t, err)
			require.False(t, ok, "%s is missing on the engine of its own", ref)
		}
	}

	noBusybox := newText(l.Client, settings.Settings{Base: settings.BaseStandin, Busybox: "/bin/ls"}, l.Root, out)
	im, _ := l.Def.ImageNamed("v1")
	_, err := noBusybox.Build(ctx, im)
	require.ErrorIs(t, err, ErrBaseMissing)
	assert.ErrorContains(t, err, "LAB_BUSYBOX: /bin/ls is dynamically linked: install one (Debian: scripts/install-busybox.sh, or apt-get install busybox-static)")
	assert.Empty(t, labIDsOn(t, host), "nothing was built")
	if host != "" {
		assert.Empty(t, engineImages(t, dockerAt(host)...), "nothing was made: the engine of its own is as empty as it started")
	}
}

func TestReportsOnEngine(t *testing.T) {
	testkit.Alone(t)
	l, _ := realLab(t, settings.Settings{})
	_, err := l.BuildAll(t.Context())
	require.NoError(t, err)
	dir := t.TempDir()
	for _, format := range []string{"json", "junit", "markdown"} {
		path := filepath.Join(dir, "report."+format)
		o := task(t, []string{"LAB_REPORT=" + format, "LAB_REPORT_FILE=" + path}, nil, "verify")
		require.Equal(t, 0, o.code, o.stdout+o.stderr)
		assert.Contains(t, o.stdout, "report ("+format+"): "+path)
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		switch format {
		case "json":
			var r struct {
				Builder    string
				Passed     int
				Failed     int
				Assertions []struct{ Status string }
				Images     []struct {
					Tag        string
					ID         string
					Size       int64 `json:"size_bytes"`
					Content    int64 `json:"content_bytes"`
					EngineSize int64 `json:"engine_size_bytes"`
				}
				Engine struct {
					Version    string
					ImageStore string `json:"image_store"`
				}
			}
			require.NoError(t, json.Unmarshal(data, &r))
			assert.Equal(t, 10, r.Passed)
			assert.Len(t, r.Assertions, 10)
			assert.Equal(t, "buildkit", r.Builder)
			assert.Equal(t, docker(t, "version", "--format", "{{.Server.Version}}"), r.Engine.Version)
			for _, im := range r.Images {
				// The docker CLI agrees on every ID and the engine's exact
				// size, which is the unpacked size plus, on the containerd
				// store, the compressed content.
				assert.Equal(t, docker(t, "image", "inspect", "--format", "{{.ID}} {{.Size}}", im.Tag), fmt.Sprintf("%s %d", im.ID, im.EngineSize))
				assert.Equal(t, im.EngineSize, im.Size+im.Content, im.Tag)
				assert.Equal(t, strings.Contains(r.Engine.ImageStore, "containerd"), im.Content > 0, "%s: compressed content is kept on the containerd store only", im.Tag)
			}
		case "junit":
			if xmllint, err := exec.LookPath("xmllint"); err == nil {
				root, _ := findTestRoot()
				out, err := exec.Command(xmllint, "--noout", "--schema", filepath.Join(root, "internal", "output", "testdata", "junit.xsd"), path).CombinedOutput()
				assert.NoError(t, err, string(out))
			} else if os.Getenv("CI") == "true" {
				t.Error("CI needs xmllint")
			}
			assert.Equal(t, 10, strings.Count(string(data), "<testcase "))
		case "markdown":
			assert.NotContains(t, string(data), "<svg", "GitHub strips inline SVG")
			assert.Contains(t, string(data), "![image sizes](report.sizes.svg)")
			svg, err := os.ReadFile(filepath.Join(dir, "report.sizes.svg"))
			require.NoError(t, err, "the chart is a file beside the report")
			assert.True(t, strings.HasPrefix(string(svg), "<svg"), "%.40s", svg)
			assert.Contains(t, string(data), "10 of 10 assertions passed")
		}
	}
	// A failing verify writes its report too, and exits 1.
	docker(t, "image", "rm", Repository+":builder")
	t.Cleanup(func() { _, _ = l.Build(context.Background(), l.Images()[2]) })
	path := filepath.Join(dir, "failed.xml")
	o := task(t, []string{"LAB_REPORT=junit", "LAB_REPORT_FILE=" + path}, nil, "verify")
	assert.Equal(t, 1, o.code)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Contains(t, string(data), `failures="5"`)
}

func TestSizesOnEngine(t *testing.T) {
	testkit.Alone(t)
	l, out := realLab(t, settings.Settings{})
	_, err := l.BuildAll(t.Context())
	require.NoError(t, err)
	inv, err := l.gatherImages(t.Context())
	require.NoError(t, err)
	sizes, err := l.Sizes(t.Context(), inv)
	require.NoError(t, err)
	require.Len(t, sizes, 4)
	assert.Equal(t, Repository+":builder", sizes[0].Ref, "largest first")
	for _, s := range sizes {
		// The layers are the engine's history, byte for byte.
		var want []string
		for _, line := range strings.Split(docker(t, "history", "--no-trunc", "--human=false", "--format", "{{.Size}}", s.Ref), "\n") {
			want = append([]string{line}, want...)
		}
		var got []string
		for _, ly := range s.Layers {
			got = append(got, fmt.Sprint(ly.Size))
		}
		assert.Equal(t, want, got, s.Ref)
	}
	runtime := sizes[len(sizes)-2]
	assert.Equal(t, Repository+":runtime", runtime.Ref)
	assert.Equal(t, "base alpine:latest", runtime.Layers[0].Stage)
	assert.Equal(t, "runtime stage", runtime.Layers[len(runtime.Layers)-1].Stage)
	require.NoError(t, l.ShowSizes(t.Context()))
	assert.Contains(t, out.String(), "█")
}

func TestCompareOnEngine(t *testing.T) {
	testkit.Alone(t)
	for _, b := range []settings.Builder{settings.BuildKit, settings.Classic} {
		t.Run(string(b), func(t *testing.T) {
			l, out := realLab(t, settings.Settings{Builder: b, Progress: progress.Quiet})
			ctx := t.Context()
			require.NoError(t, l.ShowComparison(ctx))
			a, err := l.Compare(ctx)
			require.NoError(t, err)
			require.Len(t, a, 4)
			for _, x := range a {
				// The CLI sees each approach's image with the engine's size,
				// which is the unpacked size the table shows plus, on the
				// containerd store, the compressed content.
				assert.Equal(t, fmt.Sprintf("%s %d %d", x.ID, x.EngineSize, x.Layers),
					docker(t, "image", "inspect", "--format", "{{.ID}} {{.Size}} {{len .RootFS.Layers}}", x.Tags[0]), x.Name)
				assert.Equal(t, x.EngineSize, x.Size+x.Content, x.Name)
				assert.Equal(t, "Hello World", docker(t, "run", "--rm", x.Tags[0]), x.Name)
			}
			assert.Greater(t, a[0].Size, a[1].Size)
			assert.Greater(t, a[2].Size, a[3].Size)
			assert.Equal(t, 1, a[3].Layers, "scratch holds one layer: the binary")
			assert.Contains(t, out.String(), "4 of 4 assertions passed")

			// clean removes the comparison images too.
			require.NoError(t, l.Clean(ctx))
			assert.Empty(t, docker(t, "image", "ls", "-q", "--filter", "label="+LabelLab+"="+LabValue, "helloworld"))
			assert.Empty(t, docker(t, "image", "ls", "-q", "helloworld-build"))
		})
	}
}

func TestWalkthroughRunsStraightThroughInCI(t *testing.T) {
	testkit.Alone(t)
	l, _ := realLab(t, settings.Settings{})
	o := task(t, []string{"CI=true", "LAB_STEP=1", "LAB_PROGRESS=quiet"}, nil, "walkthrough")
	require.Equal(t, 0, o.code, o.stdout+o.stderr)
	for i, s := range l.Def.Walkthrough {
		assert.Contains(t, o.stdout, fmt.Sprintf("=== Step %d of 7: %s\n", i+1, s.Title))
		assert.Contains(t, o.stdout, fmt.Sprintf("--- step %d done in", i+1))
	}
	assert.Contains(t, o.stdout, "    $ docker image build --target builder -t multi-state:builder .\n")
	assert.Contains(t, o.stdout, "(가독성 향상을 위해 AS 절을 사용해 별칭을 부여)")
	assert.NotContains(t, o.stdout, "press Enter", "CI never waits")
	assert.Equal(t, 3, strings.Count(o.stdout, "\n$ docker image ls\n"), "a table after each of the three build steps")
	assert.Contains(t, o.stdout, "10 of 10 assertions passed")
}

func TestVerifyRebuildOnEngine(t *testing.T) {
	testkit.Alone(t)
	for _, b := range []settings.Builder{settings.BuildKit, settings.Classic} {
		t.Run(string(b), func(t *testing.T) {
			l, out := realLab(t, settings.Settings{Builder: b, Progress: progress.Quiet})
			r, err := l.VerifyRebuild(t.Context())
			require.NoError(t, err)
			assert.True(t, r.Identical)
			assert.Equal(t, r.BinaryBefore, r.BinaryAfter)
			assert.Greater(t, r.BinarySize, 1<<20)
			if r.IDBefore != r.IDAfter {
				assert.NotEmpty(t, r.Why, "a changed ID comes with its reason")
			}
			assert.Contains(t, out.String(), "byte-identical")
			// The lab's own assertions still hold after the rebuild.
			found, err := l.Verify(t.Context())
			checks := checksOf(found)
			require.NoError(t, err)
			assert.Zero(t, verify.Failed(checks))
		})
	}
}

// TestSwitchingBuildersLeavesNoUnlabelledImage: the classic builder's lab
// images have no label, only the lab's record; when a later build moves the
// tag, that build removes the old image at once.
func TestSwitchingBuildersLeavesNoUnlabelledImage(t *testing.T) {
	testkit.Alone(t)
	// Dockerfiles of the test's own, so the classic images are new ones the
	// lab commits (and records), not byte-identical ones found in the cache.
	dir := labDockerfiles(t, labelEachStage("switch", randomSuffix(t)))
	classic, _ := realLab(t, settings.Settings{Builder: settings.Classic, Dockerfiles: dir})
	bk, out := realLab(t, settings.Settings{Builder: settings.BuildKit, Dockerfiles: dir})
	ctx := t.Context()
	require.NoError(t, classic.Clean(ctx))
	labelOf := func(id string) string {
		return docker(t, "image", "inspect", "--format", "{{index .Config.Labels \""+LabelLab+"\"}}", id)
	}
	exists := func(id string) bool { return exec.Command("docker", "image", "inspect", id).Run() == nil }
	for _, name := range []string{"v1", "builder"} {
		im, err := classic.ImageNamed(name)
		require.NoError(t, err)
		old, err := classic.Build(ctx, im)
		require.NoError(t, err)
		require.NotEqual(t, LabValue, labelOf(old.ID), name)

		now, err := bk.Build(ctx, im)
		require.NoError(t, err)
		require.NotEqual(t, old.ID, now.ID, "BuildKit makes another image")
		// The lab removes its old image; on the containerd store the engine
		// has already dropped it when BuildKit took the name.
		assert.Regexp(t, `(    removed the previous `+im.Tag+` image `+display.ShortID(old.ID)+` \(built by the lab, untagged by this build\)|the engine removed the previous `+im.Tag+` image `+display.ShortID(old.ID)+`)`, out.String())
		assert.False(t, exists(old.ID), "the unlabelled classic %s is gone", name)
		assert.Equal(t, now.ID, docker(t, "image", "inspect", "--format", "{{.Id}}", im.Tag))

		// Back to the classic builder: the BuildKit image is labelled, so
		// it is left for clean, as every labelled image is.
		again, err := classic.Build(ctx, im)
		require.NoError(t, err)
		assert.True(t, exists(now.ID), "the labelled BuildKit %s waits for clean", name)
		require.NoError(t, classic.Clean(ctx))
		for _, id := range []string{again.ID, now.ID} {
			assert.False(t, exists(id), "clean removed %s", display.ShortID(id))
		}
	}
}
