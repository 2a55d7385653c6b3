package lab

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/multistage-lab/multistage-lab/internal/progress"
)

// Step is one step of the seed's walkthrough: its title in English and, where
// the seed has one, the seed's own Korean heading, the docker CLI commands the seed typed, and
// what the lab does for it through the API.
type Step struct {
	Title  string
	Korean string
	CLI    []string
	Do     func(ctx context.Context, l *Lab) error
}

// Steps replays the seed in its order.
func Steps() []Step {
	buildAndList := func(names ...string) func(ctx context.Context, l *Lab) error {
		return func(ctx context.Context, l *Lab) error {
			for _, n := range names {
				im, _ := ImageNamed(n)
				if _, err := l.Build(ctx, im); err != nil {
					return err
				}
			}
			l.printf("\n$ docker image ls\n")
			return l.ShowImages(ctx)
		}
	}
	show := func(files ...string) func(ctx context.Context, l *Lab) error {
		return func(ctx context.Context, l *Lab) error {
			for _, f := range files {
				data, err := os.ReadFile(filepath.Join(l.Root, f))
				if err != nil {
					return err
				}
				l.printf("[%s]\n%s\n", f, data)
			}
			return nil
		}
	}
	return []Step{
		{
			Title:  "Multi-stage builds: several FROMs in one Dockerfile, COPY --from an earlier stage",
			Korean: "다단계 도커 빌드",
			Do: func(ctx context.Context, l *Lab) error {
				l.printf("Docker 17.05 brought multi-stage builds. Each FROM starts a stage, named by its number from 0 or by an alias given with AS.\n")
				return nil
			},
		},
		{
			Title:  "Remove the containers and images made before",
			Korean: "기존에 생성한 컨테이너와 이미지를 삭제",
			CLI:    []string{"docker container rm -f $(docker container ls -aq)", "docker image rm -f $(docker image ls -q)"},
			Do: func(ctx context.Context, l *Lab) error {
				l.printf("The seed's commands remove everything on the engine; the lab removes only what it made (go tool mage clean:all does the literal step, with LAB_CONFIRM=clean-all).\n")
				return l.Clean(ctx)
			},
		},
		{
			Title:  "Make the working folder: the program and a Dockerfile with numbered stages",
			Korean: "작업 디렉터리 생성",
			CLI:    []string{"mkdir multi-state-build", "cd multi-state-build"},
			Do:     show("app/helloworld.go", "dockerfiles/v1.Dockerfile"),
		},
		{
			Title: "Build with numbered stages (COPY --from=0)",
			CLI:   []string{"docker image build -t multi-state:v1 .", "docker image ls"},
			Do:    buildAndList("v1"),
		},
		{
			Title:  "Name the stages with AS for readability; every step comes from the cache",
			Korean: "가독성 향상을 위해 AS 절을 사용해 별칭을 부여",
			CLI:    []string{"docker image build -t multi-state:v2 .", "docker image ls"},
			Do: func(ctx context.Context, l *Lab) error {
				if err := show("dockerfiles/v2.Dockerfile")(ctx, l); err != nil {
					return err
				}
				return buildAndList("v2")(ctx, l)
			},
		},
		{
			Title:  "Pick the final stage with --target",
			Korean: "이미지 빌드 시 --target 옵션을 이용해서 최종 단계 지정이 가능",
			CLI:    []string{"docker image build --target builder -t multi-state:builder .", "docker image build --target runtime -t multi-state:runtime .", "docker image ls"},
			Do:     buildAndList("builder", "runtime"),
		},
		{
			Title: "What the listing shows, proved",
			CLI:   []string{"docker image ls"},
			Do: func(ctx context.Context, l *Lab) error {
				if _, err := l.Verify(ctx); err != nil {
					return err
				}
				return l.RunRuntime(ctx)
			},
		},
	}
}

// Walkthrough replays the seed step by step. With LAB_STEP=1 on a terminal
// it waits for Enter before each step; in CI it runs straight through.
func (l *Lab) Walkthrough(ctx context.Context, in io.Reader) error {
	steps := Steps()
	wait := l.Settings.Step && progress.IsTerminal(l.Out) && os.Getenv("CI") != "true"
	keys := bufio.NewReader(in)
	for i, s := range steps {
		l.printf("\n=== Step %d of %d: %s\n", i+1, len(steps), s.Title)
		if s.Korean != "" {
			l.printf("    (%s)\n", s.Korean)
		}
		for _, c := range s.CLI {
			l.printf("    $ %s\n", c)
		}
		if wait {
			l.printf("-- press Enter to do it through the Engine API --")
			if _, err := keys.ReadString('\n'); err != nil && ctx.Err() == nil {
				wait = false
			}
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		start := time.Now()
		if err := s.Do(ctx, l); err != nil {
			return fmt.Errorf("step %d (%s): %w", i+1, s.Title, err)
		}
		l.printf("--- step %d done in %.1fs\n", i+1, time.Since(start).Seconds())
	}
	return nil
}
