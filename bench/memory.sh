#!/bin/bash
# Measures memory: N running `sleep` containers under contaird (`ctrs run -d`) and under
# containerd (`ctr run -d`), and prints RSS and PSS (from /proc/PID/smaps_rollup) of the
# daemon fresh (just started), idle (image imported, no container), after one
# `run --rm IMAGE ID true`, with N running, and per container: each contaird-monitor
# against each containerd-shim-runc-v2, and the daemon's own growth divided by N.
#
#   bench/memory.sh [N]        N defaults to 20; BIN=DIR uses the binaries there
#
# PSS divides shared pages among the processes mapping them, so the per-container PSS
# is what one more container really costs; RSS counts shared pages in full. Needs root
# (scripts/install-deps.sh --bench).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
count=${1:-20}
bench_setup

# Prints "RSS PSS" in KiB, summed over the given pids.
memory_of() {
    local pid rss=0 pss=0 r p
    for pid in "$@"; do
        read -r r p < <(awk '/^Rss:/ {r = $2} /^Pss:/ {p = $2} END {print r, p}' \
            "/proc/$pid/smaps_rollup")
        rss=$((rss + r))
        pss=$((pss + p))
    done
    echo "$rss $pss"
}

# One row of the table: NAME, then RSS and PSS in KiB, DIVIDED by a count.
row() {
    awk -v name="$1" -v rss="$2" -v pss="$3" -v n="${4:-1}" \
        'BEGIN {printf "  %-34s %9.2f %9.2f\n", name, rss / n / 1024, pss / n / 1024}'
}

start_contaird
start_containerd
sleep 1
contaird_pid=$(cat "$work/contaird/pid")
containerd_pid=$(cat "$work/containerd/pid")
read -r contaird_fresh_rss contaird_fresh_pss < <(memory_of "$contaird_pid")
read -r containerd_fresh_rss containerd_fresh_pss < <(memory_of "$containerd_pid")
"${ctrs[@]}" image import --quiet "$alpine_oci"
"${ctr[@]}" image import "$alpine_oci" >/dev/null
sleep 1
read -r contaird_idle_rss contaird_idle_pss < <(memory_of "$contaird_pid")
read -r containerd_idle_rss containerd_idle_pss < <(memory_of "$containerd_pid")
"${ctrs[@]}" run --rm "$alpine_ref" "mem-once" true
"${ctr[@]}" run --rm --fifo-dir "$run/fifo" "$alpine_ref" "mem-once" true
sleep 1
read -r contaird_ran_rss contaird_ran_pss < <(memory_of "$contaird_pid")
read -r containerd_ran_rss containerd_ran_pss < <(memory_of "$containerd_pid")
# Where the daemon's resident memory is after one run: its biggest mappings, by file.
awk '/^[0-9a-f]+-/ {name = ($6 == "" ? "[anonymous]" : $6)}
     /^Rss:/ {rss[name] += $2} /^Pss:/ {pss[name] += $2}
     END {for (n in rss) printf "%8d %8d %s\n", rss[n], pss[n], n}' \
    "/proc/$contaird_pid/smaps" | sort -rn | head -n 8 > "$work/idle-mappings"

echo "starting $count containers under each daemon"
started=$(date +%s%N)
for i in $(seq "$count"); do
    "${ctrs[@]}" run -d "$alpine_ref" "mem-$i" sleep 3600 >/dev/null
done
contaird_ms=$((($(date +%s%N) - started) / 1000000))
started=$(date +%s%N)
for i in $(seq "$count"); do
    "${ctr[@]}" run -d --fifo-dir "$run/fifo" "$alpine_ref" "mem-$i" \
        sleep 3600 >/dev/null
done
containerd_ms=$((($(date +%s%N) - started) / 1000000))
sleep 2

# Our monitors carry the daemon's state directory in their arguments; containerd's shims
# its socket address.
mapfile -t monitors < <(pids_matching contaird-monitor "$run/contaird/")
mapfile -t shims < <(pids_matching containerd-shim "$work/containerd/containerd.sock")
[ "${#monitors[@]}" = "$count" ] || bench_fail "found ${#monitors[@]} monitors, not $count"
[ "${#shims[@]}" = "$count" ] || bench_fail "found ${#shims[@]} shims, not $count"
read -r contaird_busy_rss contaird_busy_pss < <(memory_of "$contaird_pid")
read -r containerd_busy_rss containerd_busy_pss < <(memory_of "$containerd_pid")
read -r monitors_rss monitors_pss < <(memory_of "${monitors[@]}")
read -r shims_rss shims_pss < <(memory_of "${shims[@]}")

echo
echo "memory with $count running containers, MiB (goals: idle contaird < 15 RSS," \
    "< 0.5 PSS per container)"
printf '  %-34s %9s %9s\n' "" RSS PSS
row "contaird fresh" "$contaird_fresh_rss" "$contaird_fresh_pss"
row "containerd fresh" "$containerd_fresh_rss" "$containerd_fresh_pss"
row "contaird idle" "$contaird_idle_rss" "$contaird_idle_pss"
row "containerd idle" "$containerd_idle_rss" "$containerd_idle_pss"
row "contaird after one run --rm" "$contaird_ran_rss" "$contaird_ran_pss"
row "containerd after one run --rm" "$containerd_ran_rss" "$containerd_ran_pss"
row "contaird with $count" "$contaird_busy_rss" "$contaird_busy_pss"
row "containerd with $count" "$containerd_busy_rss" "$containerd_busy_pss"
row "per container: contaird-monitor" "$monitors_rss" "$monitors_pss" "$count"
row "per container: containerd-shim" "$shims_rss" "$shims_pss" "$count"
row "per container: contaird growth" "$((contaird_busy_rss - contaird_idle_rss))" \
    "$((contaird_busy_pss - contaird_idle_pss))" "$count"
row "per container: containerd growth" "$((containerd_busy_rss - containerd_idle_rss))" \
    "$((containerd_busy_pss - containerd_idle_pss))" "$count"
row "total: contaird + monitors" "$((contaird_busy_rss + monitors_rss))" \
    "$((contaird_busy_pss + monitors_pss))"
row "total: containerd + shims" "$((containerd_busy_rss + shims_rss))" \
    "$((containerd_busy_pss + shims_pss))"
echo "  contaird's biggest mappings after one run --rm (RSS KiB, PSS KiB, file):"
sed 's/^/    /' "$work/idle-mappings"
awk -v a="$contaird_busy_pss" -v b="$monitors_pss" -v c="$containerd_busy_pss" \
    -v d="$shims_pss" -v n="$count" -v s="$contaird_ms" -v t="$containerd_ms" \
    'BEGIN {
        printf "  PSS per container, monitor / shim: %.3f\n", b / d
        printf "  PSS in total, contaird / containerd: %.3f\n", (a + b) / (c + d)
        printf "  starting %d with run -d: contaird %.1f s, containerd %.1f s\n", n,
            s / 1000, t / 1000
    }'
