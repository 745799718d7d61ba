// The physical page allocator: every 4 KiB frame of RAM from the end of
// the kernel image to PHYSTOP, a reference count for each, and 2 MiB
// blocks (512 aligned frames) for megapages and reservations.
//
// kalloc() hands out a page with one reference; kpage_get() adds one
// (a page mapped by two processes after a copy-on-write fork has two);
// kfree() drops one, and the page is free again when the last reference
// is dropped. A count of zero means "not in use".
//
// Free frames are kept so that a 2 MiB block costs the same to find
// whatever the size of RAM:
//  - a block whose 512 frames are all free is "whole" and sits on the
//    whole-block list, which hands out the block freed last first (its
//    memory is the likeliest to be cached); its frames are on no other
//    list;
//  - every other free frame is on the page list.
// kalloc() takes from the page list first and breaks up a whole block
// only when that list is empty, so that 4 KiB allocations do not nibble
// at every block; kalloc_super() takes a whole block. A kfree() that
// makes a block whole moves its frames off the page list (512 steps, once
// per block).
//
// The kernel keeps a share of memory (1/KERNEL_SHARE) for itself: pages
// that back user memory (kalloc_user, megapages, reservations) are only
// handed out while more than that is free, and the kernel's own pages
// (page tables, trapframes, pipes: kalloc) may use it. So a program that
// takes all the memory it can still leaves the kernel room to fork,
// exec, unshare and clean up, and one allocation cannot take the very
// last of a large machine's memory (xv6's usertests expect sbrk of
// 1000 MiB to fail even on 1 GiB). sysinfo() reports the memory programs
// can still get: what is free beyond the kernel's share.
//
// A reservation (after Navarro et al., OSDI 2002) is a whole block set
// aside for one 2 MiB region of a heap when its first page is touched
// (mm/superpage.c): the region's pages then come from the block, in order,
// one fault at a time, so that once all of them are touched the region
// can become a megapage without copying. A reserved frame is not in use
// but not on a free list either; it still counts as free memory, because
// when the lists are empty kalloc() breaks the reservation used least
// recently and frees its unused frames. A reservation whose pages are all
// freed again (the heap shrank, the process exited) turns back into a
// whole block; one whose frames are all handed out ends.
//
// Invariants, all under kmem.lock except the atomic count changes:
//  - state[f] says whether frame f is free, reserved or in use; a frame
//    that is free or reserved has refs[f] == 0;
//  - a block is whole, reserved or mixed (anything else), and is on the
//    whole list, on the reservation list, or on neither, accordingly;
//  - nfree counts free frames, nreserved reserved ones, nshared the
//    frames whose count is above one.
// Freed pages are filled with junk so that code using a page after
// freeing it fails loudly; double, misaligned and out-of-range frees
// panic.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "riscv.h"
#include "defs.h"
#include "mm/internal.h"

extern char end[];          // first address after the kernel (linker)
uint64 phystop;             // end of the RAM the kernel uses

#define JUNK_BYTE 0x05      // fills freed pages
#define BLOCK_FRAMES (SUPERPGSIZE / PGSIZE)
#define MAXBLOCKS (MAXPHYSMEM / SUPERPGSIZE)
#define NOBLOCK 0xffff      // end of a block list

// Whether memory is plentiful: the share of all pages (1/PLENTY_SHARE)
// that must stay free. Fork copies megapages whole only above it.
#define PLENTY_SHARE 2

// The share of all pages (1/KERNEL_SHARE) that only the kernel may take.
#define KERNEL_SHARE 32

enum frame_state { FRAME_FREE, FRAME_RESERVED, FRAME_USED };
enum block_kind { BLOCK_MIXED, BLOCK_WHOLE, BLOCK_RESERVED };

struct run {                // a free page on the page list, in its own memory
  struct run *next;
  struct run *prev;
};

struct blocklist {          // a list of blocks, linked by block number
  uint16 head, tail;
};

struct block {
  uint16 nfree;             // its frames on the page list
  uint16 nreserved;         // its frames set aside, if a reservation
  uint8 kind;               // enum block_kind
  uint16 next, prev;        // on the whole or the reservation list
};

static struct {
  struct spinlock lock;
  struct run *pages;        // free frames of mixed blocks
  struct blocklist whole;   // blocks with every frame free
  struct blocklist reserved; // reservations, least recently used first
  uint64 nfree;
  uint64 nreserved;
  uint64 ntotal;
  uint64 kernel_only;       // free pages user memory may not take
} kmem;

static uint32 *refs;          // references to each frame, from KERNBASE on
static uint8 *state;          // enum frame_state of each frame
static struct frame *frames;  // what the layers above keep per frame (struct frame)
static struct block blocks[MAXBLOCKS];
static uint64 first_page;     // lowest page the allocator hands out
static uint64 nshared;        // frames with more than one reference

// Frame number of pa, counted from the start of RAM, and its block.
static uint64 frame_of(uint64 pa) { return (pa - KERNBASE) / PGSIZE; }
static uint64 block_of(uint64 pa) { return frame_of(pa) / BLOCK_FRAMES; }
static uint64 block_pa(uint64 b)  { return KERNBASE + b * SUPERPGSIZE; }

// Panic unless pa is a page the allocator manages.
static void
check_page(uint64 pa, char *who)
{
  if(pa % PGSIZE != 0 || pa < first_page || pa >= phystop){
    printf("%s: bad physical address %p\n", who, (void *)pa);
    panic("kalloc: not a page the allocator manages");
  }
}

// Does block b lie wholly in the RAM the allocator manages?
static int
block_complete(uint64 b)
{
  return block_pa(b) >= first_page && block_pa(b) + SUPERPGSIZE <= phystop;
}

// Append block b to list l.
static void
blocklist_append(struct blocklist *l, uint64 b)
{
  blocks[b].next = NOBLOCK;
  blocks[b].prev = l->tail;
  if(l->tail != NOBLOCK)
    blocks[l->tail].next = b;
  else
    l->head = b;
  l->tail = b;
}

// Take block b off list l.
static void
blocklist_remove(struct blocklist *l, uint64 b)
{
  struct block *k = &blocks[b];
  if(k->prev != NOBLOCK)
    blocks[k->prev].next = k->next;
  else
    l->head = k->next;
  if(k->next != NOBLOCK)
    blocks[k->next].prev = k->prev;
  else
    l->tail = k->prev;
}

// Put free frame pa on the page list.
static void
pages_push(uint64 pa)
{
  struct run *r = (struct run *)pa;
  r->next = kmem.pages;
  r->prev = 0;
  if(r->next)
    r->next->prev = r;
  kmem.pages = r;
  blocks[block_of(pa)].nfree++;
}

// Take free frame r off the page list, wherever it is.
static void
pages_take(struct run *r)
{
  if(r->prev)
    r->prev->next = r->next;
  else
    kmem.pages = r->next;
  if(r->next)
    r->next->prev = r->prev;
  blocks[block_of((uint64)r)].nfree--;
}

// Block b's frames are all free now: move them off the page list and
// the block onto the whole list.
static void
block_make_whole(uint64 b)
{
  for(uint64 pa = block_pa(b); pa < block_pa(b) + SUPERPGSIZE; pa += PGSIZE)
    pages_take((struct run *)pa);
  blocks[b].kind = BLOCK_WHOLE;
  blocklist_append(&kmem.whole, b);
}

// Frame pa has just become free: it goes on the page list, and its
// block onto the whole list if that made the block whole.
static void
frame_free(uint64 pa)
{
  state[frame_of(pa)] = FRAME_FREE;
  kmem.nfree++;
  pages_push(pa);
  uint64 b = block_of(pa);
  if(blocks[b].nfree == BLOCK_FRAMES && block_complete(b))
    block_make_whole(b);
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
  // The frame records (Linux's struct page), reference counts and frame
  // states take the first pages after the kernel: 45 bytes for every
  // frame of RAM (1.4 MiB for 128 MiB).
  uint64 nframes = (phystop - KERNBASE) / PGSIZE;
  frames = (struct frame *)PGROUNDUP((uint64)end);
  refs = (uint32 *)(frames + nframes);
  state = (uint8 *)(refs + nframes);
  memset(frames, 0, nframes * sizeof(struct frame));
  memset(refs, 0, nframes * sizeof(uint32));
  memset(state, FRAME_USED, nframes);
  first_page = PGROUNDUP((uint64)(state + nframes));
  kmem.whole.head = kmem.whole.tail = NOBLOCK;
  kmem.reserved.head = kmem.reserved.tail = NOBLOCK;
  for(uint64 pa = first_page; pa + PGSIZE <= phystop; pa += PGSIZE)
    frame_free(pa);
  kmem.ntotal = kmem.nfree;
  kmem.kernel_only = kmem.ntotal / KERNEL_SHARE;
}

// May user memory take n more pages now? Caller holds kmem.lock.
static int
user_may_take(uint64 n)
{
  return kmem.nfree + kmem.nreserved >= n + kmem.kernel_only;
}

// Asked before every allocation whether it should fail on purpose (set
// by the process layer: a process can ask, with kfail(), for its n-th
// allocation from now to fail, to test failure paths).
static int (*failpoint)(void);

// Let fn decide, before every allocation, whether it fails on purpose.
void
kalloc_failpoint(int (*fn)(void))
{
  failpoint = fn;
}

static int
injected_failure(void)
{
  return failpoint && failpoint();
}

// Asked, when user memory runs out, to give back pages it can do without
// (the page cache's clean, unmapped pages); returns how many it freed.
static int (*shrinker)(void);

// Let fn give memory back when user memory runs out.
void
kalloc_shrinker(int (*fn)(void))
{
  shrinker = fn;
}

// Frame pa, free or reserved, is handed out now, with one reference and
// a clean record.
static void
frame_use(uint64 pa)
{
  state[frame_of(pa)] = FRAME_USED;
  refs[frame_of(pa)] = 1;
  memset(&frames[frame_of(pa)], 0, sizeof(struct frame));
}

// Block b is no reservation any more: off the reservation list, its
// frames still set aside no longer counted as such. What becomes of
// those frames is the caller's to say.
static void
reservation_end(uint64 b)
{
  blocklist_remove(&kmem.reserved, b);
  kmem.nreserved -= blocks[b].nreserved;
  blocks[b].nreserved = 0;
  blocks[b].kind = BLOCK_MIXED;
}

// Break the reservation on block b: its unused frames become free.
static void
reservation_break(uint64 b)
{
  reservation_end(b);
  for(uint64 pa = block_pa(b); pa < block_pa(b) + SUPERPGSIZE; pa += PGSIZE)
    if(state[frame_of(pa)] == FRAME_RESERVED)
      frame_free(pa);
}

// Make sure the page list has a frame, if any memory is left: break up a
// whole block, or else the least recently used reservation.
static void
pages_refill(void)
{
  if(kmem.pages)
    return;
  uint64 b = kmem.whole.tail;
  if(b != NOBLOCK){
    blocklist_remove(&kmem.whole, b);
    blocks[b].kind = BLOCK_MIXED;
    for(uint64 pa = block_pa(b); pa < block_pa(b) + SUPERPGSIZE; pa += PGSIZE)
      pages_push(pa);
  } else if(kmem.reserved.head != NOBLOCK){
    reservation_break(kmem.reserved.head);
  }
}

// Take one 4 KiB page with one reference, for the kernel itself (user
// set: to back user memory, which leaves the kernel's share alone); 0
// when memory is exhausted. The page holds junk (or, at first, whatever
// RAM held): callers that need zeros clear it.
static void *
alloc_page(int user)
{
  if(injected_failure())
    return 0;
  acquire(&kmem.lock);
  struct run *r = 0;
  if(!user || user_may_take(1)){
    pages_refill();
    r = kmem.pages;
  }
  if(r){
    pages_take(r);
    kmem.nfree--;
    frame_use((uint64)r);
  }
  release(&kmem.lock);
  return r;
}

// A page for the kernel's own use (see alloc_page).
void *
kalloc(void)
{
  return alloc_page(0);
}

// A page to back user memory (see alloc_page). When none is left, the
// shrinker is asked for pages and the allocation tried once more.
void *
kalloc_user(void)
{
  void *pa = alloc_page(1);
  if(pa == 0 && shrinker && shrinker() > 0)
    pa = alloc_page(1);
  return pa;
}

// Take a whole block off the whole list, as a block of kind kind; its
// physical address, or 0 if no block is whole. Caller holds kmem.lock.
static uint64
take_whole_block(enum block_kind kind)
{
  uint64 b = kmem.whole.tail;     // the block freed last
  if(b == NOBLOCK)
    return 0;
  blocklist_remove(&kmem.whole, b);
  blocks[b].kind = kind;
  kmem.nfree -= BLOCK_FRAMES;
  return block_pa(b);
}

// Take a 2 MiB-aligned block of 512 frames for a user megapage, each
// with one reference (a megapage mapping holds one on every frame); 0
// when no block is whole or user memory may not take that much. The
// block holds junk.
void *
kalloc_super(void)
{
  if(injected_failure())
    return 0;
  acquire(&kmem.lock);
  uint64 pa = user_may_take(BLOCK_FRAMES) ? take_whole_block(BLOCK_MIXED) : 0;
  for(uint64 a = pa; pa && a < pa + SUPERPGSIZE; a += PGSIZE)
    frame_use(a);
  release(&kmem.lock);
  return (void *)pa;
}

// Set a whole block aside as a reservation and hand out its frame at
// byte offset off, with one reference, for user memory: the frame's
// physical address, or 0 when no block is whole or user memory may not
// take a page. The other frames stay unused until
// kalloc_reserved() hands them out. The frame holds junk.
uint64
kalloc_reserve(uint64 off)
{
  acquire(&kmem.lock);
  uint64 pa = user_may_take(1) ? take_whole_block(BLOCK_RESERVED) : 0;
  if(pa){
    uint64 b = block_of(pa);
    for(uint64 f = frame_of(pa); f < frame_of(pa) + BLOCK_FRAMES; f++)
      state[f] = FRAME_RESERVED;
    blocks[b].nreserved = BLOCK_FRAMES - 1;
    kmem.nreserved += BLOCK_FRAMES - 1;
    blocklist_append(&kmem.reserved, b);
    pa += off;
    frame_use(pa);
  }
  release(&kmem.lock);
  return pa;
}

// Hand out frame pa, with one reference, for user memory, if it is still
// set aside in a reservation: 1, or 0 when it is not (the reservation
// was broken, or the frame is in use) or user memory may not take a
// page, or -1 when kfail() made this allocation fail.
// The frame holds junk. When the last frame of a reservation is handed
// out the reservation ends.
int
kalloc_reserved(uint64 pa)
{
  check_page(pa, "kalloc_reserved");
  if(injected_failure())
    return -1;
  acquire(&kmem.lock);
  uint64 b = block_of(pa);
  int ok = state[frame_of(pa)] == FRAME_RESERVED && user_may_take(1);
  if(ok){
    frame_use(pa);
    kmem.nreserved--;
    if(--blocks[b].nreserved == 0){
      reservation_end(b);
    } else {
      blocklist_remove(&kmem.reserved, b);
      blocklist_append(&kmem.reserved, b);     // now the most recently used
    }
  }
  release(&kmem.lock);
  return ok;
}

// Hand out every frame of the reservation at block still set aside, each
// with one reference, ending the reservation: one bit in taken[] (an
// array of BLOCK_FRAMES bits) for each frame handed out. Returns how
// many, 0 when block is no reservation or user memory may not take them
// all, -1 when kfail() made this allocation fail. The frames hold junk.
int
kalloc_reserved_rest(uint64 block, uint64 *taken)
{
  check_page(block, "kalloc_reserved_rest");
  if(injected_failure())
    return -1;
  acquire(&kmem.lock);
  uint64 b = block_of(block);
  int n = blocks[b].nreserved;
  if(blocks[b].kind != BLOCK_RESERVED || !user_may_take(n))
    n = 0;
  for(int i = 0; n > 0 && i < BLOCK_FRAMES; i++){
    uint64 pa = block + (uint64)i * PGSIZE;
    if(i % 64 == 0)
      taken[i / 64] = 0;
    if(state[frame_of(pa)] == FRAME_RESERVED){
      frame_use(pa);
      taken[i / 64] |= 1UL << (i % 64);
    }
  }
  if(n > 0)
    reservation_end(b);
  release(&kmem.lock);
  return n;
}

// How many frames of the block at pa are still set aside: 0 when it is
// not a reservation (any more).
int
kreserved_left(uint64 pa)
{
  if(pa < KERNBASE || pa >= phystop)
    return 0;
  acquire(&kmem.lock);
  struct block *k = &blocks[block_of(pa)];
  int n = k->kind == BLOCK_RESERVED ? k->nreserved : 0;
  release(&kmem.lock);
  return n;
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

// Frame pa of a reservation is no longer used: set it aside again, and
// turn the block back into a whole one if none of its frames is used.
static void
frame_unreserve(uint64 pa)
{
  uint64 b = block_of(pa);
  state[frame_of(pa)] = FRAME_RESERVED;
  kmem.nreserved++;
  if(++blocks[b].nreserved < BLOCK_FRAMES)
    return;
  reservation_end(b);
  kmem.nfree += BLOCK_FRAMES;
  for(uint64 f = b * BLOCK_FRAMES; f < (b + 1) * BLOCK_FRAMES; f++)
    state[f] = FRAME_FREE;
  blocks[b].kind = BLOCK_WHOLE;
  blocklist_append(&kmem.whole, b);
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
  if(blocks[block_of((uint64)pa)].kind == BLOCK_RESERVED)
    frame_unreserve((uint64)pa);
  else
    frame_free((uint64)pa);
  release(&kmem.lock);
}

// Add a reference to each of the n frames from pa (a megapage's).
void
kframes_get(uint64 pa, uint64 n)
{
  for(uint64 i = 0; i < n; i++)
    kpage_get(pa + i * PGSIZE);
}

// Drop a reference to each of the n frames from pa, freeing those whose
// last it was.
void
kframes_put(uint64 pa, uint64 n)
{
  for(uint64 i = 0; i < n; i++)
    kfree((void *)(pa + i * PGSIZE));
}

// Is the caller the only holder of each of the n frames from pa?
int
kframes_private(uint64 pa, uint64 n)
{
  for(uint64 i = 0; i < n; i++)
    if(kpage_refs(pa + i * PGSIZE) != 1)
      return 0;
  return 1;
}

// Drop a reference to page pa unless it is the last one (see drop_ref):
// 1 means the caller holds the last reference and must take the page
// apart (a shared page-table page: release what it maps) before kfree().
int
kpage_put(uint64 pa)
{
  return drop_ref(pa, "kpage_put");
}

// The record the layers above keep for frame pa (struct frame,
// mm/internal.h), and the frame a record is for.
struct frame *
kframe(uint64 pa)
{
  check_page(pa, "kframe");
  return &frames[frame_of(pa)];
}

uint64
kframe_pa(struct frame *f)
{
  return KERNBASE + (uint64)(f - frames) * PGSIZE;
}

// How many references page pa has.
uint64
kpage_refs(uint64 pa)
{
  check_page(pa, "kpage_refs");
  return __atomic_load_n(&refs[frame_of(pa)], __ATOMIC_ACQUIRE);
}

// How many pages are free right now, counting reserved frames: kalloc()
// takes them back when nothing else is left.
uint64
kfreepages(void)
{
  acquire(&kmem.lock);
  uint64 n = kmem.nfree + kmem.nreserved;
  release(&kmem.lock);
  return n;
}

// Would taking n more pages leave memory plentiful (1/PLENTY_SHARE of
// it free)? Work that only saves time later, such as copying a megapage
// whole at fork, is done only then.
int
kplenty(uint64 n)
{
  uint64 free = kfreepages();
  return free >= n && free - n >= kmem.ntotal / PLENTY_SHARE;
}

// How many more pages user memory may take now: the free pages beyond
// the kernel's share (what sysinfo() reports).
uint64
kuserpages(void)
{
  acquire(&kmem.lock);
  uint64 free = kmem.nfree + kmem.nreserved;
  uint64 n = free > kmem.kernel_only ? free - kmem.kernel_only : 0;
  release(&kmem.lock);
  return n;
}

// How many free pages only the kernel may take.
uint64
kkernelpages(void)
{
  return kmem.kernel_only;
}

// How many of the free pages are set aside in reservations now.
uint64
kreservedpages(void)
{
  acquire(&kmem.lock);
  uint64 n = kmem.nreserved;
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
