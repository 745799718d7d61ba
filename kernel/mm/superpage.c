// Superpages: 2 MiB megapages (leaves at level 1) in user address spaces.
//
// A heap gets megapages two ways (unless the process turned them off,
// superpages()):
//  - eagerly: sbrk that covers a whole 2 MiB-aligned region maps one
//    megapage there when a 2 MiB block is free (kalloc_super);
//  - by reservation, for lazily reserved heap (after Navarro et al., OSDI
//    2002): the first fault in a region that lies wholly in the heap sets
//    a free 2 MiB block aside for it (kalloc_reserve) but maps only the
//    4 KiB page touched, taken from the block at the same offset. Later
//    faults in the region take their pages from the block too. Once one
//    page in eight of the region is touched (DENSE_PAGES), or a run of
//    RUN_PAGES pages in order (a heap being filled from the start), the
//    region is taken to be used densely: the rest of the block is
//    mapped, so the region maps the block's 512 frames in order, and it
//    is promoted in place: one level-1 leaf replaces the level-0 table,
//    with no copy. Filling a large heap so costs 4 faults per 2 MiB, and
//    a heap touched sparsely (xv6's lazy tests touch one page in 64)
//    gets no page it did not touch: when memory runs short
//    the allocator breaks the reservation used least recently and its
//    untouched frames go back (mm/kalloc.c). A fault finds its region's
//    reservation through the first page mapped there: the page at offset
//    i, if its frame is frame i of a block still reserved.
// The rest of mm/ works on 4 KiB pages, so anything that changes part of
// a megapage splits it into 512 pages first.
//
// fork copies a megapage whole, so that the child has its own writable
// megapage as xv6's page-table lab expects, but only while memory is
// plentiful (kplenty): past that, or with SUPER_COW, fork shares it
// copy-on-write, so that a large process's fork never takes the memory
// its copy-on-write faults will need.
//
// Invariant: a megapage mapping holds one reference on each of its 512
// frames, exactly as 512 page mappings would. So splitting and promoting
// change no count, sharing at fork adds one to every frame, and
// unmapping drops one from every frame (a frame is freed when its count
// is zero).
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "riscv.h"
#include "proc.h"
#include "defs.h"
#include "vm.h"
#include "mm/pte.h"

#define SUPER_FRAMES (SUPERPGSIZE / PGSIZE)
#define DENSE_PAGES (SUPER_FRAMES / 8)  // touched pages that make a region dense
#define RUN_PAGES 4                     // ... or a run of this many, in order

// Does the table page t map nothing?
static int
table_empty(pagetable_t t)
{
  for(int i = 0; i < PT_ENTRIES; i++)
    if(pte_valid(t[i]))
      return 0;
  return 1;
}

// Can the 2 MiB region holding va take a megapage: does it lie wholly in
// [start, end) with nothing mapped in it? Returns the level-1 entry for
// the region (creating the tables above it), or 0. A level-0 table left
// empty by an earlier shrink is freed to make room.
pte_t *
super_slot(pagetable_t pt, uint64 va, uint64 start, uint64 end)
{
  uint64 base = SUPERPGROUNDDOWN(va);
  if(base < start || base + SUPERPGSIZE > end)
    return 0;
  pte_t *pde = walk_level(pt, base, PT_LEVEL1, 1);
  if(pde && pte_table(*pde) && table_empty(pte_next_table(*pde))){
    pagetable_free(pte_next_table(*pde));
    *pde = 0;
  }
  if(pde == 0 || pte_valid(*pde))
    return 0;
  return pde;
}

// Map a zeroed megapage with permissions perm at the empty level-1 entry
// pde (from super_slot). 0, or -1 when no 2 MiB block is free.
int
super_map_zeroed(pte_t *pde, int perm)
{
  char *mem = kalloc_super();
  if(mem == 0)
    return -1;
  memset(mem, 0, SUPERPGSIZE);
  *pde = pte_make_leaf((uint64)mem, perm);
  return 0;
}

// The block reserved for the region that the level-0 table t maps, as
// its first mapped page tells: the physical address of a block still
// reserved whose frame i is what entry i maps; 0 if there is none. (Only
// the first is looked at, to keep faults cheap: were that page replaced,
// by a copy-on-write copy say, the region just gets ordinary pages.)
static uint64
reservation_of(pagetable_t t)
{
  int i = 0;
  while(i < PT_ENTRIES && !pte_valid(t[i]))
    i++;
  if(i == PT_ENTRIES || !pte_leaf(t[i]))
    return 0;
  uint64 block = pte_pa(t[i]) - (uint64)i * PGSIZE;
  return block % SUPERPGSIZE == 0 && kreserved_left(block) > 0 ? block : 0;
}

// If the level-0 table under the level-1 entry pde maps the 512 frames
// of one block in order, each with the same permissions, private and not
// copy-on-write, replace it by a megapage leaf for that block: no copy,
// and the frames keep their one reference each. 1 if it did.
static int
super_promote(pte_t *pde)
{
  pagetable_t t = pte_next_table(*pde);
  uint64 block = pte_pa(t[0]);
  int perm = pte_flags(t[0]) & ~(PTE_A | PTE_D);
  int ad = 0;
  if(kpage_refs((uint64)t) != 1 || block % SUPERPGSIZE != 0)
    return 0;
  for(int i = 0; i < PT_ENTRIES; i++){
    if(!pte_leaf(t[i]) || pte_cow(t[i]) || pte_pa(t[i]) != block + (uint64)i * PGSIZE ||
       (pte_flags(t[i]) & ~(PTE_A | PTE_D)) != perm ||
       kpage_refs(pte_pa(t[i])) != 1)
      return 0;
    ad |= pte_flags(t[i]) & (PTE_A | PTE_D);
  }
  *pde = pte_make_leaf(block, perm | ad);
  pagetable_free(t);
  return 1;
}

// Map, zeroed and with permissions perm, every frame still set aside in
// the reservation at block, in its place in the level-0 table t: the
// region is then full, ready for super_promote. 0, or -1 when kfail()
// made the allocation fail.
static int
reservation_fill(pagetable_t t, uint64 block, int perm)
{
  uint64 taken[SUPER_FRAMES / 64];
  int n = kalloc_reserved_rest(block, taken);
  if(n < 0)
    return -1;
  for(int i = 0; n > 0 && i < PT_ENTRIES; i++){
    uint64 pa = block + (uint64)i * PGSIZE;
    if(!(taken[i / 64] & (1UL << (i % 64))))
      continue;
    if(pte_valid(t[i])){           // another page took the frame's place
      kfree((void *)pa);
      continue;
    }
    memset((void *)pa, 0, PGSIZE);
    t[i] = pte_make_leaf(pa, perm);
  }
  return 0;
}

// Does the level-0 table t map the RUN_PAGES pages that end at offset
// off (bytes) of its region with the frames at the same offsets of
// block? A heap touched in order is used densely.
static int
run_ends_at(pagetable_t t, uint64 block, uint64 off)
{
  int last = off / PGSIZE;
  if(last + 1 < RUN_PAGES)
    return 0;
  for(int i = last + 1 - RUN_PAGES; i <= last; i++)
    if(!pte_leaf(t[i]) || pte_pa(t[i]) != block + (uint64)i * PGSIZE)
      return 0;
  return 1;
}

// After a lazy fault took the page at offset off from the reservation at
// block for the region under the level-1 entry pde: once the region is
// dense (one page in eight touched, or the last RUN_PAGES touched in
// order, or its reservation used up), map the rest of the reservation
// and promote the region to a megapage. 0, or -1 when an allocation
// failed.
static int
region_densify(struct proc *p, pte_t *pde, uint64 block, uint64 off, int perm)
{
  pagetable_t t = pte_next_table(*pde);
  int left = kreserved_left(block);
  if(left > 0 && SUPER_FRAMES - left < DENSE_PAGES && !run_ends_at(t, block, off))
    return 0;
  if(left > 0 && reservation_fill(t, block, perm) != 0)
    return -1;
  if(super_promote(pde))
    vm_count(p, VM_PROMOTION);
  return 0;
}

// A lazy fault at va of process p, in its heap [start, end): map a
// zeroed page with permissions perm taken from the reservation for va's
// 2 MiB region, setting one aside first if the region lies wholly in the
// heap and nothing is mapped there yet; then see whether the region is
// dense enough to become a megapage. 1 when va is mapped, 0 when there
// is no reservation to take from (the caller maps an ordinary page), -1
// when memory ran out.
int
super_fill(struct proc *p, uint64 va, uint64 start, uint64 end, int perm)
{
  uint64 base = SUPERPGROUNDDOWN(va), off = PGROUNDDOWN(va) - base, pa;
  if(base < start || base + SUPERPGSIZE > end)
    return 0;
  pte_t *pde = walk_level(p->pagetable, base, PT_LEVEL1, 1);
  if(pde == 0)
    return -1;
  if(pte_leaf(*pde))
    return 0;
  if(!pte_valid(*pde) || table_empty(pte_next_table(*pde))){
    if((pa = kalloc_reserve(off)) == 0)
      return 0;
  } else {
    uint64 block = reservation_of(pte_next_table(*pde));
    if(block == 0)
      return 0;
    pa = block + off;
    int got = kalloc_reserved(pa);
    if(got <= 0)
      return got;
  }
  memset((void *)pa, 0, PGSIZE);
  if(mappages(p->pagetable, base + off, PGSIZE, pa, perm) != 0){
    kfree((void *)pa);
    return -1;
  }
  return region_densify(p, pde, pa - off, off, perm) == 0 ? 1 : -1;
}

// The level-1 entry mapping va if it is a megapage leaf, else 0.
pte_t *
super_leaf(pagetable_t pt, uint64 va)
{
  pte_t *pde = walk_level(pt, va, PT_LEVEL1, 0);
  return pde && pte_leaf(*pde) ? pde : 0;
}

// If a megapage maps va, replace it by a table of 512 pages with the same
// frames and flags. 0 (also when there is nothing to split), or -1 when
// no page is free for the table.
int
super_split(pagetable_t pt, uint64 va)
{
  pte_t *pde = super_leaf(pt, va);
  if(pde == 0)
    return 0;
  pagetable_t t = pagetable_alloc();
  if(t == 0)
    return -1;
  uint64 pa = pte_pa(*pde);
  int perm = pte_flags(*pde) & ~PTE_V;
  for(int i = 0; i < SUPER_FRAMES; i++)
    t[i] = pte_make_leaf(pa + (uint64)i * PGSIZE, perm);
  *pde = pte_make_table((uint64)t);
  return 0;
}

// Remove the megapage mapping at pde; with do_free, drop its reference
// on each of its frames.
void
super_unmap(pte_t *pde, int do_free)
{
  if(do_free)
    entry_put(*pde, PT_LEVEL1);
  *pde = 0;
}

// fork: make the child's empty level-1 entry *to share the parent's
// megapage *from, read-only and copy-on-write in both if it is writable,
// with one more reference on every frame.
void
super_share(pte_t *from, pte_t *to)
{
  if(pte_writable(*from))
    *from = (*from & ~PTE_W) | PTE_COW;
  entry_get(*from, PT_LEVEL1);
  *to = *from;
}

// fork: make the child's empty level-1 entry *to map a copy of the
// parent's megapage *from in a new 2 MiB block, writable if the parent
// may write it. 0, or -1 when memory is not plentiful enough for a copy
// or no block is free.
int
super_copy(pte_t *from, pte_t *to)
{
  uint64 pa = pte_pa(*from);
  char *mem = kplenty(SUPER_FRAMES) ? kalloc_super() : 0;
  if(mem == 0)
    return -1;
  memmove(mem, (char *)pa, SUPERPGSIZE);
  int perm = pte_flags(*from) & ~PTE_COW;
  if(pte_cow(*from))
    perm |= PTE_W;
  *to = pte_make_leaf((uint64)mem, perm);
  return 0;
}

// A store to the copy-on-write megapage at pde, covering va. If this
// address space holds the only reference to every frame, the megapage
// just becomes writable again; otherwise it is split and only the 4 KiB
// page stored to is copied (cow_break).
enum fault_result
super_cow_break(pagetable_t pt, uint64 va, pte_t *pde)
{
  uint64 pa = pte_pa(*pde);
  int alone = 1;
  for(int i = 0; alone && i < SUPER_FRAMES; i++)
    alone = kpage_refs(pa + (uint64)i * PGSIZE) == 1;
  if(alone){
    vm_count(myproc(), VM_COW_FAULT);
    *pde = pte_make_leaf(pa, (pte_flags(*pde) & ~PTE_COW) | PTE_W);
    return FAULT_OK;
  }
  if(super_split(pt, va) != 0)
    return FAULT_OOM;
  return cow_break(pt, va, walk(pt, va, 0));
}

// superpages(mode): SUPER_ON or SUPER_COW let the caller's heap use
// megapages, SUPER_OFF stops it, SUPER_QUERY only asks (kernel/vm.h).
// Returns the previous setting, or -1 for an unknown mode. Children
// inherit it.
uint64
sys_superpages(void)
{
  int mode;
  argint(0, &mode);
  struct proc *p = myproc();
  int old = p->superpages;
  if(mode == SUPER_OFF || mode == SUPER_ON || mode == SUPER_COW)
    p->superpages = mode;
  else if(mode != SUPER_QUERY)
    return -1;
  return old;
}
