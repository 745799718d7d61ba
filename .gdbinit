# GDB setup for Atlas. `make gdb` runs gdb-multiarch with this file (and
# nothing from ~/.gdbinit); start the kernel with `make qemu-gdb` first,
# in another terminal.
set architecture riscv:rv64
file kernel/kernel
set disassemble-next-line auto
set riscv use-compressed-breakpoints yes
# The Sv39 commands: pgwalk, pgtable, vmmap, procs, uprog (help NAME).
source tools/gdb/atlas.py
# Connect to QEMU's stub on the port the Makefile gives this user
# (GDBPORT: user id mod 5000, plus 25000).
python
import os
gdb.execute("target remote localhost:%d" % (os.getuid() % 5000 + 25000))
end
