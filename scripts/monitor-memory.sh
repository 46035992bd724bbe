#!/bin/bash
# Measures the memory of contaird-monitor: starts N busybox containers under a runtime
# (Debian's runc by default), each with its own monitor, and prints each monitor's RSS
# and PSS from /proc/PID/smaps_rollup, their total, and the biggest private mappings of
# one of them. Cleans up everything it started.
#
#   scripts/monitor-memory.sh [-n N] [-m MONITOR] [-r RUNTIME]
set -euo pipefail
count=20
monitor="$(dirname "$0")/../.build/release/contaird-monitor"
runtime=/usr/sbin/runc
while getopts "n:m:r:" flag; do
    case "$flag" in
        n) count=$OPTARG ;;
        m) monitor=$OPTARG ;;
        r) runtime=$OPTARG ;;
        *) echo "usage: $0 [-n N] [-m MONITOR] [-r RUNTIME]" >&2; exit 2 ;;
    esac
done
[ -x "$monitor" ] || { echo "no monitor binary at $monitor (swift build -c release)" >&2; exit 1; }
monitor=$(readlink -f "$monitor")
work=$(mktemp -d /tmp/monitor-memory-XXXXXX)
ids=()
cleanup() {
    for id in "${ids[@]}"; do
        pid=$(cat "$work/$id/state/monitor.pid" 2>/dev/null || true)
        [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
        "$runtime" --root "$work/runtime" delete --force "$id" >/dev/null 2>&1 || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/rootfs/bin"
cp /bin/busybox "$work/rootfs/bin/"
for i in $(seq "$count"); do
    id="mem-$$-$i"
    ids+=("$id")
    mkdir -p "$work/$id"
    mkdir -p "$work/$id/rootfs/bin"
    ln "$work/rootfs/bin/busybox" "$work/$id/rootfs/bin/busybox"
    ln -s busybox "$work/$id/rootfs/bin/sleep"
    cat > "$work/$id/config.json" <<JSON
{"ociVersion": "1.0.2",
 "process": {"terminal": false, "user": {"uid": 0, "gid": 0}, "args": ["sleep", "3600"],
             "env": ["PATH=/bin"], "cwd": "/"},
 "root": {"path": "rootfs", "readonly": true},
 "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"},
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs"}],
 "linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "ipc"},
                          {"type": "uts"}]}}
JSON
    ready=$("$monitor" --id "$id" --bundle "$work/$id" --runtime "$runtime" \
        --runtime-root "$work/runtime" --dir "$work/$id/state" --ready-fd 1)
    case "$ready" in *'"ok":true'*) ;; *) echo "launch $id: $ready" >&2; exit 1 ;; esac
    python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"{\"op\":\"start\"}\n")
reply = s.recv(4096)
sys.exit(0 if b"\"ok\":true" in reply else reply.decode())' "$work/$id/state/monitor.sock"
done
sleep 0.5

total_pss=0
total_rss=0
for id in "${ids[@]}"; do
    pid=$(cat "$work/$id/state/monitor.pid")
    pss=$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup")
    rss=$(awk '/^Rss:/ {print $2}' "/proc/$pid/smaps_rollup")
    total_pss=$((total_pss + pss))
    total_rss=$((total_rss + rss))
done
echo "monitor: $monitor"
echo "$count monitors: total PSS ${total_pss} KiB, $((total_pss / count)) KiB each;" \
    "RSS $((total_rss / count)) KiB each"
pid=$(cat "$work/${ids[0]}/state/monitor.pid")
echo "one monitor (pid $pid), smaps_rollup:"
grep -E '^(Rss|Pss|Private_Clean|Private_Dirty|Shared_Clean|Anonymous):' \
    "/proc/$pid/smaps_rollup" | sed 's/^/  /'
echo "its mappings (RSS KiB, private dirty KiB, range, name):"
awk '/^[0-9a-f]+-/ {range = $1; name = $6}
     /^Rss:/ {rss = $2}
     /^Private_Dirty:/ {if (rss > 0) printf "  %6d %6d %s %s\n", rss, $2, range, name}' \
    "/proc/$pid/smaps"
