// Looking at page tables from outside: vmprint() prints a whole tree for
// debugging, and system calls let a program see its own: kpgtbl()
// prints it, pgpte(va) returns the entry that maps va, pgaccess() reports
// which pages were touched. GDB's pgtable and pgwalk commands
// (tools/gdb/) show the same trees from the debugger.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "riscv.h"
#include "proc.h"
#include "defs.h"
#include "mm/pte.h"

// pagetable_visit's callback for vmprint: one line per entry, indented
// " .." per level below the root, with the first address it maps.
static void
print_entry(pte_t pte, int level, uint64 va, void *arg)
{
  for(int l = PT_ROOT_LEVEL; l >= level; l--)
    printf(" ..");
  printf("%p pte %p pa %p\n", (void *)va, (void *)pte, (void *)pte_pa(pte));
}

// Print the tree rooted at pt in the format of xv6's page-table lab:
// "page table 0x<root>", then every valid entry, a table entry before
// the entries under it.
void
vmprint(pagetable_t pt)
{
  printf("page table %p\n", (void *)pt);
  pagetable_visit(pt, print_entry, 0);
}

// kpgtbl(): print the calling process's page table.
uint64
sys_kpgtbl(void)
{
  vmprint(myproc()->pagetable);
  return 0;
}

// pgpte(va): the leaf entry that maps va in the calling process, at any
// level; 0 if va is not mapped.
uint64
sys_pgpte(void)
{
  uint64 va;
  argaddr(0, &va);
  pte_t *pte = walk_leaf(myproc()->pagetable, va, 0);
  return pte ? *pte : 0;
}

// pgaccess(base, npages, bitmask): for each of npages (at most
// PGACCESS_MAX) pages from base, set bit i of the bitmask if the hardware
// marked page i accessed (PTE A) since the last call, and clear the mark.
// Writes (npages+7)/8 bytes to bitmask, so an int suffices for 32 pages.
// The pages must lie below MAXVA: a range that leaves the user address
// space (or wraps around 2^64) is refused before any walk. Tables shared
// with another process (mm/sharedpt.c) are unshared first, so clearing
// A bits changes nobody else's view. The TLB is flushed so the next
// access marks the page again; this hart's TLB is the only one that can
// hold the caller's entries (see cow.c).
uint64
sys_pgaccess(void)
{
  uint64 base, bitmask = 0, dst;
  int npages;
  argaddr(0, &base);
  argint(1, &npages);
  argaddr(2, &dst);
  if(npages < 0 || npages > PGACCESS_MAX)
    return -1;
  base = PGROUNDDOWN(base);
  if(base >= MAXVA || npages > (MAXVA - base) / PGSIZE)
    return -1;
  pagetable_t pt = myproc()->pagetable;
  if(unshare_range(pt, base, base + (uint64)npages * PGSIZE) != 0)
    return -1;
  for(int i = 0; i < npages; i++){
    pte_t *pte = walk_leaf(pt, base + (uint64)i * PGSIZE, 0);
    if(pte && pte_user(*pte) && pte_accessed(*pte)){
      bitmask |= 1UL << i;
      *pte = pte_clear_accessed(*pte);
    }
  }
  sfence_vma();
  return copyout(pt, dst, (char *)&bitmask, (npages + 7) / 8);
}
