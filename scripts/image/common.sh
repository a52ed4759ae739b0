# Shared by the image scripts (sourced, not run). Every buildah call goes through `bh`: one storage driver
# (vfs: works without overlay or fuse support), so images made by one script are seen by the others.

bh() { buildah --storage-driver vfs "$@"; }

log() { printf '\n== %s  [%s]\n' "$*" "$(date -u +%H:%M:%S)"; }

die() {
  printf 'error: %s\n' "$*" >&2
  exit 1
}

# The Dockerfile's base image (the build stage's FROM), e.g. node:22.23.5-bookworm-slim. Both stages use
# the same one (a test checks it). A digest pin (@sha256:...) cannot be matched by an image made here.
dockerfile_base_image() {
  local image
  image=$(sed -n 's/^FROM[[:space:]]\{1,\}\([^[:space:]]\{1,\}\)[[:space:]]\{1,\}AS[[:space:]]\{1,\}build[[:space:]]*$/\1/p' Dockerfile)
  [ -n "$image" ] || die "Dockerfile: no 'FROM <image> AS build' line"
  case "$image" in *@sha256:*) die "Dockerfile pins $image by digest: an image made locally cannot match it" ;; esac
  printf '%s\n' "$image"
}

# Fully qualified name under which a `FROM node:...` with --pull=never finds the local image.
qualified() { printf 'docker.io/library/%s\n' "$1"; }

# The image the check runs, made by build.sh.
IMAGE_REF=${IMAGE_REF:-localhost/index-operator:ci}

# Where the image scripts keep their logs and timings (git-ignored).
IMAGE_WORK=${IMAGE_WORK:-$PWD/.cache/image}
