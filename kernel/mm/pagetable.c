// Sv39 page tables: table pages, and what is built on the walker
// (walk.h): the root-to-leaf lookup (xv6's walk), mapping a range,
// splitting a megapage, the census. Knows nothing of processes or
// regions; the files above build address spaces from these pieces.
//
// The walker visits, in address order, the entries that map a range, at
// whatever level they sit: a hole (an invalid entry) as high in the tree
// as it is found, a leaf (a page, a megapage), or a table entry, under
// which it goes on unless told to skip. Callbacks do the work, and may
// change the entry they are given: fill a hole with a leaf or a new table
// (the walk goes down into it), split a megapage into a table (likewise),
// drop or share a whole table and skip it. A walk of one page is a
// root-to-leaf walk.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "riscv.h"
#include "defs.h"
#include "mm/internal.h"

static uint64 nptpages;   // page-table pages in use, all address spaces

// A new, empty table page (all entries invalid), with its rmap page
// (mm/rmap.c); 0 if out of memory.
pagetable_t
pagetable_alloc(void)
{
  pagetable_t pt = kalloc();
  if(pt == 0)
    return 0;
  if(rmap_table_alloc(pt) != 0){
    kfree(pt);
    return 0;
  }
  memset(pt, 0, PGSIZE);
  __atomic_fetch_add(&nptpages, 1, __ATOMIC_RELAXED);
  return pt;
}

// Give a table page back, with its rmap page. Its leaves must be off
// their chains by now.
void
pagetable_free(pagetable_t pt)
{
  __atomic_fetch_sub(&nptpages, 1, __ATOMIC_RELAXED);
  rmap_table_free(pt);
  kfree(pt);
}

// Set the entry e, a hole, to the user leaf `leaf` at level, whose
// frames' references the caller hands over, and put it on its frame's
// reverse-mapping chain.
void
leaf_set(pte_t *e, pte_t leaf, int level)
{
  *e = leaf;
  rmap_add(e, level);
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
lookup_table(void *arg, pte_t *e, int level, uint64 va, uint64 end)
{
  struct lookup *l = arg;
  lookup_reach(l, e, level);
  if(level == l->level)
    return WALK_SKIP;
  int r = l->prepare ? l->prepare(e, level, va) : 0;
  return r < 0 ? WALK_STOP : r > 0 ? WALK_SKIP : WALK_CONTINUE;
}

static int
lookup_leaf(void *arg, pte_t *e, int level, uint64 va, uint64 end)
{
  lookup_reach(arg, e, level);
  return WALK_CONTINUE;
}

static int
lookup_hole(void *arg, pte_t *e, int level, uint64 va, uint64 end)
{
  struct lookup *l = arg;
  lookup_reach(l, e, level);
  if(level == l->level || !l->alloc)
    return WALK_CONTINUE;
  pagetable_t t = pagetable_alloc();
  if(t == 0)
    return WALK_STOP;
  *e = pte_make_table((uint64)t);   // new and empty: nothing to prepare
  return WALK_CONTINUE;
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
  static const struct pt_walk_ops ops = { .hole = lookup_hole, .swap = lookup_leaf,
                       .leaf = lookup_leaf, .table = lookup_table };
  memset(path, 0, sizeof(*path));
  if(va >= MAXVA)
    return -1;
  va = PGROUNDDOWN(va);
  return walk_range(pt, va, va + PGSIZE, &ops, &l);
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
stop_at_entry(void *arg, pte_t *e, int level, uint64 va, uint64 end)
{
  return WALK_STOP;
}

// Does table t, whose entries are at level, map nothing?
int
table_empty(pagetable_t t, int level)
{
  static const struct pt_walk_ops ops = { .swap = stop_at_entry, .leaf = stop_at_entry,
                                          .table = stop_at_entry };
  return walk_table(t, level, 0, PT_TABLE_SPAN(level), &ops, 0) == 0;
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
map_hole(void *arg, pte_t *e, int level, uint64 va, uint64 end)
{
  struct mapping *m = arg;
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
map_remap(void *arg, pte_t *e, int level, uint64 va, uint64 end)
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
  static const struct pt_walk_ops ops = { .hole = map_hole, .leaf = map_remap };
  return walk_range(pt, va, va + size, &ops, &m);
}

// Map [va, va+size) to pa with 4 KiB pages (xv6's mappages).
int
mappages(pagetable_t pt, uint64 va, uint64 size, uint64 pa, int perm)
{
  return map_range(pt, va, size, pa, perm, PT_LEVEL0);
}

// lab superpages: begin
// Walker callback for split_leaf: a leaf in the new table, on its
// frame's chain.
static int
split_hole(void *arg, pte_t *e, int level, uint64 va, uint64 end)
{
  int r = map_hole(arg, e, level, va, end);
  rmap_add(e, level);
  return r;
}
// lab superpages: end

// Replace the leaf *e at level (a megapage) by a table of leaves one
// level down that map the same frames with the same flags: no frame
// changes hands, and each keeps its references; the leaves go on their
// frames' chains instead of the megapage. 0, or -1 when no page is free
// for the table.
int
split_leaf(pte_t *e, int level)
{
  // lab superpages: begin
  pagetable_t t = pagetable_alloc();
  if(t == 0)
    return -1;
  int below = level - 1;
  struct mapping m = { 0, pte_pa(*e), pte_flags(*e) & ~PTE_V, below };
  static const struct pt_walk_ops ops = { .hole = split_hole };
  rmap_remove(e);
  walk_table(t, below, 0, PT_TABLE_SPAN(below), &ops, &m);   // needs no table: cannot fail
  *e = pte_make_table((uint64)t);
  return 0;
  // lab superpages: handout
  // return -1;                     // heaps have no megapages yet: none to split
  // lab superpages: end
}

static int
census_table(void *arg, pte_t *e, int level, uint64 va, uint64 end)
{
  ((struct census *)arg)->tables++;
  return WALK_CONTINUE;
}

static int
census_leaf(void *arg, pte_t *e, int level, uint64 va, uint64 end)
{
  struct census *c = arg;
  if(pte_user(*e)){
    c->user_pages += (end - va) / PGSIZE;
    if(level > c->largest)
      c->largest = level;
  }
  return WALK_CONTINUE;
}

static int
census_swap(void *arg, pte_t *e, int level, uint64 va, uint64 end)
{
  ((struct census *)arg)->swapped++;
  return WALK_CONTINUE;
}

// Count, over [start, end) of the tree rooted at pt, the table pages met
// below the root, the user pages (leaves with U) mapped and the swap
// entries, adding to *c, and raise c->largest to the highest level of a
// user leaf met. A table shared with others counts for each.
void
pagetable_census(pagetable_t pt, uint64 start, uint64 end, struct census *c)
{
  static const struct pt_walk_ops ops = { .swap = census_swap, .leaf = census_leaf,
                                          .table = census_table };
  walk_range(pt, start, end, &ops, c);
}
