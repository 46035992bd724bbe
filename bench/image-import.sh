#!/bin/bash
# Measures getting an image into a fresh, empty root (content stored, layers unpacked,
# name recorded) with ctrs + contaird, containerd's ctr and podman side by side, one
# hyperfine run per case, and prints the ratios:
#
#   alpine import   the shared OCI layout tar (3.5 MiB, multi-arch index): `ctrs image
#                   import`, `ctr image import`; podman loads the `docker save` tar
#   alpine pull     from a local registry on loopback (../shared/registry):
#                   `ctrs image pull --plain-http`, `ctr image pull --plain-http`,
#                   `podman pull --tls-verify=false`; ctrs's pull leaves the layers
#                   packed until a container needs them, so "ctrs+unpack" adds an
#                   `image mount` (which unpacks) and `image unmount`
#   debian import   a Debian bookworm minbase root (debootstrap, about 30 MiB compressed)
#                   as an OCI layout tar, imported by all three
#
#   bench/image-import.sh       RUNS (10) for Alpine, RUNS_LARGE (5) for Debian;
#                               DEBIAN_IMAGE=FILE reuses an archive made by
#                               scripts/make-debian-image.sh; BIN=DIR uses those binaries
#
# Before every iteration (hyperfine --prepare, not timed) each daemon is stopped, its root
# deleted and the daemon started again; podman's storage is deleted. Needs root and the
# network to Debian's mirror for debootstrap (scripts/install-deps.sh --bench).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_setup debootstrap docker-registry skopeo

debian_image=${DEBIAN_IMAGE:-}
if [ -z "$debian_image" ]; then
    echo "building the Debian image with debootstrap (a few minutes)"
    debian_image="$work/debian.oci.tar"
    "$top/scripts/make-debian-image.sh" "$debian_image" docker.io/library/debian:bench
fi
debian_ref=docker.io/library/debian:bench

registry="$work/registry"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
"$shared/registry/local-registry.sh" start "$registry" "$port" >"$work/registry.log" 2>&1 \
    || bench_fail "the local registry did not start: $(tail -n 5 "$work/registry.log")"
pull_ref="127.0.0.1:$port/library/alpine:3.20.3"

# The prepare steps, as scripts hyperfine can run without a shell.
{
    echo '#!/bin/bash'
    echo "source '$top/bench/lib.sh'"
    declare -p work run tag bin ctrs ctr podman
} > "$work/prelude"
printf '%s\n' "$(cat "$work/prelude")" 'stop_contaird; start_contaird' > "$work/fresh-contaird"
printf '%s\n' "$(cat "$work/prelude")" 'stop_containerd; start_containerd' \
    > "$work/fresh-containerd"
printf '%s\n' "$(cat "$work/prelude")" 'reset_podman' > "$work/fresh-podman"
chmod +x "$work"/fresh-*

# Pull leaves the layers packed until the first container needs them; import and ctr's
# and podman's pulls unpack at once. "ctrs+unpack" pulls, then mounts the image's root
# (which unpacks it) and unmounts it again, to compare the same work.
printf '#!/bin/sh\nset -e\n%s\n%s\n%s\n' \
    "${ctrs[*]} image pull --quiet --plain-http $pull_ref" \
    "mkdir -p $work/mnt && ${ctrs[*]} image mount $pull_ref $work/mnt >/dev/null" \
    "${ctrs[*]} image unmount $work/mnt" > "$work/pull-unpack"
chmod +x "$work/pull-unpack"

# Checks that each command works once, then measures them side by side:
#   measure CASE RUNS NAME COMMAND [NAME COMMAND...]
# with each daemon's root emptied before every run (NAME ctrs*, ctr or podman).
measure() {
    local case=$1 runs=$2 name prepare
    local arguments=()
    shift 2
    while [ $# -gt 0 ]; do
        name=$1
        case "$name" in
            ctrs*) prepare="$work/fresh-contaird" ;;
            ctr) prepare="$work/fresh-containerd" ;;
            podman) prepare="$work/fresh-podman" ;;
        esac
        { $prepare && $2; } >/dev/null 2>"$work/check.err" \
            || bench_fail "$case: '$2' failed: $(tail -n 3 "$work/check.err")"
        arguments+=(--prepare "$prepare" -n "$name" "$2")
        shift 2
    done
    hyperfine -N --runs "$runs" --export-json "$work/$case.json" "${arguments[@]}"
}

measure alpine-import "${RUNS:-10}" \
    ctrs "${ctrs[*]} image import $alpine_oci" \
    ctr "${ctr[*]} image import $alpine_oci" \
    podman "${podman[*]} load --input $alpine_docker"
measure alpine-pull "${RUNS:-10}" \
    ctrs "${ctrs[*]} image pull --plain-http $pull_ref" \
    ctrs+unpack "$work/pull-unpack" \
    ctr "${ctr[*]} image pull --plain-http $pull_ref" \
    podman "${podman[*]} pull --tls-verify=false $pull_ref"
measure debian-import "${RUNS_LARGE:-5}" \
    ctrs "${ctrs[*]} image import $debian_image" \
    ctr "${ctr[*]} image import $debian_image" \
    podman "${podman[*]} load --input $debian_image"

# Each image must really be there, unpacked, and run.
"$work/fresh-contaird" && "${ctrs[@]}" image import --quiet "$debian_image"
"${ctrs[@]}" run --rm "$debian_ref" check-$$ true || bench_fail "contaird cannot run $debian_ref"

echo
echo "binaries: $bin"
echo "debian image: $debian_image, $(du -h "$debian_image" | cut -f1)"
for case in alpine-import alpine-pull debian-import; do
    print_table "$work/$case.json" "$case (goal: ctrs / ctr <= 1)"
done
