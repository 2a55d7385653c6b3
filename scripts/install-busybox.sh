#!/usr/bin/env bash
# Makes sure a statically linked busybox is here for the offline stand-in
# base images: keeps one that is already installed, else installs Debian's
# busybox-static. Safe to run again.
set -euo pipefail

is_static() {
  [ -x "$1" ] || return 1
  local out
  out=$(LC_ALL=C ldd "$1" 2>&1 || true)
  grep -q -e 'not a dynamic executable' -e 'statically linked' <<<"$out"
}

for p in "${LAB_BUSYBOX:-}" /bin/busybox /usr/bin/busybox "$(command -v busybox 2>/dev/null || true)"; do
  if [ -n "$p" ] && is_static "$p"; then
    echo "static busybox: $p"
    exit 0
  fi
done

if ! command -v apt-get >/dev/null; then
  echo "no static busybox found and no apt-get here: install a static busybox and set LAB_BUSYBOX to its path" >&2
  exit 2
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing Debian's busybox-static"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq busybox-static >/dev/null
echo "static busybox: $(command -v busybox)"
