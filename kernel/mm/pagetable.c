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
void
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

// Visit the valid entries of the table pt at level, which maps from
// virtual address base: each entry, then (for a table entry) the
// entries under it.
static void
visit_level(pagetable_t pt, int level, uint64 base, pt_visitor fn, void *arg)
{
  for(int i = 0; i < PT_ENTRIES; i++){
    pte_t pte = pt[i];
    if(!pte_valid(pte))
      continue;
    uint64 va = base + (uint64)i * PT_LEVEL_SIZE(level);
    fn(pte, level, va, arg);
    if(pte_table(pte) && level > PT_LEVEL0)
      visit_level(pte_next_table(pte), level - 1, va, fn, arg);
  }
}

// Call fn(pte, level, va, arg) for every valid entry of the tree rooted at
// pt, in address order, each table entry before the entries under it; va
// is the first virtual address the entry maps. The one traversal of a
// whole tree (the census and vmprint use it).
void
pagetable_visit(pagetable_t pt, pt_visitor fn, void *arg)
{
  visit_level(pt, PT_ROOT_LEVEL, 0, fn, arg);
}

struct census { uint64 tables, user_pages; };

// pagetable_visit's callback for pagetable_census.
static void
census_entry(pte_t pte, int level, uint64 va, void *arg)
{
  struct census *c = arg;
  if(pte_table(pte))
    c->tables++;
  else if(pte_user(pte))
    c->user_pages += PT_LEVEL_SIZE(level) / PGSIZE;
}

// Count the table pages of a tree and the user pages (leaves with U) it
// maps; adds to *tables and *user_pages.
void
pagetable_census(pagetable_t pt, uint64 *tables, uint64 *user_pages)
{
  struct census c = { 1, 0 };    // the root is a table page too
  pagetable_visit(pt, census_entry, &c);
  *tables += c.tables;
  *user_pages += c.user_pages;
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

// The leaf entry that maps va, at whatever level it sits (a 4 KiB page,
// a 2 MiB megapage or a 1 GiB gigapage), with that level in *level (if
// level is not 0); 0 if nothing maps va. Never allocates.
pte_t *
walk_leaf(pagetable_t pt, uint64 va, int *level)
{
  if(va >= MAXVA)
    return 0;
  for(int l = PT_ROOT_LEVEL; ; l--){
    pte_t *pte = &pt[PX(l, va)];
    if(pte_leaf(*pte)){
      if(level)
        *level = l;
      return pte;
    }
    if(!pte_table(*pte) || l == PT_LEVEL0)
      return 0;
    pt = pte_next_table(*pte);
  }
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
  int level;
  pte_t *pte = walk_leaf(pt, va, &level);
  if(pte == 0 || !pte_user(*pte))
    return 0;
  return pte_page_pa(*pte, level, va);
}

// Map [va, va+size) to the physical memory starting at pa, with
// permissions perm, using leaves no higher than maxlevel: where va and pa
// are both aligned to a level's size and the range covers it whole, one
// leaf at that level maps it. va and size must be page-aligned. Mapping
// over a valid entry is a kernel bug. Returns 0, or -1 when a table page
// cannot be allocated (what was mapped so far stays mapped: the caller
// unmaps it).
int
map_range(pagetable_t pt, uint64 va, uint64 size, uint64 pa, int perm, int maxlevel)
{
  if(va % PGSIZE != 0 || size % PGSIZE != 0 || size == 0)
    panic("mappages: unaligned or empty range");
  uint64 end = va + size;
  while(va < end){
    int level = maxlevel;
    while(level > PT_LEVEL0 && ((va | pa) % PT_LEVEL_SIZE(level) != 0 ||
                                end - va < PT_LEVEL_SIZE(level)))
      level--;
    pte_t *pte = walk_level(pt, va, level, 1);
    if(pte == 0)
      return -1;
    if(pte_valid(*pte))
      panic("mappages: remap");
    *pte = pte_make_leaf(pa, perm);
    va += PT_LEVEL_SIZE(level);
    pa += PT_LEVEL_SIZE(level);
  }
  return 0;
}

// Map [va, va+size) to pa with 4 KiB pages (see map_range).
int
mappages(pagetable_t pt, uint64 va, uint64 size, uint64 pa, int perm)
{
  return map_range(pt, va, size, pa, perm, PT_LEVEL0);
}

// Remove the mappings of npages pages from va; with do_free, drop the
// reference to each physical page (freeing it if it was the last).
// Pages that are not mapped are skipped (a heap may have holes), a whole
// missing table at a time. A megapage goes as a whole; the range must
// not cut one (callers split it first).
void
unmappages(pagetable_t pt, uint64 va, uint64 npages, int do_free)
{
  if(va % PGSIZE != 0)
    panic("unmappages: not aligned");
  uint64 end = va + npages*PGSIZE;
  for(uint64 base = va; base < end; base = next_leaf_table(base)){
    uint64 stop = next_leaf_table(base) < end ? next_leaf_table(base) : end;
    pte_t *mega = super_leaf(pt, base);
    if(mega){
      if(base % SUPERPGSIZE != 0 || stop - base != SUPERPGSIZE)
        panic("unmappages: part of a megapage (split it first)");
      super_unmap(mega, do_free);
      continue;
    }
    pagetable_t t = leaf_table(pt, base, 0);
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
