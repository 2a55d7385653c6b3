package lab

import (
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/settings"
	"github.com/multistage-lab/multistage-lab/internal/testkit"
)

// cstVerdict is one test's verdict as container-structure-test gave it.
type cstVerdict struct {
	Config string `json:"config"`
	Name   string `json:"name"`
	Pass   bool   `json:"pass"`
}

// TestStructureTestsAgreeWithCST builds testdata/structure's image with the
// lab and runs its two CST configs (every test kind, passing and failing,
// CST's odd cases among them) through verify: each test is one check,
// named as CST names it, with the verdict CST itself gave on the same
// image and configs. Those verdicts are in testdata/structure/
// cst-verdicts.json, recorded on this project's machine on 2026-12-01
// (Docker Engine 20.10.24, the image built by `go tool mage build`, BuildKit)
// with container-structure-test built from its source at 63ee63e
// (2025-11-14, after v1.22.0) by `go build ./cmd/container-structure-test`:
//
//	container-structure-test test --image structure-lab:app --config structure.yaml --output json
//	container-structure-test test --image structure-lab:app --config metadata-fail.yaml --output json
//
// verify exits 1, and the JUnit report holds one testcase per CST test
// under CST's name.
func TestStructureTestsAgreeWithCST(t *testing.T) {
	testkit.Beside(t)
	_, _ = realLab(t, settings.Settings{})
	dir, err := filepath.Abs(filepath.Join("testdata", "structure"))
	require.NoError(t, err)
	data, err := os.ReadFile(filepath.Join(dir, "cst-verdicts.json"))
	require.NoError(t, err)
	var want []cstVerdict
	require.NoError(t, json.Unmarshal(data, &want))

	report := filepath.Join(t.TempDir(), "report.xml")
	env := []string{"LAB_DOCKERFILES=" + dir, "LAB_REPORT=junit", "LAB_REPORT_FILE=" + report}
	t.Cleanup(func() { task(t, env, nil, "clean") })
	o := task(t, env, nil, "build")
	require.Equal(t, 0, o.code, o.said())
	o = task(t, env, nil, "verify")
	assert.Equal(t, 1, o.code, "CST's failing tests fail verify: %s", o.said())

	doc, err := os.ReadFile(report)
	require.NoError(t, err)
	var junit struct {
		Suites []struct {
			Cases []struct {
				Name    string    `xml:"name,attr"`
				Failure *struct{} `xml:"failure"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal(doc, &junit))
	require.Len(t, junit.Suites, 1)
	cases := junit.Suites[0].Cases
	own := 4 // the lab file's own checks, the native kinds for the same facts
	require.Len(t, cases, own+len(want), "the lab's own checks, then one testcase per CST test")
	assert.Equal(t, "the image exists", cases[0].Name)
	for _, c := range cases[:own] {
		assert.Nil(t, c.Failure, "%s: the native kinds pass on the image", c.Name)
	}
	for i, w := range want {
		c := cases[own+i]
		assert.Equal(t, w.Name, c.Name, "CST's name, in CST's order (%s)", w.Config)
		assert.Equal(t, w.Pass, c.Failure == nil, "%s (%s): CST's verdict", w.Name, w.Config)
		status := "PASS"
		if !w.Pass {
			status = "FAIL"
		}
		assert.Contains(t, o.stdout, status+"  "+w.Name+"\n", "on the terminal too")
	}
}
