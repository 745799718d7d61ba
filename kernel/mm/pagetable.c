// Sv39 page tables: the one walk every other file uses, and mapping and
// unmapping ranges of pages. Knows nothing of processes or the kernel's
// layout; kvm.c and uvm.c build address spaces from these pieces.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "riscv.h"
#include "defs.h"
#include "mm/pte.h"

static uint64 nptpages;   // page-table pages in use, all address spaces

// A new, empty table page (all entries invalid); 0 if out of memory.
pagetable_t
pagetable_alloc(void)
{
  pagetable_t pt = kalloc();
  if(pt){
    memset(pt, 0, PGSIZE);
    __atomic_fetch_add(&nptpages, 1, __ATOMIC_RELAXED);
  }
  return pt;
}

// Give a table page back. Its entries must all be invalid by now.
static void
pagetable_free(pagetable_t pt)
{
  __atomic_fetch_sub(&nptpages, 1, __ATOMIC_RELAXED);
  kfree(pt);
}

// How many page-table pages are in use, in all address spaces.
uint64
pagetable_pages(void)
{
  return __atomic_load_n(&nptpages, __ATOMIC_RELAXED);
}

// Count the table pages of a tree and the user pages (leaves with U) it
// maps; adds to *tables and *user_pages.
void
pagetable_census(pagetable_t pt, uint64 *tables, uint64 *user_pages)
{
  (*tables)++;
  for(int i = 0; i < PT_ENTRIES; i++){
    pte_t pte = pt[i];
    if(pte_table(pte))
      pagetable_census(pte_next_table(pte), tables, user_pages);
    else if(pte_leaf(pte) && pte_user(pte))
      (*user_pages)++;
  }
}

// The walk: find the entry for va at `level` (PT_LEVEL0 for a 4 KiB
// page), descending from the root. With alloc set, missing tables on the
// way are created; otherwise a missing table means there is no entry and
// the walk returns 0. It also returns 0 when a leaf sits above `level`
// (a superpage covers va) or when a table cannot be allocated.
pte_t *
walk_level(pagetable_t pt, uint64 va, int level, int alloc)
{
  if(va >= MAXVA)
    panic("walk: virtual address out of range");
  for(int l = PT_ROOT_LEVEL; l > level; l--){
    pte_t *pte = &pt[PX(l, va)];
    if(pte_table(*pte)){
      pt = pte_next_table(*pte);
    } else if(pte_leaf(*pte) || !alloc){
      return 0;
    } else {
      pagetable_t next = pagetable_alloc();
      if(next == 0)
        return 0;
      *pte = pte_make_table((uint64)next);
      pt = next;
    }
  }
  return &pt[PX(level, va)];
}

// The level-0 entry for va, as xv6's walk() gives it.
pte_t *
walk(pagetable_t pt, uint64 va, int alloc)
{
  return walk_level(pt, va, PT_LEVEL0, alloc);
}

// The level-0 table (512 entries, mapping the 2 MiB around va), found
// with one walk so that callers working on a range can go entry by entry
// instead of walking from the root for every page. With alloc set the
// table is created when missing. 0 if there is none (or no memory, or a
// megapage maps the range).
pagetable_t
leaf_table(pagetable_t pt, uint64 va, int alloc)
{
  pte_t *pde = walk_level(pt, va, PT_LEVEL1, alloc);
  if(pde == 0)
    return 0;
  if(!pte_valid(*pde) && alloc){
    pagetable_t t = pagetable_alloc();
    if(t == 0)
      return 0;
    *pde = pte_make_table((uint64)t);
  }
  return pte_table(*pde) ? pte_next_table(*pde) : 0;
}

// First address of the next 2 MiB region (the next level-0 table) after va.
uint64
next_leaf_table(uint64 va)
{
  return (va | (PT_LEVEL_SIZE(PT_LEVEL1) - 1)) + 1;
}

// The physical address of the user page mapped at va, or 0 if va is not
// mapped for user access. For the kernel's own use only: checks V and U,
// not R or W (usercopy.c checks those).
uint64
walkaddr(pagetable_t pt, uint64 va)
{
  if(va >= MAXVA)
    return 0;
  pte_t *pte = walk(pt, va, 0);
  if(pte == 0 || !pte_valid(*pte) || !pte_user(*pte))
    return 0;
  return pte_pa(*pte);
}

// Map the pages covering [va, va+size) to the physical pages starting at
// pa, with permissions perm. va and size must be page-aligned. Mapping
// over a valid entry is a kernel bug. Returns 0, or -1 when a table page
// cannot be allocated (the pages mapped so far stay mapped: the caller
// unmaps them).
int
mappages(pagetable_t pt, uint64 va, uint64 size, uint64 pa, int perm)
{
  if(va % PGSIZE != 0 || size % PGSIZE != 0 || size == 0)
    panic("mappages: unaligned or empty range");
  for(uint64 off = 0; off < size; off += PGSIZE){
    pte_t *pte = walk(pt, va + off, 1);
    if(pte == 0)
      return -1;
    if(pte_valid(*pte))
      panic("mappages: remap");
    *pte = pte_make_leaf(pa + off, perm);
  }
  return 0;
}

// Remove the mappings of npages pages from va; with do_free, drop the
// reference to each physical page (freeing it if it was the last).
// Pages that are not mapped are skipped (a heap may have holes), a whole
// missing table at a time.
void
unmappages(pagetable_t pt, uint64 va, uint64 npages, int do_free)
{
  if(va % PGSIZE != 0)
    panic("unmappages: not aligned");
  uint64 end = va + npages*PGSIZE;
  for(uint64 base = va; base < end; base = next_leaf_table(base)){
    pagetable_t t = leaf_table(pt, base, 0);
    uint64 stop = next_leaf_table(base) < end ? next_leaf_table(base) : end;
    for(uint64 a = base; t && a < stop; a += PGSIZE){
      pte_t *pte = &t[PX(PT_LEVEL0, a)];
      if(!pte_valid(*pte))
        continue;
      if(!pte_leaf(*pte))
        panic("unmappages: not a leaf");
      if(do_free)
        kfree((void *)pte_pa(*pte));
      *pte = 0;
    }
  }
}

// Free a page-table tree: the table pages themselves. Every leaf must
// already be unmapped; a leaf left behind would be a leaked page.
void
freewalk(pagetable_t pt)
{
  for(int i = 0; i < PT_ENTRIES; i++){
    pte_t pte = pt[i];
    if(pte_table(pte))
      freewalk(pte_next_table(pte));
    else if(pte_valid(pte))
      panic("freewalk: leaf still mapped");
    pt[i] = 0;
  }
  pagetable_free(pt);
}
