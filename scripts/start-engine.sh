#!/usr/bin/env bash
# Makes sure a Docker Engine answers: leaves a running one alone; otherwise
# installs Debian's docker.io if dockerd is missing, starts dockerd in the
# background, and waits until it answers. It never starts a second engine
# beside one that runs.
set -euo pipefail

answers() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

if answers; then
  echo "Docker Engine $(docker version --format '{{.Server.Version}}') answers"
  exit 0
fi
if [ -n "${DOCKER_HOST:-}" ]; then
  echo "no Docker Engine answers at DOCKER_HOST=$DOCKER_HOST: start that engine, or unset DOCKER_HOST to use a local one" >&2
  exit 2
fi
if [ -S /var/run/docker.sock ] && pgrep -x dockerd >/dev/null; then
  echo "dockerd runs but does not answer yet; waiting"
else
  if ! command -v dockerd >/dev/null || ! command -v docker >/dev/null; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    echo "installing Debian's docker.io"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq docker.io >/dev/null
  fi
  log="${TMPDIR:-/tmp}/multistage-lab-dockerd.log"
  echo "starting dockerd (log: $log)"
  nohup dockerd >"$log" 2>&1 &
fi
for _ in $(seq 1 60); do
  if answers; then
    echo "Docker Engine $(docker version --format '{{.Server.Version}}') answers"
    exit 0
  fi
  sleep 1
done
echo "dockerd did not answer within 60 s; see ${TMPDIR:-/tmp}/multistage-lab-dockerd.log" >&2
exit 2
