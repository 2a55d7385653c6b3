package lab

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io/fs"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/multistage-lab/multistage-lab/internal/settings"
	"github.com/multistage-lab/multistage-lab/internal/testkit"
)

// pki is a CA and the certificates it signed, as PEM files in dir.
type pki struct {
	dir    string
	caKey  *ecdsa.PrivateKey
	caCert *x509.Certificate
}

func newPKI(t *testing.T, name string) *pki {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	p := &pki{dir: t.TempDir(), caKey: key, caCert: cert}
	writePEM(t, filepath.Join(p.dir, "ca.pem"), "CERTIFICATE", der)
	return p
}

func writePEM(t *testing.T, path, kind string, der []byte) {
	require.NoError(t, os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600))
}

// issue writes NAME-cert.pem and NAME-key.pem, a server certificate for
// 127.0.0.1 or a client certificate, and returns the folder and paths.
func (p *pki) issue(t *testing.T, name string, server bool) (cert, key string) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
	} else {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.caCert, &k.PublicKey, p.caKey)
	require.NoError(t, err)
	kder, err := x509.MarshalECPrivateKey(k)
	require.NoError(t, err)
	cert, key = filepath.Join(p.dir, name+"-cert.pem"), filepath.Join(p.dir, name+"-key.pem")
	writePEM(t, cert, "CERTIFICATE", der)
	writePEM(t, key, "EC PRIVATE KEY", kder)
	return cert, key
}

// certFolder is a DOCKER_CERT_PATH: ca.pem, and cert.pem and key.pem if set.
func certFolder(t *testing.T, ca, cert, key string) string {
	dir := t.TempDir()
	for name, src := range map[string]string{"ca.pem": ca, "cert.pem": cert, "key.pem": key} {
		if src == "" {
			continue
		}
		data, err := os.ReadFile(src)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), data, 0o600))
	}
	return dir
}

// forwardInto forwards loopback connections to addr inside the network
// namespace netns: an engine there reached over the network.
func forwardInto(t *testing.T, netns, addr string) string {
	return forwardTo(t, func() (net.Conn, error) { return dialIn(netns, addr) })
}

// TestEnginesReachedOverTLS: an engine in a network namespace that speaks
// only TLS with client certificates on TCP (the documented way to expose an
// engine), reached through DOCKER_HOST with the environment's TLS settings,
// a docker context with the same files, a context with skip-verify, and
// LAB_ENGINES beside the machine's engine; and each way it refuses, named
// for what it is, exit 2, nothing touched.
func TestEnginesReachedOverTLS(t *testing.T) {
	testkit.Alone(t)
	_, _ = realLab(t, settings.Settings{})
	ca := newPKI(t, "lab-test-ca")
	serverCert, serverKey := ca.issue(t, "server", true)
	clientCert, clientKey := ca.issue(t, "client", false)
	other := newPKI(t, "another-ca")
	e := startSecondEngineWith(t, "{}", "--host", "tcp://127.0.0.1:2376", "--tlsverify",
		"--tlscacert", filepath.Join(ca.dir, "ca.pem"), "--tlscert", serverCert, "--tlskey", serverKey)
	require.Eventually(t, func() bool { return dialsIn(t, e.netns, "127.0.0.1:2376") }, 30*time.Second, 100*time.Millisecond)
	addr := forwardInto(t, e.netns, "127.0.0.1:2376")
	host := "tcp://" + addr
	good := certFolder(t, filepath.Join(ca.dir, "ca.pem"), clientCert, clientKey)

	// A docker CLI config folder with TLS contexts, made by the docker CLI.
	cfg := t.TempDir()
	dockerCLI := func(args ...string) {
		out, err := exec.Command("docker", append([]string{"--config", cfg}, args...)...).CombinedOutput()
		require.NoError(t, err, "docker %v: %s", args, out)
	}
	dockerCLI("context", "create", "tlsctx", "--docker", "host="+host+",ca="+filepath.Join(ca.dir, "ca.pem")+",cert="+clientCert+",key="+clientKey)
	dockerCLI("context", "create", "skipctx", "--docker", "host="+host+",cert="+clientCert+",key="+clientKey+",skip-tls-verify=true")
	dockerCLI("context", "create", "nocertctx", "--docker", "host="+host+",ca="+filepath.Join(ca.dir, "ca.pem"))
	dockerCLI("--context", "tlsctx", "version")

	noTLS := []string{"DOCKER_TLS_VERIFY=", "DOCKER_CERT_PATH=", "DOCKER_CONTEXT=", "DOCKER_CONFIG=" + cfg}
	env := func(more ...string) []string { return append(append([]string{}, noTLS...), more...) }
	for _, c := range []struct {
		name string
		env  []string
	}{
		{"DOCKER_HOST with DOCKER_TLS_VERIFY", env("DOCKER_HOST="+host, "DOCKER_TLS_VERIFY=1", "DOCKER_CERT_PATH="+good)},
		{"DOCKER_CONTEXT of a TLS context", env("DOCKER_HOST=", "DOCKER_CONTEXT=tlsctx")},
		{"a context with skip-verify", env("DOCKER_HOST=", "DOCKER_CONTEXT=skipctx")},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := task(t, c.env, nil, "images")
			require.Equal(t, 0, o.code, o.stdout+o.stderr)
			assert.NotContains(t, o.stdout, "without TLS")
		})
	}

	before := takeSnapshot(t)
	for _, c := range []struct {
		name  string
		env   []string
		words []string
	}{
		{"no TLS settings against a TLS port", env("DOCKER_HOST=" + host), []string{"the engine wants TLS", "DOCKER_TLS_VERIFY=1"}},
		{"a certificate from another CA", env("DOCKER_HOST="+host, "DOCKER_TLS_VERIFY=1", "DOCKER_CERT_PATH="+certFolder(t, filepath.Join(other.dir, "ca.pem"), clientCert, clientKey)), []string{"certificate is not trusted by", filepath.Join("ca.pem"), "x509"}},
		{"a context with no client certificate", env("DOCKER_HOST=", "DOCKER_CONTEXT=nocertctx"), []string{"refused the client certificate", "tls: "}},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := task(t, c.env, nil, "build:v1")
			t.Logf("said: %s", o.stderr)
			assert.Equal(t, 2, o.code, o.stdout+o.stderr)
			for _, w := range c.words {
				assert.Contains(t, o.stderr, w)
			}
			assert.NotContains(t, o.stderr, "start Docker")
			assert.Equal(t, 1, strings.Count(strings.TrimSpace(o.stderr), "\n")+1, "one line: %s", o.stderr)
		})
	}
	assert.Equal(t, before, takeSnapshot(t), "nothing touched on the machine's engine")

	// The lab itself on the TLS context and the machine's engine at once.
	t.Run("LAB_ENGINES with a TLS context", func(t *testing.T) {
		o := task(t, env("DOCKER_HOST=", "LAB_ENGINES=tlsctx,"+machineEngine()), nil)
		require.Equal(t, 0, o.code, o.stdout+o.stderr)
		assert.Equal(t, 2, strings.Count(o.stdout, "10 of 10 assertions passed"), o.stdout)
	})
}

// TestAnEngineReachedOverPlainTCPIsNamed: a tcp:// engine without TLS works
// and gets one line saying anyone who reaches the port controls it.
func TestAnEngineReachedOverPlainTCPIsNamed(t *testing.T) {
	testkit.Alone(t)
	_, _ = realLab(t, settings.Settings{})
	host := "tcp://" + forward(t, engineSocket(t))
	o := task(t, []string{"DOCKER_HOST=" + host}, nil, "images")
	require.Equal(t, 0, o.code, o.stdout+o.stderr)
	t.Logf("said: %s", strings.SplitN(o.stdout, "\n", 2)[0])
	assert.Equal(t, 1, strings.Count(o.stdout, "warning: "+host+" is reached over TCP without TLS: anyone who can reach that port controls the engine"), o.stdout)

	// The same engine in LAB_ENGINES: its lines say it too.
	o = task(t, []string{"LAB_ENGINES=" + host}, nil, "images")
	require.Equal(t, 0, o.code, o.stdout+o.stderr)
	assert.Equal(t, 1, strings.Count(o.stdout, "warning: "+host+" is reached over TCP without TLS: anyone who can reach that port controls the engine"), o.stdout)
}

// TestTheSocketRefusedToAUser: a user who may not use the engine's socket
// (not root, not in the docker group) is told so and what to do, exit 2.
func TestTheSocketRefusedToAUser(t *testing.T) {
	testkit.Alone(t)
	_, _ = realLab(t, settings.Settings{})
	testkit.NeedRoot(t, "the test runs the lab as another user")
	sock := strings.TrimPrefix(engineSocket(t), "unix://")
	fi, err := os.Stat(sock)
	require.NoError(t, err)
	if fi.Mode().Perm()&0o006 != 0 {
		testkit.NotApplicable(t, sock+" is open to every user")
	}
	root, err := findTestRoot()
	require.NoError(t, err)
	bin, err := testkit.TaskBinary(root)
	require.NoError(t, err)
	// The task binary where the user "nobody" may run it.
	dir, err := os.MkdirTemp("", "lab-nobody-")
	require.NoError(t, err)
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	require.NoError(t, os.Chmod(dir, 0o755))
	data, err := os.ReadFile(bin)
	require.NoError(t, err)
	nb := filepath.Join(dir, "lab")
	require.NoError(t, os.WriteFile(nb, data, 0o755))
	// The lab's files where nobody may read them: the clone itself may sit
	// in a folder only its owner reads.
	project := filepath.Join(dir, "project")
	copyTree(t, filepath.Join(root, "dockerfiles"), filepath.Join(project, "dockerfiles"))
	copyTree(t, filepath.Join(root, "app"), filepath.Join(project, "app"))
	asNobody := func(folder string) (string, int) {
		cmd := exec.Command("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", nb, "clean")
		cmd.Dir = folder
		cmd.Env = append(os.Environ(), "DOCKER_HOST=unix://"+sock, "HOME="+dir, "LAB_PROGRESS=plain", "XDG_CACHE_HOME="+dir)
		out, err := cmd.CombinedOutput()
		t.Logf("said: %s", out)
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee, string(out))
		return string(out), ee.ExitCode()
	}
	before := takeSnapshot(t)
	out, code := asNobody(project)
	assert.Equal(t, 2, code, out)
	assert.Contains(t, out, "permission denied on the socket "+sock)
	assert.Contains(t, out, "docker group")
	assert.NotContains(t, out, "start Docker")
	assert.Equal(t, before, takeSnapshot(t))

	// A project folder the user may not read is named as one, not as a
	// folder without the lab's files.
	require.NoError(t, os.Chmod(filepath.Join(project, "dockerfiles"), 0o700))
	out, code = asNobody(project)
	assert.Equal(t, 2, code, out)
	assert.Equal(t, "Error: cannot read dockerfiles/lab.yaml: permission denied: run the lab as a user who may read the project's folder, or let that user read it\n", out)
	assert.Equal(t, before, takeSnapshot(t))
}

// copyTree copies the files under src to dst, readable by every user.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	require.NoError(t, filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	}))
}
