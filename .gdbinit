# GDB setup for Atlas. `make gdb` starts gdb-multiarch with this file and
# connects it to the QEMU started by `make qemu-gdb`.
set architecture riscv:rv64
file kernel/kernel
set disassemble-next-line auto
set riscv use-compressed-breakpoints yes
