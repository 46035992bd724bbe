#!/bin/sh
# The main job, from a fresh checkout, as root: installs the build dependencies, builds
# release binaries, starts a private contaird, makes an image available and runs
#
#     ctrs run --tty alpine b1 sh
#
#   scripts/try.sh [--archive PATH] [--dir DIR]
#
# The image comes from Docker Hub when the machine is online; else from the archive
# given with --archive (an OCI layout or `docker save` tar); else from ../shared/images
# beside the checkout; else from a busybox image built here from the host's
# busybox-static (then the command runs that image instead of alpine).
# The daemon keeps its files under DIR (default /var/tmp/contaird-try) and is stopped
# when the shell exits.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
archive=""
dir=/var/tmp/contaird-try
while [ $# -gt 0 ]; do
    case "$1" in
        --archive) archive=${2:?--archive needs a file}; shift 2 ;;
        --dir) dir=${2:?--dir needs a directory}; shift 2 ;;
        -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "try.sh: unknown option '$1'" >&2; exit 2 ;;
    esac
done
if [ "$(id -u)" != 0 ]; then
    echo "try.sh: run it as root (sudo scripts/try.sh): containers need namespaces and mounts" >&2
    exit 1
fi

"$top/scripts/install-deps.sh"
echo "building release binaries..."
(cd "$top" && swift build -c release >/dev/null)
bin=$(cd "$top" && swift build -c release --show-bin-path)

mkdir -p "$dir"
socket="$dir/contaird.sock"
export CONTAIRD_SOCKET="$socket"
if ! "$bin/ctrs" version >/dev/null 2>&1; then
    "$bin/contaird" --socket "$socket" --root "$dir/root" --state "$dir/state" \
        --log-level info >>"$dir/contaird.log" 2>&1 &
    daemon=$!
    # Stop the private daemon on the way out, and remove the containers' cgroup parent
    # it made if nothing is left in it.
    trap 'kill "$daemon" 2>/dev/null; wait "$daemon" 2>/dev/null
          rmdir /sys/fs/cgroup/*/contaird /sys/fs/cgroup/contaird 2>/dev/null' EXIT
    i=0
    until "$bin/ctrs" version >/dev/null 2>&1; do
        i=$((i + 1))
        if [ $i -gt 100 ]; then
            echo "try.sh: contaird did not start; see $dir/contaird.log" >&2
            exit 1
        fi
        sleep 0.05
    done
fi

image=alpine
shared="$top/../shared/images/alpine-3.20.3-multiarch.oci.tar"
if "$bin/ctrs" image inspect alpine >/dev/null 2>&1; then
    :
elif timeout 60 "$bin/ctrs" image pull docker.io/library/alpine:latest 2>/dev/null; then
    :
elif [ -n "$archive" ] || [ -f "$shared" ]; then
    # An archive may name only alpine:3.20.3 (docker save): `alpine` must still resolve.
    imported=$("$bin/ctrs" image import "${archive:-$shared}" | awk '/^imported/ { print $2; exit }')
    if [ -z "$imported" ]; then
        echo "try.sh: importing ${archive:-$shared} failed" >&2
        exit 1
    fi
    if ! "$bin/ctrs" image inspect alpine >/dev/null 2>&1; then
        "$bin/ctrs" image tag "$imported" docker.io/library/alpine:latest
    fi
else
    echo "offline and no archive: building an image from the host's busybox-static"
    "$top/scripts/make-busybox-image.sh" "$dir/busybox.tar" docker.io/library/busybox:local
    "$bin/ctrs" image import "$dir/busybox.tar"
    image=busybox:local
fi

"$bin/ctrs" container rm --force b1 >/dev/null 2>&1 || true
echo "ctrs run --tty $image b1 sh   (type exit to leave)"
"$bin/ctrs" run --tty --rm "$image" b1 sh
