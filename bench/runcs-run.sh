#!/bin/bash
# Measures `run` of /bin/true (create + start + wait + delete) with runcs, runc and crun
# side by side in one hyperfine run, on a busybox bundle, and prints the ratios.
#
#   bench/runcs-run.sh [path/to/runcs]     (default: a release build, made if missing)
#
# Needs root, hyperfine, runc, crun, busybox-static (scripts/install-deps.sh --bench).
set -euo pipefail
cd "$(dirname "$0")/.."

runcs=${1:-}
if [ -z "$runcs" ]; then
    swift build -c release --product runcs >/dev/null
    runcs=$(swift build -c release --show-bin-path)/runcs
fi
for tool in hyperfine runc crun busybox python3; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is missing" >&2; exit 1; }
done

# crun wants every v1 controller it knows mounted, hugetlb included.
if [ -d /sys/fs/cgroup/cpu ] && ! mountpoint -q /sys/fs/cgroup/hugetlb; then
    mkdir -p /sys/fs/cgroup/hugetlb
    mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb
fi

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
json.dump(config, open(path, "w"), indent=2)
PY

echo "runcs: $runcs ($(ldd "$runcs" | awk '{print $1}' | tr '\n' ' '))"
hyperfine --warmup 5 --runs "${RUNS:-50}" -N --export-json "$work/result.json" \
    -n runcs "$runcs --root $state/runcs run --bundle $work/bundle bench-runcs" \
    -n runc "runc --root $state/runc run --bundle $work/bundle bench-runc" \
    -n crun "crun --root $state/crun run --bundle $work/bundle bench-crun"

python3 - "$work/result.json" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
runcs, runc, crun = (results[name]["mean"] * 1000 for name in ("runcs", "runc", "crun"))
print(f"mean: runcs {runcs:.1f} ms, runc {runc:.1f} ms, crun {crun:.1f} ms")
print(f"runcs / runc = {runcs / runc:.2f} (goal <= 0.50)")
print(f"runcs / crun = {runcs / crun:.2f} (goal <= 1.20)")
PY
