// The physical page allocator: a free list of 4 KiB pages covering all
// RAM from the end of the kernel image to PHYSTOP.
//
// Invariants, all under kmem.lock:
//  - a page is on the free list exactly when its bit in free_map is set;
//  - nfree is the length of the free list.
// Freed pages are filled with junk so that code using a page after
// freeing it fails loudly; double and misaligned frees panic.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "riscv.h"
#include "defs.h"

extern char end[];          // first address after the kernel (linker)
uint64 phystop;             // end of the RAM the kernel uses

#define MAXFRAMES (MAXPHYSMEM / PGSIZE)   // page frames Atlas can track
#define JUNK_BYTE 0x05                    // fills freed pages

struct run {
  struct run *next;
};

static struct {
  struct spinlock lock;
  struct run *freelist;
  uint64 nfree;
  uint64 free_map[MAXFRAMES / 64];  // bit set: frame is on the free list
} kmem;

// Frame number of pa, counted from the start of RAM.
static uint64
frame_of(uint64 pa)
{
  return (pa - KERNBASE) / PGSIZE;
}

static int
frame_is_free(uint64 f)
{
  return (kmem.free_map[f / 64] >> (f % 64)) & 1;
}

static void
frame_set_free(uint64 f, int is_free)
{
  if(is_free)
    kmem.free_map[f / 64] |= 1UL << (f % 64);
  else
    kmem.free_map[f / 64] &= ~(1UL << (f % 64));
}

// Panic unless pa is a page the allocator manages.
static void
check_page(uint64 pa, char *who)
{
  if(pa % PGSIZE != 0 || pa < PGROUNDUP((uint64)end) || pa >= phystop){
    printf("%s: bad physical address %p\n", who, (void *)pa);
    panic("kfree: address is not a free-able page");
  }
}

// Put page pa on the free list. Caller holds kmem.lock.
static void
freelist_push(uint64 pa)
{
  struct run *r = (struct run *)pa;
  r->next = kmem.freelist;
  kmem.freelist = r;
  frame_set_free(frame_of(pa), 1);
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
  for(uint64 pa = PGROUNDUP((uint64)end); pa + PGSIZE <= phystop; pa += PGSIZE)
    freelist_push(pa);
}

// Return the page at pa to the free list. It must have come from kalloc().
void
kfree(void *pa)
{
  check_page((uint64)pa, "kfree");
  memset(pa, JUNK_BYTE, PGSIZE);
  acquire(&kmem.lock);
  if(frame_is_free(frame_of((uint64)pa))){
    release(&kmem.lock);
    printf("kfree: page %p\n", pa);
    panic("kfree: double free");
  }
  freelist_push((uint64)pa);
  release(&kmem.lock);
}

// Take one 4 KiB page off the free list; 0 when memory is exhausted.
// The page holds junk (or, at first, whatever RAM held): callers that
// need zeros clear it.
void *
kalloc(void)
{
  acquire(&kmem.lock);
  struct run *r = kmem.freelist;
  if(r){
    kmem.freelist = r->next;
    frame_set_free(frame_of((uint64)r), 0);
    kmem.nfree--;
  }
  release(&kmem.lock);
  return r;
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
