#!/usr/bin/env bash
# The seed's four builds, typed as the seed typed them, with the docker CLI:
# the other side of `go tool mage bench`. It works in a fresh folder holding
# helloworld.go and the Dockerfile, as the seed's multi-state-build folder did;
# LAB_APP names another folder to take helloworld.go from, as for the lab;
# LAB_SEED_REPOSITORY another repository for the four tags (default
# multi-state), so the bench's own test leaves the seed's tags alone.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "${LAB_APP:-$root/app}/helloworld.go" "$work/"
cd "$work"
repo=${LAB_SEED_REPOSITORY:-multi-state}
cp "$root/dockerfiles/v1.Dockerfile" Dockerfile
docker image build -t $repo:v1 . >/dev/null
cp "$root/dockerfiles/v2.Dockerfile" Dockerfile
docker image build -t $repo:v2 . >/dev/null
docker image build --target builder -t $repo:builder . >/dev/null
docker image build --target runtime -t $repo:runtime . >/dev/null
