// Package structuretest runs container-structure-test (CST) configs,
// schemaVersion 2.0.0, unchanged, on the lab's images through the Engine
// API, as CST's docker driver runs them
// (github.com/GoogleContainerTools/container-structure-test): each test is
// one result, named as CST names it ("Command Test: NAME", "File Existence
// Test: NAME", "File Content Test: NAME", "Metadata Test"), with CST's
// verdict. Where CST behaves oddly, this does too (see the README's
// "Structure tests").
package structuretest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// SchemaVersion is the one CST schema this package reads.
const SchemaVersion = "2.0.0"

// ErrInvalid marks a CST config this package refuses: it does not parse,
// has an unknown key or schema version, or asks for what it does not run.
var ErrInvalid = errors.New("invalid structure test file")

// Config is a CST config, as CST's v2.StructureTest reads it.
type Config struct {
	SchemaVersion      yaml.Node           `yaml:"schemaVersion"`
	GlobalEnvVars      []EnvVar            `yaml:"globalEnvVars"`
	CommandTests       []CommandTest       `yaml:"commandTests"`
	FileExistenceTests []FileExistenceTest `yaml:"fileExistenceTests"`
	FileContentTests   []FileContentTest   `yaml:"fileContentTests"`
	MetadataTest       MetadataTest        `yaml:"metadataTest"`
	LicenseTests       yaml.Node           `yaml:"licenseTests"`
	ContainerRunOpts   yaml.Node           `yaml:"containerRunOptions"`
}

// EnvVar is a variable, or a label, with CST's isRegex for metadata tests.
type EnvVar struct {
	Key     string `yaml:"key"`
	Value   string `yaml:"value"`
	IsRegex bool   `yaml:"isRegex"`
}

// CommandTest runs a command in a container of the image.
type CommandTest struct {
	Name           string     `yaml:"name"`
	Setup          [][]string `yaml:"setup"`
	Teardown       [][]string `yaml:"teardown"`
	EnvVars        []EnvVar   `yaml:"envVars"`
	ExitCode       int        `yaml:"exitCode"`
	Command        string     `yaml:"command"`
	Args           []string   `yaml:"args"`
	ExpectedOutput []string   `yaml:"expectedOutput"`
	ExcludedOutput []string   `yaml:"excludedOutput"`
	ExpectedError  []string   `yaml:"expectedError"`
	ExcludedError  []string   `yaml:"excludedError"`
}

// FileExistenceTest says a path is (or is not) in the image, with its
// permissions, owner and group, as CST checks them.
type FileExistenceTest struct {
	Name           string `yaml:"name"`
	Path           string `yaml:"path"`
	ShouldExist    bool   `yaml:"shouldExist"`
	Permissions    string `yaml:"permissions"`
	UID            int    `yaml:"uid"`
	GID            int    `yaml:"gid"`
	IsExecutableBy string `yaml:"isExecutableBy"`
}

// noOwner is CST's "not asked" for uid and gid.
const noOwner = -1

// UnmarshalYAML gives shouldExist, uid and gid CST's defaults (true, and
// not asked).
func (f *FileExistenceTest) UnmarshalYAML(n *yaml.Node) error {
	type plain FileExistenceTest
	p := plain{ShouldExist: true, UID: noOwner, GID: noOwner}
	if err := n.Decode(&p); err != nil {
		return err
	}
	*f = FileExistenceTest(p)
	return nil
}

// FileContentTest matches a file's contents with regular expressions.
type FileContentTest struct {
	Name             string   `yaml:"name"`
	Path             string   `yaml:"path"`
	ExpectedContents []string `yaml:"expectedContents"`
	ExcludedContents []string `yaml:"excludedContents"`
}

// MetadataTest compares the image's config.
type MetadataTest struct {
	EnvVars          []EnvVar  `yaml:"envVars"`
	UnboundEnvVars   []EnvVar  `yaml:"unboundEnvVars"`
	ExposedPorts     []string  `yaml:"exposedPorts"`
	UnexposedPorts   []string  `yaml:"unexposedPorts"`
	Entrypoint       *[]string `yaml:"entrypoint"`
	Cmd              *[]string `yaml:"cmd"`
	Workdir          string    `yaml:"workdir"`
	Volumes          []string  `yaml:"volumes"`
	UnmountedVolumes []string  `yaml:"unmountedVolumes"`
	Labels           []EnvVar  `yaml:"labels"`
	User             string    `yaml:"user"`
}

// empty reports whether the config has no metadata test (CST then runs none).
func (m MetadataTest) empty() bool {
	return len(m.EnvVars) == 0 && len(m.UnboundEnvVars) == 0 && len(m.ExposedPorts) == 0 && len(m.UnexposedPorts) == 0 &&
		m.Entrypoint == nil && m.Cmd == nil && m.Workdir == "" && m.User == "" && len(m.Volumes) == 0 &&
		len(m.UnmountedVolumes) == 0 && len(m.Labels) == 0
}

// yamlLine is the line in a YAML decoder's message ("line 7: ..."), and
// unknownField its words for an unknown key.
var (
	yamlLine     = regexp.MustCompile(`line (\d+): `)
	unknownField = regexp.MustCompile(`^field (\S+) not found in type structuretest\.(\w+)`)
)

// Load reads a CST config (YAML; display names it in messages) and
// refuses, with its line, what CST would refuse (an unknown key, a
// missing or unknown schemaVersion) and what this package does not run
// (licenseTests, containerRunOptions).
func Load(path, display string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalid, display, err)
	}
	bad := func(line int, format string, args ...any) error {
		at := display
		if line > 0 {
			at += ":" + strconv.Itoa(line)
		}
		return fmt.Errorf("%w: %s: %s", ErrInvalid, at, fmt.Sprintf(format, args...))
	}
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		msg := err.Error()
		line := 0
		if m := yamlLine.FindStringSubmatchIndex(msg); m != nil {
			line, _ = strconv.Atoi(msg[m[2]:m[3]])
			msg = msg[m[1]:]
		}
		msg, _, _ = strings.Cut(msg, "\n")
		msg = strings.TrimPrefix(msg, "yaml: ")
		if m := unknownField.FindStringSubmatch(msg); m != nil {
			msg = fmt.Sprintf("unknown key %q (CST's %s has no such key)", m[1], m[2])
		}
		return nil, bad(line, "%s", msg)
	}
	switch {
	case c.SchemaVersion.Kind == 0 || c.SchemaVersion.Value == "":
		return nil, bad(c.SchemaVersion.Line, "no schemaVersion: write schemaVersion: %s at the top, as CST asks", SchemaVersion)
	case c.SchemaVersion.Value != SchemaVersion:
		return nil, bad(c.SchemaVersion.Line, "schemaVersion %s: the lab runs CST's schema %s", c.SchemaVersion.Value, SchemaVersion)
	case c.LicenseTests.Kind != 0:
		return nil, bad(c.LicenseTests.Line, "licenseTests are not run by the lab: check licenses with CST itself, or remove them")
	case c.ContainerRunOpts.Kind != 0:
		return nil, bad(c.ContainerRunOpts.Line, "containerRunOptions are not run by the lab: remove them")
	}
	return &c, nil
}
