# Shared by bench/runcs-run.sh and bench/runcs-exec.sh (sourced, not run): runcs, runc
# and crun side by side, in rounds.
#
# Other work shares this machine: measure in rounds, each running the three side by side
# in one hyperfine run, and compare medians round by round, so that a load change hits
# all three alike.
#
#   runtime_setup [path/to/runcs]   sets $runcs (a release build, made if not given),
#                                   checks the peers, mounts hugetlb for crun
#   runtime_rounds WORK "RUNCS COMMAND" "RUNC COMMAND" "CRUN COMMAND"
#   runtime_ratios WORK WHAT [GOAL-TO-RUNC GOAL-TO-CRUN]
# ROUNDS (5) and RUNS (15) set the sizes.

runtime_setup() {
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
}

runtime_rounds() {
    local work=$1 rounds=${ROUNDS:-5}
    for round in $(seq 1 "$rounds"); do
        hyperfine --warmup 3 --runs "${RUNS:-15}" -N --style basic \
            --export-json "$work/round-$round.json" \
            -n runcs "$2" -n runc "$3" -n crun "$4" \
            | grep -E "Benchmark|Time|Range"
    done
}

# Prints each runtime's median per round and the median ratios of runcs to the others.
runtime_ratios() {
    python3 - "$1" "${ROUNDS:-5}" "$2" "${3:-}" "${4:-}" <<'PY'
import json, statistics, sys
work, rounds, what, goal_runc, goal_crun = sys.argv[1], int(sys.argv[2]), *sys.argv[3:]
medians = {"runcs": [], "runc": [], "crun": []}
for round in range(1, rounds + 1):
    for result in json.load(open(f"{work}/round-{round}.json"))["results"]:
        medians[result["command"]].append(result["median"] * 1000)
for name, values in medians.items():
    print(f"{name:6} {what} median per round (ms): " + " ".join(f"{v:.1f}" for v in values))
for peer, goal in (("runc", goal_runc), ("crun", goal_crun)):
    ratio = statistics.median(a / b for a, b in zip(medians["runcs"], medians[peer]))
    target = f" (goal <= {goal})" if goal else ""
    print(f"{what}: runcs / {peer} = {ratio:.2f}{target}, median over {rounds} rounds")
PY
}
