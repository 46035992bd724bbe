#!/bin/bash
# Measures `exec` of /bin/true into a running container (join its namespaces and cgroup,
# run, wait) with runcs, runc and crun side by side in one hyperfine run per round, each
# runtime exec'ing into a container it created itself, and prints the ratios.
#
#   bench/runcs-exec.sh [path/to/runcs]     (default: a release build, made if missing)
#
# Needs root, hyperfine, runc, crun, busybox-static (scripts/install-deps.sh --bench).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/runtime-rounds.sh

runtime_setup "${1:-}"

work=$(mktemp -d /tmp/runcs-bench-XXXXXX)
state=$(mktemp -d /tmp/runcs-bench-state-XXXXXX)
mount -t tmpfs -o size=16m tmpfs "$state"
tag=$(basename "$work")
declare -A binary=([runcs]="$runcs" [runc]=runc [crun]=crun)

cleanup() {
    for name in runcs runc crun; do
        "${binary[$name]}" --root "$state/$name" delete --force "$tag-$name" \
            >/dev/null 2>&1 || true
    done
    umount "$state"
    rm -rf "$work" "$state"
}
trap cleanup EXIT

# One bundle per runtime: the same busybox rootfs and a long sleep as the container's
# process, each in a top-level cgroup of its own that delete removes whole.
for name in runcs runc crun; do
    bundle="$work/$name"
    mkdir -p "$bundle/rootfs/bin"
    cp "$(command -v busybox)" "$bundle/rootfs/bin/busybox"
    for applet in sh true sleep; do ln -s busybox "$bundle/rootfs/bin/$applet"; done
    "$runcs" spec --bundle "$bundle"
    python3 - "$bundle/config.json" "$tag-$name" <<'PY'
import json, sys
path, cgroup = sys.argv[1], sys.argv[2]
config = json.load(open(path))
config["process"]["terminal"] = False
config["process"]["args"] = ["/bin/sleep", "1000000"]
config["linux"]["cgroupsPath"] = "/" + cgroup
json.dump(config, open(path, "w"), indent=2)
PY
    "${binary[$name]}" --root "$state/$name" run --detach --bundle "$bundle" "$tag-$name" \
        </dev/null >/dev/null
done

echo "runcs: $runcs ($(ldd "$runcs" 2>&1 | awk '{print $1}' | tr '\n' ' '))"
runtime_rounds "$work" \
    "$runcs --root $state/runcs exec $tag-runcs /bin/true" \
    "runc --root $state/runc exec $tag-runc /bin/true" \
    "crun --root $state/crun exec $tag-crun /bin/true"
runtime_ratios "$work" exec
