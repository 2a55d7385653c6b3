#!/usr/bin/env bash
# Docker Engine 29.8, built from the Go module proxy and started in a network
# namespace of its own, beside the machine's engine (never in its namespace:
# a second dockerd there would rewire the machine's docker0).
#
#   scripts/engine29.sh build                   builds once, then reuses the binaries
#   scripts/engine29.sh start NAME [STORE]      STORE: containerd (default) or overlay2;
#                                               prints the engine's DOCKER_HOST
#   scripts/engine29.sh start NAME machine      the machine's own dockerd (Engine 20.10 on
#                                               the project's machine) instead, with the
#                                               machine's storage driver, in the same way
#   scripts/engine29.sh stop NAME               stops it and removes its data
#
# The binaries are cached by version under $LAB_ENGINE_CACHE (default
# ~/.cache/multistage-lab/engines), so a second start takes seconds.
set -euo pipefail

version=29.8.0
moby=github.com/moby/moby/v2@v2.0.0-beta.24
containerd=github.com/containerd/containerd/v2@v2.3.5
runc=github.com/opencontainers/runc@v1.5.3

cache=${LAB_ENGINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/multistage-lab/engines}
bin=$cache/$version/bin
state=${LAB_ENGINE_STATE:-/tmp/lab-engines}

say() { printf '%s\n' "$*" >&2; }

build() {
  if [ -x "$bin/dockerd" ] && [ -x "$bin/containerd" ] && [ -x "$bin/containerd-shim-runc-v2" ] && [ -x "$bin/runc" ]; then
    say "engine $version: reusing $bin"
    return
  fi
  mkdir -p "$bin"
  if ! pkg-config --exists libseccomp 2>/dev/null; then
    say "installing Debian's libseccomp-dev and pkg-config (runc's seccomp support)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libseccomp-dev pkg-config >/dev/null
  fi
  local t0=$SECONDS
  # Each is built into a temporary folder and moved in whole, so an interrupted
  # build is never taken for a finished one.
  local tmp
  tmp=$(mktemp -d "$cache/build.XXXXXX")
  trap 'rm -rf "$tmp"' RETURN
  say "engine $version: building runc ${runc#*@}"
  CGO_ENABLED=1 GOBIN=$tmp go install -tags seccomp "${runc%@*}@${runc#*@}"
  say "engine $version: building containerd ${containerd#*@} and its shim"
  CGO_ENABLED=0 GOBIN=$tmp go install -tags 'no_btrfs no_devmapper no_zfs no_cri' \
    "${containerd%@*}/cmd/containerd@${containerd#*@}" \
    "${containerd%@*}/cmd/containerd-shim-runc-v2@${containerd#*@}"
  say "engine $version: building dockerd ${moby#*@} (about 5 minutes on 2 cores)"
  CGO_ENABLED=0 GOBIN=$tmp go install -tags 'exclude_graphdriver_btrfs exclude_disk_quota' \
    -ldflags "-X github.com/moby/moby/v2/dockerversion.Version=$version" \
    "${moby%@*}/cmd/dockerd@${moby#*@}"
  mv "$tmp"/* "$bin/"
  say "engine $version: built in $((SECONDS - t0)) s into $bin"
}

start() {
  local name=$1 store=${2:-containerd}
  local dockerd=$bin/dockerd driver extra=()
  case "$store" in
    containerd) snap=true; driver=overlayfs ;;
    overlay2) snap=false; driver=overlay2 ;;
    machine)
      # The machine's dockerd shares the machine's containerd, in namespaces
      # of its own.
      snap=false
      dockerd=$(command -v dockerd) || { say "no dockerd on PATH"; exit 2; }
      driver=$(docker info --format '{{.Driver}}')
      extra=(--containerd-namespace "lab-$name" --containerd-plugins-namespace "lab-$name-plugins")
      ;;
    *) say "unknown image store $store: use containerd, overlay2 or machine"; exit 2 ;;
  esac
  [ "$store" = machine ] || build
  local dir=$state/$name
  if [ -S "$dir/d.sock" ] && DOCKER_HOST=unix://$dir/d.sock docker version >/dev/null 2>&1; then
    echo "unix://$dir/d.sock"
    return
  fi
  stop "$name" 2>/dev/null || true
  mkdir -p "$dir"
  ip netns add "lab-$name"
  ip netns exec "lab-$name" ip link set lo up
  if [ "$store" = machine ]; then
    echo '{}' >"$dir/daemon.json"
  else
    echo "{\"features\": {\"containerd-snapshotter\": $snap}}" >"$dir/daemon.json"
    extra+=(--ip6tables=false)
  fi
  # dockerd starts its own containerd, and finds it, the shim and runc on PATH.
  PATH=$bin:$PATH nohup nsenter --net="/var/run/netns/lab-$name" "$dockerd" \
    --config-file "$dir/daemon.json" \
    --host "unix://$dir/d.sock" \
    --data-root "$dir/data" \
    --exec-root "$dir/exec" \
    --pidfile "$dir/docker.pid" \
    --storage-driver "$driver" \
    --iptables=false --ip-masq=false --userland-proxy=false \
    "${extra[@]}" \
    >"$dir/dockerd.log" 2>&1 &
  echo $! >"$dir/nsenter.pid"
  for _ in $(seq 1 120); do
    if DOCKER_HOST=unix://$dir/d.sock docker version >/dev/null 2>&1; then
      echo "unix://$dir/d.sock"
      return
    fi
    if ! kill -0 "$(cat "$dir/nsenter.pid")" 2>/dev/null; then break; fi
    sleep 0.5
  done
  say "engine ($name, $store) did not answer; its log:"
  tail -n 30 "$dir/dockerd.log" >&2
  exit 2
}

stop() {
  local name=$1 dir=$state/$1
  if [ -f "$dir/docker.pid" ]; then
    local pid
    pid=$(cat "$dir/docker.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  ip netns del "lab-$name" 2>/dev/null || true
  if [ -d "$dir" ]; then
    umount -R "$dir/data" 2>/dev/null || true
    chmod -R u+w "$dir" 2>/dev/null || true
    rm -rf "$dir"
  fi
}

case "${1:-}" in
  build) build ;;
  start) [ $# -ge 2 ] || { say "usage: $0 start NAME [containerd|overlay2|machine]"; exit 2; }; start "$2" "${3:-}" ;;
  stop) [ $# -ge 2 ] || { say "usage: $0 stop NAME"; exit 2; }; stop "$2" ;;
  *) say "usage: $0 build | start NAME [containerd|overlay2|machine] | stop NAME"; exit 2 ;;
esac
