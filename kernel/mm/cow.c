// Fork's copy of an address space, and copy-on-write.
//
// In FORK_EAGER mode fork copies every page of the parent. In FORK_COW
// mode (the default) it copies only the page tables: each page is mapped
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

static int forkmode = FORK_COW;

// Choose how fork copies memory (FORK_EAGER or FORK_COW), or just ask
// (FORK_QUERY). Returns the previous mode, or -1 for an unknown mode.
int
set_forkmode(int mode)
{
  if(mode != FORK_EAGER && mode != FORK_COW && mode != FORK_QUERY)
    return -1;
  int old = __atomic_load_n(&forkmode, __ATOMIC_RELAXED);
  if(mode != FORK_QUERY)
    __atomic_store_n(&forkmode, mode, __ATOMIC_RELAXED);
  return old;
}

// Map into the child a fresh copy of the parent's page pa, writable if
// the parent may write it (now, or after a copy-on-write break).
static int
copy_page_eager(pagetable_t new, uint64 va, pte_t pte)
{
  char *mem = kalloc();
  if(mem == 0)
    return -1;
  memmove(mem, (char *)pte_pa(pte), PGSIZE);
  int perm = pte_flags(pte) & ~(PTE_V | PTE_COW);
  if(pte_cow(pte))
    perm |= PTE_W;
  if(mappages(new, va, PGSIZE, (uint64)mem, perm) != 0){
    kfree(mem);
    return -1;
  }
  return 0;
}

// Map the parent's page into the child as well. A writable page becomes
// read-only and copy-on-write in both (the parent's PTE is *ppte).
static int
share_page_cow(pagetable_t new, uint64 va, pte_t *ppte)
{
  if(pte_writable(*ppte))
    *ppte = (*ppte & ~PTE_W) | PTE_COW;
  uint64 pa = pte_pa(*ppte);
  if(mappages(new, va, PGSIZE, pa, pte_flags(*ppte) & ~PTE_V) != 0)
    return -1;
  kpage_get(pa);
  return 0;
}

// Copy a parent's memory [0, sz) into the child's page table, in the
// current fork mode. Holes (heap pages never touched) stay holes.
// Returns 0, or -1 when memory runs out, after undoing the child's part.
int
uvmcopy(pagetable_t old, pagetable_t new, uint64 sz)
{
  int mode = set_forkmode(FORK_QUERY);
  for(uint64 va = 0; va < sz; va += PGSIZE){
    pte_t *pte = walk(old, va, 0);
    if(pte == 0 || !pte_valid(*pte))
      continue;
    int r = mode == FORK_COW ? share_page_cow(new, va, pte)
                             : copy_page_eager(new, va, *pte);
    if(r != 0){
      unmappages(new, 0, PGROUNDUP(sz) / PGSIZE, 1);
      return -1;
    }
  }
  return 0;
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
  char *mem = kalloc();
  if(mem == 0)
    return FAULT_OOM;
  memmove(mem, (char *)pa, PGSIZE);
  *pte = pte_make_leaf((uint64)mem, perm);
  kfree((void *)pa);             // drop this address space's reference
  vm_count(myproc(), VM_COW_COPY);
  return FAULT_OK;
}
