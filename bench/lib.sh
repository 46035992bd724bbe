# Shared by the bench/ scripts (sourced, not run): one private work directory, and
# contaird, containerd and podman each with their own roots, sockets and cgroups inside
# it, all torn down by bench_cleanup on exit. Needs bash, root and the peers from
# scripts/install-deps.sh --bench.
#
# After bench_setup: $work, $run (a tmpfs for runtime state), $bin (our release binaries),
# $ctrs, $ctr, $podman (arrays: the command and its private flags), $tag (unique per run,
# for ids and cgroups).

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
shared="$top/../shared"
alpine_oci="$shared/images/alpine-3.20.3-multiarch.oci.tar"
alpine_docker="$shared/images/alpine-3.20.3-amd64.docker.tar"
alpine_ref=docker.io/library/alpine:3.20.3

# Prints a line on stderr and exits.
bench_fail() {
    echo "bench: $*" >&2
    exit 1
}

# Builds the release binaries unless $BIN names a directory holding them, checks the
# peers, and makes the work directory; installs bench_cleanup as the EXIT trap.
bench_setup() {
    [ "$(id -u)" = 0 ] || bench_fail "run it as root: containers need namespaces and mounts"
    for tool in hyperfine containerd ctr podman crun python3 "$@"; do
        command -v "$tool" >/dev/null \
            || bench_fail "$tool is missing (scripts/install-deps.sh --bench)"
    done
    [ -f "$alpine_oci" ] && [ -f "$alpine_docker" ] \
        || bench_fail "the shared Alpine archives are missing under $shared/images"
    if [ -n "${BIN:-}" ]; then
        bin=$(cd "$BIN" && pwd)
    else
        (cd "$top" && swift build -c release >/dev/null) || bench_fail "release build failed"
        bin=$(cd "$top" && swift build -c release --show-bin-path)
    fi

    # Podman runs crun, which wants every v1 controller it knows mounted, hugetlb too.
    if [ -d /sys/fs/cgroup/cpu ] && ! mountpoint -q /sys/fs/cgroup/hugetlb; then
        mkdir -p /sys/fs/cgroup/hugetlb
        mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb
    fi

    # Podman's monitor (conmon) goes to /libpod_parent whatever the container's parent.
    podman_parent_made=""
    [ -d /sys/fs/cgroup/memory/libpod_parent ] \
        || podman_parent_made="/sys/fs/cgroup/*/libpod_parent"

    work=$(mktemp -d /tmp/contaird-bench-XXXXXX)
    tag="bench$$"
    trap bench_cleanup EXIT
    trap 'exit 130' INT TERM
    mkdir -p "$work/contaird" "$work/containerd" "$work/podman" "$work/run"
    # Runtime state on a tmpfs of its own, as /run is on real hosts: every daemon keeps
    # its state there (contaird --state, containerd's state, podman's runroot), and the
    # roots (images, snapshots, metadata) on the disk.
    mount -t tmpfs -o size=512m,mode=755 tmpfs "$work/run"
    run="$work/run"

    ctrs=("$bin/ctrs" --socket "$work/contaird/contaird.sock")
    ctr=(ctr --address "$work/containerd/containerd.sock" --namespace "$tag")
    podman_setup
    podman=(podman --root "$work/podman/root" --runroot "$run/podman"
            --tmpdir "$run/libpod" --storage-driver overlay
            --cgroup-manager cgroupfs --events-backend file)
}

# Starts contaird on fresh roots under $work/contaird and waits for its socket.
start_contaird() {
    local dir="$work/contaird"
    unmount_under "$dir/root"
    unmount_under "$run/contaird"
    rm -rf "$dir/root" "$run/contaird"
    setsid "$bin/contaird" --socket "$dir/contaird.sock" --root "$dir/root" \
        --state "$run/contaird" --cgroup-parent "/$tag-contaird" \
        --log-level "${LOG_LEVEL:-warning}" >>"$dir/contaird.log" 2>&1 </dev/null &
    echo $! > "$dir/pid"
    wait_for 100 "${ctrs[@]}" version || bench_fail "contaird did not start: $dir/contaird.log"
}

# Removes every contaird container, then stops the daemon (its containers would outlive it).
stop_contaird() {
    local dir="$work/contaird" pid ids
    [ -f "$dir/pid" ] || return 0
    pid=$(cat "$dir/pid")
    ids=$("${ctrs[@]}" container ls -q 2>/dev/null || true)
    # shellcheck disable=SC2086
    [ -z "$ids" ] || "${ctrs[@]}" container rm --force $ids >/dev/null 2>&1 || true
    kill "$pid" 2>/dev/null || true
    wait_gone "$pid"
    rm -f "$dir/pid"
}

# Starts containerd with its own config: private root, state and socket, no CRI plugin.
start_containerd() {
    local dir="$work/containerd"
    unmount_under "$dir/root"
    unmount_under "$run/containerd"
    rm -rf "$dir/root" "$run/containerd"
    mkdir -p "$run/fifo"
    cat > "$dir/config.toml" <<EOF
version = 2
root = "$dir/root"
state = "$run/containerd"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$dir/containerd.sock"
[ttrpc]
  address = "$dir/containerd.sock.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$dir/opt"
EOF
    setsid containerd --config "$dir/config.toml" >>"$dir/containerd.log" 2>&1 </dev/null &
    echo $! > "$dir/pid"
    wait_for 200 "${ctr[@]}" version || bench_fail "containerd did not start: $dir/containerd.log"
}

# Kills and deletes every task and container of our namespace, then stops containerd.
stop_containerd() {
    local dir="$work/containerd" pid id
    [ -f "$dir/pid" ] || return 0
    pid=$(cat "$dir/pid")
    for id in $("${ctr[@]}" task ls -q 2>/dev/null); do
        "${ctr[@]}" task kill --signal SIGKILL "$id" >/dev/null 2>&1 || true
    done
    for id in $("${ctr[@]}" task ls -q 2>/dev/null); do
        "${ctr[@]}" task delete --force "$id" >/dev/null 2>&1 || true
    done
    for id in $("${ctr[@]}" container ls -q 2>/dev/null); do
        "${ctr[@]}" container delete "$id" >/dev/null 2>&1 || true
    done
    kill "$pid" 2>/dev/null || true
    wait_gone "$pid"
    rm -f "$dir/pid"
}

# Podman has no daemon: its configuration goes through the environment, so that every
# podman the benchmarks start (hyperfine's too) reads ours and not the host's.
podman_setup() {
    local dir="$work/podman"
    cat > "$dir/containers.conf" <<EOF
[containers]
netns = "none"
log_driver = "k8s-file"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
runtime = "crun"
EOF
    cat > "$dir/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$dir/root"
runroot = "$run/podman"
EOF
    export CONTAINERS_CONF="$dir/containers.conf"
    export CONTAINERS_STORAGE_CONF="$dir/storage.conf"
}

# Empties podman's storage (its overlay driver bind-mounts its own directory).
reset_podman() {
    unmount_under "$work/podman/root"
    unmount_under "$run/podman"
    rm -rf "$work/podman/root" "$run/podman"
}

# Runs COMMAND... every 50 ms until it succeeds, at most TRIES times.
wait_for() {
    local tries=$1
    shift
    while ! "$@" >/dev/null 2>&1; do
        tries=$((tries - 1))
        [ "$tries" -gt 0 ] || return 1
        sleep 0.05
    done
}

# Waits up to 10 s for PID to exit, then kills it.
wait_gone() {
    local pid=$1 tries=200
    while kill -0 "$pid" 2>/dev/null && [ "$tries" -gt 0 ]; do
        tries=$((tries - 1))
        sleep 0.05
    done
    kill -9 "$pid" 2>/dev/null || true
}

# Unmounts everything mounted at or below DIR, deepest first.
unmount_under() {
    local mount
    awk -v dir="$1" '$2 == dir || index($2, dir "/") == 1 {print $2}' /proc/self/mounts \
        | sort -r | while read -r mount; do umount -l "$mount" 2>/dev/null || true; done
}

# Prints the pids whose command line contains every one of the given words.
pids_matching() {
    local proc line word ok
    for proc in /proc/[0-9]*; do
        line=$( { tr '\0' ' ' < "$proc/cmdline"; } 2>/dev/null) || continue
        ok=1
        for word in "$@"; do
            case "$line" in *"$word"*) ;; *) ok=0; break ;; esac
        done
        if [ "$ok" = 1 ]; then echo "${proc#/proc/}"; fi
    done
}

# Stops the daemons, removes podman's containers, unmounts, and deletes the cgroups and
# the work directory.
bench_cleanup() {
    local id dir
    set +e
    trap '' INT TERM
    [ -n "${work:-}" ] || return 0
    stop_contaird
    stop_containerd
    for id in $("${podman[@]}" ps -aq 2>/dev/null); do
        "${podman[@]}" rm --force "$id" >/dev/null 2>&1
    done
    [ -n "${registry:-}" ] && "$shared/registry/local-registry.sh" stop "$registry"
    # Whatever survived: processes in our cgroups, and any naming our directory.
    for dir in /sys/fs/cgroup/pids/"$tag"-contaird /sys/fs/cgroup/pids/"$tag" \
        /sys/fs/cgroup/pids/"$tag"-podman; do
        [ -d "$dir" ] && find "$dir" -name cgroup.procs -exec cat {} + | xargs -r kill -9
    done
    pids_matching "$work/" | grep -vx "$$" | xargs -r kill -9 2>/dev/null
    sleep 0.2
    unmount_under "$work"
    for dir in /sys/fs/cgroup/*/"$tag"-contaird /sys/fs/cgroup/*/"$tag" \
        /sys/fs/cgroup/*/"$tag"-podman $podman_parent_made; do
        [ -d "$dir" ] && find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null
    done
    rm -rf "$work"
}

# Prints hyperfine's JSON results as a table: name, mean ± sd, min, max (ms), each mean
# divided by ctr's (containerd's) mean, and each minimum by ctr's minimum (on a loaded
# machine the minimum is the steadier figure). RESULT.json [TITLE]
print_table() {
    python3 - "$@" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
if len(sys.argv) > 2:
    print(sys.argv[2])
ctr = next(r for r in results if r["command"] == "ctr")
print(f"  {'command':<12} {'mean ms':>9} {'± sd':>7} {'min':>8} {'max':>8} "
      f"{'mean/ctr':>9} {'min/ctr':>8}")
for r in results:
    ms = lambda v: (v or 0) * 1000
    print(f"  {r['command']:<12} {ms(r['mean']):9.1f} {ms(r['stddev']):7.1f} "
          f"{ms(r['min']):8.1f} {ms(r['max']):8.1f} {r['mean'] / ctr['mean']:9.2f} "
          f"{r['min'] / ctr['min']:8.2f}")
PY
}
