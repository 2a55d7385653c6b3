#!/usr/bin/env bash
# Installs what the tests use besides the engine: Debian's docker-registry
# (a registry on loopback for the pull and credentials tests) and xmllint
# (checks the JUnit report against its schema). Safe to run again.
set -euo pipefail
if command -v docker-registry >/dev/null && command -v xmllint >/dev/null; then
  echo "docker-registry: $(command -v docker-registry); xmllint: $(command -v xmllint)"
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "docker-registry or xmllint is missing and there is no apt-get here: install Docker's registry (distribution) as docker-registry, and libxml2's xmllint" >&2
  exit 2
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing Debian's docker-registry and libxml2-utils"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends docker-registry libxml2-utils >/dev/null
echo "docker-registry: $(command -v docker-registry); xmllint: $(command -v xmllint)"
