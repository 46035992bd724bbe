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
# One top-level cgroup, which each runtime's delete removes whole (runcs's default,
# /runcs/ID, would leave the /runcs parent behind).
config["linux"]["cgroupsPath"] = "/" + path.split("/")[-3]
json.dump(config, open(path, "w"), indent=2)
PY

echo "runcs: $runcs ($(ldd "$runcs" | awk '{print $1}' | tr '\n' ' '))"
# Other work shares this machine: measure in rounds, each running the three side by side,
# and compare medians round by round, so that a load change hits all three alike.
rounds=${ROUNDS:-5}
for round in $(seq 1 "$rounds"); do
    hyperfine --warmup 3 --runs "${RUNS:-15}" -N --style basic \
        --export-json "$work/round-$round.json" \
        -n runcs "$runcs --root $state/runcs run --bundle $work/bundle bench-runcs" \
        -n runc "runc --root $state/runc run --bundle $work/bundle bench-runc" \
        -n crun "crun --root $state/crun run --bundle $work/bundle bench-crun" \
        | grep -E "Benchmark|Time|Range"
done

python3 - "$work" "$rounds" <<'PY'
import json, statistics, sys
work, rounds = sys.argv[1], int(sys.argv[2])
medians = {"runcs": [], "runc": [], "crun": []}
for round in range(1, rounds + 1):
    for result in json.load(open(f"{work}/round-{round}.json"))["results"]:
        medians[result["command"]].append(result["median"] * 1000)
for name, values in medians.items():
    print(f"{name:6} median per round (ms): " + " ".join(f"{v:.1f}" for v in values))
to_runc = statistics.median(a / b for a, b in zip(medians["runcs"], medians["runc"]))
to_crun = statistics.median(a / b for a, b in zip(medians["runcs"], medians["crun"]))
print(f"runcs / runc = {to_runc:.2f} (goal <= 0.50), median over {rounds} rounds")
print(f"runcs / crun = {to_crun:.2f} (goal <= 1.20), median over {rounds} rounds")
PY
