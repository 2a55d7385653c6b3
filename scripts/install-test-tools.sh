#!/usr/bin/env bash
# Installs what the tests use besides the engine. From Debian: docker-registry
# (a registry on loopback for the pull and credentials tests), xmllint (checks
# the JUnit report against its schema), tmux (a real terminal for the tty
# progress display) and OpenSSH's server (an engine reached by ssh://). From
# the Go module proxy: dive v0.13.1 (the waste check's figures are held to
# its own), and buildx v0.38.2, the BuildKit side of `go tool mage bench`,
# into the bench's own docker config folder (as the bench builds it when it
# finds none; never into the user's plugins). Safe to run again.
set -euo pipefail
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
if command -v docker-registry >/dev/null && command -v xmllint >/dev/null && command -v tmux >/dev/null && [ -x /usr/sbin/sshd ]; then
  echo "docker-registry, xmllint, tmux and sshd are here"
elif ! command -v apt-get >/dev/null; then
  echo "docker-registry, xmllint, tmux or sshd is missing and there is no apt-get here: install Docker's registry (distribution) as docker-registry, libxml2's xmllint, tmux, and OpenSSH's server" >&2
  exit 2
else
  echo "installing Debian's docker-registry, libxml2-utils, tmux and openssh-server"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends docker-registry libxml2-utils tmux openssh-server >/dev/null
  echo "docker-registry, xmllint, tmux and sshd are here"
fi
if command -v dive >/dev/null; then
  echo "dive is here: $(dive --version)"
else
  echo "building dive v0.13.1 from the Go module proxy into /usr/local/bin"
  GOBIN=/usr/local/bin $SUDO env "PATH=$PATH" GOBIN=/usr/local/bin go install github.com/wagoodman/dive@v0.13.1
  echo "dive is here: $(dive --version)"
fi
bx=${XDG_CACHE_HOME:-$HOME/.cache}/multistage-lab/buildx/v0.38.2
if docker buildx version >/dev/null 2>&1; then
  echo "the docker CLI has buildx: $(docker buildx version)"
elif [ -x "$bx/cli-plugins/docker-buildx" ]; then
  echo "the bench's buildx is here: $bx/cli-plugins/docker-buildx"
else
  echo "building buildx v0.38.2 from the Go module proxy into $bx/cli-plugins (a few minutes)"
  mkdir -p "$bx/cli-plugins.building"
  GOBIN="$bx/cli-plugins.building" CGO_ENABLED=0 go install github.com/docker/buildx/cmd/buildx@v0.38.2
  mv "$bx/cli-plugins.building/buildx" "$bx/cli-plugins/docker-buildx" 2>/dev/null || { mkdir -p "$bx/cli-plugins" && mv "$bx/cli-plugins.building/buildx" "$bx/cli-plugins/docker-buildx"; }
  rmdir "$bx/cli-plugins.building"
  echo "the bench's buildx is here: $bx/cli-plugins/docker-buildx"
fi
