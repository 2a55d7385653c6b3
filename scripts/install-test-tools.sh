#!/usr/bin/env bash
# Installs what the integration tests use besides the engine: Debian's
# docker-registry (a registry on loopback for the pull and credentials tests).
# Safe to run again.
set -euo pipefail
if command -v docker-registry >/dev/null; then
  echo "docker-registry: $(command -v docker-registry)"
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "docker-registry is missing and there is no apt-get here: install Docker's registry (distribution) as docker-registry" >&2
  exit 2
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing Debian's docker-registry"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends docker-registry >/dev/null
echo "docker-registry: $(command -v docker-registry)"
