"""Sv39 page tables, decoded and printed without GDB.

This is the half of Atlas's GDB commands that knows the hardware: split a
virtual address, decode a page-table entry (PTE), walk one address through
a tree as the MMU does, read a whole tree, merge its leaves into ranges and
draw it for Graphviz. atlas.py is the other half: it reads memory from QEMU
and turns these results into GDB commands.

Memory is read through a function read_words(pa, count) that returns a list
of `count` 64-bit words starting at physical address pa; the unit test
(test_sv39.py) passes one that reads a dict.

The numbers below come from the RISC-V privileged spec, section "Sv39", and
from kernel/mm/pte.h for what Atlas puts in the two bits left to software
and in the invalid entries that are not holes (swap entries).
"""

from collections import Counter
from dataclasses import dataclass, field

WORD_MASK = (1 << 64) - 1

# Pages and tables.
PGSHIFT = 12                  # bits of the offset within a 4 KiB page
PGSIZE = 1 << PGSHIFT
INDEX_BITS = 9                # each VPN field indexes a 512-entry table
ENTRIES = 1 << INDEX_BITS
PTE_BYTES = 8
ROOT_LEVEL = 2                # tables are L2 (root), L1, L0
VA_BITS = 39                  # bits 63..39 of a VA must copy bit 38

# satp: MODE (63..60) | ASID (59..44) | PPN of the root table (43..0).
SATP_MODE_SHIFT = 60
SATP_MODE_SV39 = 8
SATP_PPN_MASK = (1 << 44) - 1

# PTE bits: flags in 9..0, PPN in 53..10.
PTE_V = 1 << 0                # valid
PTE_R = 1 << 1                # readable
PTE_W = 1 << 2                # writable
PTE_X = 1 << 3                # executable
PTE_U = 1 << 4                # accessible in user mode
PTE_G = 1 << 5                # global mapping
PTE_A = 1 << 6                # accessed
PTE_D = 1 << 7                # dirty
PTE_RSW0 = 1 << 8             # reserved for software
PTE_RSW1 = 1 << 9             # reserved for software
PTE_RWX = PTE_R | PTE_W | PTE_X
PTE_FLAG_BITS = 10
PTE_PPN_MASK = (1 << 44) - 1

# Atlas's software bits (kernel/mm/pte.h). What one means depends on the
# kind of entry it is in.
PTE_COW = PTE_RSW0            # leaf: a page shared copy-on-write
PTE_WPROT = PTE_RSW1          # table pointer: every leaf under it read-only

# Non-present entries (kernel/mm/pte.h): an invalid entry that is not all
# zero (all zero is a hole). Bits 4..1, where a valid entry has R W X U,
# hold a type tag; bits 53..10, the PPN's place, a number the type gives
# meaning to. The one type so far: swap, whose number is the swap slot
# the page was written to.
PTE_TYPE_SHIFT = 1
PTE_TYPE_MASK = 0xF << PTE_TYPE_SHIFT
PTE_TYPE_SWAP = 0x1 << PTE_TYPE_SHIFT
PTE_SLOT_SHIFT = 10
PTE_SLOT_BITS = 44
PTE_SLOT_MAX = (1 << PTE_SLOT_BITS) - 1

# What an entry is, as the MMU sees it (pte_kind). The last three stop a
# walk with a page fault although the entry is valid. The first three are
# also the shapes the kernel sees whatever the level (pte_shape).
TABLE = "table"
LEAF = "leaf"
INVALID = "invalid PTE"
RESERVED = "reserved W without R"
MISALIGNED = "misaligned superpage"
LAST_LEVEL_POINTER = "table pointer at L0"

# Columns of the flags display, in bit order.
HARDWARE_FLAGS = (("V", PTE_V), ("R", PTE_R), ("W", PTE_W), ("X", PTE_X),
                  ("U", PTE_U), ("G", PTE_G), ("A", PTE_A), ("D", PTE_D))

# After them, the software bits that are set, in bit order, named by what
# kernel/mm/pte.h makes of them in that kind of entry (pte_shape); a bit it
# gives no meaning there keeps its spec name, RSW0 or RSW1. (An invalid
# entry is a hole, all zero, or a non-present entry, which is shown
# decoded instead: nonpresent_text.)
SOFTWARE_MARKS = {
    LEAF: (("COW", PTE_COW), ("RSW1", PTE_RSW1)),
    TABLE: (("RSW0", PTE_RSW0), ("WPROT", PTE_WPROT)),
}

LEAF_NAMES = {0: "page", 1: "megapage", 2: "gigapage"}

# User-mode accesses: the permission bit each needs, and its name.
ACCESSES = (("load", PTE_R, "R"), ("store", PTE_W, "W"), ("exec", PTE_X, "X"))

# A table with more leaves than this gets one summary node in the graph.
DOT_LEAF_NODES_MAX = 16


class Sv39Error(Exception):
    """An argument that names no Sv39 translation (bad satp, VA or root)."""


# --- satp and virtual addresses ---------------------------------------------

def names_satp(value):
    """Is value meant as a satp rather than a pid? Its MODE bits are set
    (satp_root then refuses any MODE but Sv39)."""
    return (value & WORD_MASK) >> SATP_MODE_SHIFT != 0


def satp_root(satp):
    """Physical address of the root table that satp selects."""
    mode = (satp & WORD_MASK) >> SATP_MODE_SHIFT
    if mode != SATP_MODE_SV39:
        raise Sv39Error(f"satp 0x{satp & WORD_MASK:x} is not Sv39 "
                        f"(MODE {mode}, want {SATP_MODE_SV39})")
    ppn = satp & SATP_PPN_MASK
    if ppn == 0:
        raise Sv39Error(f"satp 0x{satp:x} has no root table (PPN 0)")
    return ppn << PGSHIFT


def make_satp(root):
    """The satp value (ASID 0) that selects the root table at pa root."""
    check_root(root)
    return SATP_MODE_SV39 << SATP_MODE_SHIFT | root >> PGSHIFT


def check_root(root):
    """Refuse a page-table root that is not a page-aligned address."""
    if root == 0 or root % PGSIZE:
        raise Sv39Error(f"page-table root 0x{root:x} is not a page address")


def sign_extend(va):
    """va with bits 63..39 copied from bit 38, as a 64-bit number."""
    va &= (1 << VA_BITS) - 1
    if va >> (VA_BITS - 1):
        va |= WORD_MASK ^ ((1 << VA_BITS) - 1)
    return va


def check_va(va):
    """va as a 64-bit number, refused unless it is canonical."""
    va &= WORD_MASK
    if sign_extend(va) != va:
        raise Sv39Error(f"va 0x{va:x} is not canonical "
                        f"(bits 63..{VA_BITS} must copy bit {VA_BITS - 1})")
    return va


def level_size(level):
    """Bytes mapped by one entry of a level-`level` table."""
    return 1 << (PGSHIFT + INDEX_BITS * level)


def vpn(va, level):
    """The VPN field of va that indexes the level-`level` table."""
    return (va >> (PGSHIFT + INDEX_BITS * level)) % ENTRIES


# --- page-table entries -----------------------------------------------------

def pte_pa(pte):
    """The physical address an entry points to (its PPN, shifted)."""
    return (pte >> PTE_FLAG_BITS & PTE_PPN_MASK) << PGSHIFT


def pte_shape(pte):
    """LEAF, TABLE or INVALID, as the kernel reads any entry whatever its
    level (pte_leaf and pte_table in kernel/mm/pte.h): a valid entry with
    any of R, W, X is a leaf, a valid one with none points to a table."""
    if not pte & PTE_V:
        return INVALID
    return LEAF if pte & PTE_RWX else TABLE


def pte_nonpresent(pte):
    """Is pte a non-present entry: invalid, but not a hole (all zero)?"""
    return not pte & PTE_V and pte != 0


def pte_type(pte):
    """The type tag of a non-present entry (1 for swap)."""
    return (pte & PTE_TYPE_MASK) >> PTE_TYPE_SHIFT


def pte_swap(pte):
    """Is pte a swap entry (pte_swap in kernel/mm/pte.h)?"""
    return not pte & PTE_V and pte & PTE_TYPE_MASK == PTE_TYPE_SWAP


def pte_swap_slot(pte):
    """The swap slot a swap entry names."""
    return pte >> PTE_SLOT_SHIFT & PTE_SLOT_MAX


def nonpresent_text(pte):
    """What a non-present entry holds: 'swapped: slot N' for a swap entry,
    'non-present, type T' for a type tag pte.h does not define; None for
    a valid entry or a hole."""
    if pte_swap(pte):
        return f"swapped: slot {pte_swap_slot(pte)}"
    if pte_nonpresent(pte):
        return f"non-present, type {pte_type(pte)}"
    return None


def pte_kind(pte, level):
    """What the MMU makes of pte found in a level-`level` table: its
    pte_shape, or why that shape faults at this level."""
    shape = pte_shape(pte)
    if shape == INVALID:
        return INVALID
    if shape == TABLE:
        return TABLE if level > 0 else LAST_LEVEL_POINTER
    if pte & PTE_W and not pte & PTE_R:
        return RESERVED
    if pte_pa(pte) % level_size(level):
        return MISALIGNED
    return LEAF


def flag_string(pte):
    """V R W X U G A D columns (a dot where clear), then the software bits
    that are set, by their names in this kind of entry (SOFTWARE_MARKS).
    A non-present entry's bits are no flags: it is shown decoded
    (nonpresent_text)."""
    decoded = nonpresent_text(pte)
    if decoded:
        return decoded
    columns = [name if pte & bit else "." for name, bit in HARDWARE_FLAGS]
    marks = [name for name, bit in SOFTWARE_MARKS.get(pte_shape(pte), ()) if pte & bit]
    return " ".join(columns) + " " + (",".join(marks) or "...")


def human_size(nbytes):
    """nbytes in the largest of GiB, MiB, KiB that divides it exactly."""
    for unit, name in ((1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")):
        if nbytes and nbytes % unit == 0:
            return f"{nbytes // unit} {name}"
    return f"{nbytes} B"


def user_access(pte):
    """For a leaf, (access, None if user mode may make it, else why not)."""
    verdicts = []
    for access, bit, bit_name in ACCESSES:
        if not pte & PTE_U:
            why = "no U bit"
        elif pte & bit:
            why = None
        elif bit == PTE_W and pte & PTE_COW:
            why = "no W; COW: the kernel copies on a store"
        else:
            why = f"no {bit_name}"
        verdicts.append((access, why))
    return verdicts


@dataclass(frozen=True)
class Entry:
    """One page-table entry: where it sits, what VA it covers, its value."""
    level: int
    table: int         # physical address of the table holding it
    index: int
    va: int            # first virtual address it covers
    pte: int

    @property
    def kind(self):
        """TABLE, LEAF, or why the MMU would fault here."""
        return pte_kind(self.pte, self.level)

    @property
    def target(self):
        """Physical address of the next table or of the mapped page."""
        return pte_pa(self.pte)

    @property
    def size(self):
        """Bytes of virtual memory this entry covers."""
        return level_size(self.level)

    def where(self):
        """Position for messages, e.g. 'L1 [  5]'."""
        return f"L{self.level} [{self.index:3d}]"

    def arrow(self, sized_names):
        """'-> what it points to' ('' for an invalid entry)."""
        shape = pte_shape(self.pte)
        if shape == INVALID:
            return ""
        if shape == TABLE:
            return f"-> table 0x{self.target:016x}"
        name = LEAF_NAMES[self.level]
        if sized_names:
            name = f"{human_size(self.size)} {name}"
        return f"-> {name} 0x{self.target:016x}"


# --- one address ------------------------------------------------------------

@dataclass
class Walk:
    """The entries the MMU reads for one VA, and where it stopped."""
    va: int
    steps: list
    fault: str = None      # None: steps[-1] is a leaf that maps va

    @property
    def swapped(self):
        """Did the walk stop at a swap entry (the page is out on swap)?"""
        return pte_swap(self.steps[-1].pte)

    def stop_text(self):
        """Where and why a walk that faults stopped: 'swapped: slot N at
        L0 [  5]', or 'no mapping: ' and what the MMU faults on there."""
        last = self.steps[-1]
        if self.swapped:
            return f"{nonpresent_text(last.pte)} at {last.where()}"
        return f"no mapping: {nonpresent_text(last.pte) or self.fault} at {last.where()}"

    @property
    def pa(self):
        """The physical address va translates to (only when no fault)."""
        leaf = self.steps[-1]
        return leaf.target + self.va % leaf.size


def walk(read_words, root, va):
    """Translate va through the tree at root, step by step, as the MMU does."""
    va = check_va(va)
    check_root(root)
    steps = []
    table = root
    for level in range(ROOT_LEVEL, -1, -1):
        index = vpn(va, level)
        pte = read_words(table + index * PTE_BYTES, 1)[0]
        size = level_size(level)
        entry = Entry(level, table, index, va - va % size, pte)
        steps.append(entry)
        if entry.kind != TABLE:
            return Walk(va, steps, None if entry.kind == LEAF else entry.kind)
        table = entry.target


def format_walk(result, owner):
    """The lines pgwalk prints for a Walk; owner describes the page table."""
    va = result.va
    lines = [f"va 0x{va:016x}: VPN[2] {vpn(va, 2)}  VPN[1] {vpn(va, 1)}  "
             f"VPN[0] {vpn(va, 0)}  offset 0x{va % PGSIZE:03x}   ({owner})"]
    for e in result.steps:
        lines.append(f"L{e.level}  table 0x{e.table:016x} [{e.index:3d}]  "
                     f"pte 0x{e.pte:016x}  {flag_string(e.pte)}  "
                     f"{e.arrow(sized_names=True)}".rstrip())
    if result.fault:
        lines.append(result.stop_text())
        return lines
    verdicts = user_access(result.steps[-1].pte)
    lines.append(f"pa 0x{result.pa:016x}")
    lines.append("user: " + ", ".join(
        f"{access} ok" if why is None else f"{access} fault ({why})"
        for access, why in verdicts))
    return lines


# --- a whole tree -----------------------------------------------------------

@dataclass
class Table:
    """One table page, its valid entries and the tables they point to."""
    pa: int
    level: int
    entries: list                                  # valid Entry, by index
    swapped: list = field(default_factory=list)    # swap entries, by index
    children: dict = field(default_factory=dict)   # index -> Table


def read_tree(read_words, root, level=ROOT_LEVEL, va=0):
    """Read the table at root and, recursively, every table below it."""
    check_root(root)
    words = read_words(root, ENTRIES)
    size = level_size(level)
    entries = [Entry(level, root, i, sign_extend(va + i * size), pte)
               for i, pte in enumerate(words) if pte & PTE_V or pte_swap(pte)]
    table = Table(root, level, [e for e in entries if e.pte & PTE_V],
                  [e for e in entries if pte_swap(e.pte)])
    for e in table.entries:
        if e.kind == TABLE:
            table.children[e.index] = read_tree(read_words, e.target,
                                                level - 1, e.va)
    return table


def tree_entries(table, depth=0):
    """(depth, entry) for every valid entry, depth-first in VA order."""
    for e in table.entries:
        yield depth, e
        if e.index in table.children:
            yield from tree_entries(table.children[e.index], depth + 1)


def tree_tables(table):
    """Every Table of the tree, the root first."""
    yield table
    for child in table.children.values():
        yield from tree_tables(child)


def swap_entries(root_table):
    """The tree's swap entries: the pages it has out on swap, one each
    (the kernel splits a megapage before its pages go)."""
    return [e for table in tree_tables(root_table) for e in table.swapped]


def tree_title(root_table, owner):
    """'page table 0x... (pid 3 sh)': the first line of pgtable and vmmap."""
    return f"page table 0x{root_table.pa:016x} ({owner})"


def format_tree(root_table, owner):
    """The lines pgtable prints: every valid entry, indented by depth."""
    lines = [tree_title(root_table, owner)]
    for depth, e in tree_entries(root_table):
        problem = "" if e.kind in (TABLE, LEAF) else f"  !! {e.kind}"
        lines.append(f"{'  ' * depth}L{e.level}[{e.index:3d}] va 0x{e.va:016x} "
                     f"pte 0x{e.pte:016x} {flag_string(e.pte)}  "
                     f"{e.arrow(sized_names=False)}{problem}")
    return lines


# --- ranges (vmmap) ---------------------------------------------------------

# Bits that must match for neighbouring leaves to share a range: the flags
# without V (always set) and A/D (they only record use).
RANGE_FLAGS = (1 << PTE_FLAG_BITS) - 1 & ~(PTE_V | PTE_A | PTE_D)


@dataclass
class Range:
    """Leaves with the same permissions covering contiguous VAs."""
    start: int
    end: int
    flags: int
    leaves: Counter      # level -> number of leaves of that size


def merge_ranges(leaves):
    """Merge leaf entries (in VA order) into Ranges, like /proc/PID/maps."""
    ranges = []
    for e in leaves:
        last = ranges[-1] if ranges else None
        if last and last.end == e.va and last.flags == e.pte & RANGE_FLAGS:
            last.end += e.size
        else:
            last = Range(e.va, e.va + e.size, e.pte & RANGE_FLAGS, Counter())
            ranges.append(last)
        last.leaves[e.level] += 1
    return ranges


def count_text(leaves):
    """'2 pages', '1 megapage', ... from a level -> count Counter."""
    return ", ".join(f"{n} {LEAF_NAMES[level]}{'s' if n != 1 else ''}"
                     for level, n in sorted(leaves.items()))


def perm_string(flags):
    """'rwx ug' style permissions, '-' or blank for a clear bit."""
    rwx = "".join(c if flags & bit else "-"
                  for c, bit in (("r", PTE_R), ("w", PTE_W), ("x", PTE_X)))
    return f"{rwx} {'u' if flags & PTE_U else '-'}{'g' if flags & PTE_G else ' '}"


def leaf_entries(root_table):
    """The tree's entries that are not tables, in VA order, in two lists:
    the leaves, and the entries the MMU faults on (bad leaves)."""
    entries = [e for _, e in tree_entries(root_table) if e.kind != TABLE]
    return ([e for e in entries if e.kind == LEAF],
            [e for e in entries if e.kind != LEAF])


def fault_lines(faulting):
    """A warning for each entry the MMU would fault on."""
    return [f"warning: {e.kind} at {e.where()} (va 0x{e.va:016x}): "
            f"the MMU faults there" for e in faulting]


def format_ranges(root_table, owner):
    """The lines vmmap prints for a page table that is no process's:
    title, ranges, faulting entries, totals."""
    leaves, faulting = leaf_entries(root_table)
    ranges = merge_ranges(leaves)
    lines = [tree_title(root_table, owner)]
    lines += [f"0x{r.start:016x}-0x{r.end:016x}  {perm_string(r.flags)}  "
             f"{human_size(r.end - r.start):>8}  {count_text(r.leaves)}"
             f"{'  cow' if r.flags & PTE_COW else ''}" for r in ranges]
    lines += fault_lines(faulting)
    mapped = sum(r.end - r.start for r in ranges)
    cow = sum(r.end - r.start for r in ranges if r.flags & PTE_COW)
    swapped = len(swap_entries(root_table))
    lines.append(f"total: {len(ranges)} ranges, "
                 f"{sum(sum(r.leaves.values()) for r in ranges)} leaf PTEs, "
                 f"{human_size(mapped)} mapped"
                 + (f" ({human_size(cow)} cow)" if cow else "")
                 + (f", {swapped} swap PTEs" if swapped else ""))
    return lines


# --- Graphviz ---------------------------------------------------------------

def dot_table_node(table):
    """A node whose HTML-like label lists the table's valid entries."""
    rows = [f'<tr><td colspan="3" bgcolor="lightgrey"><b>L{table.level} '
            f'table 0x{table.pa:x}</b></td></tr>']
    for e in table.entries:
        shade = "" if e.kind in (TABLE, LEAF) else ' bgcolor="pink"'
        target = e.arrow(sized_names=False).removeprefix("-> ")
        rows.append(f'<tr><td{shade}>{e.index}</td><td{shade}>'
                    f'{flag_string(e.pte)}</td><td port="e{e.index}"{shade}>'
                    f'{target}</td></tr>')
    return (f'  t{table.pa:x} [label=<<table border="0" cellborder="1" '
            f'cellspacing="0">{"".join(rows)}</table>>];')


def dot_leaf_lines(table, leaves, drawn_pages):
    """Nodes and edges for a table's leaves: one per page, or a summary."""
    if len(leaves) > DOT_LEAF_NODES_MAX:
        low = min(e.target for e in leaves)
        high = max(e.target + e.size for e in leaves)
        return [f'  s{table.pa:x} [shape=note, label="{len(leaves)} leaves\\n'
                f'pa 0x{low:x}..0x{high:x}"];',
                f"  t{table.pa:x} -> s{table.pa:x};"]
    lines = []
    for e in leaves:
        if e.target not in drawn_pages:
            drawn_pages.add(e.target)
            lines.append(f'  p{e.target:x} [shape=box, '
                         f'label="{LEAF_NAMES[e.level]} 0x{e.target:x}"];')
        lines.append(f"  t{table.pa:x}:e{e.index} -> p{e.target:x};")
    return lines


def format_dot(root_table, owner):
    """A Graphviz digraph of the tree; returns (text, tables, leaves)."""
    lines = ["digraph pagetable {", "  rankdir=LR;",
             f'  label="{tree_title(root_table, owner)}";',
             '  node [shape=plaintext, fontname="monospace"];']
    drawn_pages = set()
    tables = leaf_count = 0
    for table in tree_tables(root_table):
        tables += 1
        lines.append(dot_table_node(table))
        lines += [f"  t{table.pa:x}:e{i} -> t{child.pa:x};"
                  for i, child in table.children.items()]
        leaves = [e for e in table.entries if e.index not in table.children]
        leaf_count += len(leaves)
        if leaves:
            lines += dot_leaf_lines(table, leaves, drawn_pages)
    lines.append("}")
    return "\n".join(lines) + "\n", tables, leaf_count
