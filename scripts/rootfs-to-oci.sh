#!/bin/sh
# Packs a root filesystem directory as a one-layer OCI image layout tar:
#
#   scripts/rootfs-to-oci.sh ROOT OUTPUT.tar NAME CMD HISTORY [TAR_OPTION...]
#
# ROOT becomes one gzip layer (names sorted, so the same tree gives the same layer; any
# TAR_OPTIONs, such as --owner=0 --mtime=@0, are passed to tar), with a config whose Cmd
# is ["CMD"] and whose history says HISTORY, a manifest, and an index naming the image
# NAME (io.containerd.image.name and org.opencontainers.image.ref.name), for this
# machine's architecture. Used by make-busybox-image.sh and make-debian-image.sh.
set -eu

root=${1:?usage: rootfs-to-oci.sh ROOT OUTPUT.tar NAME CMD HISTORY [TAR_OPTION...]}
output=${2:?output tar missing}
name=${3:?image name missing}
command=${4:?command missing}
history=${5:?history missing}
shift 5

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
layout="$work/layout"
mkdir -p "$layout/blobs/sha256"

(cd "$root" && tar --sort=name --numeric-owner "$@" -cf - .) | gzip -n > "$work/layer.tar.gz"
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
arch=$(uname -m)
case "$arch" in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; esac

printf '%s' "{\"architecture\":\"$arch\",\"os\":\"linux\",\"config\":{\"Env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"],\"Cmd\":[\"$command\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:$diff_id\"]},\"history\":[{\"created_by\":\"$history\"}]}" \
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
echo "$layer_digest $layer_size"
