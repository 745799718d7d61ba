// Sv39 page-table levels and entries: their names, the tests every file
// in mm/ makes on an entry, and the modifiers that change one, so that no
// caller edits PTE bits by hand.
//
// A virtual address is split into three 9-bit indexes and an offset:
//   | VPN[2] 38..30 | VPN[1] 29..21 | VPN[0] 20..12 | offset 11..0 |
// The root table (level 2) is indexed by VPN[2]; each valid non-leaf
// entry points to the next table down; a leaf at level 0 maps a 4 KiB
// page, at level 1 a 2 MiB megapage (SUPERPGSIZE), at level 2 a 1 GiB
// gigapage. "Leaf" always means a leaf entry; the tables at level 0 are
// "level-0 tables".
#ifndef ATLAS_MM_PTE_H
#define ATLAS_MM_PTE_H

enum pt_level {
  PT_LEVEL0 = 0,   // last level: entries map 4 KiB pages
  PT_LEVEL1 = 1,   // middle: entries map 2 MiB
  PT_LEVEL2 = 2,   // root: entries map 1 GiB
};
#define PT_ROOT_LEVEL PT_LEVEL2
#define PT_LEVELS     3
#define PT_ENTRIES    512               // entries in one table page

// Bytes mapped by one entry at the given level.
#define PT_LEVEL_SIZE(level) (1UL << PXSHIFT(level))

// Bytes mapped by a whole table whose entries are at the given level.
#define PT_TABLE_SPAN(level) (PT_ENTRIES * PT_LEVEL_SIZE(level))

// 4 KiB frames mapped by one leaf at the given level (1, or 512 for a
// megapage).
#define PT_LEVEL_FRAMES(level) (PT_LEVEL_SIZE(level) / PGSIZE)

// Permission bits a leaf may carry (any of R, W, X makes an entry a leaf).
#define PTE_RWX (PTE_R | PTE_W | PTE_X)

// Atlas's use of the bits the hardware leaves to software (GDB's sv39.py
// decodes both by these names):
//
// In a leaf: a page that was writable and is now shared copy-on-write.
// It is mapped read-only; a store to it faults, and the fault gives the
// process its own copy (mm/anon.c).
#define PTE_COW PTE_RSW0

// In an entry that points to a table (RISC-V has no W bit there): every
// leaf under it is read-only, so the table can be shared by fork again
// without a walk (mm/fork.c). Cleared on the way to any change
// (mm/sharedpt.c).
#define PTE_WPROT PTE_RSW1

// In a level-1 entry that points to a level-0 table: the table maps part
// of a shared region and may be linked by every address space that maps
// the same object at the same address (McCracken's shared page tables,
// mm/filemap.c). Its leaves may be writable, and it is changed in place,
// under its lock (table_lock), for all of them. (RSW0 means COW only in
// a leaf.) In a root entry of an mshare region's own address space, it
// marks one of the region's level-1 tables, which the root entries of
// every process attached point to (mm/mshare.c): it is changed in place
// for all of them under the region's lock, never copied, and goes only
// with its last reference.
#define PTE_SHMAP PTE_RSW0

// An invalid entry is a hole, or, when its other bits are not all zero,
// a non-present entry: bits 1..4 (where a valid entry has R, W, X and U)
// hold a type tag, and bits 10..53 (the PPN's place) a number the type
// gives meaning to. One type so far:
//   swap: the page was written to swap slot N (mm/swap.c); a fault reads
//   it back (mm/fault.c). GDB's pgwalk prints "swapped: slot N".
//   | 63..54: 0 | 53..10: slot | 9..5: 0 | 4..1: PTE_TYPE_SWAP | V=0 |
#define PTE_TYPE_SHIFT 1
#define PTE_TYPE_MASK  (0xfUL << PTE_TYPE_SHIFT)
#define PTE_TYPE_SWAP  (0x1UL << PTE_TYPE_SHIFT)
#define PTE_SLOT_SHIFT 10
#define PTE_SLOT_BITS  44
#define PTE_SLOT_MAX   ((1UL << PTE_SLOT_BITS) - 1)

// Tests.
static inline int pte_valid(pte_t pte)    { return (pte & PTE_V) != 0; }
static inline int pte_none(pte_t pte)     { return pte == 0; }
static inline int pte_swap(pte_t pte)
{
  return !pte_valid(pte) && (pte & PTE_TYPE_MASK) == PTE_TYPE_SWAP;
}
// The slot a swap entry names.
static inline uint64 pte_swap_slot(pte_t pte) { return (pte >> PTE_SLOT_SHIFT) & PTE_SLOT_MAX; }
static inline int pte_leaf(pte_t pte)     { return pte_valid(pte) && (pte & PTE_RWX) != 0; }
static inline int pte_table(pte_t pte)    { return pte_valid(pte) && (pte & PTE_RWX) == 0; }
static inline int pte_user(pte_t pte)     { return (pte & PTE_U) != 0; }
static inline int pte_writable(pte_t pte) { return (pte & PTE_W) != 0; }
static inline int pte_cow(pte_t pte)      { return (pte & PTE_COW) != 0; }
static inline int pte_wprot(pte_t pte)    { return (pte & PTE_WPROT) != 0; }
static inline int pte_shmap(pte_t pte)    { return pte_table(pte) && (pte & PTE_SHMAP) != 0; }
static inline int pte_accessed(pte_t pte) { return (pte & PTE_A) != 0; }
static inline int pte_dirty(pte_t pte)    { return (pte & PTE_D) != 0; }
static inline uint64 pte_pa(pte_t pte)    { return PTE2PA(pte); }
static inline int pte_flags(pte_t pte)    { return PTE_FLAGS(pte); }

// A leaf's permissions and marks, without V and the bits the hardware
// sets on its own (A, D): what two leaves must share to be merged.
static inline int pte_prot(pte_t pte)     { return PTE_FLAGS(pte) & ~(PTE_V | PTE_A | PTE_D); }

// Does the leaf pte let user mode make this access (enum fault_access,
// mm/internal.h: load, store or exec)?
static inline int
pte_user_allows(pte_t pte, int access)
{
  if(!pte_leaf(pte) || !pte_user(pte))
    return 0;
  switch(access){
  case ACCESS_LOAD:  return (pte & PTE_R) != 0;
  case ACCESS_STORE: return (pte & PTE_W) != 0;
  default:           return (pte & PTE_X) != 0;
  }
}

// The physical address of the 4 KiB page holding va inside the leaf pte
// at level (a page, a megapage or a gigapage).
static inline uint64
pte_page_pa(pte_t pte, int level, uint64 va)
{
  return PTE2PA(pte) + (va & (PT_LEVEL_SIZE(level) - 1) & ~(uint64)(PGSIZE - 1));
}

// The next-level table an interior entry points to.
static inline pagetable_t pte_next_table(pte_t pte) { return (pagetable_t)PTE2PA(pte); }

// Makers.
// A leaf entry mapping physical memory at pa with permissions perm.
static inline pte_t pte_make_leaf(uint64 pa, int perm) { return PA2PTE(pa) | perm | PTE_V; }
// An interior entry pointing at the table page at pa.
static inline pte_t pte_make_table(uint64 pa) { return PA2PTE(pa) | PTE_V; }
// A swap entry for swap slot slot.
static inline pte_t pte_make_swap(uint64 slot) { return (slot << PTE_SLOT_SHIFT) | PTE_TYPE_SWAP; }

// Modifiers: each returns the changed entry.
// A writable leaf made read-only and copy-on-write (others unchanged).
static inline pte_t
pte_mkcow(pte_t pte)
{
  return pte_writable(pte) ? (pte & ~PTE_W) | PTE_COW : pte;
}
// A copy-on-write leaf made plainly writable again.
static inline pte_t pte_mkwrite(pte_t pte)    { return (pte & ~PTE_COW) | PTE_W; }
// A leaf's permissions for a private copy of its memory: writable if it
// was writable or copy-on-write.
static inline int
pte_copy_perm(pte_t pte)
{
  int perm = pte_flags(pte) & ~(PTE_COW | PTE_V);
  return pte_cow(pte) ? perm | PTE_W : perm;
}
// The same leaf or table entry pointing at pa instead.
static inline pte_t pte_move(pte_t pte, uint64 pa) { return PA2PTE(pa) | PTE_FLAGS(pte); }
static inline pte_t pte_mkold(pte_t pte)      { return pte & ~PTE_A; }
static inline pte_t pte_mkclean(pte_t pte)    { return pte & ~PTE_D; }
static inline pte_t pte_mkreadonly(pte_t pte) { return pte & ~PTE_W; }
static inline pte_t pte_mkwprot(pte_t pte)    { return pte | PTE_WPROT; }
static inline pte_t pte_clear_wprot(pte_t pte) { return pte & ~PTE_WPROT; }
static inline pte_t pte_mkshmap(pte_t pte)    { return pte | PTE_SHMAP; }
static inline pte_t pte_clear_shmap(pte_t pte) { return pte & ~PTE_SHMAP; }

#endif
