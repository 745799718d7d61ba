// Fork's copy of an address space, and copy-on-write.
//
// In FORK_EAGER mode fork copies every page of the parent. In FORK_COW
// mode it copies only the page tables: each page is mapped
// into the child too and its reference count raised. Pages that were
// writable become read-only in both and are marked PTE_COW; a later store
// faults, and cow_break() gives the storing process its own copy (or,
// when it holds the last reference, simply makes the page writable
// again). Read-only pages such as text are shared and never become
// writable.
//
// TLB: a process's page table is only changed by the kernel acting for
// that process (fork changes the parent's own PTEs), and every switch to
// or from a user page table flushes the hart's TLB (trampoline.S). So
// while a process is in the kernel no hart holds a translation from its
// page table, and no flush is needed here, on this hart or any other.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "riscv.h"
#include "proc.h"
#include "defs.h"
#include "vm.h"
#include "mm/pte.h"

// The default shares even the page tables (sharedpt.c): never measurably
// slower than FORK_COW in membench, much cheaper forks (README).
static int forkmode = FORK_SHAREDPT;

// Choose how fork copies memory (FORK_EAGER, FORK_COW or FORK_SHAREDPT), or just ask
// (FORK_QUERY). Returns the previous mode, or -1 for an unknown mode.
int
set_forkmode(int mode)
{
  if(mode != FORK_EAGER && mode != FORK_COW && mode != FORK_SHAREDPT &&
     mode != FORK_QUERY)
    return -1;
  int old = __atomic_load_n(&forkmode, __ATOMIC_RELAXED);
  if(mode != FORK_QUERY)
    __atomic_store_n(&forkmode, mode, __ATOMIC_RELAXED);
  return old;
}

// Make *to (the child's entry) map a fresh copy of the parent's page
// that `from` maps, writable if the parent may write it (now, or after a
// copy-on-write break).
static int
copy_page_eager(pte_t from, pte_t *to)
{
  char *mem = kalloc_user();
  if(mem == 0)
    return -1;
  memmove(mem, (char *)pte_pa(from), PGSIZE);
  int perm = pte_flags(from) & ~PTE_COW;
  if(pte_cow(from))
    perm |= PTE_W;
  *to = pte_make_leaf((uint64)mem, perm);
  return 0;
}

// Make *to (the child's entry) map the parent's page too. A writable page
// becomes read-only and copy-on-write in both.
static int
share_page_cow(pte_t *from, pte_t *to)
{
  if(pte_writable(*from))
    *from = (*from & ~PTE_W) | PTE_COW;
  kpage_get(pte_pa(*from));
  *to = *from;
  return 0;
}

// Give the child's page table new at base what the parent's megapage
// *mega maps: shared copy-on-write if the parent asked for that
// (SUPER_COW), else copied whole into a new 2 MiB block; when no block is
// free, shared (cow) or copied into 512 pages (eager). The parent's stays
// whole. 0, or -1 when memory runs out.
static int
copy_megapage(pte_t *mega, pagetable_t new, uint64 base, int cow)
{
  pte_t *to = walk_level(new, base, PT_LEVEL1, 1);
  if(to == 0)
    return -1;
  if(cow && myproc()->superpages == SUPER_COW){
    super_share(mega, to);
    return 0;
  }
  if(super_copy(mega, to) == 0)
    return 0;
  if(cow){
    super_share(mega, to);
    return 0;
  }
  pagetable_t t = leaf_table(new, base, 1);
  for(int i = 0; t && i < PT_ENTRIES; i++){
    pte_t page = pte_make_leaf(pte_pa(*mega) + (uint64)i * PGSIZE, pte_flags(*mega));
    if(copy_page_eager(page, &t[i]) != 0)
      return -1;
  }
  return t ? 0 : -1;
}

// Copy a parent's memory [start, end) into the child's page table,
// copy-on-write (cow set) or eagerly, one level-0 table (2 MiB) at a
// time; a megapage is shared or copied whole (superpage.c). Holes (heap
// pages never touched) stay holes. Returns 0, or -1 when memory runs
// out, after undoing the child's part.
int
cow_copy_range(pagetable_t old, pagetable_t new, uint64 start, uint64 end, int cow)
{
  for(uint64 base = start; base < end; base = next_leaf_table(base)){
    pte_t *mega = super_leaf(old, base);
    if(mega){
      if(copy_megapage(mega, new, base, cow) != 0)
        goto fail;
      continue;
    }
    pagetable_t from = leaf_table(old, base, 0);
    pagetable_t to = 0;
    for(uint64 va = base; from && va < end && va < next_leaf_table(base); va += PGSIZE){
      pte_t *pte = &from[PX(PT_LEVEL0, va)];
      if(!pte_valid(*pte))
        continue;
      if(to == 0 && (to = leaf_table(new, base, 1)) == 0)
        goto fail;
      pte_t *cpte = &to[PX(PT_LEVEL0, va)];
      if(pte_valid(*cpte))
        panic("uvmcopy: child page already mapped");
      if((cow ? share_page_cow(pte, cpte) : copy_page_eager(*pte, cpte)) != 0)
        goto fail;
    }
  }
  return 0;

 fail:
  unmappages(new, start, (PGROUNDUP(end) - start) / PGSIZE, 1);
  return -1;
}

// Give the child's page table new the parent's memory [0, sz), in the
// current fork mode: copies of every page, pages shared copy-on-write, or
// the parent's page tables themselves shared (sharedpt.c). 0, or -1 when
// memory runs out.
int
uvmcopy(pagetable_t old, pagetable_t new, uint64 sz)
{
  int mode = set_forkmode(FORK_QUERY);
  if(mode == FORK_SHAREDPT)
    return uvmshare(old, new, sz);
  return cow_copy_range(old, new, 0, sz, mode == FORK_COW);
}

// Resolve a store to the copy-on-write page at va, whose PTE is pte:
// give this address space a private, writable copy. If nobody else holds
// the page any more, it is simply made writable.
enum fault_result
cow_break(pagetable_t pt, uint64 va, pte_t *pte)
{
  uint64 pa = pte_pa(*pte);
  int perm = (pte_flags(*pte) & ~PTE_COW) | PTE_W;
  vm_count(myproc(), VM_COW_FAULT);
  if(kpage_refs(pa) == 1){
    *pte = pte_make_leaf(pa, perm);
    return FAULT_OK;
  }
  char *mem = kalloc_user();
  if(mem == 0)
    return FAULT_OOM;
  memmove(mem, (char *)pa, PGSIZE);
  *pte = pte_make_leaf((uint64)mem, perm);
  kfree((void *)pa);             // drop this address space's reference
  vm_count(myproc(), VM_COW_COPY);
  return FAULT_OK;
}
