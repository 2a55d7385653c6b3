#!/usr/bin/env bash
# Runs a command as it runs on a newcomer's bare machine: no busybox and
# none of the optional test tools (docker-registry, xmllint, tmux, sshd, dive,
# the bench's buildx),
# and CI unset. A private mount namespace puts /dev/null over each of them
# for this command only; nothing on the machine changes. Needs root (or
# sudo) for unshare.
#   bash scripts/bare-machine.sh go test -timeout 45m ./...
set -euo pipefail
if [ $# -eq 0 ]; then
  echo "usage: bash scripts/bare-machine.sh COMMAND [ARG...]" >&2
  exit 2
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo -E"
exec $SUDO unshare --mount --propagation private bash -c '
  set -euo pipefail
  for p in /bin/busybox /usr/bin/busybox /usr/sbin/busybox /sbin/busybox \
           /usr/bin/docker-registry /usr/bin/xmllint /usr/bin/tmux /usr/sbin/sshd /usr/local/bin/dive \
           "${XDG_CACHE_HOME:-$HOME/.cache}/multistage-lab/buildx/v0.38.2/cli-plugins/docker-buildx"; do
    if [ -e "$p" ] && [ ! -L "$p" ]; then mount --bind /dev/null "$p"; fi
  done
  for t in busybox docker-registry xmllint tmux dive; do
    if p=$(command -v "$t" 2>/dev/null) && [ -x "$p" ] && [ -f "$p" ]; then
      echo "bare-machine.sh: $t is still visible at $p" >&2
      exit 2
    fi
  done
  unset CI
  exec "$@"
' bare-machine "$@"
