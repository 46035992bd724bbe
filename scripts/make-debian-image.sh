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

set -- $("$(dirname "$0")/rootfs-to-oci.sh" "$root" "$output" "$name" bash \
    "debootstrap --variant=minbase $suite")
layer_digest=$1 layer_size=$2
files=$(tar -xOf "$output" "blobs/sha256/$layer_digest" | gzip -dc | tar -tf - | wc -l)
echo "$output: $name (debian $suite minbase, layer $((layer_size / 1024)) KiB, $files entries)"
