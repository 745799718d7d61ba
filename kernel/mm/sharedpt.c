// References to page tables and frames: how a table comes to be shared
// by several address spaces, how a process gets its own copy before it
// changes one (unsharing), and how ranges and whole trees are unmapped.
// Tables are shared by fork (FORK_SHAREDPT, mm/fork.c), after McCracken
// (2003) and On-demand-fork (2021).
//
// Page-table pages are pages, counted like any other: an entry pointing
// to a table holds one reference on it, a leaf holds one on each frame
// it maps (a megapage on all 512). So a child of fork can point its root
// entries at the parent's tables and take a reference on each; everything
// under a shared table is shared with it.
//
// Invariants:
//  - a table with more than one reference contains no writable leaf
//    (fork write-protected it), and nobody changes it: before changing
//    anything under a table, a process unshares the path to it
//    (unshare_entry on each table entry on the way down), getting
//    private copies of the shared tables there (each copy takes a
//    reference on everything it maps), and clears PTE_WPROT on the way;
//  - a page's reference count is the number of table entries that map it
//    (a shared table counts once, however many processes use it);
//  - exit and exec drop a shared table by dropping their reference, and
//    so does an unmap that covers the table's whole span; the holder of
//    the last reference takes the table apart (table_put).
//
// Locking: none beyond the atomic reference counts. A process changes its
// tables only in its own kernel context (one thread per process), a
// shared table is only read, and a count of one is final: only its holder
// could raise it. Copying a shared table while its other holders run is
// safe because they do not change it; the hardware may set A and D bits
// in it meanwhile, which a copy may or may not see (they are hints). No
// TLB shootdown is needed: a process's page table changes only while it
// is in the kernel, and every switch to or from a user page table flushes
// the hart's TLB (trampoline.S), so no other hart holds a translation
// from it then.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "riscv.h"
#include "defs.h"
#include "mm/internal.h"

static void table_put(pagetable_t t, int level);

#define TABLE_LOCKS 64         // locks of shared mappings' tables, chosen by address
static struct spinlock table_locks[TABLE_LOCKS];

// Set up the locks of shared tables.
void
table_locks_init(void)
{
  for(int i = 0; i < TABLE_LOCKS; i++)
    initlock(&table_locks[i], "table");
}

// The lock that guards the entries of table t while the address spaces
// that map a shared region change them (a table a PTE_SHMAP entry points
// to: McCracken's pte_page_lock). Tables share TABLE_LOCKS locks, chosen
// by address; nobody holds two at once.
struct spinlock *
table_lock(pagetable_t t)
{
  return &table_locks[((uint64)t >> PGSHIFT) % TABLE_LOCKS];
}

// Drop the reference entry *e at level holds on what it maps: a table
// (the last holder takes it apart), every frame of a leaf (which leaves
// its frame's chain), or a swap slot. The caller clears the entry.
void
entry_put(pte_t *e, int level)
{
  if(pte_swap(*e)){
    swap_slot_put(pte_swap_slot(*e));
    return;
  }
  if(pte_table(*e)){
    table_put(pte_next_table(*e), level - 1);
    return;
  }
  rmap_remove(e);
  if(level > PT_LEVEL0){
    kframes_put(pte_pa(*e), PT_LEVEL_FRAMES(level));
    return;
  }
  kfree((void *)pte_pa(*e));
  if(kframe(pte_pa(*e))->flags & FRAME_SWAPCACHE)
    swap_cache_unmapped(pte_pa(*e));
}

// The opposite of sharing: in *copy, a leaf at level mapping a private
// copy of what leaf `from` maps (a page, or a megapage in a new 2 MiB
// block), writable if `from` was writable or copy-on-write, for the
// caller to set (leaf_set). 0, or -1 when no memory is free for the copy.
int
copy_leaf(pte_t from, int level, pte_t *copy)
{
  void *mem = level == PT_LEVEL0 ? kalloc_user() : kalloc_super();
  if(mem == 0)
    return -1;
  memmove(mem, (void *)pte_pa(from), PT_LEVEL_SIZE(level));
  *copy = pte_make_leaf((uint64)mem, pte_copy_perm(from));
  return 0;
}

// Walker callback: drop what entry e maps, and clear it.
static int
drop_entry(void *arg, pte_t *e, int level, uint64 va, uint64 end)
{
  entry_put(e, level);
  *e = 0;
  return WALK_SKIP;
}

// lab sharedpt: begin
// Walker callback: take a reference on what entry e maps.
static int
get_entry(void *arg, pte_t *e, int level, uint64 va, uint64 end)
{
  entry_get(e, level);
  return WALK_SKIP;
}
// lab sharedpt: end

// Drop a reference to table t (whose entries are at level); the last
// holder drops what every entry maps and frees it.
static void
table_put(pagetable_t t, int level)
{
  if(!kpage_put((uint64)t))
    return;
  static const struct pt_walk_ops ops = { .swap = drop_entry, .leaf = drop_entry,
                                          .table = drop_entry };
  walk_table(t, level, 0, PT_TABLE_SPAN(level), &ops, 0);
  pagetable_free(t);
}

// lab sharedpt: begin
// Make entry *e (at level) point to a copy of the table t it points to,
// with a reference on everything the copy maps, and drop its reference
// on t. 0, or -1 when no page is free for the copy.
static int
private_copy(pte_t *e, pagetable_t t, int level)
{
  pagetable_t copy = pagetable_alloc();
  if(copy == 0)
    return -1;
  memmove(copy, t, PGSIZE);
  static const struct pt_walk_ops ops = { .swap = get_entry, .leaf = get_entry,
                                          .table = get_entry };
  walk_table(copy, level - 1, 0, PT_TABLE_SPAN(level - 1), &ops, 0);
  *e = pte_move(*e, (uint64)copy);
  table_put(t, level - 1);
  return 0;
}
// lab sharedpt: end

// If the table that entry *e (at level, on the way to va) points to is
// shared, give this address space its own copy (a shared mapping's table
// stops being shared so), then clear PTE_WPROT:
// the caller is about to change something under it. An mshare region's
// table is never copied: it is changed in place, for every process
// attached (mm/mshare.c). A prepare_fn for pt_lookup. 0, or -1 when no
// page is free for the copy.
int
unshare_entry(pte_t *e, int level, uint64 va)
{
  if(level == PT_ROOT_LEVEL && pte_shmap(*e))
    return 0;
  // lab sharedpt: begin
  pagetable_t t = pte_next_table(*e);
  struct spinlock *lk = pte_shmap(*e) ? table_lock(t) : 0;  // its sharers change it
  if(lk)
    acquire(lk);
  int r = kpage_refs((uint64)t) > 1 ? private_copy(e, t, level) : 0;
  if(r == 0)
    *e = pte_clear_shmap(*e);  // about to differ from the region's other mappings
  if(lk)
    release(lk);
  if(r != 0)
    return -1;
  // lab sharedpt: handout
  // // No table is shared yet: each address space has its own.
  // lab sharedpt: end
  *e = pte_clear_wprot(*e);
  return 0;
}

// Make the tables on the path to va private to pt, so that the caller may
// change the entry for va (at any level). 0, or -1 when no page is free
// for a copy.
int
unshare(pagetable_t pt, uint64 va)
{
  struct pt_path path;
  return pt_lookup(pt, va, PT_LEVEL0, 0, unshare_entry, &path);
}

// A prepare_fn for the edges of an unmap: unshare a table only if the
// unmap cuts it, that is, if va lies strictly inside it; stop at the
// first table va starts (everything under it goes whole).
static int
unshare_if_cut(pte_t *e, int level, uint64 va)
{
  if(va % PT_LEVEL_SIZE(level) == 0)
    return 1;
  return unshare_entry(e, level, va);
}

// Get [start, end) ready to be unmapped without allocating: the tables
// the range cuts at either end made private, and a megapage it cuts
// split. Everything between goes whole. 0, or -1 when out of memory
// (nothing the process can see has changed).
static int
unmap_prepare(pagetable_t pt, uint64 start, uint64 end)
{
  uint64 edge[2] = { start, end };
  for(int i = 0; i < 2; i++){
    struct pt_path path;
    if(edge[i] >= MAXVA)
      continue;
    if(pt_lookup(pt, edge[i], PT_LEVEL0, 0, unshare_if_cut, &path) != 0)
      return -1;
    pte_t *e = path.e[path.level];
    if(e && pte_leaf(*e) && edge[i] % PT_LEVEL_SIZE(path.level) != 0 &&
       split_leaf(e, path.level) != 0)
      return -1;
  }
  return 0;
}

// Walker callback: make the table entry e points to this address
// space's own (the walk then goes down into it).
int
unshare_table(void *arg, pte_t *e, int level, uint64 va, uint64 end)
{
  return unshare_entry(e, level, va) == 0 ? WALK_CONTINUE : WALK_STOP;
}

// Get the entries that map [start, end) (page-aligned) ready to be
// changed in place (mprotect): every table over the range made private
// and a megapage the range cuts split. 0, or -1 when out of memory
// (nothing the process can see has changed).
int
make_private(pagetable_t pt, uint64 start, uint64 end)
{
  static const struct pt_walk_ops ops = { .table = unshare_table };
  if(unmap_prepare(pt, start, end) != 0 || walk_range(pt, start, end, &ops, 0) != 0)
    return -1;
  return 0;
}

// Walker callback: a table entry met by an unmap. One whose span the
// range covers goes whole if it is shared, or if the unmap frees tables
// (UNMAP_ALL); any other table was made private by unmap_prepare, and
// the walk goes into it. An mshare region's table, in the region's own
// address space, goes only with the last reference: an unmap in the
// region empties it for every process attached.
static int
unmap_table(void *arg, pte_t *e, int level, uint64 va, uint64 end)
{
  enum unmap_how how = *(enum unmap_how *)arg;
  uint64 refs = kpage_refs(pte_pa(*e));
  if(!covers(level, va, end) || (how != UNMAP_ALL && refs == 1) ||
     (level == PT_ROOT_LEVEL && pte_shmap(*e) && refs > 1))
    return WALK_CONTINUE;
  return drop_entry(arg, e, level, va, end);
}

// Walker callback: clear a leaf without dropping its frames.
static int
clear_leaf(void *arg, pte_t *e, int level, uint64 va, uint64 end)
{
  *e = 0;
  return WALK_CONTINUE;
}

// Remove every mapping in [start, end) (page-aligned):
//  - UNMAP_CLEAR only clears the entries (the kernel's own pages);
//  - UNMAP_PAGES drops the references they held, freeing what nobody
//    else holds, and lets go of the shared tables the range covers
//    whole, but keeps this address space's own tables, empty or not, as
//    xv6 does when a heap shrinks (it may grow again, and xv6's
//    sysinfotest counts on the tables staying);
//  - UNMAP_ALL frees the tables the range covers whole as well (munmap,
//    exit).
// Shared tables at the edges are unshared and megapages cut there are
// split first, so that nothing changes when that fails. 0, or -1 when
// out of memory for that.
int
unmap_range(pagetable_t pt, uint64 start, uint64 end, enum unmap_how how)
{
  if(start % PGSIZE != 0 || end % PGSIZE != 0)
    panic("unmap_range: not aligned");
  if(unmap_prepare(pt, start, end) != 0)
    return -1;
  static const struct pt_walk_ops clear = { .leaf = clear_leaf };
  static const struct pt_walk_ops drop = { .swap = drop_entry, .leaf = drop_entry,
                                           .table = unmap_table };
  if(how == UNMAP_CLEAR)
    walk_range(pt, start, end, &clear, &how);
  else
    walk_range(pt, start, end, &drop, &how);
  return 0;
}

// Free a user page table tree and everything it maps; shared tables are
// only let go of. The kernel's pages at the top must be unmapped already.
void
pagetable_release(pagetable_t pt)
{
  unmap_range(pt, 0, MAXVA, UNMAP_ALL);     // cuts nothing: cannot fail
  pagetable_free(pt);
}
