#!/usr/bin/env bash
# The README's set-up, proved on a fresh Debian 12 machine: a pristine Debian 12 root (debootstrap
# minbase, bookworm, from the mirror this machine's apt uses), the project cloned into it with
# ../shared beside it and nothing else installed. Inside the root, as root, with no display:
#
#   1. scripts/bootstrap.sh test   installs what is missing, configures every target (console,
#                                  server, tests, packages), builds, runs the whole suite
#   2. blueshift --version and blueshift-server --version
#   3. scripts/bootstrap.sh run    must rebuild nothing, and must start the local platform
#                                  headless (then it is stopped with Ctrl-C, as a user would)
#   4. every package of scripts/debian-packages is installed (the set-up installed the list)
#
# The root trusts what this machine trusts (its CA bundle, extra CA certificates, npm's cafile and
# the CA-related environment), and nothing more of this machine is carried in. The debootstrap
# base and the downloaded .debs are cached outside the clone (BLUESHIFT_PRISTINE_CACHE, default
# /var/cache/blueshift-pristine), so a rerun costs seconds of set-up, not minutes. Only committed
# work is checked (the root gets a clone of HEAD).
#
# A failure prints one line naming the step and the first error it met, and the path of the log.
# Needs root (debootstrap, chroot, mounts). Exit 0 when every step passed, 1 otherwise.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
shared=$(cd "$here/.." && pwd)/shared
cache=${BLUESHIFT_PRISTINE_CACHE:-/var/cache/blueshift-pristine}
work=${BLUESHIFT_PRISTINE_DIR:-$here/build-pristine}
root=$work/root
logs=$work/logs
suite=bookworm

say() { printf '\033[1m==> pristine root: %s\033[0m\n' "$*" >&2; }
started=$(date +%s)
step=""
steplog=""

# The first line of a log that says what went wrong, for the one-line verdict.
first_error() {
    local log=$1
    [ -f "$log" ] || return 0
    local line
    line=$(grep -m1 -E 'Could not find|could not be found|Unable to locate package|command not found|No such file or directory|^E: |error:|tests failed out of' "$log" || true)
    if grep -q 'tests failed out of' "$log"; then
        line="$line; failed: $(sed -n '/The following tests FAILED:/,$p' "$log" | grep -oE '[0-9]+ - [^ ]+' | cut -d' ' -f3 | paste -sd' ')"
    fi
    [ -n "$line" ] || line=$(grep -v '^\s*$' "$log" | tail -n 1)
    printf '%s' "$line" | tr -s ' \t' ' ' | cut -c1-300
}

# Every exit path: no process left in the root, no mount left behind.
processes_in_root() {
    local p
    for p in /proc/[0-9]*; do
        [ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && echo "${p#/proc/}"
    done
    return 0
}
unmount_root() {
    [ -d "$root" ] || return 0
    local pids
    pids=$(processes_in_root)
    if [ -n "$pids" ]; then
        kill -TERM $pids 2>/dev/null || true
        for _ in $(seq 1 50); do
            [ -n "$(processes_in_root)" ] || break
            sleep 0.1
        done
        pids=$(processes_in_root)
        [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
    fi
    local m
    # Deepest mount first.
    for m in $(awk -v r="$root" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/mounts | sort -r); do
        umount "$m" 2>/dev/null || umount -l "$m"
    done
}
finish() {
    local rc=$?
    unmount_root
    local elapsed=$(($(date +%s) - started))
    if [ "$rc" -eq 0 ]; then
        say "passed in ${elapsed} s"
    else
        printf 'pristine-root check FAILED at step "%s": %s (log: %s; %d s)\n' \
            "$step" "$(first_error "$steplog")" "${steplog:-none}" "$elapsed" >&2
    fi
    exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT TERM

# run_step NAME COMMAND...: the command's output goes to the step's log; its status decides.
run_step() {
    step=$1
    shift
    steplog=$logs/$(tr ' /' '__' <<<"$step").log
    local t0=$(date +%s)
    say "$step"
    "$@" >"$steplog" 2>&1
    say "$step: done in $(($(date +%s) - t0)) s"
}

# A command inside the root: a clean environment like a fresh login's, the CA settings carried in.
in_root() {
    local ca_env=()
    local name
    for name in SSL_CERT_FILE SSL_CERT_DIR CURL_CA_BUNDLE REQUESTS_CA_BUNDLE NODE_EXTRA_CA_CERTS \
        GIT_SSL_CAINFO PIP_CERT; do
        [ -n "${!name:-}" ] && ca_env+=("$name=${!name}")
    done
    chroot "$root" /usr/bin/env -i HOME=/root USER=root LOGNAME=root LANG=C.UTF-8 TERM=dumb \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin CI=true \
        "${ca_env[@]}" "$@"
}

mirror_of() {
    # "500 http://deb.debian.org/debian bookworm/main amd64 Packages" -> the URL
    apt-cache policy 2>/dev/null | awk -v s="$1/main" '$3 == s { print $2; exit }'
}

host_tools() {
    [ "$(id -u)" -eq 0 ] || {
        echo "needs root: debootstrap, chroot and mounts" >&2
        return 1
    }
    command -v debootstrap >/dev/null && return 0
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap
}

base_tarball() {
    local mirror
    mirror=$(mirror_of "$suite")
    [ -n "$mirror" ] || mirror=http://deb.debian.org/debian
    local key
    key=$(printf '%s %s minbase' "$mirror" "$suite" | sha256sum | cut -c1-12)
    base=$cache/$suite-minbase-$key.tar
    [ -f "$base" ] && {
        echo "cached base: $base"
        return 0
    }
    mkdir -p "$cache"
    local tmp=$cache/debootstrap.$$
    rm -rf "$tmp"
    debootstrap --variant=minbase "$suite" "$tmp" "$mirror"
    # Nothing of the download stays in the base: a fresh machine has empty apt lists and caches.
    rm -rf "$tmp"/var/cache/apt/archives/*.deb "$tmp"/var/lib/apt/lists/*_Packages
    tar -C "$tmp" -cf "$base.part" .
    mv "$base.part" "$base"
    rm -rf "$tmp"
}

lay_root() {
    unmount_root
    rm -rf "$root"
    mkdir -p "$root"
    tar -C "$root" -xf "$base"

    # apt: this machine's Debian mirrors, as a fresh Debian 12 machine is configured.
    local mirror security
    mirror=$(mirror_of "$suite")
    security=$(mirror_of "$suite-security")
    rm -f "$root/etc/apt/sources.list"
    {
        printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main\n' \
            "${mirror:-http://deb.debian.org/debian}" "$suite" "$suite"
        printf 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\n'
        printf 'Types: deb\nURIs: %s\nSuites: %s-security\nComponents: main\n' \
            "${security:-http://deb.debian.org/debian-security}" "$suite"
        printf 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n'
    } >"$root/etc/apt/sources.list.d/debian.sources"
    cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
    cp /etc/hosts "$root/etc/hosts"

    # Trust: the CA bundle, the extra CA certificates (so that update-ca-certificates, run when
    # ca-certificates is installed in the root, keeps them), npm's cafile.
    mkdir -p "$root/etc/ssl/certs" "$root/usr/local/share/ca-certificates"
    [ -f /etc/ssl/certs/ca-certificates.crt ] && cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
    cp -a /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/" 2>/dev/null || true
    local cafile
    cafile=$(npm config get cafile 2>/dev/null || true)
    if [ -n "$cafile" ] && [ "$cafile" != "null" ] && [ "$cafile" != "undefined" ]; then
        mkdir -p "$(dirname "$root$cafile")"
        [ -f "$root$cafile" ] || cp "$cafile" "$root$cafile"
        printf 'cafile=%s\n' "$cafile" >"$root/etc/npmrc"
    fi

    # The project: a clone of HEAD, and ../shared beside it without write bits, as CI lays them.
    mkdir -p "$root/work"
    git clone --quiet --no-hardlinks "$here" "$root/work/main"
    if [ -d "$shared" ]; then
        cp -a "$shared" "$root/work/shared"
        chmod -R a-w "$root/work/shared"
    fi

    # The kernel's file systems, and the .deb cache (so a rerun downloads nothing again).
    mount -t proc proc "$root/proc"
    mount -t sysfs sysfs "$root/sys"
    mount --rbind /dev "$root/dev"
    mount --make-rslave "$root/dev"
    mkdir -p "$cache/archives/partial"
    mount --bind "$cache/archives" "$root/var/cache/apt/archives"
    if [ -n "$(git -C "$here" status --porcelain --untracked-files=no)" ]; then
        say "note: uncommitted changes are not part of this check (the root gets a clone of HEAD)"
    fi
}

check_versions() {
    in_root /work/main/build/bin/blueshift --version
    in_root /work/main/build/bin/blueshift-server --version
}

# `run` after `test`: nothing to rebuild, and the local platform starts headless; Ctrl-C (SIGINT
# to its process group, as a terminal sends it) stops it the graceful way.
check_run() {
    local out=$logs/run-product.out
    : >"$out"
    root=$root setsid bash -c "$(declare -f in_root); in_root bash -c 'cd /work/main && exec scripts/bootstrap.sh run'" \
        >"$out" 2>&1 &
    local pid=$!
    local started_ok=""
    for _ in $(seq 1 600); do
        if grep -q 'Blueshift local platform' "$out"; then
            started_ok=yes
            break
        fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    # The session leader's pid is its process group's id.
    kill -INT -- "-$pid" 2>/dev/null || true
    local stopped=""
    for _ in $(seq 1 600); do
        kill -0 "$pid" 2>/dev/null || {
            stopped=yes
            break
        }
        sleep 0.1
    done
    [ -n "$stopped" ] || kill -KILL -- "-$pid" 2>/dev/null || true
    wait "$pid" || true
    cat "$out"
    [ -n "$started_ok" ] || {
        echo "error: scripts/bootstrap.sh run did not start the local platform headless"
        return 1
    }
    grep -q 'no work to do' "$out" || {
        echo "error: scripts/bootstrap.sh run after test rebuilt: $(grep -c '^\[[0-9]*/' "$out") build steps"
        return 1
    }
    [ -n "$stopped" ] && grep -q 'platform.stopped' "$out" || {
        echo "error: Ctrl-C did not stop the local platform gracefully (no platform.stopped within 60 s)"
        return 1
    }
    ! grep -q 'destroyed while running' "$out" || {
        echo "error: Ctrl-C cut the replicas' drain short (a replica was killed while running)"
        return 1
    }
}

check_installed() {
    local missing=()
    local package unless_command
    while read -r package unless_command _; do
        [ -n "$package" ] || continue
        if [ -n "$unless_command" ] && in_root sh -c "command -v $unless_command" >/dev/null; then
            continue
        fi
        in_root dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' ||
            missing+=("$package")
    done < <(sed -e 's/#.*//' "$here/scripts/debian-packages")
    ((${#missing[@]} == 0)) || {
        echo "error: not installed by the set-up: ${missing[*]}"
        return 1
    }
    echo "all listed packages installed"
}

mkdir -p "$logs"
run_step "host tools" host_tools
run_step "debootstrap base" base_tarball
run_step "lay the root" lay_root
run_step "scripts/bootstrap.sh test" in_root bash -c 'cd /work/main && exec scripts/bootstrap.sh test'
run_step "--version" check_versions
run_step "scripts/bootstrap.sh run" check_run
run_step "packages installed" check_installed
step=""
