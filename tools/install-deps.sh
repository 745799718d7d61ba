#!/bin/sh
# Install what building and running Atlas needs: the RISC-V cross
# toolchain, QEMU with OpenSBI, gdb, Python 3, make, a host C compiler
# for mkfs, git (the grader applies its mutant patches with it), Graphviz
# for GDB's page-table pictures, and matplotlib for the benchmark's plot
# (tools/bench.py).
# Uses apt-get on Debian and Ubuntu (with sudo when not root); does
# nothing when everything is already there. Elsewhere it prints the
# packages to install and exits non-zero.
set -eu

# Each line: a Debian package, and what shows it is installed: a command
# line that succeeds, an absolute file, or a command name. (Debian's
# python3-matplotlib is for Debian's /usr/bin/python3, whatever python3
# comes first in PATH.)
NEEDS='
gcc-riscv64-unknown-elf riscv64-unknown-elf-gcc
binutils-riscv64-unknown-elf riscv64-unknown-elf-ld
qemu-system-misc qemu-system-riscv64
opensbi /usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin
gdb-multiarch gdb-multiarch
python3 python3
make make
git git
graphviz dot
gcc gcc
libc6-dev /usr/include/stdio.h
python3-matplotlib /usr/bin/python3 -c "import matplotlib"
'

missing=""
while read -r pkg probe; do
    [ -n "$pkg" ] || continue
    case "$probe" in
        *" "*) sh -c "$probe" >/dev/null 2>&1 && continue ;;
        /*) [ -e "$probe" ] && continue ;;
        *) command -v "$probe" >/dev/null 2>&1 && continue ;;
    esac
    missing="$missing $pkg"
done <<LIST
$NEEDS
LIST

if [ -z "$missing" ]; then
    echo "install-deps: everything is installed"
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    cat >&2 <<MSG
install-deps: missing:$missing
This script installs packages only with apt-get (Debian, Ubuntu). Install
the equivalents by hand, for example:
  Fedora: sudo dnf install gcc-riscv64-linux-gnu binutils-riscv64-linux-gnu \\
              qemu-system-riscv gdb python3 make gcc glibc-devel \\
              python3-matplotlib
  Arch:   sudo pacman -S riscv64-elf-gcc riscv64-elf-binutils qemu-system-riscv \\
              qemu-system-riscv-firmware gdb python make gcc python-matplotlib
  macOS:  brew tap riscv-software-src/riscv && \\
          brew install riscv-tools qemu python make python-matplotlib
(The Makefile also accepts a riscv64-linux-gnu- toolchain, or any other
named with TOOLPREFIX=...)
MSG
    exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
    sudo=""
elif command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
else
    echo "install-deps: not root and no sudo; install as root:$missing" >&2
    exit 1
fi

echo "install-deps: installing$missing"
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update
# shellcheck disable=SC2086 # one word per package
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
