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

# A reproducible layer: fixed owners and times.
"$(dirname "$0")/rootfs-to-oci.sh" "$root" "$output" "$name" /bin/sh make-busybox-image.sh \
    --owner=0 --group=0 --mtime=@0 >/dev/null
echo "$output: $name (busybox $("$busybox" | head -n1 | cut -d' ' -f2))"
