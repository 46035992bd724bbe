#!/bin/sh
# Installs what contaird builds and tests with, from Debian's packages.
# The Swift toolchain itself (6.x) must already be on PATH.
set -eu
packages="libsqlite3-dev libarchive-dev libssl-dev libcurl4-openssl-dev libseccomp-dev
  busybox-static runc tmux iproute2 util-linux procps python3-pip"
if [ "${1:-}" = "--bench" ]; then
    packages="$packages crun containerd hyperfine skopeo docker-registry apache2-utils
      openssl debootstrap"
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
