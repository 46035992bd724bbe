#!/bin/bash
# Measures `run --rm IMAGE ID true` end to end (client, daemon, monitor or shim, runtime,
# rootfs, network namespace, exit, removal) with ctrs + contaird, containerd's ctr and
# podman side by side in one hyperfine run, and prints the ratios.
#
#   bench/run-latency.sh            RUNS (30) and WARMUP (3) from the environment;
#                                   BIN=DIR uses the binaries there instead of a release build
#
# The same Alpine image goes into each: the shared OCI layout tar into contaird and
# containerd, the `docker save` tar into podman. Each run goes through a one-line
# wrapper that makes a unique container id from its pid, so every tool pays the same
# wrapper cost. Podman runs crun with no network (`--network none`), and ctr runs runc
# through containerd-shim-runc-v2. Needs root (scripts/install-deps.sh --bench).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_setup

start_contaird
start_containerd
"${ctrs[@]}" image import --quiet "$alpine_oci"
"${ctr[@]}" image import "$alpine_oci" >/dev/null
"${podman[@]}" load --quiet --input "$alpine_docker" >/dev/null

# One wrapper per tool: `exec` the command with an id made of the wrapper's pid.
wrapper() {
    local name=$1
    shift
    printf '#!/bin/sh\nexec %s\n' "$*" > "$work/run-$name"
    chmod +x "$work/run-$name"
}
wrapper ctrs "${ctrs[*]}" run --rm "$alpine_ref" "lat-\$\$" true
wrapper ctr "${ctr[*]}" run --rm --fifo-dir "$run/fifo" "$alpine_ref" \
    "lat-\$\$" true
wrapper podman "${podman[*]}" run --rm --pull never --network none \
    --cgroup-parent "/$tag-podman" --ulimit nofile=1024:1024 --ulimit nproc=4096:4096 \
    --name "lat-\$\$" "$alpine_ref" true
for name in ctrs ctr podman; do
    "$work/run-$name" || bench_fail "$name cannot run the image: $(cat "$work/run-$name")"
done

echo "binaries: $bin"
hyperfine -N --warmup "${WARMUP:-3}" --runs "${RUNS:-30}" --export-json "$work/result.json" \
    -n ctrs "$work/run-ctrs" -n ctr "$work/run-ctr" -n podman "$work/run-podman"
echo
print_table "$work/result.json" "run --rm alpine true (goal: ctrs / ctr <= 0.33)"
