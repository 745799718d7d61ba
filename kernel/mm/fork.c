// fork's copy of an address space's page tables, in one of three modes
// (forkmode(), kernel/vm.h):
//  - FORK_EAGER copies every page;
// lab cow: begin
//  - FORK_COW maps every page into the child too and raises its
//    reference count; pages that were writable become read-only and
//    copy-on-write (PTE_COW) in both, and a later store faults
//    (mm/anon.c). Read-only pages such as text are shared and never
//    become writable;
// lab cow: handout
// //  - FORK_COW (the cow lab) is to share pages copy-on-write;
// lab cow: end
// lab sharedpt: begin
//  - FORK_SHAREDPT (the default: never measurably slower than FORK_COW
//    in membench, much cheaper forks) shares the page tables themselves
//    (mm/sharedpt.c): the child's root entries point at the parent's
//    level-1 tables, each write-protected first (every writable leaf
//    under it made copy-on-write, and the entry marked PTE_WPROT so that
//    sharing it again costs no walk).
// lab sharedpt: handout
// //  - FORK_SHAREDPT (the sharedpt lab) is to share the page tables
// //    themselves.
// lab sharedpt: end
// lab superpages: begin
// Megapages: with SUPER_ON a megapage is copied whole (so that the child
// has its own writable megapage, as xv6's page-table lab expects) while
// memory is plentiful (kplenty); past that, or with SUPER_COW, it is
// shared copy-on-write like a page, so that a large process's fork never
// takes the memory its copy-on-write faults will need. In FORK_SHAREDPT
// a level-1 table that maps a megapage to be copied is not shared whole:
// the child gets its own, sharing the level-0 tables under it.
// An eager fork that finds no 2 MiB block free splits the parent's
// megapage and copies its pages.
// lab superpages: end
//
// A walk over the parent's tables (one for each run of adjacent regions)
// does it all; the child's tables are built alongside (its table at each
// level is kept in `to`). The top
// root entry (trampoline, trapframe, USYSCALL) is per process: the child
// has its own, and the user pages under it are copied, never shared.
//
// TLB: a process's page table is only changed by the kernel acting for
// that process (fork changes the parent's own entries), and every switch
// to or from a user page table flushes the hart's TLB (trampoline.S). So
// while a process is in the kernel no hart holds a translation from its
// page table, and no flush is needed here, on this hart or any other.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "riscv.h"
#include "defs.h"
#include "vm.h"
#include "mm/internal.h"

// The mode of the next fork: the best this kernel has.
// lab cow: begin
// lab sharedpt: begin
static int forkmode = FORK_SHAREDPT;
// lab sharedpt: handout
// static int forkmode = FORK_COW;
// lab sharedpt: end
// lab cow: handout
// static int forkmode = FORK_EAGER;
// lab cow: end

// Does this kernel implement fork mode `mode`?
static int
mode_known(int mode)
{
  switch(mode){
  case FORK_EAGER:
  // lab cow: begin
  case FORK_COW:
  // lab cow: end
  // lab sharedpt: begin
  case FORK_SHAREDPT:
  // lab sharedpt: end
    return 1;
  }
  return 0;
}

// Choose how fork copies memory (FORK_EAGER, FORK_COW or FORK_SHAREDPT),
// or just ask (FORK_QUERY). Returns the previous mode, or -1 for a mode
// this kernel does not have.
int
set_forkmode(int mode)
{
  if(mode != FORK_QUERY && !mode_known(mode))
    return -1;
  int old = __atomic_load_n(&forkmode, __ATOMIC_RELAXED);
  if(mode != FORK_QUERY)
    __atomic_store_n(&forkmode, mode, __ATOMIC_RELAXED);
  return old;
}

struct forkcopy {
  pagetable_t to[PT_LEVELS];  // the child's table at each level of the walk
  int mode;                   // FORK_*
  // lab superpages: begin
  int copy_megapages;         // SUPER_ON, or an eager fork
  // lab superpages: end
  // lab sharedpt: begin
  uint64 top;                 // the first address of the per-process root entry
  // lab sharedpt: end
};

// The child's entry that mirrors the parent's entry at level for va.
static pte_t *
child_entry(struct forkcopy *c, int level, uint64 va)
{
  return &c->to[level][PX(level, va)];
}

// lab sharedpt: begin
// Walker callbacks for write_protect.
static int
wp_table(void *arg, pte_t *e, int level, uint64 va, uint64 end)
{
  if(pte_shmap(*e))
    return WALK_SKIP;            // a shared mapping's: its stores are meant to be seen
  if(!pte_wprot(*e) && kpage_refs(pte_pa(*e)) == 1)
    return WALK_CONTINUE;
  *e = pte_mkwprot(*e);          // protected when it was first shared
  return WALK_SKIP;
}

static int
wp_table_done(void *arg, pte_t *e, int level, uint64 va, uint64 end)
{
  *e = pte_mkwprot(*e);
  return WALK_CONTINUE;
}

static int
wp_leaf(void *arg, pte_t *e, int level, uint64 va, uint64 end)
{
  *e = pte_mkcow(*e);
  return WALK_CONTINUE;
}

// Make every leaf under the table entry *e (at level) read-only and
// copy-on-write, and mark *e so. A marked entry, or a shared table
// (protected when it was first shared), costs nothing.
static void
write_protect(pte_t *e, int level)
{
  static const struct pt_walk_ops ops = { .leaf = wp_leaf, .table = wp_table, .table_done = wp_table_done };
  if(wp_table(0, e, level, 0, 0) == WALK_SKIP)
    return;
  walk_table(pte_next_table(*e), level - 1, 0, PT_TABLE_SPAN(level - 1), &ops, 0);
  *e = pte_mkwprot(*e);
}

// lab superpages: begin
static int
megapage_found(void *arg, pte_t *e, int level, uint64 va, uint64 end)
{
  return level == PT_LEVEL1 ? WALK_STOP : WALK_CONTINUE;
}

static int
skip_table(void *arg, pte_t *e, int level, uint64 va, uint64 end)
{
  return WALK_SKIP;
}

// Does the level-1 table that *e points to map a megapage?
static int
maps_megapage(pte_t *e)
{
  static const struct pt_walk_ops ops = { .leaf = megapage_found, .table = skip_table };
  return walk_table(pte_next_table(*e), PT_LEVEL1, 0, PT_TABLE_SPAN(PT_LEVEL1), &ops, 0) != 0;
}
// lab superpages: end

// In FORK_SHAREDPT, may the child share the table that the parent's
// entry *e at level points to, whole? Not under the per-process root
// entry, and not a level-1 table holding megapages to be copied.
static int
shareable(struct forkcopy *c, pte_t *e, int level, uint64 va)
{
  if(c->mode != FORK_SHAREDPT || va >= c->top)
    return 0;
  // lab superpages: begin
  return level == PT_LEVEL1 || !(c->copy_megapages && maps_megapage(e));
  // lab superpages: handout
  // return 1;
  // lab superpages: end
}
// lab sharedpt: end

// Give the child its own table mirroring the parent's at entry level,
// for va (if it has none yet), and go down into both.
static int
mirror_table(struct forkcopy *c, int level, uint64 va)
{
  pte_t *ce = child_entry(c, level, va);
  if(!pte_valid(*ce)){
    pagetable_t t = pagetable_alloc();
    if(t == 0)
      return WALK_STOP;
    *ce = pte_make_table((uint64)t);
  }
  c->to[level - 1] = pte_next_table(*ce);
  return WALK_CONTINUE;
}

// Walker callback: a table entry of the parent. Share the table whole,
// or build the child's own and go down.
static int
copy_table(void *arg, pte_t *e, int level, uint64 va, uint64 end)
{
  struct forkcopy *c = arg;
  // lab sharedpt: begin
  if(*child_entry(c, level, va) == *e)
    return WALK_SKIP;            // shared already, for an earlier run of regions
  if(shareable(c, e, level, va)){
    write_protect(e, level);
    *child_entry(c, level, va) = *e;
    entry_get(child_entry(c, level, va), level);
    return WALK_SKIP;
  }
  // lab sharedpt: end
  // Below, FORK_SHAREDPT may make megapages copy-on-write and an eager
  // fork may split one: the parent's tables there must be its own. (A
  // copy-on-write fork only marks writable leaves, and a shared table
  // has none.)
  if(c->mode != FORK_COW && unshare_entry(e, level, va) != 0)
    return WALK_STOP;
  return mirror_table(c, level, va);
}

// lab cow: begin
// Make the child's entry *ce share the parent's leaf *e (at level),
// copy-on-write if it is writable, with one more reference on its frames.
static inline int
share_leaf(pte_t *e, int level, pte_t *ce)
{
  *e = pte_mkcow(*e);
  *ce = *e;
  entry_get(ce, level);
  return WALK_CONTINUE;
}
// lab cow: end

// A leaf an eager fork copies, or a megapage: copy it whole (a megapage
// only while memory is plentiful and the process asked for copies), or
// else share it; an eager fork that finds no 2 MiB block splits the
// megapage and copies its pages one by one.
static int
copy_or_share(struct forkcopy *c, pte_t *e, int level, uint64 va, pte_t *ce)
{
  // lab superpages: begin
  int whole = level == PT_LEVEL0 ||
              (c->copy_megapages && kplenty(PT_LEVEL_FRAMES(level)));
  pte_t copy;
  if(whole && copy_leaf(*e, level, &copy) == 0){
    leaf_set(ce, copy, level);
    return WALK_CONTINUE;
  }
  // lab superpages: handout
  // pte_t copy;
  // if(copy_leaf(*e, level, &copy) == 0){
  //   leaf_set(ce, copy, level);
  //   return WALK_CONTINUE;
  // }
  // lab superpages: end
  // lab cow: begin
  if(c->mode != FORK_EAGER)
    return share_leaf(e, level, ce);
  // lab cow: end
  // lab superpages: begin
  if(level == PT_LEVEL0 || split_leaf(e, level) != 0)
    return WALK_STOP;
  return mirror_table(c, level, va);
  // lab superpages: handout
  // return WALK_STOP;
  // lab superpages: end
}

// Walker callback: a leaf of the parent. A page is shared copy-on-write
// (the common case, kept short and inline) unless the fork is eager.
static inline int
copy_leaf_entry(void *arg, pte_t *e, int level, uint64 va, uint64 end)
{
  struct forkcopy *c = arg;
  pte_t *ce = child_entry(c, level, va);
  // lab cow: begin
  if(level == PT_LEVEL0 && c->mode != FORK_EAGER)
    return share_leaf(e, level, ce);
  // lab cow: end
  return copy_or_share(c, e, level, va, ce);
}

// Walker callback: a swap entry of the parent, in a table fork does not
// share: the child's entry names the same slot, with a reference of its
// own (the page is read back by whichever faults on it first).
static int
copy_swap_entry(void *arg, pte_t *e, int level, uint64 va, uint64 end)
{
  pte_t *ce = child_entry(arg, level, va);
  *ce = *e;
  entry_get(ce, level);
  return WALK_CONTINUE;
}

// Does fork copy region v's entries? Not a shared region's: the child's
// faults map the object's pages, the same ones the parent maps.
// lab sharedpt: begin
// (A table fork shares whole may still hold a shared region's leaves,
// made read-only by write_protect; a store there is a shared fault,
// which makes it writable again without copying, mm/filemap.c.)
// lab sharedpt: end
static int
copied(struct vma *v)
{
  return !(v->flags & VMA_SHARED);
}

// Give the child's address space `new` (holding only the kernel's pages
// at the top) the parent's memory in its regions, in the current fork
// mode: one walk over each run of adjacent regions it copies, so that
// the holes between (below the mappings, say) cost nothing. 0, or -1
// when memory runs out (the caller frees `new`; the parent is intact, if
// perhaps with more pages copy-on-write).
int
fork_copy(struct mm *old, struct mm *new)
{
  struct forkcopy c = {
    .to = { [PT_ROOT_LEVEL] new->pagetable },
    .mode = set_forkmode(FORK_QUERY),
    // lab superpages: begin
    .copy_megapages = old->superpages == SUPER_ON,
    // lab superpages: end
    // lab sharedpt: begin
    .top = PX(PT_ROOT_LEVEL, TRAMPOLINE) * PT_LEVEL_SIZE(PT_ROOT_LEVEL),
    // lab sharedpt: end
  };
  // lab superpages: begin
  if(c.mode == FORK_EAGER)
    c.copy_megapages = 1;
  // lab superpages: end
  static const struct pt_walk_ops ops = { .swap = copy_swap_entry, .leaf = copy_leaf_entry,
                                          .table = copy_table };
  for(struct vma *v = old->first; v; ){
    if(!copied(v)){
      v = v->next;
      continue;
    }
    uint64 start = v->start, end = v->end;
    for(v = v->next; v && v->start == end && copied(v); v = v->next)
      end = v->end;
    if(end > USERTOP)
      end = USERTOP;           // the USYSCALL page is the child's own
    if(start < end && walk_range(old->pagetable, start, end, &ops, &c) != 0)
      return -1;
  }
  return 0;
}
