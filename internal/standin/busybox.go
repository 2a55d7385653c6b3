// Package standin makes offline stand-ins for the lab's base images,
// golang:latest and alpine:latest, for engines that reach no registry.
package standin

import (
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"os/exec"
)

// ErrNoBusybox says no usable static busybox was found.
var ErrNoBusybox = errors.New("no statically linked busybox found")

// busyboxPlaces are where Debian's busybox-static and other distributions put
// the binary.
var busyboxPlaces = []string{"/bin/busybox", "/usr/bin/busybox", "/usr/sbin/busybox", "/sbin/busybox"}

// FindBusybox returns a statically linked busybox for goarch: the given path
// if one is set (LAB_BUSYBOX), else the first static one in the usual places
// or on PATH.
func FindBusybox(path, goarch string) (string, error) {
	hint := "install one (Debian: scripts/install-busybox.sh, or apt-get install busybox-static) or set LAB_BUSYBOX to its path"
	if path != "" {
		if err := CheckStatic(path, goarch); err != nil {
			return "", fmt.Errorf("%w: LAB_BUSYBOX: %v: %s", ErrNoBusybox, err, hint)
		}
		return path, nil
	}
	candidates := busyboxPlaces
	if p, err := exec.LookPath("busybox"); err == nil {
		candidates = append([]string{p}, candidates...)
	}
	var seen []string
	for _, c := range candidates {
		if _, err := os.Stat(c); err != nil {
			continue
		}
		if err := CheckStatic(c, goarch); err != nil {
			seen = append(seen, err.Error())
			continue
		}
		return c, nil
	}
	if len(seen) > 0 {
		return "", fmt.Errorf("%w (%s): %s", ErrNoBusybox, seen[0], hint)
	}
	return "", fmt.Errorf("%w: %s", ErrNoBusybox, hint)
}

// CheckStatic checks that path is a statically linked Linux ELF executable
// for goarch: no program interpreter and no shared libraries, so it runs in
// an image that has nothing else.
func CheckStatic(path, goarch string) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("%s is not a Linux executable: %v", path, err)
	}
	defer f.Close()
	if want, ok := elfMachines[goarch]; !ok || f.Machine != want {
		return fmt.Errorf("%s is built for %s, the engine runs %s", path, f.Machine, goarch)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("%s is dynamically linked", path)
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		return fmt.Errorf("%s needs shared libraries %v", path, libs)
	}
	return nil
}

// elfMachines maps Go architectures to ELF machine types.
var elfMachines = map[string]elf.Machine{
	"amd64":   elf.EM_X86_64,
	"386":     elf.EM_386,
	"arm64":   elf.EM_AARCH64,
	"arm":     elf.EM_ARM,
	"ppc64le": elf.EM_PPC64,
	"s390x":   elf.EM_S390,
	"riscv64": elf.EM_RISCV,
}
