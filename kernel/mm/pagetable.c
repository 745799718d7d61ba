// Sv39 page tables: table pages, and the walker that every other file of
// mm/ uses to visit entries, on which the lookups (xv6's walk), mapping
// a range and the census are built. Knows nothing of processes or
// regions; the files above build address spaces from these pieces.
//
// The walker (walk_range) visits, in address order, the entries that map
// a range, at whatever level they sit: a hole (an invalid entry) as high
// in the tree as it is found, a leaf (a page, a megapage), or a table
// entry, under which it goes on unless told to skip. Callbacks do the
// work, and may change the entry they are given: fill a hole with a leaf
// or a new table (the walk goes down into it), split a megapage into a
// table (likewise), drop or share a whole table and skip it. A walk of
// one page is a root-to-leaf walk.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "riscv.h"
#include "defs.h"
#include "mm/internal.h"

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

// Does [va, end) cover the whole of what one entry at level maps?
int
covers(int level, uint64 va, uint64 end)
{
  return va % PT_LEVEL_SIZE(level) == 0 && end - va == PT_LEVEL_SIZE(level);
}

// Visit entry e at level, which maps [va, end) of the range: its
// callback, then, if it is a table and the callback said go on, the
// entries under it.
static inline int
visit_entry(struct pt_walk *w, pte_t *e, int level, uint64 va, uint64 end)
{
  walk_fn fn = !pte_valid(*e) ? w->hole : pte_leaf(*e) ? w->leaf : w->table;
  int r = fn ? fn(w, e, level, va, end) : WALK_CONTINUE;
  if(r != WALK_CONTINUE || !pte_table(*e) || level == PT_LEVEL0)
    return r == WALK_STOP ? WALK_STOP : WALK_CONTINUE;
  if(walk_table(pte_next_table(*e), level - 1, va, end, w) == WALK_STOP)
    return WALK_STOP;
  return w->table_done ? w->table_done(w, e, level, va, end) : WALK_CONTINUE;
}

// Walk the entries of table t (at level) that map [start, end). The one
// loop over a table's entries. 0, or -1 when a callback stopped the walk.
int
walk_table(pagetable_t t, int level, uint64 start, uint64 end, struct pt_walk *w)
{
  uint64 size = PT_LEVEL_SIZE(level);
  for(uint64 va = start; va < end; ){
    uint64 next = (va & ~(size - 1)) + size;
    if(next > end)
      next = end;
    if(visit_entry(w, &t[PX(level, va)], level, va, next) == WALK_STOP)
      return -1;
    va = next;
  }
  return 0;
}

// Walk the tree rooted at pt over [start, end) (below MAXVA). 0, or -1
// when a callback stopped the walk.
int
walk_range(pagetable_t pt, uint64 start, uint64 end, struct pt_walk *w)
{
  if(end > MAXVA || start > end)
    panic("walk_range: bad range");
  return walk_table(pt, PT_ROOT_LEVEL, start, end, w);
}

struct lookup {
  int level;                  // the level to stop at
  int alloc;                  // create missing tables on the way
  prepare_fn prepare;         // called on each table entry before going down
  struct pt_path *path;
};

// Record that the walk reached entry e at level.
static void
lookup_reach(struct lookup *l, pte_t *e, int level)
{
  l->path->e[level] = e;
  l->path->level = level;
}

static int
lookup_table(struct pt_walk *w, pte_t *e, int level, uint64 va, uint64 end)
{
  struct lookup *l = w->arg;
  lookup_reach(l, e, level);
  if(level == l->level)
    return WALK_SKIP;
  int r = l->prepare ? l->prepare(e, level, va) : 0;
  return r < 0 ? WALK_STOP : r > 0 ? WALK_SKIP : WALK_CONTINUE;
}

static int
lookup_leaf(struct pt_walk *w, pte_t *e, int level, uint64 va, uint64 end)
{
  lookup_reach(w->arg, e, level);
  return WALK_CONTINUE;
}

static int
lookup_hole(struct pt_walk *w, pte_t *e, int level, uint64 va, uint64 end)
{
  struct lookup *l = w->arg;
  lookup_reach(l, e, level);
  if(level == l->level || !l->alloc)
    return WALK_CONTINUE;
  pagetable_t t = pagetable_alloc();
  if(t == 0)
    return WALK_STOP;
  *e = pte_make_table((uint64)t);
  return lookup_table(w, e, level, va, end);
}

// The root-to-leaf walk to va, down to the entry at `level` (PT_LEVEL0
// for a 4 KiB page) or to a leaf or hole above it, filling *path with
// the entries it passed. With alloc set, missing tables on the way are
// created; prepare (if not 0) is called on every table entry before the
// walk goes below it (mm/sharedpt.c unshares there), and returns 0 to go
// on, 1 to end the walk there, -1 for an error. 0, or -1 when a table
// cannot be allocated or prepare failed.
int
pt_lookup(pagetable_t pt, uint64 va, int level, int alloc, prepare_fn prepare,
          struct pt_path *path)
{
  struct lookup l = { level, alloc, prepare, path };
  struct pt_walk w = { .hole = lookup_hole, .leaf = lookup_leaf,
                       .table = lookup_table, .arg = &l };
  memset(path, 0, sizeof(*path));
  if(va >= MAXVA)
    return -1;
  va = PGROUNDDOWN(va);
  return walk_range(pt, va, va + PGSIZE, &w);
}

// xv6's walk: the level-0 entry for va, creating missing tables on the
// way if alloc is set; 0 if there is none (or a megapage maps va).
pte_t *
walk(pagetable_t pt, uint64 va, int alloc)
{
  struct pt_path path;
  if(pt_lookup(pt, va, PT_LEVEL0, alloc, 0, &path) != 0 || path.level != PT_LEVEL0)
    return 0;
  return path.e[PT_LEVEL0];
}

// The leaf entry that maps va, at whatever level it sits (a 4 KiB page,
// a 2 MiB megapage or a 1 GiB gigapage), with that level in *level (if
// level is not 0); 0 if nothing maps va.
pte_t *
walk_leaf(pagetable_t pt, uint64 va, int *level)
{
  struct pt_path path;
  if(pt_lookup(pt, va, PT_LEVEL0, 0, 0, &path) != 0)
    return 0;
  pte_t *e = path.e[path.level];
  if(e == 0 || !pte_leaf(*e))
    return 0;
  if(level)
    *level = path.level;
  return e;
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

static int
stop_at_entry(struct pt_walk *w, pte_t *e, int level, uint64 va, uint64 end)
{
  return WALK_STOP;
}

// Does table t, whose entries are at level, map nothing?
int
table_empty(pagetable_t t, int level)
{
  struct pt_walk w = { .leaf = stop_at_entry, .table = stop_at_entry };
  return walk_table(t, level, 0, PT_TABLE_SPAN(level), &w) == 0;
}

struct mapping {
  uint64 va, pa;              // where the range starts, and what it maps
  int perm;
  int maxlevel;               // the largest leaves it may use
};

// A hole in the range being mapped: a leaf if the part of the range it
// covers is a whole, aligned entry's worth at a level the caller allows,
// else a table to go down into.
static int
map_hole(struct pt_walk *w, pte_t *e, int level, uint64 va, uint64 end)
{
  struct mapping *m = w->arg;
  uint64 pa = m->pa + (va - m->va);
  if(level <= m->maxlevel && covers(level, va, end) && pa % PT_LEVEL_SIZE(level) == 0){
    *e = pte_make_leaf(pa, m->perm);
    return WALK_CONTINUE;
  }
  pagetable_t t = pagetable_alloc();
  if(t == 0)
    return WALK_STOP;
  *e = pte_make_table((uint64)t);
  return WALK_CONTINUE;
}

static int
map_remap(struct pt_walk *w, pte_t *e, int level, uint64 va, uint64 end)
{
  panic("mappages: remap");
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
  struct mapping m = { va, pa, perm, maxlevel };
  struct pt_walk w = { .hole = map_hole, .leaf = map_remap, .arg = &m };
  return walk_range(pt, va, va + size, &w);
}

// Map [va, va+size) to pa with 4 KiB pages (xv6's mappages).
int
mappages(pagetable_t pt, uint64 va, uint64 size, uint64 pa, int perm)
{
  return map_range(pt, va, size, pa, perm, PT_LEVEL0);
}

// Replace the leaf *e at level (a megapage) by a table of leaves one
// level down that map the same frames with the same flags: no frame
// changes hands, and each keeps its references. 0, or -1 when no page is
// free for the table.
int
split_leaf(pte_t *e, int level)
{
  pagetable_t t = pagetable_alloc();
  if(t == 0)
    return -1;
  int below = level - 1;
  struct mapping m = { 0, pte_pa(*e), pte_flags(*e) & ~PTE_V, below };
  struct pt_walk w = { .hole = map_hole, .arg = &m };
  walk_table(t, below, 0, PT_TABLE_SPAN(below), &w);   // needs no table: cannot fail
  *e = pte_make_table((uint64)t);
  return 0;
}

struct census { uint64 tables, user_pages; int largest; };

static int
census_table(struct pt_walk *w, pte_t *e, int level, uint64 va, uint64 end)
{
  ((struct census *)w->arg)->tables++;
  return WALK_CONTINUE;
}

static int
census_leaf(struct pt_walk *w, pte_t *e, int level, uint64 va, uint64 end)
{
  struct census *c = w->arg;
  if(pte_user(*e)){
    c->user_pages += (end - va) / PGSIZE;
    if(level > c->largest)
      c->largest = level;
  }
  return WALK_CONTINUE;
}

// Count, over [start, end) of the tree rooted at pt, the table pages met
// below the root and the user pages (leaves with U) mapped; adds to
// *tables and *user_pages, and raises *largest to the highest level of
// a user leaf met. A table shared with others counts for each.
void
pagetable_census(pagetable_t pt, uint64 start, uint64 end,
                 uint64 *tables, uint64 *user_pages, int *largest)
{
  struct census c = { 0, 0, *largest };
  struct pt_walk w = { .leaf = census_leaf, .table = census_table, .arg = &c };
  walk_range(pt, start, end, &w);
  *tables += c.tables;
  *user_pages += c.user_pages;
  *largest = c.largest;
}
