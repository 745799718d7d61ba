// Names and accessors for Sv39 page-table levels and entries, used by
// every file in mm/ so that no caller tests PTE bits by hand.
//
// A virtual address is split into three 9-bit indexes and an offset:
//   | VPN[2] 38..30 | VPN[1] 29..21 | VPN[0] 20..12 | offset 11..0 |
// The root table (level 2) is indexed by VPN[2]; each valid non-leaf
// entry points to the next table down; a leaf at level 0 maps 4 KiB, at
// level 1 a 2 MiB megapage, at level 2 a 1 GiB gigapage.
#ifndef ATLAS_MM_PTE_H
#define ATLAS_MM_PTE_H

enum pt_level {
  PT_LEVEL0 = 0,   // last level: entries map 4 KiB pages
  PT_LEVEL1 = 1,   // middle: entries map 2 MiB
  PT_LEVEL2 = 2,   // root: entries map 1 GiB
};
#define PT_ROOT_LEVEL PT_LEVEL2
#define PT_ENTRIES    512               // entries in one table page

// Bytes mapped by one entry at the given level.
#define PT_LEVEL_SIZE(level) (1UL << PXSHIFT(level))

// Permission bits a leaf may carry (any of R, W, X makes an entry a leaf).
#define PTE_RWX (PTE_R | PTE_W | PTE_X)

// Atlas's use of the bits the hardware leaves to software: a page that
// was writable and is now shared copy-on-write. It is mapped read-only;
// a store to it faults, and cow_break() gives the process its own copy.
#define PTE_COW PTE_RSW0

// In an entry that points to a table (RISC-V has no W bit there): every
// leaf under it is read-only, so the table can be shared by fork again
// without a walk (mm/sharedpt.c). Cleared on the way to any change.
#define PTE_WPROT PTE_RSW1

static inline int pte_valid(pte_t pte)    { return (pte & PTE_V) != 0; }
static inline int pte_leaf(pte_t pte)     { return pte_valid(pte) && (pte & PTE_RWX) != 0; }
static inline int pte_table(pte_t pte)    { return pte_valid(pte) && (pte & PTE_RWX) == 0; }
static inline int pte_user(pte_t pte)     { return (pte & PTE_U) != 0; }
static inline int pte_writable(pte_t pte) { return (pte & PTE_W) != 0; }
static inline int pte_cow(pte_t pte)      { return (pte & PTE_COW) != 0; }
static inline int pte_accessed(pte_t pte) { return (pte & PTE_A) != 0; }
static inline pte_t pte_clear_accessed(pte_t pte) { return pte & ~PTE_A; }
static inline uint64 pte_pa(pte_t pte)    { return PTE2PA(pte); }
static inline int pte_flags(pte_t pte)    { return PTE_FLAGS(pte); }

// Does the leaf pte let user mode make this access (enum fault_access,
// defs.h: load, store or exec)?
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

// A leaf entry mapping physical page pa with permissions perm.
static inline pte_t pte_make_leaf(uint64 pa, int perm) { return PA2PTE(pa) | perm | PTE_V; }

// An interior entry pointing at the table page at pa.
static inline pte_t pte_make_table(uint64 pa) { return PA2PTE(pa) | PTE_V; }

#endif
