#!/bin/sh
# Builds a small OCI image archive from the host's busybox-static, for machines that
# can neither pull from a registry nor find an archive:
#
#   scripts/make-busybox-image.sh OUTPUT.tar [NAME]     (NAME: docker.io/library/busybox:local)
#
# The archive is an OCI image layout (oci-layout, index.json, blobs/sha256/...) with one
# gzip layer holding /bin/busybox, its applet links, /etc/passwd and /etc/group, and a
# config whose Cmd is ["/bin/sh"]; `ctrs image import OUTPUT.tar` loads it.
set -eu

output=${1:?usage: make-busybox-image.sh OUTPUT.tar [NAME]}
name=${2:-docker.io/library/busybox:local}
# Debian's busybox-static installs a static /bin/busybox; a dynamic one would not run
# inside the image.
busybox=${BUSYBOX:-/bin/busybox}
if [ ! -x "$busybox" ]; then
    echo "make-busybox-image.sh: no busybox found; install busybox-static" >&2
    exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root="$work/root"
mkdir -p "$root/bin" "$root/etc" "$root/root" "$root/tmp" "$root/proc" "$root/sys" \
    "$root/dev" "$root/usr/bin" "$root/usr/sbin" "$root/sbin"
chmod 1777 "$root/tmp"
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' \
    > "$root/etc/passwd"
printf 'root:x:0:root\nnogroup:x:65534:\n' > "$root/etc/group"

layout="$work/layout"
mkdir -p "$layout/blobs/sha256"
# A reproducible layer: fixed owners and times, sorted names.
(cd "$root" && tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 -cf - .) \
    | gzip -n > "$work/layer.tar.gz"
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

printf '%s' "{\"architecture\":\"$arch\",\"os\":\"linux\",\"config\":{\"Env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"],\"Cmd\":[\"/bin/sh\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:$diff_id\"]},\"history\":[{\"created_by\":\"make-busybox-image.sh\"}]}" \
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
echo "$output: $name (busybox $("$busybox" | head -n1 | cut -d' ' -f2))"
