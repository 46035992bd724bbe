#!/bin/bash
# Measures `run` of /bin/true (create + start + wait + delete) with runcs, runc and crun
# side by side in one hyperfine run, on a busybox bundle, and prints the ratios.
#
#   bench/runcs-run.sh [path/to/runcs]     (default: a release build, made if missing)
#
# Needs root, hyperfine, runc, crun, busybox-static (scripts/install-deps.sh --bench).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/runtime-rounds.sh

runtime_setup "${1:-}"

work=$(mktemp -d /tmp/runcs-bench-XXXXXX)
# State roots on a tmpfs of their own, as /run is on real hosts (/run/runc, /run/crun).
state=$(mktemp -d /tmp/runcs-bench-state-XXXXXX)
mount -t tmpfs -o size=16m tmpfs "$state"
trap 'umount "$state"; rm -rf "$work" "$state"' EXIT
mkdir -p "$work/bundle/rootfs/bin"
cp "$(command -v busybox)" "$work/bundle/rootfs/bin/busybox"
for applet in sh true; do ln -s busybox "$work/bundle/rootfs/bin/$applet"; done
"$runcs" spec --bundle "$work/bundle"
python3 - "$work/bundle/config.json" <<'PY'
import json, sys
path = sys.argv[1]
config = json.load(open(path))
config["process"]["terminal"] = False
config["process"]["args"] = ["/bin/true"]
# One top-level cgroup, which each runtime's delete removes whole (runcs's default,
# /runcs/ID, would leave the /runcs parent behind).
config["linux"]["cgroupsPath"] = "/" + path.split("/")[-3]
json.dump(config, open(path, "w"), indent=2)
PY

echo "runcs: $runcs ($(ldd "$runcs" | awk '{print $1}' | tr '\n' ' '))"
runtime_rounds "$work" \
    "$runcs --root $state/runcs run --bundle $work/bundle bench-runcs" \
    "runc --root $state/runc run --bundle $work/bundle bench-runc" \
    "crun --root $state/crun run --bundle $work/bundle bench-crun"
runtime_ratios "$work" run 0.50 1.20
