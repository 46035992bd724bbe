#!/bin/sh
# Installs contaird the way a distribution package would: the release binaries, the
# service files of the init system found (OpenRC or systemd), the default settings, the
# man pages, and the `contaird` group whose members may use the socket without sudo.
#
#   packaging/install.sh [--prefix DIR] [--destdir DIR] [--init openrc|systemd|none]
#                        [--bin-dir DIR] [--uninstall [--purge]]
#
#   --prefix DIR     where binaries and man pages go (default /usr/local)
#   --destdir DIR    stage everything below DIR (for packaging and tests); the group is
#                    then not created and no service is enabled
#   --init NAME      which service files to install (default: the init system running)
#   --bin-dir DIR    take the binaries from DIR instead of building them
#   --uninstall      remove what an earlier install put in place, keeping settings and data
#   --purge          with --uninstall: remove settings, /var/lib/contaird and the group too
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
prefix=/usr/local
destdir=""
init=""
bin_dir=""
action=install
purge=no
# contaird finds runcs, contaird-monitor and contaird-init beside its own executable.
binaries="contaird ctrs runcs contaird-monitor contaird-init"

usage() {
    sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
    exit "${1:-0}"
}

while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) prefix=${2:?--prefix needs a directory}; shift 2 ;;
        --prefix=*) prefix=${1#*=}; shift ;;
        --destdir) destdir=${2:?--destdir needs a directory}; shift 2 ;;
        --destdir=*) destdir=${1#*=}; shift ;;
        --init) init=${2:?--init needs openrc, systemd or none}; shift 2 ;;
        --init=*) init=${1#*=}; shift ;;
        --bin-dir) bin_dir=${2:?--bin-dir needs a directory}; shift 2 ;;
        --bin-dir=*) bin_dir=${1#*=}; shift ;;
        --uninstall) action=uninstall; shift ;;
        --purge) purge=yes; shift ;;
        -h|--help) usage 0 ;;
        *) echo "install.sh: unknown option '$1'" >&2; usage 2 >&2 ;;
    esac
done

# The init system that booted this machine (each leaves its mark in /run), else the
# only one installed, else none.
if [ -z "$init" ]; then
    if [ -d /run/systemd/system ]; then init=systemd
    elif [ -e /run/openrc/softlevel ]; then init=openrc
    elif command -v openrc-run >/dev/null 2>&1 && ! command -v systemctl >/dev/null 2>&1
    then init=openrc
    elif command -v systemctl >/dev/null 2>&1 && ! command -v openrc-run >/dev/null 2>&1
    then init=systemd
    else init=none
    fi
fi
case "$init" in
    openrc|systemd|none) ;;
    *) echo "install.sh: --init must be openrc, systemd or none, not '$init'" >&2; exit 2 ;;
esac

root="$destdir"
manifest="$root$prefix/share/contaird/install-manifest"

# Copies SOURCE to TARGET (below DESTDIR) with MODE and records it in the manifest.
put() {
    mode=$1 source=$2 target=$3
    mkdir -p "$(dirname "$root$target")"
    install -m "$mode" "$source" "$root$target"
    echo "$target" >> "$manifest"
}

# Like put, but keeps a settings file the administrator already has.
put_config() {
    if [ -e "$root$2" ]; then
        echo "keeping existing $2"
        echo "$2" >> "$manifest"
    else
        put 0644 "$1" "$2"
    fi
}

# Writes a service file with the binary path of this prefix substituted.
put_service() {
    mode=$1 source=$2 target=$3
    staged=$(mktemp)
    sed "s|/usr/local/bin/contaird|$prefix/bin/contaird|g" "$source" > "$staged"
    put "$mode" "$staged" "$target"
    rm -f "$staged"
}

create_group() {
    [ -n "$destdir" ] && return 0
    getent group contaird >/dev/null 2>&1 && return 0
    if command -v groupadd >/dev/null 2>&1; then
        groupadd --system contaird || return 1
    elif command -v addgroup >/dev/null 2>&1; then
        addgroup -S contaird || return 1
    else
        echo "install.sh: cannot create the contaird group: no groupadd or addgroup" >&2
        return 1
    fi
    echo "created group contaird: add users with 'usermod -aG contaird NAME'" \
        "(Alpine: 'addgroup NAME contaird'), then log in again"
}

# Where systemd looks for units of this prefix: its own lib directory for /usr and
# /usr/local, the administrator's directory for any other prefix.
systemd_unit_dir() {
    case "$prefix" in
        /usr|/usr/local) echo "$prefix/lib/systemd/system" ;;
        *) echo /etc/systemd/system ;;
    esac
}

find_binaries() {
    if [ -n "$bin_dir" ]; then
        echo "$bin_dir"
        return
    fi
    echo "building release binaries (swift build -c release)" >&2
    (cd "$top" && swift build -c release --static-swift-stdlib >&2)
    (cd "$top" && swift build -c release --show-bin-path)
}

do_install() {
    from=$(find_binaries)
    for binary in $binaries; do
        if [ ! -x "$from/$binary" ]; then
            echo "install.sh: no executable '$binary' in $from: build it first" >&2
            exit 1
        fi
    done
    mkdir -p "$(dirname "$manifest")"
    : > "$manifest"
    for binary in $binaries; do
        put 0755 "$from/$binary" "$prefix/bin/$binary"
    done
    for page in "$top"/docs/man/*.[1-8]; do
        [ -e "$page" ] || continue
        section=${page##*.}
        put 0644 "$page" "$prefix/share/man/man$section/$(basename "$page")"
    done
    case "$init" in
        openrc)
            put_service 0755 "$top/packaging/openrc/contaird.initd" /etc/init.d/contaird
            put_config "$top/packaging/openrc/contaird.confd" /etc/conf.d/contaird
            ;;
        systemd)
            units=$(systemd_unit_dir)
            put_service 0644 "$top/packaging/systemd/contaird.service" \
                "$units/contaird.service"
            put 0644 "$top/packaging/systemd/contaird.socket" "$units/contaird.socket"
            put_config "$top/packaging/openrc/contaird.confd" /etc/default/contaird
            ;;
        none) ;;
    esac
    echo "$prefix/share/contaird/install-manifest" >> "$manifest"
    create_group || echo "install.sh: warning: only root can use the socket until" \
        "the contaird group exists" >&2
    case "$init" in
        none) echo "installed contaird into ${destdir:-/}$prefix (no service files)" ;;
        *) echo "installed contaird into ${destdir:-/}$prefix ($init service files)" ;;
    esac
    if [ -z "$destdir" ]; then
        case "$init" in
            openrc) echo "start it at boot with:" \
                "rc-update add contaird boot && rc-service contaird start" ;;
            systemd) echo "start it at boot with:" \
                "systemctl enable --now contaird.socket contaird.service" ;;
        esac
    fi
}

# The settings files install.sh may have put in place; kept unless purging.
config_files="/etc/conf.d/contaird /etc/default/contaird"

do_uninstall() {
    if [ ! -f "$manifest" ] && [ "$purge" = no ]; then
        echo "install.sh: nothing to uninstall: no manifest at $manifest" >&2
        exit 1
    fi
    # Settings files stay unless purging, like a package manager's remove.
    if [ -f "$manifest" ]; then
        while IFS= read -r path; do
            case " $config_files " in
                *" $path "*) [ "$purge" = yes ] || continue ;;
            esac
            rm -f "$root$path"
        done < "$manifest"
        rmdir "$root$prefix/share/contaird" 2>/dev/null || true
    fi
    if [ "$purge" = no ]; then
        echo "removed contaird; settings and data stay (/var/lib/contaird, --purge removes them)"
        return 0
    fi
    for path in $config_files; do
        rm -f "$root$path"
    done
    rm -rf "$root/var/lib/contaird" "$root/var/log/contaird.log"
    if [ -z "$destdir" ] && getent group contaird >/dev/null 2>&1; then
        groupdel contaird 2>/dev/null || delgroup contaird 2>/dev/null || true
    fi
    if [ -n "$destdir" ]; then
        echo "removed contaird, its settings and its data from $destdir"
    else
        echo "removed contaird, its settings, its data and its group"
    fi
}

case "$action" in
    install) do_install ;;
    uninstall) do_uninstall ;;
esac
