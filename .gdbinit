# GDB setup for Atlas. `make gdb` runs gdb-multiarch with this file (and
# nothing from ~/.gdbinit); start the kernel with `make qemu-gdb` first,
# in another terminal.
set architecture riscv:rv64
file kernel/kernel
set disassemble-next-line auto
set riscv use-compressed-breakpoints yes
# The Sv39 commands: pgwalk, pgtable, vmmap, procs, uprog (help NAME).
source tools/gdb/atlas.py
# Connect to QEMU's stub on the port `make qemu-gdb` uses: GDBPORT from
# the environment (`make gdb` sets it), else the Makefile's default.
python
import os
import subprocess
port = os.environ.get("GDBPORT") or subprocess.run(
    ["make", "-s", "print-gdbport"], stdout=subprocess.PIPE,
    universal_newlines=True, check=True).stdout.strip()
gdb.execute("target remote localhost:" + port)
end
