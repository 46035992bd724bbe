#!/bin/sh
# Runs the whole test suite as root: installs the build dependencies, builds, tests.
# Tests create real containers, mounts and cgroups, and clean them up themselves.
set -eu
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
swift build --build-tests
swift test --skip-build "$@"
