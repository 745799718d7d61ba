"""Unit tests of sv39.py and regions.py, on page-table trees kept in a dict.

Run as `python3 tools/gdb/test_sv39.py`; it prints one line per failure
and then `N passed, M failed`, and exits non-zero if any failed.
"""

import os
import re
import sys
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import regions  # noqa: E402  (after the path is set)
import sv39  # noqa: E402
from sv39 import (PTE_V, PTE_R, PTE_W, PTE_X, PTE_U, PTE_A, PTE_D,  # noqa: E402
                  PTE_RSW0, PTE_RSW1, PTE_COW, PTE_WPROT)

TESTS = []


def test(fn):
    """Register fn as a test."""
    TESTS.append(fn)
    return fn


def pte(pa, flags):
    """A PTE pointing at pa with the given flags."""
    return (pa >> sv39.PGSHIFT) << sv39.PTE_FLAG_BITS | flags


class Memory:
    """Physical memory as a dict of 8-byte words (absent words read 0)."""

    def __init__(self):
        self.words = {}

    def put(self, table, index, value):
        """Store value as entry `index` of the table page at `table`."""
        self.words[table + index * sv39.PTE_BYTES] = value

    def read_words(self, pa, count):
        """The read function sv39 expects."""
        return [self.words.get(pa + i * sv39.PTE_BYTES, 0) for i in range(count)]


ROOT, MID, LOW, HIGH_MID, HIGH_LOW = (0x80001000, 0x80002000, 0x80003000,
                                      0x80004000, 0x80005000)
USER_RX = PTE_V | PTE_R | PTE_X | PTE_U | PTE_A


def sample_tree():
    """A tree with each kind of entry, at these VAs:
    0x0000, 0x1000     4 KiB r-x user pages (one range)
    0x2000             invalid (a guard page)
    0x3000             a COW page: r-- user, COW mark
    0x4000             rw- user page
    0x200000           2 MiB megapage, rw- kernel-only
    0x400000           misaligned megapage
    0x600000           reserved: W without R
    0x40000000         1 GiB gigapage
    0xffffffffc0000000 (root index 511) a page through two more tables,
                       the root entry marked WPROT, the leaf carrying RSW1
                       (a bit the kernel gives no meaning in a leaf)
    """
    m = Memory()
    m.put(ROOT, 0, pte(MID, PTE_V))
    m.put(ROOT, 1, pte(0x40000000, PTE_V | PTE_R | PTE_W | PTE_X))
    m.put(ROOT, 511, pte(HIGH_MID, PTE_V | PTE_WPROT))
    m.put(MID, 0, pte(LOW, PTE_V))
    m.put(MID, 1, pte(0x80200000, PTE_V | PTE_R | PTE_W))
    m.put(MID, 2, pte(0x80201000, PTE_V | PTE_R))
    m.put(MID, 3, pte(0x80400000, PTE_V | PTE_W))
    m.put(LOW, 0, pte(0x80010000, USER_RX))
    m.put(LOW, 1, pte(0x80011000, USER_RX | PTE_D))
    m.put(LOW, 3, pte(0x80012000, PTE_V | PTE_R | PTE_U | PTE_COW))
    m.put(LOW, 4, pte(0x80013000, PTE_V | PTE_R | PTE_W | PTE_U))
    m.put(LOW, 5, pte(0x80014000, PTE_R | PTE_U))   # V clear: invalid
    m.put(HIGH_MID, 0, pte(HIGH_LOW, PTE_V))
    m.put(HIGH_LOW, 7, pte(0x80015000, PTE_V | PTE_R | PTE_RSW1))
    return m


def raises(fn, *args):
    """The Sv39Error message fn(*args) raises (fails if it does not)."""
    try:
        fn(*args)
    except sv39.Sv39Error as e:
        return str(e)
    raise AssertionError(f"{fn.__name__}{args} did not raise Sv39Error")


@test
def test_va_fields():
    va = 0x0000003FFFFFF010
    assert [sv39.vpn(va, lvl) for lvl in (2, 1, 0)] == [255, 511, 511]
    assert [sv39.vpn(0x4010, lvl) for lvl in (2, 1, 0)] == [0, 0, 4]


@test
def test_canonical_va():
    assert sv39.check_va(0x3FFFFFF000) == 0x3FFFFFF000
    assert sv39.check_va(-4096) == 0xFFFFFFFFFFFFF000
    assert sv39.sign_extend(511 << 30) == 0xFFFFFFFFC0000000
    assert "not canonical" in raises(sv39.check_va, 1 << 39)
    assert "not canonical" in raises(sv39.check_va, 0x4000000000)


@test
def test_satp():
    satp = 0x8000000000087F3D
    assert sv39.names_satp(satp) and not sv39.names_satp(3)
    assert sv39.names_satp(-1)     # then refused by satp_root
    assert sv39.satp_root(satp) == 0x87F3D000
    assert sv39.make_satp(0x87F3D000) == satp
    assert sv39.satp_root(satp | 0x5 << 44) == 0x87F3D000   # ASID ignored
    assert "not Sv39" in raises(sv39.satp_root, 0x87F3D)
    assert "PPN 0" in raises(sv39.satp_root, 8 << 60)
    assert "not a page address" in raises(sv39.make_satp, 0x87F3D010)


@test
def test_pte_kinds():
    assert sv39.pte_kind(0, 1) == sv39.INVALID
    assert sv39.pte_kind(pte(MID, PTE_V), 2) == sv39.TABLE
    assert sv39.pte_kind(pte(MID, PTE_V), 0) == sv39.LAST_LEVEL_POINTER
    assert sv39.pte_kind(pte(0x80200000, PTE_V | PTE_R), 1) == sv39.LEAF
    assert sv39.pte_kind(pte(0x80201000, PTE_V | PTE_R), 1) == sv39.MISALIGNED
    assert sv39.pte_kind(pte(0x80201000, PTE_V | PTE_X), 0) == sv39.LEAF
    assert sv39.pte_kind(pte(0x80201000, PTE_V | PTE_W), 0) == sv39.RESERVED


@test
def test_flag_string():
    assert sv39.flag_string(0x21FC90D7) == "V R W . U . A D ..."
    assert sv39.flag_string(PTE_V | PTE_R | PTE_COW) == "V R . . . . . . COW"


@test
def test_software_marks_by_entry_kind():
    table, leaf = pte(MID, PTE_V), pte(0x80012000, PTE_V | PTE_R)
    assert sv39.flag_string(table | PTE_WPROT) == "V . . . . . . . WPROT"
    assert sv39.flag_string(table | PTE_RSW0) == "V . . . . . . . RSW0"
    assert sv39.flag_string(table | PTE_RSW0 | PTE_RSW1) == "V . . . . . . . RSW0,WPROT"
    assert sv39.flag_string(leaf | PTE_RSW1) == "V R . . . . . . RSW1"
    assert sv39.flag_string(leaf | PTE_RSW0 | PTE_RSW1) == "V R . . . . . . COW,RSW1"
    assert sv39.flag_string(0) == ". . . . . . . . ..."
    # Without V, bits 4..1 are a type tag, not R W X U (kernel/mm/pte.h).
    assert sv39.flag_string(PTE_R | PTE_RSW0 | PTE_RSW1) == "swapped: slot 0"
    # The kernel's shape, not the MMU's verdict at a level, picks the names.
    assert sv39.flag_string(pte(0x80201000, PTE_V | PTE_W | PTE_COW)).endswith(" COW")
    assert sv39.pte_kind(table | PTE_WPROT, 0) == sv39.LAST_LEVEL_POINTER
    assert sv39.flag_string(table | PTE_WPROT).endswith(" WPROT")


@test
def test_software_marks_name_each_bit_once():
    assert set(sv39.SOFTWARE_MARKS) == {sv39.LEAF, sv39.TABLE}
    for shape, marks in sv39.SOFTWARE_MARKS.items():
        assert [bit for _, bit in marks] == [PTE_RSW0, PTE_RSW1], shape
    assert (PTE_COW, PTE_WPROT) == (PTE_RSW0, PTE_RSW1)   # kernel/mm/pte.h


PTE_H = os.path.join(HERE, "..", "..", "kernel", "mm", "pte.h")
NONPRESENT_NAMES = ("PTE_TYPE_SHIFT", "PTE_TYPE_MASK", "PTE_TYPE_SWAP",
                    "PTE_SLOT_SHIFT", "PTE_SLOT_BITS", "PTE_SLOT_MAX")


def pte_h_defines(names):
    """{name: value} of these #defines of kernel/mm/pte.h, each an integer
    expression over the ones before it (C's UL suffixes dropped)."""
    with open(PTE_H) as f:
        text = f.read()
    values = {}
    for name in names:
        found = re.search(r"^#define\s+%s\s+(.+?)\s*$" % name, text, re.MULTILINE)
        assert found, f"kernel/mm/pte.h defines no {name}"
        expr = re.sub(r"(?<=[0-9a-fA-F])UL\b", "", found.group(1))
        values[name] = eval(expr, {"__builtins__": {}}, dict(values))
    return values


@test
def test_nonpresent_constants_match_pte_h():
    ours = {name: getattr(sv39, name) for name in NONPRESENT_NAMES}
    assert ours == pte_h_defines(NONPRESENT_NAMES), f"sv39.py {ours}"


# Swap entries written out by hand from pte.h's picture:
# | 63..54: 0 | 53..10: slot | 9..5: 0 | 4..1: type 1 (swap) | V=0 |
SWAP_SLOT_21 = 0x5402                  # 21 << 10 | 1 << 1
SWAP_SLOT_MAX = 0x003FFFFFFFFFFC02     # all 44 slot bits set


@test
def test_swap_entries():
    assert sv39.pte_swap(SWAP_SLOT_21) and sv39.pte_swap_slot(SWAP_SLOT_21) == 21
    assert sv39.nonpresent_text(SWAP_SLOT_21) == "swapped: slot 21"
    assert sv39.flag_string(SWAP_SLOT_21) == "swapped: slot 21"
    assert sv39.pte_swap_slot(SWAP_SLOT_MAX) == (1 << 44) - 1
    assert sv39.flag_string(0x802) == "swapped: slot 2"
    assert sv39.pte_shape(SWAP_SLOT_21) == sv39.INVALID   # the MMU faults on it
    # A hole, and valid entries whose bit 1 is R, are no swap entries.
    assert not sv39.pte_swap(0) and sv39.nonpresent_text(0) is None
    assert not sv39.pte_swap(SWAP_SLOT_21 | PTE_V)
    assert sv39.nonpresent_text(pte(0x80012000, PTE_V | PTE_R)) is None


@test
def test_unknown_nonpresent_types():
    assert sv39.nonpresent_text(0x5404) == "non-present, type 2"
    assert sv39.flag_string(0x1E) == "non-present, type 15"
    assert sv39.flag_string(1 << 20) == "non-present, type 0"   # not a hole
    assert not sv39.pte_swap(0x5404) and sv39.pte_type(0x5404) == 2


@test
def test_walk_matches_documented_output():
    m = Memory()
    m.put(0x87F3D000, 0, 0x21FCF801)
    m.put(0x87F3E000, 0, 0x21FCFC01)
    m.put(0x87F3F000, 4, 0x21FC90D7)
    result = sv39.walk(m.read_words, 0x87F3D000, 0x4010)
    lines = sv39.format_walk(result, "pid 3 sh, satp 0x8000000000087f3d")
    assert lines == [
        "va 0x0000000000004010: VPN[2] 0  VPN[1] 0  VPN[0] 4  offset 0x010"
        "   (pid 3 sh, satp 0x8000000000087f3d)",
        "L2  table 0x0000000087f3d000 [  0]  pte 0x0000000021fcf801  "
        "V . . . . . . . ...  -> table 0x0000000087f3e000",
        "L1  table 0x0000000087f3e000 [  0]  pte 0x0000000021fcfc01  "
        "V . . . . . . . ...  -> table 0x0000000087f3f000",
        "L0  table 0x0000000087f3f000 [  4]  pte 0x0000000021fc90d7  "
        "V R W . U . A D ...  -> 4 KiB page 0x0000000087f24000",
        "pa 0x0000000087f24010",
        "user: load ok, store ok, exec fault (no X)",
    ], "\n".join(lines)


@test
def test_walk_cow_page():
    result = sv39.walk(sample_tree().read_words, ROOT, 0x3ABC)
    assert result.fault is None and result.pa == 0x80012ABC
    assert dict(sv39.user_access(result.steps[-1].pte)) == {
        "load": None, "store": "no W; COW: the kernel copies on a store",
        "exec": "no X"}


@test
def test_walk_kernel_only_page():
    result = sv39.walk(sample_tree().read_words, ROOT, 0x200000)
    assert sv39.format_walk(result, "x")[-1] == (
        "user: load fault (no U bit), store fault (no U bit), "
        "exec fault (no U bit)")


@test
def test_walk_invalid_entries():
    m = sample_tree()
    result = sv39.walk(m.read_words, ROOT, 0x2000)
    assert result.fault == sv39.INVALID and len(result.steps) == 3
    assert sv39.format_walk(result, "x")[-1] == "no mapping: invalid PTE at L0 [  2]"
    assert sv39.format_walk(result, "x")[-2].endswith(". . . ...")
    assert sv39.walk(m.read_words, ROOT, 0x5000).fault == sv39.INVALID
    top = sv39.walk(m.read_words, ROOT, 3 << 30)
    assert top.fault == sv39.INVALID and len(top.steps) == 1


@test
def test_walk_to_a_swap_entry():
    m = sample_tree()
    m.put(LOW, 6, SWAP_SLOT_21)
    result = sv39.walk(m.read_words, ROOT, 0x6008)
    assert result.fault == sv39.INVALID and result.swapped and len(result.steps) == 3
    lines = sv39.format_walk(result, "x")
    assert lines[-2].endswith("[  6]  pte 0x0000000000005402  swapped: slot 21"), lines
    assert lines[-1] == "swapped: slot 21 at L0 [  6]", lines
    assert not any(line.startswith(("pa ", "user:", "no mapping")) for line in lines)
    assert not sv39.walk(m.read_words, ROOT, 0x4008).swapped   # a page
    assert not sv39.walk(m.read_words, ROOT, 0x2000).swapped   # a hole


@test
def test_walk_to_an_unknown_nonpresent_entry():
    result = sv39.walk(sample_tree().read_words, ROOT, 0x5000)   # V clear, R U set
    assert not result.swapped
    assert sv39.format_walk(result, "x")[-1] == "no mapping: non-present, type 9 at L0 [  5]"


@test
def test_walk_superpages():
    m = sample_tree()
    mega = sv39.walk(m.read_words, ROOT, 0x201234)
    assert mega.pa == 0x80201234 and len(mega.steps) == 2
    assert "-> 2 MiB megapage 0x0000000080200000" in sv39.format_walk(mega, "x")[2]
    giga = sv39.walk(m.read_words, ROOT, 0x40000000 + 0x123456)
    assert giga.pa == 0x40123456 and len(giga.steps) == 1
    assert "-> 1 GiB gigapage" in sv39.format_walk(giga, "x")[1]


@test
def test_walk_faulting_leaves():
    m = sample_tree()
    misaligned = sv39.walk(m.read_words, ROOT, 0x400000)
    assert sv39.format_walk(misaligned, "x")[-1] == (
        "no mapping: misaligned superpage at L1 [  2]")
    reserved = sv39.walk(m.read_words, ROOT, 0x600000)
    assert reserved.fault == sv39.RESERVED


@test
def test_walk_upper_half():
    result = sv39.walk(sample_tree().read_words, ROOT, 0xFFFFFFFFC0007008)
    assert result.pa == 0x80015008
    lines = sv39.format_walk(result, "x")
    assert "V . . . . . . . WPROT  -> table 0x0000000080004000" in lines[1]
    assert "V . . . . . . . ...  -> table 0x0000000080005000" in lines[2]
    assert "V R . . . . . . RSW1  -> 4 KiB page 0x0000000080015000" in lines[3]
    assert "not a page address" in raises(sv39.walk, Memory().read_words, 0x1010, 0)


@test
def test_read_tree():
    tree = sv39.read_tree(sample_tree().read_words, ROOT)
    tables = list(sv39.tree_tables(tree))
    assert [t.pa for t in tables] == [ROOT, MID, LOW, HIGH_MID, HIGH_LOW]
    entries = list(sv39.tree_entries(tree))
    assert len(entries) == 13
    assert entries[-1] == (2, sv39.Entry(0, HIGH_LOW, 7, 0xFFFFFFFFC0007000,
                                         pte(0x80015000, PTE_V | PTE_R | PTE_RSW1)))
    lines = sv39.format_tree(tree, "pid 3 sh")
    assert lines[0] == "page table 0x0000000080001000 (pid 3 sh)"
    assert lines[1].startswith("L2[  0] va 0x0000000000000000 pte 0x")
    assert lines[2].startswith("  L1[  0] va 0x0000000000000000")
    assert lines[3].endswith("-> page 0x0000000080010000")
    assert any(line.endswith("!! misaligned superpage") for line in lines)
    assert lines[-3].startswith("L2[511] va 0xffffffffc0000000")
    assert lines[-3].endswith(" WPROT  -> table 0x0000000080004000")
    assert lines[-1].endswith(" RSW1  -> page 0x0000000080015000")


@test
def test_read_tree_swap_entries():
    m = sample_tree()
    m.put(LOW, 6, SWAP_SLOT_21)
    m.put(HIGH_LOW, 8, SWAP_SLOT_MAX)
    tree = sv39.read_tree(m.read_words, ROOT)
    assert [(e.va, sv39.pte_swap_slot(e.pte)) for e in sv39.swap_entries(tree)] == [
        (0x6000, 21), (0xFFFFFFFFC0008000, (1 << 44) - 1)]
    # pgtable lists the valid entries only; vmmap's total counts the rest.
    assert sv39.format_tree(tree, "x") == sv39.format_tree(
        sv39.read_tree(sample_tree().read_words, ROOT), "x")
    assert sv39.format_ranges(tree, "x")[-1].endswith(" (4 KiB cow), 2 swap PTEs")
    lone_mark = Memory()
    lone_mark.put(ROOT, 3, 0x5404)   # of no type pte.h names: not counted
    assert sv39.swap_entries(sv39.read_tree(lone_mark.read_words, ROOT)) == []


@test
def test_merge_ranges():
    lines = sv39.format_ranges(sv39.read_tree(sample_tree().read_words, ROOT),
                               "pid 3 sh")[1:]
    assert lines[0].split() == ["0x0000000000000000-0x0000000000002000",
                                "r-x", "u", "8", "KiB", "2", "pages"]
    assert lines[1].split()[-1] == "cow"
    assert lines[2].split()[:2] == ["0x0000000000004000-0x0000000000005000", "rw-"]
    assert lines[3].split()[:3] == ["0x0000000000200000-0x0000000000400000",
                                    "rw-", "-"]
    assert "1 gigapage" in lines[4] and "rwx" in lines[4]
    assert lines[6].startswith("warning: misaligned superpage at L1 [  2]")
    assert lines[7].startswith("warning: reserved W without R at L1 [  3]")
    assert lines[-1] == "total: 6 ranges, 7 leaf PTEs, 1050644 KiB mapped (4 KiB cow)"


@test
def test_human_size():
    assert [sv39.human_size(n) for n in (0, 4096, 3 << 20, 1 << 30, 100)] == [
        "0 B", "4 KiB", "3 MiB", "1 GiB", "100 B"]


@test
def test_dot_graph():
    text, tables, leaves = sv39.format_dot(
        sv39.read_tree(sample_tree().read_words, ROOT), "pid 3 sh")
    assert (tables, leaves) == (5, 9)
    assert text.startswith("digraph pagetable {") and text.endswith("}\n")
    assert f"t{ROOT:x}:e0 -> t{MID:x};" in text
    assert f"t{LOW:x}:e3 -> p80012000;" in text
    assert 'bgcolor="pink"' in text
    assert "<td>511</td><td>V . . . . . . . WPROT</td>" in text
    assert "<td>7</td><td>V R . . . . . . RSW1</td>" in text
    assert "<td>3</td><td>V R . . U . . . COW</td>" in text


@test
def test_dot_summarises_many_leaves():
    m = Memory()
    m.put(ROOT, 0, pte(MID, PTE_V))
    m.put(MID, 0, pte(LOW, PTE_V))
    for i in range(sv39.DOT_LEAF_NODES_MAX + 1):
        m.put(LOW, i, pte(0x90000000 + i * sv39.PGSIZE, USER_RX))
    text, _, leaves = sv39.format_dot(sv39.read_tree(m.read_words, ROOT), "x")
    assert leaves == sv39.DOT_LEAF_NODES_MAX + 1
    assert f"t{LOW:x} -> s{LOW:x};" in text and " -> p" not in text


# --- regions.py ---------------------------------------------------------------

VM_H = os.path.join(HERE, "..", "..", "kernel", "vm.h")
R, W, X = 1, 2, 4                       # VM_READ, VM_WRITE, VM_EXEC
PRIVATE, GROWSUP, STACK, GUARD, SPECIAL, MMAP = (1 << i for i in range(6))
TOP_MID, TOP_LOW = 0x80006000, 0x80007000
USER_RW = PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D


def vm_h_defines():
    """{name: value} of kernel/vm.h's VM_* and VMA_* permission and flag
    #defines (the bit values, not the modes like VM_QUERY)."""
    with open(VM_H) as f:
        found = re.findall(r"^#define\s+(VMA?_[A-Z]+)\s+(\(?\d+(?: << \d+)?\)?)",
                           f.read(), re.MULTILINE)
    return {name: eval(expr, {"__builtins__": {}}) for name, expr in found}


def process_tree(memory=None):
    """The tree in memory (process_memory()'s by default), read."""
    return sv39.read_tree((memory or process_memory()).read_words, ROOT)


def process_memory():
    """A process's page tables in a Memory, as exec and sbrk build them
    (see process_space):
    0x0000, 0x1000  text, r-x user
    0x2000          data, shared copy-on-write after a fork
    0x3000          guard page: mapped, but without U
    0x4000          stack
    0x5000, 0x6000  heap pages, the second copy-on-write
    0x200000        heap megapage
    0x400000        a user megapage past the heap's end: in no region
    0x3fffffe000    trapframe, 0x3ffffff000 trampoline (no U, no region)
    """
    m = Memory()
    m.put(ROOT, 0, pte(MID, PTE_V))
    m.put(MID, 0, pte(LOW, PTE_V))
    m.put(LOW, 0, pte(0x80010000, USER_RX))
    m.put(LOW, 1, pte(0x80011000, USER_RX))
    m.put(LOW, 2, pte(0x80012000, PTE_V | PTE_R | PTE_U | PTE_COW))
    m.put(LOW, 3, pte(0x80013000, PTE_V | PTE_R))
    m.put(LOW, 4, pte(0x80014000, USER_RW))
    m.put(LOW, 5, pte(0x80015000, USER_RW))
    m.put(LOW, 6, pte(0x80016000, PTE_V | PTE_R | PTE_U | PTE_COW))
    m.put(MID, 1, pte(0x80200000, USER_RW))
    m.put(MID, 2, pte(0x80400000, USER_RW))
    m.put(ROOT, 255, pte(TOP_MID, PTE_V))
    m.put(TOP_MID, 511, pte(TOP_LOW, PTE_V))
    m.put(TOP_LOW, 510, pte(0x80017000, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D))
    m.put(TOP_LOW, 511, pte(0x80018000, PTE_V | PTE_R | PTE_X | PTE_A))
    return m


HEAP_VMA = 0x80100500


def process_space(**changes):
    """The regions of process_tree's process, each struct vma at a made-up
    address; changes replace fields of the AddressSpace."""
    fields = dict(regions=[
        regions.Region(0x0, 0x2000, R | X, PRIVATE, "text", "anon", 0x80100100),
        regions.Region(0x2000, 0x3000, R | W, PRIVATE, "data", "anon", 0x80100200),
        regions.Region(0x3000, 0x4000, 0, PRIVATE | GUARD, "guard", "anon", 0x80100300),
        regions.Region(0x4000, 0x5000, R | W, PRIVATE | STACK, "stack", "anon", 0x80100400),
        regions.Region(0x5000, 0x400000, R | W, PRIVATE | GROWSUP, "heap", "anon", HEAP_VMA),
    ], brk=0x3ff800, heap=HEAP_VMA, nvmas=5)
    fields.update(changes)
    return regions.AddressSpace(**fields)


@test
def test_region_tables_match_vm_h():
    defines = vm_h_defines()
    table = {name: value for name, value, _ in regions.PERMISSIONS + regions.REGION_FLAGS}
    assert {"VM_READ", "VMA_PRIVATE", "VMA_SPECIAL"} <= set(defines), defines
    assert table == defines, f"regions.py {table}, kernel/vm.h {defines}"


@test
def test_region_permissions_and_flags():
    assert regions.perm_string(R | X, PRIVATE) == "r-xp"
    assert regions.perm_string(R, SPECIAL) == "r---"
    assert regions.perm_string(0, PRIVATE | GUARD) == "---p"
    assert regions.perm_string(R | W, regions.VMA_SHARED | MMAP) == "rw-s"
    assert regions.flag_words(regions.VMA_SHARED | MMAP) == "mmap"
    assert regions.region_name(regions.Region(0, 4096, R, MMAP, "f", "file", 0, 0x3000)) == "f+0x3000"
    assert regions.flag_words(PRIVATE) == "-"
    assert regions.flag_words(PRIVATE | GROWSUP) == "growsup"
    assert regions.flag_words(STACK | GUARD | SPECIAL) == "stack,guard,special"
    assert regions.flag_words(regions.VMA_SHARED | MMAP | 1 << 7) == "mmap,mshare"
    assert regions.flag_words(GUARD | 1 << 8 | 1 << 10) == "guard,0x500"


@test
def test_vmmap_regions():
    lines = regions.format_regions(process_space(), process_tree(), "pid 3 sh")
    assert lines[0] == "page table 0x0000000080001000 (pid 3 sh), brk 0x3ff800"
    assert lines[1].split()[:3] == ["start-end", "perm", "size"]
    assert lines[2:7] == [
        "0x0000000000000000-0x0000000000002000 r-xp      8 KiB  text        anon   "
        "-              2 resident (2 pages)",
        "0x0000000000002000-0x0000000000003000 rw-p      4 KiB  data        anon   "
        "-              1 resident (1 page), 1 cow",
        "0x0000000000003000-0x0000000000004000 ---p      4 KiB  guard       anon   "
        "guard          1 resident (1 page), 1 kernel-only",
        "0x0000000000004000-0x0000000000005000 rw-p      4 KiB  stack       anon   "
        "stack          1 resident (1 page)",
        "0x0000000000005000-0x0000000000400000 rw-p   4076 KiB  heap        anon   "
        "growsup        514 resident (2 pages, 1 megapage), 1 cow",
    ], "\n".join(lines)
    assert lines[7].startswith("0x0000000000400000-0x0000000000600000 ----      2 MiB  "
                               "(no region) -      -              512 resident (1 megapage)")
    assert lines[7].endswith("!! user pages in no region")
    assert lines[8].endswith("1 resident (1 page), 1 kernel-only")
    assert lines[8].startswith("0x0000003fffffe000-0x0000003ffffff000 ----")
    assert lines[9].startswith("0x0000003ffffff000-0x0000004000000000 ----")
    assert "!!" not in lines[8] + lines[9]
    assert lines[10:] == ["total: 5 regions, 519 pages resident in them (2 cow), "
                          "514 in no region"], lines[10:]


@test
def test_vmmap_leaf_crossing_a_region():
    space = process_space()
    space.regions[-1] = regions.Region(0x5000, 0x300000, R | W, PRIVATE | GROWSUP,
                                       "heap", "anon", HEAP_VMA)
    space.brk = 0x300000
    resident, outside = regions.place_entries(space.regions,
                                              sv39.leaf_entries(process_tree())[0])
    assert resident[-1].pages == 2 and resident[-1].leaves == {0: 2}
    assert [e.va for e in outside][:2] == [0x200000, 0x400000]
    lines = regions.format_regions(space, process_tree(), "x")
    assert ("warning: megapage at va 0x0000000000200000 crosses the bounds of "
            "region heap") in lines
    assert not any("0x0000000000400000 crosses" in line for line in lines)


@test
def test_vmmap_swapped_pages():
    m = process_memory()
    m.put(LOW, 7, SWAP_SLOT_21)          # heap
    m.put(LOW, 8, SWAP_SLOT_MAX)         # heap
    m.put(LOW, 9, 0x5404)                # of no type pte.h names: not counted
    m.put(TOP_LOW, 509, 0x802)           # in no region
    lines = regions.format_regions(process_space(), process_tree(m), "x")
    assert lines[6].endswith("heap        anon   growsup        514 resident "
                             "(2 pages, 1 megapage), 1 cow, 2 swapped"), lines[6]
    assert ("warning: swap entry at va 0x0000003fffffd000 (swapped: slot 2) "
            "in no region") in lines
    assert lines[-1] == ("total: 5 regions, 519 pages resident in them (2 cow), "
                         "2 swapped, 514 in no region"), lines[-1]


@test
def test_region_invariants():
    assert regions.region_problems(process_space()) == []
    good = process_space().regions
    swapped = good[:1] + [good[2], good[1]] + good[3:]
    problems = regions.region_problems(process_space(regions=swapped))
    assert problems == ["region data at 0x2000 starts below the end of guard "
                        "(0x4000): the list is out of order or regions overlap"], problems
    odd = good[:4] + [regions.Region(0x5000, 0x5800, R | W, PRIVATE, "heap", "anon",
                                     HEAP_VMA),
                      regions.Region(0x6000, 0x6000, R, PRIVATE, "extra", "anon", 1)]
    problems = regions.region_problems(process_space(regions=odd, brk=0x6000))
    assert problems == [
        "region heap [0x5000, 0x5800) is not a page-aligned range",
        "region extra at 0x6000 is empty",
        "the list has 6 regions, mm->nvmas says 5",
        "brk 0x6000 does not end the heap [0x5000, 0x5800) (rounded up to a page)",
    ], problems
    assert regions.region_problems(process_space(heap=0x80100600)) == [
        "mm->heap (0x80100600) is not in the list"]
    assert regions.region_problems(process_space(brk=0x3fe000))[0].startswith(
        "brk 0x3fe000 does not end the heap")
    empty_heap = good[:4] + [regions.Region(0x5000, 0x5000, R | W, PRIVATE | GROWSUP,
                                            "heap", "anon", HEAP_VMA)]
    assert regions.region_problems(process_space(regions=empty_heap, brk=0x5000)) == []


@test
def test_pgwalk_region_notes():
    space = process_space().regions
    assert regions.va_lines(space, 0x5010, True) == [
        "region: heap 0x0000000000005000-0x0000000000400000 rw-p anon growsup"]
    assert regions.va_lines(space, 0x7000, False)[1] == (
        "note: a user access the region allows makes the kernel map a zeroed page here")
    assert regions.va_lines(space, 0x3000, False)[1].startswith(
        "note: the region allows no access")
    assert regions.va_lines(space, 0x400000, False) == [
        "region: none", "note: va is in no region: a user access there is a bad "
        "access, which kills the process"]
    assert regions.va_lines(space, 0x3ffffff000, True) == ["region: none"]
    assert regions.va_lines(space, 0x7000, False, swapped=True)[1] == (
        "note: the page is out on swap: a user access the region allows makes the "
        "kernel read it back and map it here")
    assert regions.va_lines(space, 0x3000, False, swapped=True)[1].startswith(
        "note: the region allows no access")
    assert regions.va_lines(space, 0x400000, False, swapped=True)[1].startswith(
        "note: va is in no region")
    odd_kind = [regions.Region(0x10000, 0x12000, R, PRIVATE, "x", "other", 1)]
    assert len(regions.va_lines(odd_kind, 0x11000, False)) == 1
    assert regions.va_lines(odd_kind, 0x11000, False, swapped=True)[1].startswith(
        "note: the page is out on swap")
    mapping = [regions.Region(0x10000, 0x12000, R, MMAP, "f", "file", 1, 0x2000)]
    assert regions.va_lines(mapping, 0x11000, False)[1].startswith(
        "note: a user access the region allows makes the kernel map the object's page")
    assert regions.va_lines(mapping, 0x11000, True) == [
        "region: f+0x2000 0x0000000000010000-0x0000000000012000 r--- file mmap"]


def main():
    """Run every test; print failures and the count."""
    failed = 0
    for fn in TESTS:
        try:
            fn()
        except Exception:
            failed += 1
            print(f"FAIL {fn.__name__}:\n{traceback.format_exc()}")
    print(f"{len(TESTS) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
