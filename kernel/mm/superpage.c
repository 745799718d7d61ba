// Megapages by reservation, after Navarro et al. (OSDI 2002): how a
// lazily filled heap comes to be mapped by 2 MiB megapages (leaves at
// level 1) without copying.
//
// The first fault in a 2 MiB region that lies wholly in the heap sets a
// free 2 MiB block aside for it (kalloc_reserve) but maps only the 4 KiB
// page touched, taken from the block at the same offset. Later faults in
// the region take their pages from the block too. Once one page in eight
// of the region is touched (DENSE_PAGES), or a run of RUN_PAGES pages in
// order (a heap being filled from the start), the region is taken to be
// used densely: the rest of the block is mapped, so the region maps the
// block's 512 frames in order, and it is promoted in place: one level-1
// leaf replaces the level-0 table, with no copy. Filling a large heap so
// costs 4 faults per 2 MiB, and a heap touched sparsely (xv6's lazy tests
// touch one page in 64) gets no page it did not touch: when memory runs
// short the allocator breaks the reservation used least recently and its
// untouched frames go back (mm/kalloc.c). A fault finds its region's
// reservation through the first page mapped there: the page at offset
// i, if its frame is frame i of a block still reserved.
//
// Invariant: a megapage mapping holds one reference on each of its 512
// frames, exactly as 512 page mappings would. So splitting (split_leaf,
// mm/pagetable.c) and promoting change no count.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "riscv.h"
#include "defs.h"
#include "mm/internal.h"

// lab superpages: begin
#define DENSE_PAGES (PT_LEVEL_FRAMES(PT_LEVEL1) / 8)  // touched pages that make a region dense
#define RUN_PAGES 4                                   // ... or a run of this many, in order

// Walker callback: remember the first leaf met, and stop.
static int
first_leaf_found(void *arg, pte_t *e, int level, uint64 va, uint64 end)
{
  *(uint64 *)arg = va;
  return WALK_STOP;
}

// The address of the first page the level-0 table t maps in its region
// [base, base + SUPERPGSIZE), or 0 if it maps none (base itself is never
// 0 here: page 0 holds the program's text, never heap).
static uint64
first_mapped(pagetable_t t, uint64 base)
{
  uint64 va = 0;
  static const struct pt_walk_ops ops = { .leaf = first_leaf_found };
  walk_table(t, PT_LEVEL0, base, base + SUPERPGSIZE, &ops, &va);
  return va;
}

// The block reserved for the region [base, base + SUPERPGSIZE) that the
// level-0 table t maps, as its first mapped page tells: the physical
// address of a block still reserved whose frame i is what the page at
// offset i maps; 0 if there is none. (Only the first is looked at, to
// keep faults cheap: were that page replaced, by a copy-on-write copy
// say, the region just gets ordinary pages.)
static uint64
reservation_of(pagetable_t t, uint64 base, uint64 first)
{
  uint64 block = pte_pa(t[PX(PT_LEVEL0, first)]) - (first - base);
  return block % SUPERPGSIZE == 0 && kreserved_left(block) > 0 ? block : 0;
}

// What the walks over one region below look for or do.
struct region {
  uint64 base;                // first address of the 2 MiB region
  uint64 block;               // the block its frames come from
  int perm;                   // the permissions every page has (promote)
  int ad;                     // the A and D bits met (promote)
  uint64 *taken;              // reservation_fill: frames handed out
};

// The frame of the block at the same offset as va.
static uint64
frame_at(struct region *r, uint64 va)
{
  return r->block + (va - r->base);
}

// Walker callback: does leaf e map the block's frame at its offset, with
// the region's permissions, private and not copy-on-write?
static int
in_order(void *arg, pte_t *e, int level, uint64 va, uint64 end)
{
  struct region *r = arg;
  if(pte_pa(*e) != frame_at(r, va) || pte_cow(*e) || pte_prot(*e) != r->perm ||
     kpage_refs(pte_pa(*e)) != 1)
    return WALK_STOP;
  r->ad |= pte_flags(*e) & (PTE_A | PTE_D);
  return WALK_CONTINUE;
}

static int
hole_found(void *arg, pte_t *e, int level, uint64 va, uint64 end)
{
  return WALK_STOP;
}

// Does the level-0 table t map [from, to) of region r with the block's
// frames in order, each with the region's permissions?
static int
maps_in_order(pagetable_t t, struct region *r, uint64 from, uint64 to)
{
  static const struct pt_walk_ops ops = { .hole = hole_found, .swap = hole_found,
                                          .leaf = in_order };
  return walk_table(t, PT_LEVEL0, from, to, &ops, r) == 0;
}

// Walker callback: leaf e is going (its table becomes a megapage): off
// its frame's chain.
static int
unchain(void *arg, pte_t *e, int level, uint64 va, uint64 end)
{
  rmap_remove(e);
  return WALK_CONTINUE;
}

// If the level-0 table under the level-1 entry pde maps the 512 frames
// of one block in order, each with the same permissions, private and not
// copy-on-write, replace it by a megapage leaf for that block: no copy,
// and the frames keep their one reference each. 1 if it did.
static int
promote(pte_t *pde, struct region *r)
{
  pagetable_t t = pte_next_table(*pde);
  if(kpage_refs((uint64)t) != 1 || !maps_in_order(t, r, r->base, r->base + SUPERPGSIZE))
    return 0;
  static const struct pt_walk_ops ops = { .leaf = unchain };
  walk_table(t, PT_LEVEL0, r->base, r->base + SUPERPGSIZE, &ops, 0);
  *pde = pte_make_leaf(r->block, r->perm | r->ad);
  rmap_add(pde, PT_LEVEL1);
  pagetable_free(t);
  return 1;
}

// Was the frame for va among those kalloc_reserved_rest handed out?
static int
taken_at(struct region *r, uint64 va)
{
  uint64 i = (va - r->base) / PGSIZE;
  return (r->taken[i / 64] >> (i % 64)) & 1;
}

// Walker callbacks for reservation_fill: map a handed-out frame in the
// hole at its offset; give back one whose place another page took.
static int
fill_hole(void *arg, pte_t *e, int level, uint64 va, uint64 end)
{
  struct region *r = arg;
  if(taken_at(r, va)){
    memset((void *)frame_at(r, va), 0, PGSIZE);
    leaf_set(e, pte_make_leaf(frame_at(r, va), r->perm), PT_LEVEL0);
  }
  return WALK_CONTINUE;
}

static int
fill_taken(void *arg, pte_t *e, int level, uint64 va, uint64 end)
{
  struct region *r = arg;
  if(taken_at(r, va))
    kfree((void *)frame_at(r, va));
  return WALK_CONTINUE;
}

// Map, zeroed, every frame still set aside in the reservation for region
// r, in its place in the level-0 table t: the region is then full, ready
// to be promoted. 0, or -1 when kfail() made the allocation fail.
static int
reservation_fill(pagetable_t t, struct region *r)
{
  uint64 taken[PT_LEVEL_FRAMES(PT_LEVEL1) / 64];
  if(kalloc_reserved_rest(r->block, taken) < 0)
    return -1;
  r->taken = taken;
  static const struct pt_walk_ops ops = { .hole = fill_hole, .swap = fill_taken,
                                          .leaf = fill_taken };
  walk_table(t, PT_LEVEL0, r->base, r->base + SUPERPGSIZE, &ops, r);
  return 0;
}

// After a fault took the page at va from the reservation for region r,
// under the level-1 entry pde: once the region is dense (one page in
// eight touched, or the last RUN_PAGES touched in order, or its
// reservation used up), map the rest of the reservation and promote the
// region to a megapage (setting *promoted). 0, or -1 when an allocation
// failed.
static int
densify(pte_t *pde, struct region *r, uint64 va, int *promoted)
{
  pagetable_t t = pte_next_table(*pde);
  int left = kreserved_left(r->block);
  uint64 run = va + PGSIZE - RUN_PAGES * PGSIZE;
  int in_run = va + PGSIZE >= r->base + RUN_PAGES * PGSIZE &&
               maps_in_order(t, r, run, va + PGSIZE);
  if(left > 0 && PT_LEVEL_FRAMES(PT_LEVEL1) - left < DENSE_PAGES && !in_run)
    return 0;
  if(left > 0 && reservation_fill(t, r) != 0)
    return -1;
  *promoted = promote(pde, r);
  return 0;
}
// lab superpages: end

// A fault at va found a hole at level 0 (path: the walk to it). If va's
// 2 MiB region lies wholly in [start, end), fill the hole with a zeroed
// page with permissions perm taken from the region's reservation,
// setting one aside if nothing is mapped in the region yet; then see
// whether the region is dense enough to become a megapage. 1 when va is
// mapped, 0 when there is no reservation to take from (the caller maps
// an ordinary page), -1 when memory ran out.
int
reserve_fill(struct pt_path *path, uint64 va, uint64 start, uint64 end, int perm,
             int *promoted)
{
  // lab superpages: begin
  struct region r = { SUPERPGROUNDDOWN(va), 0, perm, 0, 0 };
  pte_t *pde = path->e[PT_LEVEL1];
  if(r.base < start || r.base + SUPERPGSIZE > end || path->level != PT_LEVEL0)
    return 0;
  pagetable_t t = pte_next_table(*pde);
  uint64 first = first_mapped(t, r.base), pa;
  if(first == 0){
    if((pa = kalloc_reserve(va - r.base)) == 0)
      return 0;
    r.block = pa - (va - r.base);
  } else {
    if((r.block = reservation_of(t, r.base, first)) == 0)
      return 0;
    pa = frame_at(&r, va);
    int got = kalloc_reserved(pa);
    if(got <= 0)
      return got;
  }
  memset((void *)pa, 0, PGSIZE);
  leaf_set(path->e[PT_LEVEL0], pte_make_leaf(pa, perm), PT_LEVEL0);
  return densify(pde, &r, va, promoted) == 0 ? 1 : -1;
  // lab superpages: handout
  // return 0;                      // no reservations: the caller maps an ordinary page
  // lab superpages: end
}
