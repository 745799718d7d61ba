// Reverse mapping: from a frame to every page-table entry that maps it,
// as the per-page chains of the Linux 2.5 kernels that McCracken's paper
// describes; and the reclaim list, the frames user leaves map in the
// order they were first mapped (mm/reclaim.c runs its clock hand over
// it).
//
// A chain costs no allocation: each table page has an rmap page beside
// it, allocated with it (rmap_table_alloc), whose word i links entry i
// of the table to the next entry on the same frame's chain. A frame's
// record (struct frame, mm/kalloc.c) holds the first entry. A link is
// the entry's kernel address with its level in the low bits (entries
// are 8-byte aligned), so a megapage's leaf, which sits on its first
// frame's chain, says that it maps 512 frames.
//
// Since a chain names entries, not address spaces, a table shared by
// fork or by the mappings of a shared region (mm/sharedpt.c,
// mm/filemap.c) puts each of its leaves on a chain once, however many
// address spaces use it: a chain is as long as the frame's reference
// count, less the references that are not entries (the page cache's,
// the swap cache's, a kernel copy in progress).
//
// Invariants, under rmap_lock:
//  - an entry is on the chain of the frame it maps exactly while it is a
//    user leaf that holds a reference on it (added right after the leaf
//    is set, removed right before it is cleared or changed to map
//    another frame: mm/sharedpt.c's leaf_set and leaf_clear);
//  - a frame is on the reclaim list exactly while its chain is not empty.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "riscv.h"
#include "defs.h"
#include "mm/internal.h"

#define LINK_LEVEL 0x7UL       // a link's low bits: the entry's level

static struct spinlock lock;
static struct frame lru;       // the reclaim list's head: lru.lru_next is the oldest
static uint64 nlru;            // frames on it

// Set up the lock and the empty reclaim list.
void
rmap_init(void)
{
  initlock(&lock, "rmap");
  lru.lru_next = lru.lru_prev = &lru;
}

// Take and let go of the lock that guards every chain and the reclaim
// list (reclaim walks chains under it).
void
rmap_lock(void)
{
  acquire(&lock);
}

void
rmap_unlock(void)
{
  release(&lock);
}

// Give the new table page t its rmap page: 0, or -1 when none is free.
int
rmap_table_alloc(pagetable_t t)
{
  uint64 *links = kalloc();
  if(links == 0)
    return -1;
  kframe((uint64)t)->rmap = (uint64)links;
  return 0;
}

// Free table page t's rmap page (t maps nothing any more).
void
rmap_table_free(pagetable_t t)
{
  struct frame *f = kframe((uint64)t);
  kfree((void *)f->rmap);
  f->rmap = 0;
}

// The word that links entry e to the next entry on its frame's chain.
static uint64 *
link_of(pte_t *e)
{
  uint64 t = PGROUNDDOWN((uint64)e);
  return &((uint64 *)kframe(t)->rmap)[((uint64)e - t) / sizeof(pte_t)];
}

// The entry and level a link names.
static pte_t *link_entry(uint64 l) { return (pte_t *)(l & ~LINK_LEVEL); }
static int link_level(uint64 l)    { return l & LINK_LEVEL; }

// Put frame f at the tail of the reclaim list (the newest end).
static void
lru_append(struct frame *f)
{
  f->lru_prev = lru.lru_prev;
  f->lru_next = &lru;
  lru.lru_prev->lru_next = f;
  lru.lru_prev = f;
  f->flags |= FRAME_LRU;
  nlru++;
}

// Take frame f off the reclaim list.
static void
lru_remove(struct frame *f)
{
  f->lru_prev->lru_next = f->lru_next;
  f->lru_next->lru_prev = f->lru_prev;
  f->lru_next = f->lru_prev = 0;
  f->flags &= ~FRAME_LRU;
  nlru--;
}

// Entry e, at level, has just become a user leaf mapping its frame (the
// first of a megapage's): put it on the frame's chain, and the frame on
// the reclaim list if this is its first entry.
void
rmap_add(pte_t *e, int level)
{
  acquire(&lock);
  struct frame *f = kframe(pte_pa(*e));
  *link_of(e) = f->rmap;
  f->rmap = (uint64)e | level;
  if(!(f->flags & FRAME_LRU))
    lru_append(f);
  release(&lock);
}

// The user leaf e is about to be cleared or changed: take it off its
// frame's chain, and the frame off the reclaim list if it was the last.
void
rmap_remove(pte_t *e)
{
  acquire(&lock);
  struct frame *f = kframe(pte_pa(*e));
  uint64 *l = &f->rmap;
  while(*l && link_entry(*l) != e)
    l = link_of(link_entry(*l));
  if(*l == 0)
    panic("rmap_remove: entry not on its frame's chain");
  *l = *link_of(e);
  if(f->rmap == 0)
    lru_remove(f);
  release(&lock);
}

// Call fn on every entry that maps frame pa, with its level, until fn
// returns nonzero (which is then returned). Caller holds rmap_lock, and
// fn may not change the chain.
int
rmap_walk(uint64 pa, rmap_fn fn, void *arg)
{
  for(uint64 l = kframe(pa)->rmap; l; l = *link_of(link_entry(l))){
    int r = fn(arg, link_entry(l), link_level(l));
    if(r)
      return r;
  }
  return 0;
}

// How many entries map frame pa. Caller holds rmap_lock.
int
rmap_count(uint64 pa)
{
  int n = 0;
  for(uint64 l = kframe(pa)->rmap; l; l = *link_of(link_entry(l)))
    n++;
  return n;
}

// The oldest frame on the reclaim list, or 0 when it is empty. Caller
// holds rmap_lock.
struct frame *
lru_oldest(void)
{
  return lru.lru_next == &lru ? 0 : lru.lru_next;
}

// The frame after f on the reclaim list, or 0 at its end. Caller holds
// rmap_lock.
struct frame *
lru_next(struct frame *f)
{
  return f->lru_next == &lru ? 0 : f->lru_next;
}

// Frame f, found recently used, moves to the newest end of the reclaim
// list (its second chance). Caller holds rmap_lock.
void
lru_rotate(struct frame *f)
{
  lru_remove(f);
  lru_append(f);
}

// How many frames are on the reclaim list.
uint64
lru_frames(void)
{
  return __atomic_load_n(&nlru, __ATOMIC_RELAXED);
}
