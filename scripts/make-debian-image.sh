#!/bin/sh
# Builds a Debian image archive with debootstrap, for benchmarks that want an image much
# larger than Alpine (about 30 MiB compressed, 120 MiB unpacked, 7000 files):
#
#   scripts/make-debian-image.sh OUTPUT.tar [NAME]     (NAME: docker.io/library/debian:bench)
#
# The root is Debian bookworm, variant minbase, from $MIRROR (http://deb.debian.org/debian);
# its /dev, apt lists and package cache are emptied as Debian's official images do. The
# archive is an OCI image layout (oci-layout, index.json, blobs/sha256/...) with one gzip
# layer and a config whose Cmd is ["bash"]; `ctrs image import`, `ctr image import` and
# `podman load` all read it. Needs root and debootstrap (scripts/install-deps.sh --bench).
set -eu

output=${1:?usage: make-debian-image.sh OUTPUT.tar [NAME]}
name=${2:-docker.io/library/debian:bench}
suite=${SUITE:-bookworm}
mirror=${MIRROR:-http://deb.debian.org/debian}
if ! command -v debootstrap >/dev/null; then
    echo "make-debian-image.sh: debootstrap is missing (scripts/install-deps.sh --bench)" >&2
    exit 1
fi
case "$output" in /*) ;; *) output="$(pwd)/$output" ;; esac

work=$(mktemp -d /tmp/make-debian-image-XXXXXX)
# debootstrap mounts /proc and /sys inside the root; an interrupted run may leave them.
cleanup() {
    for mount in proc sys; do
        mountpoint -q "$work/root/$mount" && umount -l "$work/root/$mount"
    done
    rm -rf "$work"
}
trap cleanup EXIT
root="$work/root"
debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 || {
    tail -n 20 "$work/debootstrap.log" >&2
    echo "make-debian-image.sh: debootstrap $suite from $mirror failed" >&2
    exit 1
}
rm -rf "$root/dev"/* "$root/var/lib/apt/lists"/* "$root/var/cache/apt"/*.bin \
    "$root/var/cache/apt/archives"/*.deb "$root/var/log"/*.log "$root/tmp"/*

layout="$work/layout"
mkdir -p "$layout/blobs/sha256"
(cd "$root" && tar --sort=name --numeric-owner -cf - .) | gzip -n > "$work/layer.tar.gz"
diff_id=$(gzip -dc "$work/layer.tar.gz" | sha256sum | cut -d' ' -f1)

# Moves FILE into the layout's blobs and prints "DIGEST SIZE".
blob() {
    digest=$(sha256sum "$1" | cut -d' ' -f1)
    size=$(stat -c %s "$1")
    mv "$1" "$layout/blobs/sha256/$digest"
    echo "$digest $size"
}

set -- $(blob "$work/layer.tar.gz")
layer_digest=$1 layer_size=$2
arch=$(dpkg --print-architecture)

printf '%s' "{\"architecture\":\"$arch\",\"os\":\"linux\",\"config\":{\"Env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"],\"Cmd\":[\"bash\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:$diff_id\"]},\"history\":[{\"created_by\":\"debootstrap --variant=minbase $suite\"}]}" \
    > "$work/config.json"
set -- $(blob "$work/config.json")
config_digest=$1 config_size=$2

printf '%s' "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:$config_digest\",\"size\":$config_size},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$layer_digest\",\"size\":$layer_size}]}" \
    > "$work/manifest.json"
set -- $(blob "$work/manifest.json")
manifest_digest=$1 manifest_size=$2

tag=${name##*:}
printf '%s' "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:$manifest_digest\",\"size\":$manifest_size,\"platform\":{\"architecture\":\"$arch\",\"os\":\"linux\"},\"annotations\":{\"io.containerd.image.name\":\"$name\",\"org.opencontainers.image.ref.name\":\"$tag\"}}]}" \
    > "$layout/index.json"
printf '{"imageLayoutVersion":"1.0.0"}' > "$layout/oci-layout"

(cd "$layout" && tar --owner=0 --group=0 --numeric-owner -cf - oci-layout index.json blobs) \
    > "$output"
files=$(gzip -dc "$layout/blobs/sha256/$layer_digest" | tar -tf - | wc -l)
echo "$output: $name (debian $suite minbase, layer $((layer_size / 1024)) KiB, $files entries)"
