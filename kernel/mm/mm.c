// The address space as an object (struct mm, mm.h): creating one with
// the kernel's pages at the top, the regions exec builds, the heap that
// sbrk grows and shrinks, fork's copy and the release at exit or exec.
// xv6 does these with uvmcreate, uvmalloc, uvmdealloc, uvmcopy and
// uvmfree on a bare page table; here they act on an mm and its regions.
//
// The pages at the top (the trampoline, the trapframe and, with
// usyscall=on, the USYSCALL page, all from USERTOP up) are the kernel's:
// every mm maps them, and releasing an mm unmaps them without freeing.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "riscv.h"
#include "proc.h"
#include "defs.h"
#include "vm.h"
#include "mm/internal.h"

extern char _trampoline[];  // trampoline.S

static struct slab_cache mm_cache;

// Set up the allocators of address spaces and regions.
void
mm_init(void)
{
  slab_init(&mm_cache, "mm", sizeof(struct mm));
  vma_init();
  table_locks_init();
  ptlock_init();
  rmap_init();
  reclaim_init();
  mshare_init();
}

// Map the kernel's pages at the top of mm: the trampoline, the trapframe
// (user mode cannot touch either) and, if there is one, the USYSCALL page,
// which user mode may read (a region of its own). 0, or -1 when out of
// memory.
static int
map_top(struct mm *mm, void *trapframe, void *usyscall)
{
  pagetable_t pt = mm->pagetable;
  if(mappages(pt, TRAMPOLINE, PGSIZE, (uint64)_trampoline, PTE_R | PTE_X) < 0 ||
     mappages(pt, TRAPFRAME, PGSIZE, (uint64)trapframe, PTE_R | PTE_W) < 0)
    return -1;
  // lab pgtbl: begin
  if(usyscall == 0)
    return 0;
  struct vma *v = vma_alloc(USYSCALL, USYSCALL + PGSIZE, VM_READ, VMA_SPECIAL | VMA_PRIVATE, &anon_ops,
                            "usyscall");
  if(v == 0)
    return -1;
  vma_insert(mm, v);
  return mappages(pt, USYSCALL, PGSIZE, (uint64)usyscall, vma_pte_perm(v));
  // lab pgtbl: handout
  // return 0;
  // lab pgtbl: end
}

// A new address space holding only the kernel's pages at the top (see
// map_top), with one reference; 0 if out of memory. With no trapframe,
// an address space no process runs, holding nothing: an mshare
// region's (mm/mshare.c).
struct mm *
mm_create(void *trapframe, void *usyscall)
{
  struct mm *mm = slab_alloc(&mm_cache);
  if(mm == 0)
    return 0;
  initlock(&mm->lock, "mm");
  mm->refs = 1;
  mm->superpages = SUPER_OFF;
  mm->mmap_low = USERTOP;
  if((mm->pagetable = pagetable_alloc()) == 0 ||
     (trapframe && map_top(mm, trapframe, usyscall) != 0)){
    mm_put(mm);
    return 0;
  }
  return mm;
}

// Take a reference to mm, so that it stays while the caller looks at it.
void
mm_get(struct mm *mm)
{
  __atomic_fetch_add(&mm->refs, 1, __ATOMIC_RELAXED);
}

// Drop a reference to mm; the last writes back what its shared file
// mappings stored, then frees its regions, its page table and every page
// only it maps. May write the disk: the caller holds no spin lock.
void
mm_put(struct mm *mm)
{
  if(__atomic_sub_fetch(&mm->refs, 1, __ATOMIC_ACQ_REL) > 0)
    return;
  for(struct vma *v = mm->first; v; v = v->next)
    mapping_sync(mm, v, v->start, v->end);
  // The regions leave their objects' lists first: then nobody looking
  // for a table to share (mm/filemap.c) reads the tables released next.
  struct vma *gone = 0;
  while(mm->first){
    struct vma *v = mm->first;
    vma_remove(mm, v);
    v->next = gone;
    gone = v;
  }
  if(mm->pagetable){
    pt_enter();                  // reclaim may reach these tables through its pages
    unmap_range(mm->pagetable, USERTOP, MAXVA, UNMAP_CLEAR);
    pagetable_release(mm->pagetable);
    pt_exit();
  }
  while(gone){
    struct vma *v = gone;
    gone = v->next;
    vma_free(v);
  }
  slab_free(&mm_cache, mm);
}

// Add an anonymous region [start, end) (page-aligned, below USERTOP and
// free) with permissions prot (VM_*), kind flags and a name, and map
// zeroed pages over all of it. exec builds a program's regions so. The
// region, or 0 when out of memory (what it mapped stays in mm for the
// caller to free with it).
struct vma *
mm_map_anon(struct mm *mm, uint64 start, uint64 end, int prot, int flags, char *name)
{
  struct vma *v = vma_alloc(start, end, prot, flags | VMA_PRIVATE, &anon_ops, name);
  if(v == 0)
    return 0;
  vma_insert(mm, v);
  pt_enter();
  int r = start < end ? anon_populate(mm, v, start, end, 0) : 0;
  pt_exit();
  return r == 0 ? v : 0;
}

// Begin the heap at start: an empty region that sbrk grows.
int
mm_heap_init(struct mm *mm, uint64 start)
{
  mm->heap = mm_map_anon(mm, start, start, VM_READ | VM_WRITE, VMA_GROWSUP, "heap");
  mm->brk = start;
  return mm->heap ? 0 : -1;
}

// Grow the heap to newbrk: allocate the pages now (eager set) or leave
// them to page faults. Caller holds mm->lock. 0, or -1 when eager pages
// could not be had (nothing changed).
static int
heap_grow(struct mm *mm, uint64 newbrk, int eager)
{
  struct vma *heap = mm->heap;
  uint64 end = PGROUNDUP(newbrk);
  if(heap->next && end > heap->next->start)
    return -1;                   // another region is in the way
  if(eager && anon_populate(mm, heap, heap->end, end, mm->superpages != SUPER_OFF) != 0)
    return -1;
  heap->end = end;
  mm->brk = newbrk;
  return 0;
}

// Shrink the heap to newbrk, freeing the pages no longer covered. Caller
// holds mm->lock. 0, or -1 when out of memory for splitting a megapage or
// copying a shared table at the new end (nothing changed).
static int
heap_shrink(struct mm *mm, uint64 newbrk)
{
  uint64 end = PGROUNDUP(newbrk);
  if(unmap_range(mm->pagetable, end, mm->heap->end, UNMAP_PAGES) != 0)
    return -1;
  mm->heap->end = end;
  mm->brk = newbrk;
  return 0;
}

// sbrk(n, mode) on mm: grow (n > 0) or shrink (n < 0) the heap by n
// bytes.
//   - SBRK_EAGER allocates zeroed pages now, or fails with nothing
//     changed (current xv6). With the boot option overcommit=on (the 2020
//     lazy lab's sbrk) growth that memory cannot back now is reserved
//     instead, and a fault that finds no page kills the process. With
//     overcommit=swap, swap counts as memory: growth that free memory
//     and free swap together can back is reserved (the faults that fill
//     it swap other pages out), and more fails;
//   - SBRK_LAZY only reserves: page faults fill the range (mm/anon.c).
// The heap never grows past USERTOP. A shrink by more than the heap
// changes nothing, and reports success, as xv6's does. Returns 0, or -1
// on failure (nothing changed).
int
mm_sbrk(struct mm *mm, int n, int mode)
{
  uint64 brk = mm->brk;
  int r = 0;
  mm_lock(mm);
  if(n > 0){
    uint64 pages = (PGROUNDUP(brk + n) - PGROUNDUP(brk)) / PGSIZE;
    // lab lazy: begin
    int eager = mode == SBRK_EAGER;
    if((uint64)n > USERTOP - brk)
      r = -1;
    else if(eager && pages <= kuserpages() && heap_grow(mm, brk + n, 1) == 0)
      r = 0;
    else if(eager && kconfig.overcommit == OVERCOMMIT_SWAP && pages <= kuserpages() + swap_free())
      r = heap_grow(mm, brk + n, 0);
    else if(eager && kconfig.overcommit != OVERCOMMIT_ON)
      r = -1;
    else
      r = heap_grow(mm, brk + n, 0);
    // lab lazy: handout
    // // Every mode allocates now, or fails with nothing changed.
    // if((uint64)n > USERTOP - brk || pages > kuserpages())
    //   r = -1;
    // else
    //   r = heap_grow(mm, brk + n, 1);
    // lab lazy: end
  } else if(n < 0 && (uint64)-(long)n <= brk - mm->heap->start){
    r = heap_shrink(mm, brk + n);
  }
  mm_unlock(mm);
  return r;
}

// Give `new` (fresh from mm_create) a copy of old's regions, heap and
// settings, and its memory in the current fork mode (mm/fork.c); *ns
// gets the time the memory took, the part the fork mode decides
// (memstat's p_fork_copy_ns). 0, or -1 when out of memory (the caller
// frees new).
int
mm_copy(struct mm *old, struct mm *new, uint64 *ns)
{
  for(struct vma *v = old->first; v; v = v->next){
    if(v->flags & VMA_SPECIAL)
      continue;
    struct vma *c = vma_dup(v);
    if(c == 0)
      return -1;
    vma_insert(new, c);
    if(v == old->heap)
      new->heap = c;
  }
  new->brk = old->brk;
  new->mmap_low = old->mmap_low;
  new->superpages = old->superpages;
  uint64 t0 = time_ns();
  mm_lock(old);
  int r = fork_copy(old, new);
  mm_unlock(old);
  *ns = time_ns() - t0;
  return r;
}

// The physical address of the user page mapped at va in mm, with a
// reference the caller drops with kfree() when done with it (reclaim
// leaves a page so held alone); 0 if va is not mapped. For exec, which
// reads a program into its new address space a page at a time.
uint64
mm_page_get(struct mm *mm, uint64 va)
{
  mm_lock(mm);
  uint64 pa = walkaddr(mm->pagetable, va);
  if(pa)
    kpage_get(PGROUNDDOWN(pa));
  mm_unlock(mm);
  return pa;
}

// The OOM killer's measure of mm (kernel/proc/proc.c): its resident
// pages plus its pages out on swap, each also given in *resident and
// *swapped. A page several address spaces map counts for each.
uint64
mm_badness(struct mm *mm, uint64 *resident, uint64 *swapped)
{
  struct census c = { .largest = -1 };
  mm_lock(mm);
  pagetable_census(mm->pagetable, 0, USERTOP, &c);
  mm_unlock(mm);
  *resident = c.user_pages;
  *swapped = c.swapped;
  return c.user_pages + c.swapped;
}

// superpages(mode): SUPER_ON or SUPER_COW let the caller's heap use
// megapages, SUPER_OFF stops it, SUPER_QUERY only asks (kernel/vm.h).
// Returns the previous setting, or -1 for an unknown mode. Children
// inherit it, and so does the program exec runs.
uint64
sys_superpages(void)
{
  int mode;
  argint(0, &mode);
  struct mm *mm = myproc()->mm;
  int old = mm->superpages;
  if(mode == SUPER_OFF || mode == SUPER_ON || mode == SUPER_COW)
    mm->superpages = mode;
  else if(mode != SUPER_QUERY)
    return -1;
  return old;
}
