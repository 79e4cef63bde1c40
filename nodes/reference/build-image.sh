#!/usr/bin/env bash
# Builds the reference node image, tagged with a hash of its inputs; skips the build when an
# image with that tag exists. Never pulls: the default base is made locally FROM scratch.
#   nodes/reference/build-image.sh [--base IMAGE] [--tag-latest]
# Prints the image reference (sosimple-reference:<hash>) on the last line of stdout.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
base=""
tag_latest=0
while [ $# -gt 0 ]; do
  case "$1" in
    --base) base="$2"; shift 2 ;;
    --tag-latest) tag_latest=1; shift ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

exists() { docker image inspect "$1" >/dev/null 2>&1; }

stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT

# 1. The base image: the host's node and the shared libraries it links (FROM scratch).
if [ -z "$base" ]; then
  node_bin="$(readlink -f "$(command -v node)")"
  mkdir -p "$stage/base/rootfs/usr/bin" "$stage/base/rootfs/tmp"
  cp "$node_bin" "$stage/base/rootfs/usr/bin/node"
  for lib in $(ldd "$node_bin" | grep -o '/[^ ]*' | sort -u); do
    mkdir -p "$stage/base/rootfs$(dirname "$lib")"
    cp "$(readlink -f "$lib")" "$stage/base/rootfs$lib"
  done
  printf 'FROM scratch\nCOPY rootfs/ /\nENV PATH=/usr/local/bin:/usr/bin:/bin\n' > "$stage/base/Dockerfile"
  base_digest="$(cd "$stage/base" && find . -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-12)"
  base="sosimple-node-base:$base_digest"
  if ! exists "$base"; then
    echo "building $base" >&2
    docker build -q -t "$base" "$stage/base" >&2
  fi
  docker tag "$base" sosimple-node-base:local
elif ! exists "$base"; then
  echo "base image $base is not present locally (this script never pulls; docker load or pull it first)" >&2
  exit 1
fi

# 2. The app: a copy of the repository root holding only what the Dockerfile copies (the
#    compiled node and the runtime dependency closure), so the build context stays small.
(cd "$root" && npx tsc -p tsconfig.build.json >&2)
mkdir -p "$stage/ctx/dist/nodes" "$stage/ctx/node_modules"
cp -r "$root/dist/nodes/reference" "$stage/ctx/dist/nodes/"
find "$stage/ctx/dist" \( -name '*.map' -o -name '*.test.js' -o -name 'test-support.js' \) -delete
deps="$(cd "$root" && node -e 'console.log([...require("./dist/nodes/reference/prune-modules.js").closure("node_modules")].join("\n"))')"
for d in $deps; do
  mkdir -p "$stage/ctx/node_modules/$(dirname "$d")"
  cp -r "$root/node_modules/$d" "$stage/ctx/node_modules/$d"
done
cp "$here/Dockerfile" "$stage/ctx/Dockerfile"

digest="$( (cd "$stage/ctx" && find . -type f | LC_ALL=C sort | xargs sha256sum; echo "$base"; docker image inspect -f '{{.Id}}' "$base") | sha256sum | cut -c1-12)"
image="sosimple-reference:$digest"
if exists "$image"; then
  echo "$image exists; not rebuilding" >&2
else
  echo "building $image on $base" >&2
  docker build -q --build-arg "BASE=$base" -t "$image" "$stage/ctx" >&2
fi
if [ "$tag_latest" = 1 ]; then docker tag "$image" sosimple-reference:latest; fi
echo "$image"
