// The physical page allocator: a free list of 4 KiB pages covering all
// RAM from the end of the kernel image to PHYSTOP, and a reference count
// for every page frame. kalloc_super() takes a 2 MiB block (512 aligned
// frames that happen to be free together) off the same list, so no pool
// is set aside for superpages that 4 KiB allocations could not use.
//
// kalloc() hands out a page with one reference; kpage_get() adds one
// (a page mapped by two processes after a copy-on-write fork has two);
// kfree() drops one, and the page goes back on the free list when the
// last reference is dropped. A count of zero means "on the free list".
//
// Invariants:
//  - onlist[f] says whether frame f is on the free list, and changes
//    only under kmem.lock; a frame on the list has refs[f] == 0 (a frame
//    whose count just fell to zero is on its way there). Other count
//    changes are atomic, so counting is safe on all harts at once;
//  - the free list is doubly linked, so kalloc_super() can take any
//    frame off it;
//  - nfree is the length of the free list, nshared the number of frames
//    whose count is above one.
// Freed pages are filled with junk so that code using a page after
// freeing it fails loudly; double, misaligned and out-of-range frees
// panic.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "riscv.h"
#include "proc.h"
#include "defs.h"

extern char end[];          // first address after the kernel (linker)
uint64 phystop;             // end of the RAM the kernel uses

#define JUNK_BYTE 0x05      // fills freed pages

struct run {                // a free page, linked through its own memory
  struct run *next;
  struct run *prev;
};

static struct {
  struct spinlock lock;
  struct run *freelist;
  uint64 nfree;
  uint64 ntotal;
} kmem;

static uint32 *refs;          // references to each frame, from KERNBASE on
static uint8 *onlist;         // 1 while the frame is on the free list
static uint64 super_next;     // where kalloc_super's search starts
static uint64 first_page;     // lowest page the allocator hands out
static uint64 nshared;        // frames with more than one reference

// Frame number of pa, counted from the start of RAM.
static uint64
frame_of(uint64 pa)
{
  return (pa - KERNBASE) / PGSIZE;
}

// Panic unless pa is a page the allocator manages.
static void
check_page(uint64 pa, char *who)
{
  if(pa % PGSIZE != 0 || pa < first_page || pa >= phystop){
    printf("%s: bad physical address %p\n", who, (void *)pa);
    panic("kalloc: not a page the allocator manages");
  }
}

// Put page pa on the free list. Caller holds kmem.lock.
static void
freelist_push(uint64 pa)
{
  struct run *r = (struct run *)pa;
  r->next = kmem.freelist;
  r->prev = 0;
  if(r->next)
    r->next->prev = r;
  kmem.freelist = r;
  onlist[frame_of(pa)] = 1;
  kmem.nfree++;
}

// Take page r off the free list, wherever it is, with one reference.
// Caller holds kmem.lock.
static void
freelist_take(struct run *r)
{
  if(r->prev)
    r->prev->next = r->next;
  else
    kmem.freelist = r->next;
  if(r->next)
    r->next->prev = r->prev;
  onlist[frame_of((uint64)r)] = 0;
  refs[frame_of((uint64)r)] = 1;
  kmem.nfree--;
}

// Hand every page from the end of the kernel to the end of RAM (as the
// device tree reported it, up to MAXPHYSMEM) to the allocator.
void
kinit(void)
{
  initlock(&kmem.lock, "kmem");
  phystop = machine.ram_base + machine.ram_size;
  if(phystop > KERNBASE + MAXPHYSMEM)
    phystop = KERNBASE + MAXPHYSMEM;
  // The reference counts and list marks take the first pages after the
  // kernel: 5 bytes for every frame of RAM (160 KiB for 128 MiB).
  uint64 nframes = (phystop - KERNBASE) / PGSIZE;
  refs = (uint32 *)PGROUNDUP((uint64)end);
  onlist = (uint8 *)(refs + nframes);
  memset(refs, 0, nframes * (sizeof(uint32) + sizeof(uint8)));
  first_page = PGROUNDUP((uint64)(onlist + nframes));
  super_next = SUPERPGROUNDUP(first_page);
  for(uint64 pa = first_page; pa + PGSIZE <= phystop; pa += PGSIZE)
    freelist_push(pa);
  kmem.ntotal = kmem.nfree;
}

// Should this allocation fail on purpose? A process can ask (kfail())
// for its n-th allocation from now to fail, to test failure paths.
static int
injected_failure(void)
{
  struct proc *p = myproc();
  return p != 0 && p->kfail_after > 0 && --p->kfail_after == 0;
}

// Take one 4 KiB page off the free list, with one reference; 0 when
// memory is exhausted. The page holds junk (or, at first, whatever RAM
// held): callers that need zeros clear it.
void *
kalloc(void)
{
  if(injected_failure())
    return 0;
  acquire(&kmem.lock);
  struct run *r = kmem.freelist;
  if(r)
    freelist_take(r);
  release(&kmem.lock);
  return r;
}

// Are all the frames of the 2 MiB block at pa on the free list? Caller
// holds kmem.lock.
static int
block_free(uint64 pa)
{
  for(uint64 f = frame_of(pa); f < frame_of(pa + SUPERPGSIZE); f++)
    if(!onlist[f])
      return 0;
  return 1;
}

// Take a 2 MiB-aligned block of 512 free frames off the free list, each
// with one reference (a megapage mapping holds one on every frame); 0
// when no such block is free. The search goes round RAM from where the
// last one ended. The block holds junk.
void *
kalloc_super(void)
{
  if(injected_failure())
    return 0;
  uint64 lo = SUPERPGROUNDUP(first_page), hi = SUPERPGROUNDDOWN(phystop);
  if(lo >= hi)
    return 0;
  void *block = 0;
  acquire(&kmem.lock);
  uint64 pa = super_next;
  do {
    if(block_free(pa)){
      for(uint64 a = pa; a < pa + SUPERPGSIZE; a += PGSIZE)
        freelist_take((struct run *)a);
      block = (void *)pa;
    }
    pa = pa + SUPERPGSIZE < hi ? pa + SUPERPGSIZE : lo;
  } while(block == 0 && pa != super_next);
  super_next = pa;
  release(&kmem.lock);
  return block;
}

// Add a reference to the allocated page pa.
void
kpage_get(uint64 pa)
{
  check_page(pa, "kpage_get");
  uint32 old = __atomic_fetch_add(&refs[frame_of(pa)], 1, __ATOMIC_ACQ_REL);
  if(old == 0)
    panic("kpage_get: page is free");
  if(old == 1)
    __atomic_fetch_add(&nshared, 1, __ATOMIC_RELAXED);
}

// Drop a reference to page pa unless it is the last one: returns 0 when
// others still hold the page, or 1, leaving the count at one, when the
// caller holds the last reference. Nobody can take a new reference to a
// page only the caller holds, so 1 is final. who names the caller for
// the message about a page that is already free.
static int
drop_ref(uint64 pa, char *who)
{
  check_page(pa, who);
  uint32 *r = &refs[frame_of(pa)];
  uint32 old = __atomic_load_n(r, __ATOMIC_ACQUIRE);
  for(;;){
    if(old == 0){
      printf("%s: page %p\n", who, (void *)pa);
      panic("kalloc: double free");
    }
    if(old == 1)
      return 1;
    if(__atomic_compare_exchange_n(r, &old, old - 1, 0, __ATOMIC_ACQ_REL,
                                   __ATOMIC_ACQUIRE)){
      if(old == 2)
        __atomic_fetch_sub(&nshared, 1, __ATOMIC_RELAXED);
      return 0;
    }
  }
}

// Drop a reference to page pa, which must have come from kalloc(); free
// the page when it was the last.
void
kfree(void *pa)
{
  if(!drop_ref((uint64)pa, "kfree"))
    return;
  __atomic_store_n(&refs[frame_of((uint64)pa)], 0, __ATOMIC_RELEASE);
  memset(pa, JUNK_BYTE, PGSIZE);
  acquire(&kmem.lock);
  freelist_push((uint64)pa);
  release(&kmem.lock);
}

// Drop a reference to page pa unless it is the last one (see drop_ref):
// 1 means the caller holds the last reference and must take the page
// apart (a shared page-table page: release what it maps) before kfree().
int
kpage_put(uint64 pa)
{
  return drop_ref(pa, "kpage_put");
}

// How many references page pa has.
uint64
kpage_refs(uint64 pa)
{
  check_page(pa, "kpage_refs");
  return __atomic_load_n(&refs[frame_of(pa)], __ATOMIC_ACQUIRE);
}

// How many pages are free right now.
uint64
kfreepages(void)
{
  acquire(&kmem.lock);
  uint64 n = kmem.nfree;
  release(&kmem.lock);
  return n;
}

// How many pages the allocator manages, and how many are shared now.
uint64
ktotalpages(void)
{
  return kmem.ntotal;
}

uint64
ksharedpages(void)
{
  return __atomic_load_n(&nshared, __ATOMIC_RELAXED);
}
