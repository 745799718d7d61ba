// Shared page tables: fork that copies no page table (FORK_SHAREDPT),
// after McCracken (2003) and On-demand-fork (2021).
//
// fork points the child's root entries at the parent's level-1 tables
// (each covers 1 GiB) and raises those tables' reference counts: page-table
// pages are pages, counted like any other. Everything under a shared table
// is shared with it. RISC-V has no write-protect bit in a table entry, so
// the leaves carry the protection: before a table is first shared, every
// writable leaf under it becomes read-only and copy-on-write, and the
// entry pointing at it gets PTE_WPROT, so that sharing it again (a fork
// server) costs no walk. The top root entry (trampoline, trapframe,
// USYSCALL) is per process and never shared; fork copies the heap pages
// under it as copy-on-write fork does.
//
// Invariants:
//  - a table with more than one reference contains no writable leaf, and
//    nobody changes it: before changing anything under a table, a process
//    calls unshare(), which gives it private copies of the shared tables
//    on the path (each copy takes a reference on everything it maps) and
//    clears PTE_WPROT on the way;
//  - a page's reference count is the number of table entries that map it
//    (a shared table counts once, however many processes use it);
//  - exit and exec drop a shared table by dropping their reference, and
//    so does a shrink that removes a shared level-0 table's whole 2 MiB
//    (unshare_for_unmap); the holder of the last reference takes the
//    table apart (table_put).
//
// Locking: none beyond the atomic reference counts. A process changes its
// tables only in its own kernel context (one thread per process), a
// shared table is only read, and a count of one is final: only its holder
// could raise it. Copying a shared table while its other holders run is
// safe because they do not change it; the hardware may set A and D bits
// in it meanwhile, which a copy may or may not see (they are hints). No
// TLB shootdown is needed: a process's page table changes only while it
// is in the kernel, and every switch to a user page table flushes (see
// cow.c).
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "riscv.h"
#include "proc.h"
#include "defs.h"
#include "vm.h"
#include "mm/pte.h"

// Pages a leaf at level maps (1, or 512 for a megapage).
static uint64
leaf_frames(int level)
{
  return PT_LEVEL_SIZE(level) / PGSIZE;
}

// Take one more reference on what entry e at level maps: its table page,
// or every frame of its leaf (a megapage has 512).
void
entry_get(pte_t e, int level)
{
  if(pte_table(e)){
    kpage_get(pte_pa(e));
    return;
  }
  for(uint64 i = 0; i < leaf_frames(level); i++)
    kpage_get(pte_pa(e) + i * PGSIZE);
}

static void table_put(pagetable_t t, int level);

// Drop the reference entry e at level holds on what it maps: a table (the
// last holder takes it apart), or every frame of a leaf.
void
entry_put(pte_t e, int level)
{
  if(pte_table(e)){
    table_put(pte_next_table(e), level - 1);
    return;
  }
  for(uint64 i = 0; i < leaf_frames(level); i++)
    kfree((void *)(pte_pa(e) + i * PGSIZE));
}

// Drop a reference to table t (at level); the last holder releases
// everything it maps and frees it.
static void
table_put(pagetable_t t, int level)
{
  if(!kpage_put((uint64)t))
    return;
  for(int i = 0; i < PT_ENTRIES; i++){
    if(pte_valid(t[i]))
      entry_put(t[i], level);
    t[i] = 0;
  }
  pagetable_free(t);
}

// Free a user page table tree and everything it maps; shared tables are
// only let go of. The top pages must be unmapped already.
void
pagetable_release(pagetable_t pt)
{
  for(int i = 0; i < PT_ENTRIES; i++){
    if(pte_valid(pt[i]))
      entry_put(pt[i], PT_ROOT_LEVEL);
    pt[i] = 0;
  }
  pagetable_free(pt);
}

// If the table entry *e (at level) points to is shared, give this address
// space its own copy. 0, or -1 when no page is free for the copy.
static int
unshare_entry(pte_t *e, int level)
{
  pagetable_t t = pte_next_table(*e);
  if(kpage_refs((uint64)t) == 1)
    return 0;
  pagetable_t copy = pagetable_alloc();
  if(copy == 0)
    return -1;
  for(int i = 0; i < PT_ENTRIES; i++){
    if(pte_valid(t[i])){
      entry_get(t[i], level - 1);
      copy[i] = t[i];
    }
  }
  *e = pte_make_table((uint64)copy) | (*e & PTE_WPROT);
  table_put(t, level - 1);
  return 0;
}

// Make the tables on the path to va private to pt, from the root down to
// the table at level `level`, clearing PTE_WPROT on the way. *table gets
// that table, or 0 if the path ends above it. 0, or -1 when no page is
// free for a copy.
static int
unshare_path(pagetable_t pt, uint64 va, int level, pagetable_t *table)
{
  *table = 0;
  for(int l = PT_ROOT_LEVEL; l > level; l--){
    pte_t *e = &pt[PX(l, va)];
    if(!pte_table(*e))
      return 0;
    if(unshare_entry(e, l) != 0)
      return -1;
    *e &= ~PTE_WPROT;
    pt = pte_next_table(*e);
  }
  *table = pt;
  return 0;
}

// Make the tables on the path to va private to pt, so that the caller may
// change the entry for va (at any level), and clear PTE_WPROT on the way.
// Every change to a user page table goes through here first. 0, or -1
// when no page is free for a copy.
int
unshare(pagetable_t pt, uint64 va)
{
  pagetable_t leaves;
  if(va >= MAXVA)
    return 0;
  return unshare_path(pt, va, PT_LEVEL0, &leaves);
}

// unshare() every 2 MiB of [va, end) that has tables. 0 or -1.
int
unshare_range(pagetable_t pt, uint64 va, uint64 end)
{
  for(uint64 a = va; a < end; a = next_leaf_table(a))
    if(unshare(pt, a) != 0)
      return -1;
  return 0;
}

// If others share the level-0 table that maps the 2 MiB at va, let go of
// it as exit would: clear pt's entry and drop the reference. The level-1
// table holding that entry must be private already; nothing is allocated.
static void
drop_shared_leaf_table(pagetable_t pt, uint64 va)
{
  pte_t *e = walk_level(pt, va, PT_LEVEL1, 0);
  if(e == 0 || !pte_table(*e) || kpage_refs(pte_pa(*e)) == 1)
    return;
  pte_t table = *e;
  *e = 0;
  entry_put(table, PT_LEVEL1);
}

// Before a shrink unmaps [va, end): unshare_range(), except that a shared
// level-0 table whose whole 2 MiB the shrink removes is let go of rather
// than copied only to be emptied. Every copy is made before anything is
// let go of, so a failure changes nothing the process can see. 0 or -1.
int
unshare_for_unmap(pagetable_t pt, uint64 va, uint64 end)
{
  pagetable_t dir;
  for(uint64 a = va; a < end; a = next_leaf_table(a)){
    int whole = a % SUPERPGSIZE == 0 && end - a >= SUPERPGSIZE;
    if((whole ? unshare_path(pt, a, PT_LEVEL1, &dir) : unshare(pt, a)) != 0)
      return -1;
  }
  for(uint64 a = SUPERPGROUNDUP(va); a < end && end - a >= SUPERPGSIZE; a += SUPERPGSIZE)
    drop_shared_leaf_table(pt, a);
  return 0;
}

// Make every leaf under the table entry *e (at level) read-only and
// copy-on-write, and mark *e so. A marked entry, or a shared table
// (protected when it was first shared), costs nothing.
static void
write_protect(pte_t *e, int level)
{
  if((*e & PTE_WPROT) || kpage_refs(pte_pa(*e)) > 1){
    *e |= PTE_WPROT;
    return;
  }
  pagetable_t t = pte_next_table(*e);
  for(int i = 0; i < PT_ENTRIES; i++){
    if(pte_table(t[i]))
      write_protect(&t[i], level - 1);
    else if(pte_leaf(t[i]) && pte_writable(t[i]))
      t[i] = (t[i] & ~PTE_W) | PTE_COW;
  }
  *e |= PTE_WPROT;
}

// Does the level-1 table t map a megapage?
static int
has_megapage(pagetable_t t)
{
  for(int i = 0; i < PT_ENTRIES; i++)
    if(pte_leaf(t[i]))
      return 1;
  return 0;
}

// fork, for a parent whose megapages the child should get copies of
// (SUPER_ON): give the child's root entry *to a level-1 table of its own
// that shares the parent's level-0 tables (write-protected once) and maps
// a copy of each megapage (shared copy-on-write when no 2 MiB block is
// free). The parent's level-1 table at *from must be private. 0 or -1.
static int
share_below(pte_t *from, pte_t *to)
{
  pagetable_t t = pte_next_table(*from), c = pagetable_alloc();
  if(c == 0)
    return -1;
  *to = pte_make_table((uint64)c);
  for(int i = 0; i < PT_ENTRIES; i++){
    if(pte_table(t[i])){
      write_protect(&t[i], PT_LEVEL1);
      entry_get(t[i], PT_LEVEL1);
      c[i] = t[i];
    } else if(pte_leaf(t[i]) && super_copy(&t[i], &c[i]) != 0){
      super_share(&t[i], &c[i]);
    }
  }
  return 0;
}

// fork in FORK_SHAREDPT mode: make the child's (empty but for the top
// pages) table new share the parent's tables for [0, sz): each level-1
// table below the top root entry is write-protected (once) and shared,
// or, if it maps megapages the child should get copies of, only the
// level-0 tables under it are (share_below); the part of [0, sz) under
// the top root entry is copied as copy-on-write fork would
// (cow_copy_range). 0, or -1 when memory runs out.
int
uvmshare(pagetable_t old, pagetable_t new, uint64 sz)
{
  int copy_megapages = myproc()->superpages == SUPER_ON;
  int top_entry = PX(PT_ROOT_LEVEL, TRAMPOLINE);   // the per-process entry
  uint64 top = (uint64)top_entry * PT_LEVEL_SIZE(PT_ROOT_LEVEL);
  for(int i = 0; i < top_entry && (uint64)i * PT_LEVEL_SIZE(PT_ROOT_LEVEL) < sz; i++){
    pte_t *e = &old[i];
    if(!pte_table(*e))
      continue;
    if(copy_megapages && has_megapage(pte_next_table(*e))){
      if(unshare_entry(e, PT_ROOT_LEVEL) != 0 || share_below(e, &new[i]) != 0)
        return -1;
      continue;
    }
    write_protect(e, PT_ROOT_LEVEL);
    entry_get(*e, PT_ROOT_LEVEL);
    new[i] = *e;
  }
  return sz > top ? cow_copy_range(old, new, top, sz, 1) : 0;
}
