"""GDB commands for looking at Atlas's page tables and processes.

Load with `source tools/gdb/atlas.py`, then see `help COMMAND`:
  pgwalk VA [PID|SATP]            walk one virtual address as the MMU does
  pgtable [PID|SATP] [--dot FILE] every valid entry of a page-table tree
  vmmap [PID|SATP]                a process's regions beside its page table
  procs                           the process table
  uprog NAME                      load the symbols of user program NAME
  boothart N                      boot the kernel on hart N (QEMU started with -S)

This file is the GDB half: it reads memory from QEMU and prints. What the
bits mean, and the walk itself, are in sv39.py, and how a process's
regions (struct mm) line up with its page table in regions.py; neither
has GDB in it.

Page tables and kernel variables are read from *physical* memory (QEMU's
PhyMemMode), so the commands work wherever a hart stopped: in user mode
the page table in satp maps no kernel data, while physical memory always
holds it, and the kernel's own variables sit at VA == PA.
"""

import contextlib
import importlib
import os
import re
import struct
import sys
from dataclasses import dataclass

import gdb

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)
import sv39  # noqa: E402  (after the path is set)
import regions  # noqa: E402

importlib.reload(sv39)   # so that sourcing this file again picks up edits
importlib.reload(regions)

ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
USER_PROGRAMS = os.path.join(ROOT, "build", "user")
KERNBASE = 0x80000000     # start of RAM on QEMU virt (kernel/memlayout.h)
RESET_ROM = 0x1000        # QEMU virt's reset ROM: every hart starts here
RESET_ROM_SIZE = 0x1000
FW_DYNAMIC_MAGIC = 0x4942534f   # "OSBI": OpenSBI's struct fw_dynamic_info,
FW_DYNAMIC_VERSION = 8          # which QEMU puts in the reset ROM: offsets
FW_DYNAMIC_NEXT_ADDR = 16       # of its fields (64-bit words) and the first
FW_DYNAMIC_BOOT_HART = 40       # version that has boot_hart
FW_DYNAMIC_BOOT_HART_SINCE = 2
STRING_MAX = 16           # bytes read of a kernel string (a region's kind)
KERNEL_SPACE = "kernel"   # the PID|SATP argument naming the kernel's table
SPACE_HELP = """
PID|SATP is a GDB expression: a value with MODE bits 63..60 set is a satp
(MODE must be 8, Sv39), any other a pid from proc[]; the word `kernel`
means the kernel page table; without it, the satp of the selected hart
(GDB thread) is used."""


# --- physical memory --------------------------------------------------------

def stub_packet(packet):
    """Send packet to QEMU's gdb stub and return the reply's text."""
    try:
        out = gdb.execute(f"maintenance packet {packet}", to_string=True)
    except gdb.error as e:
        raise gdb.GdbError(f"error: cannot talk to QEMU's gdb stub: {e}")
    return re.search(r'received: "(.*)"', out).group(1)


def phys_mem_mode():
    """QEMU's current memory mode for gdb accesses: '1' physical, '0' virtual."""
    mode = stub_packet("qqemu.PhyMemMode")
    if mode not in ("0", "1"):
        raise gdb.GdbError("error: the gdb stub does not know qqemu.PhyMemMode "
                           "(is this QEMU?)")
    return mode


def set_phys_mem_mode(mode):
    """Switch QEMU's memory mode and drop what GDB cached in the other one."""
    stub_packet(f"Qqemu.PhyMemMode:{mode}")
    gdb.execute("maintenance flush dcache", to_string=True)


@contextlib.contextmanager
def physical_memory():
    """Within the block, memory reads use physical addresses; afterwards
    (also on error) the mode from before is back."""
    previous = phys_mem_mode()
    set_phys_mem_mode("1")
    try:
        yield
    finally:
        set_phys_mem_mode(previous)


def read_bytes(addr, count):
    """count bytes of target memory at addr."""
    try:
        return bytes(gdb.selected_inferior().read_memory(addr, count))
    except gdb.MemoryError:
        raise gdb.GdbError(f"error: cannot read memory at 0x{addr:x}") from None


def read_words(pa, count):
    """count little-endian 64-bit words at pa."""
    return list(struct.unpack(f"<{count}Q", read_bytes(pa, count * 8)))


def check_ram(what, pa, count, ram_end):
    """Refuse count bytes at pa unless they lie in RAM, which ends at
    ram_end: a bad satp, PTE or kernel pointer leads elsewhere (QEMU
    reads zeros there)."""
    if not KERNBASE <= pa < pa + count <= ram_end:
        raise gdb.GdbError(f"error: {what} at 0x{pa:x} is outside RAM "
                           f"[0x{KERNBASE:x}, 0x{ram_end:x})")


def ram_reader():
    """The reader sv39 expects: read_words, refusing page tables outside
    RAM."""
    ram_end = int(kernel_variable("phystop")[1])

    def read_ram_words(pa, count):
        check_ram("page table", pa, count * 8, ram_end)
        return read_words(pa, count)
    return read_ram_words


def read_struct(what, pointer):
    """The kernel object a gdb.Value pointer points to, read from RAM
    (the kernel's heap is mapped at VA == PA)."""
    target = pointer.type.target()
    addr = int(pointer)
    check_ram(what, addr, target.sizeof, int(kernel_variable("phystop")[1]))
    return gdb.Value(read_bytes(addr, target.sizeof), target)


def kernel_variable(name):
    """Kernel global `name` as (address, gdb.Value read from memory there).
    Inside physical_memory() this works in user mode too, as VA == PA."""
    symbol = gdb.lookup_global_symbol(name) or gdb.lookup_static_symbol(name)
    if symbol is None:
        raise gdb.GdbError(f"error: no kernel symbol '{name}' "
                           "(load it with `file kernel/kernel`)")
    lazy = symbol.value()          # not read yet: only address and type used
    addr = int(lazy.address)
    return addr, gdb.Value(read_bytes(addr, lazy.type.sizeof), lazy.type)


# --- processes --------------------------------------------------------------

@dataclass
class Proc:
    """The fields of a struct proc that the commands show."""
    slot: int
    addr: int
    pid: int
    state: str
    name: str
    mm: int             # address of its struct mm; 0 while it has none
    pagetable: int      # root of the mm's page table; 0 without an mm
    brk: int            # end of the heap (xv6's p->sz); 0 without an mm

    def label(self):
        """'pid 3 sh'."""
        return f"pid {self.pid} {self.name}"


def read_proc(slot, addr, p):
    """A Proc from the struct proc p. A slot being set up or torn down
    has no mm (p->mm is 0): it gets no page table and no brk."""
    pagetable = brk = 0
    if int(p["mm"]):
        mm = read_struct("struct mm", p["mm"])
        pagetable, brk = int(mm["pagetable"]), int(mm["brk"])
    return Proc(slot, addr, int(p["pid"]), str(p["state"]), p["name"].string(),
                int(p["mm"]), pagetable, brk)


def read_procs():
    """The used slots of proc[] (call inside physical_memory())."""
    base, table = kernel_variable("proc")
    size = table.type.target().sizeof
    return [read_proc(slot, base + slot * size, table[slot])
            for slot in range(table.type.range()[1] + 1)
            if str(table[slot]["state"]) != "UNUSED"]


def read_string(what, pointer):
    """The NUL-terminated kernel string at pointer (at most STRING_MAX bytes)."""
    addr = int(pointer)
    check_ram(what, addr, STRING_MAX, int(kernel_variable("phystop")[1]))
    return read_bytes(addr, STRING_MAX).split(b"\0")[0].decode(errors="replace")


def read_region(v):
    """The struct vma that pointer v points to: (a regions.Region, its
    pointer to the next region)."""
    vma = read_struct("struct vma", v)
    kind = ""
    if int(vma["ops"]):
        kind = read_string("a region's kind", read_struct("struct vma_ops", vma["ops"])["kind"])
    offset = int(vma["pgoff"]) * sv39.PGSIZE if int(vma["file"]) else -1
    return regions.Region(int(vma["start"]), int(vma["end"]), int(vma["prot"]),
                          int(vma["flags"]), vma["name"].string(), kind, int(v),
                          offset), vma["next"]


def read_address_space(proc):
    """proc's struct mm as a regions.AddressSpace: its regions in the order
    of the list from mm->first (call inside physical_memory())."""
    mm_type = gdb.lookup_type("struct mm")
    mm = read_struct("struct mm", gdb.Value(proc.mm).cast(mm_type.pointer()))
    found = []
    seen = set()
    v = mm["first"]
    while int(v):
        if int(v) in seen:
            raise gdb.GdbError(f"error: the region list of {proc.label()} loops "
                               f"back to 0x{int(v):x}")
        seen.add(int(v))
        region, v = read_region(v)
        found.append(region)
    return regions.AddressSpace(found, int(mm["brk"]), int(mm["heap"]), int(mm["nvmas"]))


def running_harts():
    """{address of a struct proc: hart id} from cpus[i].proc and .hartid."""
    _, cpus = kernel_variable("cpus")
    harts = {}
    for slot in range(cpus.type.range()[1] + 1):
        running = int(cpus[slot]["proc"])
        if running:
            harts[running] = int(cpus[slot]["hartid"])
    return harts


# --- which page table -------------------------------------------------------

@dataclass
class Space:
    """A page table to look at: its root, its satp and whose it is."""
    root: int
    satp: int
    owner: str = ""        # 'pid 3 sh', 'kernel', or '' if nobody's
    proc: Proc = None

    def describe(self):
        """Whose table it is and its satp: 'pid 3 sh, satp 0x...'."""
        satp = f"satp 0x{self.satp:016x}"
        return f"{self.owner}, {satp}" if self.owner else satp

    def name(self):
        """Whose table it is ('pid 3 sh'), or else its satp."""
        return self.owner or f"satp 0x{self.satp:016x}"


def evaluate(expr):
    """The GDB expression expr as a 64-bit number (in the current view of
    memory, so `p->pid` reads what `print p->pid` would)."""
    try:
        return int(gdb.parse_and_eval(expr)) & sv39.WORD_MASK
    except gdb.error as e:
        raise gdb.GdbError(f"error: cannot evaluate '{expr}': {e}") from None


def space_argument(argv):
    """Evaluate the optional PID|SATP argument: None, KERNEL_SPACE or a number."""
    if not argv:
        return None
    return KERNEL_SPACE if argv[0] == KERNEL_SPACE else evaluate(argv[0])


def find_space(which):
    """The Space a space_argument() names (call inside physical_memory())."""
    procs = read_procs()
    kernel_root = int(kernel_variable("kernel_pagetable")[1])
    if which is None:
        satp = int(gdb.parse_and_eval("$satp")) & sv39.WORD_MASK
        if not sv39.names_satp(satp):
            raise gdb.GdbError(f"error: satp is 0x{satp:x}: paging is off on "
                               "this hart (pass a PID or SATP)")
    elif which == KERNEL_SPACE:
        satp = sv39.make_satp(kernel_root)
    elif sv39.names_satp(which):
        satp = which
    else:
        satp = sv39.make_satp(proc_by_pid(procs, which).pagetable)
    root = sv39.satp_root(satp)
    owner = next((p for p in procs if p.pagetable and p.pagetable == root), None)
    if owner:
        return Space(root, satp, owner.label(), owner)
    return Space(root, satp, KERNEL_SPACE if root == kernel_root else "")


def proc_by_pid(procs, pid):
    """The used proc with this pid, which must have an address space."""
    found = next((p for p in procs if p.pid == pid), None)
    if found is None:
        raise gdb.GdbError(f"error: no process with pid {pid} (see `procs`)")
    if found.mm == 0:
        raise gdb.GdbError(f"error: pid {pid} has no address space (its mm is 0: "
                           "the slot is being set up or torn down)")
    if found.pagetable == 0:
        raise gdb.GdbError(f"error: pid {pid} has no page table yet")
    return found


# --- commands ---------------------------------------------------------------

class AtlasCommand(gdb.Command):
    """Base of the commands: one-line errors, argument-count checks."""
    NAME = USAGE = None
    MAX_ARGS = 0

    def __init__(self):
        super().__init__(self.NAME, gdb.COMMAND_DATA)

    def invoke(self, arg, from_tty):
        """Split the arguments and run; bad input becomes 'error: ...'."""
        argv = gdb.string_to_argv(arg)
        if len(argv) > self.MAX_ARGS:
            raise gdb.GdbError(f"error: too many arguments; usage: {self.USAGE}")
        try:
            self.run(argv)
        except sv39.Sv39Error as e:
            raise gdb.GdbError(f"error: {e}") from None

    def run(self, argv):
        """Do the command's work (subclasses)."""
        raise NotImplementedError


class PgWalk(AtlasCommand):
    __doc__ = """Walk one virtual address through a page table, as the MMU does.
Usage: pgwalk VA [PID|SATP]

Prints the VA's fields, then for each level the table, the index, the PTE,
its flags (V R W X U G A D, then the software bits: COW in a leaf, WPROT
in a table entry, RSW0/RSW1 where the kernel gives the bit no meaning)
and where it points; then the physical address and whether a user-mode
load, store and exec would be allowed, or where and why the walk stops
(invalid PTE, reserved W without R, misaligned superpage). An invalid
PTE that is not zero is shown decoded (kernel/mm/pte.h): a swap entry as
"swapped: slot N", the page being out on swap. For a
process's page table, last the region (struct mm) that holds the VA, and
if no page maps it, what a user access there would make the kernel do.
Quote an expression with spaces: pgwalk "p->mm->brk - 1".
""" + SPACE_HELP
    NAME, USAGE, MAX_ARGS = "pgwalk", "pgwalk VA [PID|SATP]", 2

    def run(self, argv):
        if not argv:
            raise gdb.GdbError(f"error: missing VA; usage: {self.USAGE}")
        va = evaluate(argv[0])
        which = space_argument(argv[1:])
        with physical_memory():
            space = find_space(which)
            result = sv39.walk(ram_reader(), space.root, va)
            mm = read_address_space(space.proc) if space.proc else None
        lines = sv39.format_walk(result, space.describe())
        if mm:
            lines += regions.va_lines(mm.regions, result.va, result.fault is None,
                                      result.swapped)
        print("\n".join(lines))


class PgTable(AtlasCommand):
    __doc__ = """Print every valid entry of a page table, indented by level.
Usage: pgtable [PID|SATP] [--dot FILE]

One line per valid PTE, in VA order: level and index, the first VA it
covers, the PTE, its flags and what it points to; entries the MMU would
fault on are marked with !!. With --dot FILE, write the tree as a Graphviz
graph to FILE instead (render with: dot -Tsvg FILE -o tree.svg).
""" + SPACE_HELP
    NAME, USAGE, MAX_ARGS = "pgtable", "pgtable [PID|SATP] [--dot FILE]", 3

    def run(self, argv):
        dot_file = None
        if "--dot" in argv:
            at = argv.index("--dot")
            if at + 1 == len(argv):
                raise gdb.GdbError("error: --dot needs a FILE")
            dot_file = argv[at + 1]
            argv = argv[:at] + argv[at + 2:]
        if len(argv) > 1:
            raise gdb.GdbError(f"error: too many arguments; usage: {self.USAGE}")
        which = space_argument(argv)
        with physical_memory():
            space = find_space(which)
            tree = sv39.read_tree(ram_reader(), space.root)
        if dot_file is None:
            print("\n".join(sv39.format_tree(tree, space.name())))
            return
        text, tables, leaves = sv39.format_dot(tree, space.name())
        try:
            with open(dot_file, "w") as out:
                out.write(text)
        except OSError as e:
            raise gdb.GdbError(f"error: cannot write {dot_file}: {e.strerror}")
        print(f"wrote {dot_file}: {tables} tables, {leaves} leaves")


class VmMap(AtlasCommand):
    __doc__ = """List a process's regions beside what its page table maps there.
Usage: vmmap [PID|SATP]

For a process: one line per region of its struct mm, in list order, with
start-end, permissions (r w x, then p if private), size, name, kind
(ops->kind), kind flags (growsup, stack, guard, special), and the 4 KiB
pages the page table maps inside it: how many, as how many pages and
megapages, how many copy-on-write and how many without the U bit, and
how many of its pages are out on swap (swap PTEs). Then
the leaves in no region as ranges (the kernel's trampoline and
trapframe), entries the MMU would fault on, anything in the mm that
breaks the kernel's invariants, and totals.

For a page table that is no process's (`kernel`, a bare SATP): its
mappings merged into ranges of leaves with the same flags (A and D
aside): start-end, permissions (r w x, u for user, g for global), size,
the number of leaf PTEs, and `cow` for copy-on-write pages; the total
counts swap PTEs too.
""" + SPACE_HELP
    NAME, USAGE, MAX_ARGS = "vmmap", "vmmap [PID|SATP]", 1

    def run(self, argv):
        which = space_argument(argv)
        with physical_memory():
            space = find_space(which)
            tree = sv39.read_tree(ram_reader(), space.root)
            mm = read_address_space(space.proc) if space.proc else None
        if mm:
            print("\n".join(regions.format_regions(mm, tree, space.name())))
        else:
            print("\n".join(sv39.format_ranges(tree, space.name())))


class Procs(AtlasCommand):
    """List the process table: the slots of proc[] that are in use.
Usage: procs

For each: slot in proc[], pid, state, name, the physical address of its
page-table root and its brk (xv6's sz), both from its struct mm (`-` for
a slot with none: being set up or torn down), and `hart N` if it is
running on the hart with id N (cpus[i].proc, for the i with
cpus[i].hartid == N; GDB's thread N+1).
"""
    NAME, USAGE, MAX_ARGS = "procs", "procs", 0

    def run(self, argv):
        with physical_memory():
            procs = read_procs()
            harts = running_harts()
        print(f"{'slot':>4} {'pid':>4}  {'state':<9} {'name':<16}"
              f" {'pagetable':<18}  {'brk':>10}")
        for p in procs:
            hart = f"  hart {harts[p.addr]}" if p.addr in harts else ""
            memory = (f"0x{p.pagetable:016x}  {p.brk:>#10x}" if p.mm
                      else f"{'-':<18}  {'-':>10}")
            print(f"{p.slot:>4} {p.pid:>4}  {p.state:<9} {p.name:<16}"
                  f" {memory}{hart}")


class UProg(AtlasCommand):
    """Load the symbols of user program NAME (build/user/_NAME).
Usage: uprog NAME

User programs are linked at address 0, so after this, `list main` and
`info line` work for user code. The symbols of a user program loaded
earlier are dropped first (all programs use the same addresses).
Set breakpoints in user code with hbreak: a software breakpoint is
written through the page table of the moment, which may not map it.
"""
    NAME, USAGE, MAX_ARGS = "uprog", "uprog NAME", 1

    def run(self, argv):
        if not argv or "/" in argv[0]:
            raise gdb.GdbError(f"error: usage: {self.USAGE}")
        path = os.path.join(USER_PROGRAMS, "_" + argv[0])
        if not os.path.isfile(path):
            raise gdb.GdbError(f"error: no user program {os.path.relpath(path, ROOT)}"
                               " (did make build it?)")
        for objfile in gdb.objfiles():
            if os.path.dirname(objfile.filename) == USER_PROGRAMS:
                gdb.execute(f"remove-symbol-file {objfile.filename}", to_string=True)
        gdb.execute(f"add-symbol-file {path}", to_string=True)
        print(f"loaded symbols of {os.path.relpath(path, ROOT)}")


class BootHart(AtlasCommand):
    """Boot the kernel on hart N: make it the hart OpenSBI enters it on.
Usage: boothart N

OpenSBI picks the boot hart itself, by a lottery among the harts, so a
bug that shows only on some boot harts shows now and then. Run this first
thing on a QEMU started with -S (make qemu-gdb): it names hart N in the
firmware's boot information (fw_dynamic_info, in QEMU's reset ROM) and
runs hart N alone until it enters the kernel. There it stops, the other
harts not started yet; `continue` lets them all go.
"""
    NAME, USAGE, MAX_ARGS = "boothart", "boothart N", 1

    def run(self, argv):
        if not argv:
            raise gdb.GdbError(f"error: missing N; usage: {self.USAGE}")
        hart = int(evaluate(argv[0]))
        thread = thread_of_hart(hart)
        thread.switch()
        if not RESET_ROM <= int(gdb.parse_and_eval("$pc")) < RESET_ROM + RESET_ROM_SIZE:
            raise gdb.GdbError("error: the harts have already run; start QEMU "
                               "with -S and use boothart first")
        info = fw_dynamic_info()
        version, entry = (read_words(info + off, 1)[0] for off in
                          (FW_DYNAMIC_VERSION, FW_DYNAMIC_NEXT_ADDR))
        if version >= FW_DYNAMIC_BOOT_HART_SINCE:
            gdb.selected_inferior().write_memory(info + FW_DYNAMIC_BOOT_HART,
                                                 struct.pack("<Q", hart))
        run_alone(thread, entry)
        print(f"hart {hart} is at the kernel's entry 0x{entry:x}; "
              "`continue` starts the others")


def thread_of_hart(hart):
    """GDB's thread for hart id `hart` (QEMU's CPU index, plus one)."""
    for thread in gdb.selected_inferior().threads():
        if thread.num == hart + 1:
            return thread
    raise gdb.GdbError(f"error: no hart {hart} (GDB has no thread {hart + 1})")


def fw_dynamic_info():
    """The address of the firmware's boot information in the reset ROM."""
    found = gdb.selected_inferior().search_memory(
        RESET_ROM, RESET_ROM_SIZE, struct.pack("<Q", FW_DYNAMIC_MAGIC))
    if found is None:
        raise gdb.GdbError("error: no fw_dynamic_info in the reset ROM "
                           "(is this QEMU virt with -bios default?)")
    return int(found)


def run_alone(thread, addr):
    """Run only `thread` until it reaches addr (a hardware breakpoint);
    the others stay stopped. GDB's own continue cannot do this with QEMU,
    so the stub is driven directly, and GDB then rereads the registers."""
    stub_packet(f"Z1,{addr:x},4")
    timeout = gdb.parameter("remotetimeout")
    gdb.execute("set remotetimeout 60")
    try:
        reply = stub_packet(f"vCont;c:p1.{thread.num:x}")
    finally:
        gdb.execute(f"set remotetimeout {timeout}")
        stub_packet(f"z1,{addr:x},4")
        gdb.execute("maintenance flush register-cache", to_string=True)
    if not re.match(r"T05thread:p0*1\.0*%x;" % thread.num, reply):
        raise gdb.GdbError(f"error: hart {thread.num - 1} did not reach 0x{addr:x}"
                           f" (the stub replied {reply!r})")


for command in (PgWalk, PgTable, VmMap, Procs, UProg, BootHart):
    command()
