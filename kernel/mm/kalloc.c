// The physical page allocator: a free list of 4 KiB pages covering all
// RAM from the end of the kernel image to PHYSTOP, and a reference count
// for every page frame.
//
// kalloc() hands out a page with one reference; kpage_get() adds one
// (a page mapped by two processes after a copy-on-write fork has two);
// kfree() drops one, and the page goes back on the free list when the
// last reference is dropped. A count of zero means "on the free list".
//
// Invariants:
//  - refs[f] == 0 exactly when frame f is on the free list (kmem.lock
//    orders the transitions to and from zero; other changes are atomic,
//    so counting is safe on all harts at once);
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

struct run {
  struct run *next;
};

static struct {
  struct spinlock lock;
  struct run *freelist;
  uint64 nfree;
  uint64 ntotal;
} kmem;

static uint32 *refs;          // references to each frame, from KERNBASE on
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
  kmem.freelist = r;
  kmem.nfree++;
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
  // The reference counts take the first pages after the kernel: one
  // 32-bit count for every frame of RAM (128 KiB for 128 MiB).
  refs = (uint32 *)PGROUNDUP((uint64)end);
  uint64 nframes = (phystop - KERNBASE) / PGSIZE;
  memset(refs, 0, nframes * sizeof(uint32));
  first_page = PGROUNDUP((uint64)refs + nframes * sizeof(uint32));
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
  if(r){
    kmem.freelist = r->next;
    kmem.nfree--;
    refs[frame_of((uint64)r)] = 1;
  }
  release(&kmem.lock);
  return r;
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

// Drop a reference to page pa, which must have come from kalloc(); free
// the page when it was the last.
void
kfree(void *pa)
{
  check_page((uint64)pa, "kfree");
  uint32 old = __atomic_fetch_sub(&refs[frame_of((uint64)pa)], 1, __ATOMIC_ACQ_REL);
  if(old == 0){
    printf("kfree: page %p\n", pa);
    panic("kfree: double free");
  }
  if(old == 2)
    __atomic_fetch_sub(&nshared, 1, __ATOMIC_RELAXED);
  if(old > 1)
    return;
  memset(pa, JUNK_BYTE, PGSIZE);
  acquire(&kmem.lock);
  freelist_push((uint64)pa);
  release(&kmem.lock);
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
