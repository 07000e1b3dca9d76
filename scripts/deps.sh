#!/bin/sh
# scripts/deps.sh - the Debian packages this project needs.
#   deps.sh check    install what is missing if we can (root + apt), else
#                    print the exact command and fail
#   deps.sh install  same, but also runs when called as `make deps`
set -e
PACKAGES="build-essential nasm binutils grub-pc-bin grub-common xorriso mtools \
qemu-system-x86 gdb gnuplot-nox python3 python3-matplotlib spin"

missing() {
    for t in gcc ld nasm grub-mkrescue xorriso mformat qemu-system-x86_64 gdb gnuplot python3 spin; do
        command -v "$t" >/dev/null 2>&1 || { echo "$t"; return; }
    done
    [ -f /usr/share/qemu/qboot.rom ] || { echo qboot.rom; return; }
    [ -d /usr/lib/grub/i386-pc ] || { echo grub-pc-bin; return; }
    # make trace's PNG timeline (scripts/traceplot.py): Debian's python3
    # has it where the python3 on PATH (a pyenv, say) does not.
    python3 -c 'import matplotlib' 2>/dev/null || /usr/bin/python3 -c 'import matplotlib' 2>/dev/null ||
        { echo python3-matplotlib; return; }
}

m=$(missing)
if [ -z "$m" ]; then
    [ "$1" = install ] && echo "deps: all packages present"
    exit 0
fi
echo "deps: '$m' is missing; installing: $PACKAGES"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends $PACKAGES
else
    echo "deps: run this as root:"
    echo "  apt-get update && apt-get install -y --no-install-recommends $PACKAGES"
    exit 1
fi
