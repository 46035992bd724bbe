#!/bin/sh
# Runs the whole test suite as root: installs the build dependencies, builds, tests.
# Tests create real containers, mounts and cgroups, and clean them up themselves.
# CONTAIRD_STATIC_TESTS=1 also builds static release binaries and runs them on Alpine
# (a few minutes more).
set -eu
cd "$(dirname "$0")/.."

# The toolchain lives in /opt/swift on the CI machines; service tools in sbin.
if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
    PATH="/opt/swift/usr/bin:$PATH"
fi
PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
export PATH

./scripts/install-deps.sh
swift build --build-tests
swift test --skip-build "$@"
