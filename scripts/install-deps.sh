#!/bin/sh
# Installs what contaird builds and tests with, from Debian's packages.
# The Swift toolchain itself (6.x) must already be on PATH.
#
#   scripts/install-deps.sh           build and test dependencies
#   scripts/install-deps.sh --bench   also the peers the benchmarks measure against
set -eu

# Building: the C libraries behind the system-library targets.
packages="libsqlite3-dev libarchive-dev libssl-dev libcurl4-openssl-dev libseccomp-dev"
# Testing: a busybox for tiny root filesystems, tmux to drive terminals, iproute2 and
# util-linux for namespaces, Python for the varlink reference client and fake servers.
packages="$packages busybox-static tmux iproute2 util-linux procps python3 python3-pip tar
  curl zstd"
# Images: a local registry (docker-registry, filled by skopeo, with htpasswd and
# openssl for its TLS and basic-auth mode).
packages="$packages docker-registry skopeo apache2-utils openssl"
# Monitor and daemon tests also drive Debian's runc, the reference runtime.
packages="$packages runc"
# Packaging tests: the OpenRC service run for real with Debian's openrc (it installs
# beside systemd and does not become init), the man pages rendered by man-db and
# groff, real users and groups for the socket's permissions (passwd).
packages="$packages openrc man-db groff-base passwd"
# Rootless containers: newuidmap and newgidmap map the ranges of /etc/subuid and
# /etc/subgid into a user namespace (setpriv, from util-linux, runs a test as a user).
packages="$packages uidmap"
# contaird on Alpine carries its glibc and libraries (packaging/bundle-libraries.sh).
packages="$packages patchelf"
# runcs under other supervisors: Debian's containerd (ctr) and podman (with conmon),
# each started by the tests on private roots.
packages="$packages containerd podman conmon"
if [ "${1:-}" = "--bench" ]; then
    packages="$packages crun hyperfine debootstrap"
fi

missing=""
for package in $packages; do
    dpkg -s "$package" >/dev/null 2>&1 || missing="$missing $package"
done
if [ -n "$missing" ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq $missing >/dev/null
fi

# The PyPI varlink package: the reference client and certification suite that the
# varlink tests run against our server. pip refuses to touch Debian's own Python
# without --break-system-packages; a pyenv or venv Python takes it as is.
varlink_version="31.0.0"
if ! python3 -c 'import varlink' >/dev/null 2>&1; then
    python3 -m pip install --quiet "varlink==$varlink_version" >/dev/null 2>&1 \
        || python3 -m pip install --quiet --break-system-packages "varlink==$varlink_version"
fi
