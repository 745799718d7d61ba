# Atlas build. `make` builds kernel/kernel, the user programs, fs.img and
# swap.img; `make qemu` boots them; `make test` runs the grader.

CPUS ?= 3
MEM  ?= 128M
SWAP ?= 256M
B := build

# ---- Toolchain ---------------------------------------------------------
# Prefer Debian's bare-metal toolchain, accept the Linux one. If neither is
# present, install them (tools/install-deps.sh) before going on.
find-prefix = $(shell for p in riscv64-unknown-elf- riscv64-linux-gnu-; do \
	command -v $${p}gcc >/dev/null 2>&1 && { echo $$p; break; }; done)
ifndef TOOLPREFIX
TOOLPREFIX := $(find-prefix)
ifeq ($(TOOLPREFIX),)
ifeq ($(filter clean,$(MAKECMDGOALS)),)
$(info RISC-V toolchain not found: running tools/install-deps.sh)
$(if $(shell tools/install-deps.sh >&2 && echo ok),,$(error tools/install-deps.sh failed))
TOOLPREFIX := $(find-prefix)
endif
endif
endif

CC      = $(TOOLPREFIX)gcc
LD      = $(TOOLPREFIX)ld
OBJCOPY = $(TOOLPREFIX)objcopy
OBJDUMP = $(TOOLPREFIX)objdump
QEMU    = qemu-system-riscv64
HOSTCC ?= cc

CFLAGS = -Wall -Werror -O2 -fno-omit-frame-pointer -ggdb -gdwarf-2
CFLAGS += -march=rv64gc -mabi=lp64d -mcmodel=medany -mno-relax
CFLAGS += -ffreestanding -fno-common -nostdlib -fno-builtin
CFLAGS += -fno-stack-protector -fno-pie -no-pie -MD
KCFLAGS = $(CFLAGS) -DATLAS_KERNEL -Ikernel
UCFLAGS = $(CFLAGS) -Wno-main -I.
LDFLAGS = -z max-page-size=4096

# ---- Kernel ------------------------------------------------------------
KSRCS := $(sort $(wildcard kernel/*/*.c) $(wildcard kernel/*/*.S))
KOBJS := $(patsubst %,$(B)/%.o,$(basename $(KSRCS)))

$(B)/kernel/%.o: kernel/%.c
	@mkdir -p $(@D)
	$(CC) $(KCFLAGS) -c -o $@ $<

$(B)/kernel/%.o: kernel/%.S
	@mkdir -p $(@D)
	$(CC) $(KCFLAGS) -c -o $@ $<

kernel/kernel: $(KOBJS) linker/kernel.ld
	$(LD) $(LDFLAGS) -T linker/kernel.ld -o $@ $(KOBJS)
	$(OBJDUMP) -S $@ > $(B)/kernel.asm

# The symbol table, "address name" a line, beside the kernel as in xv6:
# MIT's graders look up their breakpoints' addresses there.
kernel/kernel.sym: kernel/kernel
	$(OBJDUMP) -t $< | sed '1,/SYMBOL TABLE/d; s/ .* / /; /^$$/d' > $@

# ---- User programs -----------------------------------------------------
# Every user/*.c is a program; user/lib/ is the library linked into each.
ULIB := $(B)/user/lib/ulib.o $(B)/user/lib/printf.o $(B)/user/lib/umalloc.o $(B)/user/lib/usys.o
UPROGS := $(patsubst user/%.c,$(B)/user/_%,$(wildcard user/*.c))

# `make qemu UEXTRA=DIR` adds every DIR/*.c as a program too, and every
# DIR/*.sh as a file (xv6's util lab runs `sh < xargstest.sh`). Each DIR
# builds in a directory of its own, so that two labs with a program of
# the same name never share an object file. Their warnings are not
# errors: xv6's lab programs must build unmodified, and those written
# before xv6's printf had a format attribute pass it mismatched
# arguments (user/user.h).
ifdef UEXTRA
UX := $(B)/uextra/$(subst /,_,$(abspath $(UEXTRA)))
UEXTRA_PROGS := $(patsubst $(UEXTRA)/%.c,$(UX)/_%,$(wildcard $(UEXTRA)/*.c))
UEXTRA_FILES := $(wildcard $(UEXTRA)/*.sh)
$(UX)/%.o: $(UEXTRA)/%.c
	@mkdir -p $(@D)
	$(CC) $(UCFLAGS) -Wno-error -c -o $@ $<

$(UX)/_%: $(UX)/%.o $(ULIB) linker/user.ld
	$(LD) $(LDFLAGS) -T linker/user.ld -o $@ $< $(ULIB)
endif

$(B)/user/lib/usys.S: user/lib/usys.pl
	@mkdir -p $(@D)
	perl $< > $@

$(B)/user/%.o: user/%.c
	@mkdir -p $(@D)
	$(CC) $(UCFLAGS) -c -o $@ $<

$(B)/user/lib/usys.o: $(B)/user/lib/usys.S
	$(CC) $(UCFLAGS) -c -o $@ $<

$(B)/user/_%: $(B)/user/%.o $(ULIB) linker/user.ld
	$(LD) $(LDFLAGS) -T linker/user.ld -o $@ $(filter %.o,$^)

# The test programs also link the test runner (user/testlib.h).
$(B)/user/_systest $(B)/user/_vmtest: $(B)/user/lib/testlib.o

# ---- File system image -------------------------------------------------
# Programs go onto the disk without debug information (build/fs/); the
# full binaries stay in build/user/ for GDB.
$(B)/fs/%: $(B)/%
	@mkdir -p $(@D)
	$(OBJCOPY) --strip-debug $< $@

mkfs/mkfs: mkfs/mkfs.c kernel/fs.h kernel/param.h kernel/types.h kernel/stat.h
	$(HOSTCC) -Wall -Werror -O2 -I. -o $@ mkfs/mkfs.c

# `make FSSIZE=N` makes a disk of N blocks instead of the default, FSSIZE
# in kernel/param.h. The disk's size and its list of programs are a file,
# rewritten only when they change, so that fs.img is rebuilt when FSSIZE
# or UEXTRA changes.
FSFILES := $(B)/README $(patsubst $(B)/%,$(B)/fs/%,$(UPROGS) $(UEXTRA_PROGS)) $(UEXTRA_FILES)
MKFSFLAGS := $(if $(FSSIZE),-s $(FSSIZE))
$(B)/fsfiles: FORCE
	@mkdir -p $(B)
	@echo "$(MKFSFLAGS) $(FSFILES)" | cmp -s - $@ || echo "$(MKFSFLAGS) $(FSFILES)" > $@

$(B)/README: README.md
	@mkdir -p $(B)
	cp $< $@

fs.img: mkfs/mkfs $(FSFILES) $(B)/fsfiles
	mkfs/mkfs $(MKFSFLAGS) $@ $(FSFILES)

# build/fs-N.img: a disk of N blocks with the programs of user/ alone, for
# the grader's tests of a full disk (fs/diskfull), which fill a small one
# in seconds whatever FSSIZE and UEXTRA say.
$(B)/fs-%.img: mkfs/mkfs $(patsubst $(B)/%,$(B)/fs/%,$(UPROGS))
	mkfs/mkfs -s $* $@ $(filter-out mkfs/mkfs,$^)

# ---- Swap disk ---------------------------------------------------------
# `make SWAP=SIZE` gives QEMU a swap disk of SIZE, written as MEM is (256M,
# 1G; a bare number is in MiB); SWAP=0 gives it none. swap.img is a
# sparse file, all hole until the kernel pages out to it. SWAP is kept in
# a file, rewritten only when it changes, so that swap.img is made again
# when SWAP changes.
ifneq ($(SWAP),0)
SWAPIMG := swap.img
endif
SWAPSIZE := $(if $(filter %K %M %G,$(SWAP)),$(SWAP),$(SWAP)M)

$(B)/swapsize: FORCE
	@mkdir -p $(B)
	@echo "$(SWAPSIZE)" | cmp -s - $@ || echo "$(SWAPSIZE)" > $@

swap.img: $(B)/swapsize
	rm -f $@
	truncate -s $(SWAPSIZE) $@

# Keep every intermediate file (objects, unstripped programs for GDB).
.SECONDARY:
-include $(shell find $(B) -name '*.d' 2>/dev/null)

# ---- Running -----------------------------------------------------------
QEMUOPTS = -machine virt -bios default -kernel kernel/kernel -m $(MEM) -smp $(CPUS) -nographic
QEMUOPTS += -global virtio-mmio.force-legacy=false
QEMUOPTS += -drive file=fs.img,if=none,format=raw,id=fs
QEMUOPTS += -device virtio-blk-device,drive=fs,bus=virtio-mmio-bus.0
ifdef SWAPIMG
QEMUOPTS += -drive file=$(SWAPIMG),if=none,format=raw,id=swap
QEMUOPTS += -device virtio-blk-device,drive=swap,bus=virtio-mmio-bus.1
endif
# The kernel command line (kernel/boot/bootargs.c), e.g. BOOTARGS="overcommit=on".
ifneq ($(BOOTARGS),)
QEMUOPTS += -append "$(BOOTARGS)"
endif

all: kernel/kernel kernel/kernel.sym fs.img $(SWAPIMG)

# QEMU may be missing even where the compiler is not: install it first.
ensure-qemu:
	@command -v $(QEMU) >/dev/null 2>&1 || tools/install-deps.sh

# QEMU runs by exec: with BOOTARGS's quotes make starts a shell for the
# command, and QEMU must replace it to be make's child, which make passes
# a SIGTERM on to (MIT's graders stop `make qemu-gdb` that way).
qemu: all ensure-qemu
	exec $(QEMU) $(QEMUOPTS)

# Debugging: QEMU waits for GDB on a port derived from the user id, so
# students sharing a machine do not collide. Run `make gdb` in a second
# terminal. GDBPORT=N (on the command line or in the environment) picks
# another port for both; .gdbinit asks `make print-gdbport` for the port
# when GDB is started without `make gdb`.
GDBPORT ?= $(shell expr `id -u` % 5000 + 25000)
GDBHINT := make gdb$(if $(filter command line environment,$(origin GDBPORT)), GDBPORT=$(GDBPORT))

qemu-gdb: all ensure-qemu
	@echo "*** QEMU is waiting for GDB on port $(GDBPORT): run '$(GDBHINT)' in another terminal"
	exec $(QEMU) $(QEMUOPTS) -S -gdb tcp::$(GDBPORT)

gdb:
	GDBPORT=$(GDBPORT) gdb-multiarch -q -nx -x .gdbinit

print-gdbport:
	@echo $(GDBPORT)

# Render the page-table picture that GDB's `pgtable --dot pgtable.dot`
# wrote (needs Graphviz, which tools/install-deps.sh installs).
pgtable-png: pgtable.dot
	dot -Tpng pgtable.dot -o pgtable.png
	@echo "wrote pgtable.png"

# The grader reads the QEMU options from here, so they live in one place.
print-qemu-opts:
	@echo $(QEMUOPTS)

# The whole test suite: every suite on 1, 3 and 8 harts, then the checks
# of the grader itself (the broken kernels in tests/mutants/ must fail).
test: all
	python3 grade-tests.py --cpus 1,3,8 --mutants

# Grading: `make grade LAB=cow` grades one lab's tests (labs/cow/lab.py)
# as its autograder does; `make grade UEXTRA=DIR` adds DIR's programs and
# DIR/grade*.py's tests; GRADEFLAGS passes options, e.g.
# GRADEFLAGS="--json results.json".
grade:
	python3 grade-tests.py $(if $(LAB),--lab $(LAB)) $(if $(UEXTRA),--extra $(UEXTRA)) $(GRADEFLAGS)

# Teaching: a lab's starter tree, its solution cut out (tools/labs.py).
handout:
	@test -n "$(LAB)" -a -n "$(DEST)" || { echo "usage: make handout LAB=NAME DEST=DIR (labs: $$(ls labs))"; exit 2; }
	python3 tools/labs.py handout $(LAB) $(DEST)

# A student's hand-in: the tree's source (committed or not, nothing git
# ignores) in submission.zip.
submission:
	python3 tools/submission.py

# A lab's autograder for Gradescope: gradescope-LAB.zip (tools/gradescope.py).
gradescope:
	@test -n "$(LAB)" || { echo "usage: make gradescope LAB=NAME (labs: $$(ls labs))"; exit 2; }
	python3 tools/gradescope.py zip $(LAB)

clean:
	rm -rf $(B) kernel/kernel kernel/kernel.sym fs.img swap.img mkfs/mkfs grade-logs submission.zip gradescope-*.zip

FORCE:
.PHONY: all ensure-qemu qemu qemu-gdb gdb print-gdbport pgtable-png test grade handout submission gradescope clean print-qemu-opts FORCE
.DEFAULT_GOAL := all
