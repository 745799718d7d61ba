"""The regions of an Atlas address space beside its page table, without GDB.

A process's struct mm (kernel/mm.h) lists the regions it is made of
(struct vma: text, data, guard, stack, heap, ...) in address order, each
with permissions (VM_*), kind flags (VMA_*), a name and the kind of
memory behind it (ops->kind, "anon"). vmmap shows each region with what
the page table holds there: sv39.py reads the tree, this module sorts its
leaves and swap entries into the regions, checks the regions against the
invariants kernel/mm/vma.c and kernel/mm/mm.c keep, and formats the
lines. atlas.py reads the mm from QEMU; test_sv39.py tests this module
on made-up ones.
"""

from collections import Counter
from dataclasses import dataclass, field

import sv39

# A region's permissions: (kernel/vm.h's name, its value, vmmap's letter),
# in the order vmmap shows them.
PERMISSIONS = (("VM_READ", 1, "r"), ("VM_WRITE", 2, "w"), ("VM_EXEC", 4, "x"))

# A region's kind flags: (kernel/vm.h's name, its value, the word vmmap
# shows). VMA_PRIVATE and VMA_SHARED are shown as the `p` or `s` after the
# permissions, as in Linux's /proc/PID/maps, and not among the words.
REGION_FLAGS = (("VMA_PRIVATE", 1 << 0, "private"),
                ("VMA_GROWSUP", 1 << 1, "growsup"),
                ("VMA_STACK", 1 << 2, "stack"),
                ("VMA_GUARD", 1 << 3, "guard"),
                ("VMA_SPECIAL", 1 << 4, "special"),
                ("VMA_MMAP", 1 << 5, "mmap"),
                ("VMA_SHARED", 1 << 6, "shared"),
                ("VMA_MSHARE", 1 << 7, "mshare"))
VMA_PRIVATE = REGION_FLAGS[0][1]
VMA_SHARED = REGION_FLAGS[6][1]

# ops->kind of anonymous memory (kernel/mm/anon.c): a page fault the
# region allows maps a zeroed page. And of the regions that map an
# object's pages (kernel/mm/filemap.c): a file's, or shared memory's. And
# of an attached mshare region (kernel/mm/mshare.c), whose faults are the
# region's own address space's.
ANON = "anon"
OBJECT_KINDS = ("file", "shm")
MSHARE = "mshare"


@dataclass
class Region:
    """One struct vma: [start, end), prot (VM_*), flags (VMA_*)."""
    start: int
    end: int
    prot: int
    flags: int
    name: str
    kind: str            # its ops->kind; '' if it has no ops
    addr: int = 0        # where the struct vma is, for messages
    offset: int = -1     # a file mapping: the file offset at start; else -1


@dataclass
class AddressSpace:
    """The parts of a struct mm that vmmap shows and checks."""
    regions: list        # Region, in the order of the list from mm->first
    brk: int             # end of the heap in bytes
    heap: int            # address of the heap's struct vma (mm->heap), or 0
    nvmas: int           # how many regions the mm says it has


@dataclass
class Resident:
    """What the page table maps inside one region."""
    leaves: Counter = field(default_factory=Counter)   # level -> leaves
    pages: int = 0           # 4 KiB pages mapped (a megapage counts 512)
    cow: int = 0             # of those, under a COW leaf
    kernel_only: int = 0     # of those, under a leaf without U
    swapped: int = 0         # pages not resident but out on swap (swap PTEs)

    def add(self, level, count, flags):
        """Count count leaves of this level, with these PTE flags."""
        pages = count * sv39.level_size(level) // sv39.PGSIZE
        self.leaves[level] += count
        self.pages += pages
        self.cow += pages if flags & sv39.PTE_COW else 0
        self.kernel_only += 0 if flags & sv39.PTE_U else pages


def range_resident(rng):
    """The Resident of an sv39.Range (leaves that share their flags)."""
    res = Resident()
    for level, count in rng.leaves.items():
        res.add(level, count, rng.flags)
    return res


# --- decoding ---------------------------------------------------------------

def perm_string(prot, flags):
    """'rw-p': the permissions, then p for a private region, s for a
    shared one, else -."""
    rwx = "".join(letter if prot & bit else "-" for _, bit, letter in PERMISSIONS)
    return rwx + ("p" if flags & VMA_PRIVATE else "s" if flags & VMA_SHARED else "-")


def region_name(r):
    """The region's name; a file mapping's with its offset: 'data+0x2000'."""
    return r.name if r.offset < 0 else f"{r.name}+0x{r.offset:x}"


def flag_words(flags):
    """'growsup', 'stack,guard', ...: the kind flags but VMA_PRIVATE, by
    name; a bit vm.h does not define shows as a number; '-' if none."""
    known = 0
    words = []
    for _, bit, word in REGION_FLAGS:
        known |= bit
        if flags & bit and bit not in (VMA_PRIVATE, VMA_SHARED):
            words.append(word)
    if flags & ~known:
        words.append(f"0x{flags & ~known:x}")
    return ",".join(words) or "-"


def region_of(regions, va):
    """The region holding va, or None."""
    return next((r for r in regions if r.start <= va < r.end), None)


def region_title(r):
    """'heap 0x...5000-0x...8000 rw-p anon growsup'."""
    return (f"{region_name(r)} 0x{r.start:016x}-0x{r.end:016x} "
            f"{perm_string(r.prot, r.flags)} {r.kind or '-'} {flag_words(r.flags)}")


def va_lines(regions, va, mapped, swapped=False):
    """What pgwalk adds for an address of a process: its region and,
    when the walk found no page (or a swap entry: swapped), what the
    page-fault handler would do (kernel/mm/fault.c)."""
    r = region_of(regions, va)
    if r is None:
        lines = ["region: none"]
        if not mapped:
            lines.append("note: va is in no region: a user access there is "
                         "a bad access, which kills the process")
        return lines
    lines = [f"region: {region_title(r)}"]
    known = r.kind in (ANON, MSHARE) or r.kind in OBJECT_KINDS
    if mapped or not (known or swapped):
        return lines
    if not r.prot:
        lines.append("note: the region allows no access: a user access kills the process")
    elif swapped:
        lines.append("note: the page is out on swap: a user access the region allows "
                     "makes the kernel read it back and map it here")
    elif r.kind == ANON:
        lines.append("note: a user access the region allows makes the kernel "
                     "map a zeroed page here")
    elif r.kind == MSHARE:
        lines.append("note: an attached mshare region: a user access it allows is "
                     "resolved in the region's own address space, whose tables this "
                     "process's root entry points to (a bad access where the region "
                     "maps nothing)")
    else:
        lines.append("note: a user access the region allows makes the kernel map the "
                     "object's page here (a file's from the page cache, read from the "
                     "disk if it is not there; shared memory's zeroed on first use)")
    return lines


# --- regions beside the page table ------------------------------------------

def page_round_up(n):
    """n rounded up to a multiple of the page size (PGROUNDUP)."""
    return (n + sv39.PGSIZE - 1) // sv39.PGSIZE * sv39.PGSIZE


def place_entries(regions, entries):
    """Sort leaf and swap Entries into the regions that hold them whole: a
    Resident for each region, and the entries in no region (leaves, some
    of which may cross a region's bounds, and swap entries munmap should
    have let go)."""
    resident = [Resident() for _ in regions]
    outside = []
    for e in entries:
        holder = next((res for r, res in zip(regions, resident)
                       if r.start <= e.va and e.va + e.size <= r.end), None)
        if holder is None:
            outside.append(e)
        elif sv39.pte_swap(e.pte):
            holder.swapped += 1
        else:
            holder.add(e.level, 1, e.pte)
    return resident, outside


def region_problems(space):
    """Where space breaks the invariants the kernel keeps: regions
    page-aligned, not empty but for the heap, in address order without
    overlap, as many as mm->nvmas; the heap among them, ending at brk
    rounded up to a page."""
    problems = []
    previous = None
    for r in space.regions:
        if r.start % sv39.PGSIZE or r.end % sv39.PGSIZE or r.start > r.end:
            problems.append(f"region {r.name} [0x{r.start:x}, 0x{r.end:x}) is "
                            "not a page-aligned range")
        if r.start == r.end and r.addr != space.heap:
            problems.append(f"region {r.name} at 0x{r.start:x} is empty")
        if previous and r.start < previous.end:
            problems.append(f"region {r.name} at 0x{r.start:x} starts below the "
                            f"end of {previous.name} (0x{previous.end:x}): the "
                            "list is out of order or regions overlap")
        previous = r
    if len(space.regions) != space.nvmas:
        problems.append(f"the list has {len(space.regions)} regions, "
                        f"mm->nvmas says {space.nvmas}")
    heap = next((r for r in space.regions if r.addr == space.heap), None)
    if space.heap and heap is None:
        problems.append(f"mm->heap (0x{space.heap:x}) is not in the list")
    elif heap and not heap.start <= space.brk <= heap.end == page_round_up(space.brk):
        problems.append(f"brk 0x{space.brk:x} does not end the heap "
                        f"[0x{heap.start:x}, 0x{heap.end:x}) (rounded up to a page)")
    return problems


def resident_text(res):
    """'3 resident (3 pages), 2 cow': 4 KiB pages, and the leaves by size."""
    text = f"{res.pages} resident"
    if res.pages:
        text += f" ({sv39.count_text(res.leaves)})"
    if res.cow:
        text += f", {res.cow} cow"
    if res.kernel_only:
        text += f", {res.kernel_only} kernel-only"
    if res.swapped:
        text += f", {res.swapped} swapped"
    return text


REGION_HEADER = (f"{'start-end':<37} {'perm'} {'size':>10}  {'name':<11} {'kind':<6} "
                 f"{'flags':<14} pages (4 KiB) in the page table")


def region_line(r, res):
    """One region and what the page table holds in it."""
    return (f"0x{r.start:016x}-0x{r.end:016x} {perm_string(r.prot, r.flags)} "
            f"{sv39.human_size(r.end - r.start):>10}  {region_name(r):<11} {r.kind or '-':<6} "
            f"{flag_words(r.flags):<14} {resident_text(res)}")


def outside_line(rng):
    """A range of leaves in no region, in the columns of region_line;
    marked if user mode may touch it (only the kernel's pages may lie
    outside the regions)."""
    res = range_resident(rng)
    nobody = Region(rng.start, rng.end, 0, 0, "(no region)", "")
    mark = "  !! user pages in no region" if res.kernel_only < res.pages else ""
    return region_line(nobody, res) + mark


def crossing_lines(regions, outside):
    """Warnings for leaves that lie partly in a region."""
    return [f"warning: {sv39.LEAF_NAMES[e.level]} at va 0x{e.va:016x} crosses "
            f"the bounds of region {r.name}"
            for e in outside for r in regions
            if r.start < e.va + e.size and e.va < r.end]


def format_regions(space, root_table, owner):
    """The lines vmmap prints for a process: title, one line per region
    with what the page table maps there (and has out on swap), the ranges
    mapped in no region (the kernel's pages at the top), warnings, totals."""
    leaves, faulting = sv39.leaf_entries(root_table)
    resident, outside = place_entries(space.regions, leaves + sv39.swap_entries(root_table))
    stray = [e for e in outside if sv39.pte_swap(e.pte)]
    outside = [e for e in outside if not sv39.pte_swap(e.pte)]
    lines = [f"{sv39.tree_title(root_table, owner)}, brk 0x{space.brk:x}", REGION_HEADER]
    lines += [region_line(r, res) for r, res in zip(space.regions, resident)]
    lines += [outside_line(rng) for rng in sv39.merge_ranges(outside)]
    lines += sv39.fault_lines(faulting)
    lines += crossing_lines(space.regions, outside)
    lines += [f"warning: swap entry at va 0x{e.va:016x} ({sv39.nonpresent_text(e.pte)}) "
              "in no region" for e in stray]
    lines += [f"warning: {p}" for p in region_problems(space)]
    inside = sum(res.pages for res in resident)
    cow = sum(res.cow for res in resident)
    swapped = sum(res.swapped for res in resident)
    lines.append(f"total: {len(space.regions)} regions, {inside} pages resident "
                 f"in them ({cow} cow)" + (f", {swapped} swapped" if swapped else "")
                 + f", {sum(e.size for e in outside) // sv39.PGSIZE} in no region")
    return lines
