#!/bin/sh
# Makes a dynamically linked binary run on a host without glibc, such as Alpine: copies
# every shared library it loads (glibc and its loader among them) into a directory of
# its own, and points the binary's program interpreter and run path at that directory.
# For contaird, whose libcurl cannot be linked statically (docs/static-binaries.md).
#
#   packaging/bundle-libraries.sh BINARY OUTPUT LIBDIR [TARGET_LIBDIR]
#
#   BINARY          the dynamically linked executable, as built
#   OUTPUT          where its rewritten copy goes
#   LIBDIR          where the libraries are copied now
#   TARGET_LIBDIR   where LIBDIR will be on the host that runs OUTPUT (default LIBDIR);
#                   the interpreter path is absolute, so it must be known here
set -eu

if [ $# -lt 3 ] || [ $# -gt 4 ]; then
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
binary=$1 output=$2 libdir=$3 target=${4:-$3}
if ! command -v patchelf >/dev/null 2>&1; then
    echo "bundle-libraries.sh: patchelf is missing (apt-get install patchelf)" >&2
    exit 1
fi
if ! ldd "$binary" >/dev/null 2>&1; then
    echo "bundle-libraries.sh: $binary is not a dynamically linked executable" >&2
    exit 1
fi

mkdir -p "$libdir"
# Copies the libraries FILE loads (ldd prints "name => /path (address)" for libraries
# and "/path (address)" for the loader; the vDSO has no file); FILE itself too when it
# is a library.
loader=""
copy_with_dependencies() {
    for library in $(ldd "$1" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }
                                     $1 ~ /^\// { print $1 }'); do
        cp -L "$library" "$libdir/$(basename "$library")"
        case "$library" in */ld-linux*) loader=$(basename "$library") ;; esac
    done
    case "$1" in *.so*) cp -L "$1" "$libdir/$(basename "$1")" ;; esac
}
copy_with_dependencies "$binary"
if [ -z "$loader" ]; then
    echo "bundle-libraries.sh: ldd names no program interpreter for $binary" >&2
    exit 1
fi
# Libraries the binary loads with dlopen at their first use (contaird: libcurl,
# libarchive, libcrypto; Sources/CLazyLibraries) are not in ldd's list: their sonames
# are in its .note.dlopen section (the ELF dlopen metadata of systemd.io).
for soname in $(readelf -p .note.dlopen "$binary" 2>/dev/null \
                | grep -o 'lib[A-Za-z0-9_+-]*\.so\.[0-9.]*' | sort -u); do
    found=""
    for directory in /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu /lib64 /usr/lib64; do
        if [ -e "$directory/$soname" ]; then
            found="$directory/$soname"
            break
        fi
    done
    if [ -z "$found" ]; then
        echo "bundle-libraries.sh: $soname, which $binary loads on use, is missing" >&2
        exit 1
    fi
    copy_with_dependencies "$found"
done
# glibc loads its name-service modules with dlopen, so ldd does not list them: without
# libnss_files, group and user names (contaird --group) would not resolve.
for module in libnss_files.so.2 libnss_dns.so.2; do
    for directory in /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu /lib64 /usr/lib64; do
        if [ -e "$directory/$module" ]; then
            cp -L "$directory/$module" "$libdir/$module"
            break
        fi
    done
done

cp "$binary" "$output"
# DT_RPATH (not RUNPATH) so that the libraries' own dependencies are found there too,
# never in the host's /lib, where Alpine keeps musl builds of the same names.
patchelf --set-interpreter "$target/$loader" --force-rpath --set-rpath "$target" "$output"
echo "bundled $(ls "$libdir" | wc -l) libraries for $(basename "$binary") in $libdir"
