#!/usr/bin/env bash
# `npm run test:image`: makes the base image when it is not there yet (scripts/image/base.sh), builds the
# image (scripts/image/build.sh), then runs the image check (test/docker/image.check.ts) on it. Prints the
# time of each step and the image size; everything also goes to .cache/image/test-image-<time>.log.
# Needs root, buildah and debootstrap (.ci/run installs them), PostgreSQL on 127.0.0.1:5432 and the npm
# registry. Not part of `npm test`: building compiles better-sqlite3 (minutes of CPU).
#   IMAGE_REUSE=1 npm run test:image    skip the build when the image was built from the same sources
#   IMAGE_CHECK_ROUNDS=5 npm run test:image
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=common.sh
. scripts/image/common.sh

[ "$(id -u)" = 0 ] || die "the image scripts need root (debootstrap, buildah with vfs storage)"
missing=()
for tool in buildah debootstrap; do command -v "$tool" >/dev/null || missing+=("$tool"); done
[ ${#missing[@]} = 0 ] || die "${missing[*]} missing: apt-get install -y ${missing[*]}  (.ci/run does this)"

mkdir -p "$IMAGE_WORK"
logfile=$IMAGE_WORK/test-image-$(date -u +%Y%m%dT%H%M%SZ).log
exec > >(tee "$logfile") 2>&1
echo "log: $logfile"

step() {
  local name=$1 start
  shift
  start=$(date +%s)
  status=0
  "$@" || status=$?
  times+=("$name $(($(date +%s) - start))s")
  return $status
}
times=()
finish() {
  local code=$?
  log "times: ${times[*]:-none}"
  exit $code
}
trap finish EXIT

step base scripts/image/base.sh
step build scripts/image/build.sh
log "image check"
step check node --import tsx --test --test-reporter=spec test/docker/image.check.ts
bh images --format 'image {{.Name}}:{{.Tag}} {{.ID}}: {{.Size}}' "$IMAGE_REF"
