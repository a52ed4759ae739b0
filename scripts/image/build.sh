#!/usr/bin/env bash
# Builds the Dockerfile with buildah (no Docker engine needed) into $IMAGE_REF (localhost/index-operator:ci):
# vfs storage, chroot isolation, the base image from local storage only (scripts/image/base.sh makes it).
# The host's CA bundle is mounted for the build's RUN steps only (npm reaches the registry through a
# TLS-intercepting proxy here) and named by a build argument of the build stage; it never reaches the
# runtime stage. Compiling better-sqlite3 takes minutes of CPU: runs under nice.
#   scripts/image/build.sh
#   IMAGE_REUSE=1 scripts/image/build.sh   keeps an image built from the same sources (a quick local loop)
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=common.sh
. scripts/image/common.sh

# The build context as the Dockerfile sees it: the files it copies. Their hash labels the image.
context_files() {
  find Dockerfile package.json package-lock.json tsconfig.json tsconfig.build.json src migrations bin \
    -type f | LC_ALL=C sort
}
context_hash=$(context_files | xargs sha256sum | sha256sum | cut -c1-16)
if [ "${IMAGE_REUSE:-0}" = 1 ]; then
  built=$(bh inspect --type image --format '{{index .OCIv1.Config.Labels "io.index-operator.context"}}' "$IMAGE_REF" 2>/dev/null || true)
  if [ "$built" = "$context_hash" ]; then
    echo "image $IMAGE_REF: built from these sources ($context_hash), kept (IMAGE_REUSE=1)"
    exit 0
  fi
fi

build_args=(
  --build-arg "VERSION=$(node -p 'require("./package.json").version')"
  --build-arg "REVISION=$(git rev-parse HEAD 2>/dev/null || echo unknown)"
)
ca=${IMAGE_BUILD_CA:-/etc/ssl/certs/ca-certificates.crt}
if [ -f "$ca" ]; then
  build_args+=(--volume "$ca:/tmp/build-ca.crt:ro" --build-arg NODE_EXTRA_CA_CERTS=/tmp/build-ca.crt)
fi

previous=$(bh images --quiet --no-trunc "$IMAGE_REF" 2>/dev/null || true)
log "buildah bud $IMAGE_REF (context $context_hash)"
nice -n 10 buildah --storage-driver vfs bud \
  --isolation chroot --pull=never --layers=false \
  "${build_args[@]}" \
  --label "io.index-operator.context=$context_hash" \
  --tag "$IMAGE_REF" \
  --file Dockerfile .
# The image the tag pointed at before is now untagged: drop it (vfs keeps full copies of every layer).
current=$(bh images --quiet --no-trunc "$IMAGE_REF")
if [ -n "$previous" ] && [ "$previous" != "$current" ]; then bh rmi "$previous" >/dev/null 2>&1 || true; fi
bh images --format '{{.Name}}:{{.Tag}} {{.ID}} {{.Size}}' "$IMAGE_REF"
