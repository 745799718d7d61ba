// User address spaces: growing, shrinking, copying and freeing the pages
// of a process between address 0 and its size. Every page handed to a
// user process is zeroed first. The trampoline and trapframe at the top
// are mapped by proc.c and are not counted in the size.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "riscv.h"
#include "defs.h"
#include "mm/pte.h"

// A new user page table with nothing mapped; 0 if out of memory.
pagetable_t
uvmcreate(void)
{
  return pagetable_alloc();
}

// Grow a process from oldsz to newsz bytes with zeroed pages mapped
// readable, user-accessible, plus xperm (PTE_W and/or PTE_X); with
// super set, whole 2 MiB-aligned regions get a megapage where a block is
// free. Returns the new size, or 0 on failure, having released
// everything it added.
uint64
uvmalloc(pagetable_t pt, uint64 oldsz, uint64 newsz, int xperm, int super)
{
  if(newsz < oldsz)
    return oldsz;
  if(newsz > USERTOP || unshare_range(pt, PGROUNDUP(oldsz), newsz) != 0)
    return 0;
  for(uint64 a = PGROUNDUP(oldsz); a < newsz; a += PGSIZE){
    pte_t *pde;
    if(super && a % SUPERPGSIZE == 0 && (pde = super_slot(pt, a, a, newsz)) &&
       super_map_zeroed(pde, PTE_R | PTE_U | xperm) == 0){
      a += SUPERPGSIZE - PGSIZE;
      continue;
    }
    // The page table first: when memory runs out, the kernel's own
    // pages come from its share and the user page fails, so a heap
    // grown a page at a time until sbrk fails leaves no user memory free.
    char *mem = walk(pt, a, 1) ? kalloc_user() : 0;
    if(mem == 0){
      uvmdealloc(pt, a, oldsz);
      return 0;
    }
    memset(mem, 0, PGSIZE);
    if(mappages(pt, a, PGSIZE, (uint64)mem, PTE_R | PTE_U | xperm) != 0){
      kfree(mem);
      uvmdealloc(pt, a, oldsz);
      return 0;
    }
  }
  return newsz;
}

// Shrink a process from oldsz to newsz bytes, freeing the pages no longer
// covered; a megapage the new end cuts is split first. Returns the new
// size, or oldsz if there is no page for that split.
uint64
uvmdealloc(pagetable_t pt, uint64 oldsz, uint64 newsz)
{
  if(newsz >= oldsz)
    return oldsz;
  uint64 from = PGROUNDUP(newsz), to = PGROUNDUP(oldsz);
  if(unshare_for_unmap(pt, from, to) != 0 ||
     (from % SUPERPGSIZE != 0 && super_split(pt, from) != 0))
    return oldsz;
  if(from < to)
    unmappages(pt, from, (to - from) / PGSIZE, 1);
  return newsz;
}

// Take user access away from the page at va (exec's stack guard page),
// and write access too: nothing stores there, so fork need not share it
// copy-on-write.
void
uvmclear(pagetable_t pt, uint64 va)
{
  pte_t *pte = walk(pt, va, 0);
  if(pte == 0 || !pte_valid(*pte))
    panic("uvmclear: page not mapped");
  *pte &= ~(PTE_U | PTE_W);
}
