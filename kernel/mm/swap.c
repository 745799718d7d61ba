// Swap space: the slots of the swap disk (a second virtio disk,
// kernel/dev/virtio_disk.c), one page each; who refers to them; and the
// swap cache, which holds a page while it is on its way to or from its
// slot, and afterwards while several entries share the slot, so that a
// page several processes map is read once.
//
// A slot is free or in use: a bitmap says which, and a count says how
// many swap entries (pte.h) name it. fork's copy of a swap entry takes a
// reference like a copy of a leaf does (mm/sharedpt.c's entry_get); a
// table shared by fork holds its entries' references once.
//
// A page in the swap cache has the FRAME_SWAPCACHE mark and its slot in
// its frame record, sits on a hash chain by slot, and holds one
// reference of the cache's own. It stays while FRAME_IO is set (I/O in
// progress; whoever wants the page waits) or its slot is in use.
//
// Locking: swap.lock guards the bitmap, the counts and the cache; the
// disk is read and written without it.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "riscv.h"
#include "proc.h"
#include "defs.h"
#include "mm/internal.h"

#define SLOTS_PER_PAGE (PGSIZE / sizeof(uint16))   // counts in one page
#define BITS_PER_WORD 64
#define WORDS_PER_PAGE (PGSIZE / sizeof(uint64))    // bitmap words in one page
#define MAX_SLOTS (1UL << 20)                       // 4 GiB of swap at most
#define CACHE_BUCKETS 64

static struct {
  struct spinlock lock;
  uint64 nslots;              // slots the disk holds (0: no swap)
  uint64 used;                // slots in use
  uint64 cursor;              // where the search for a free slot starts
  // Bit s of the bitmap: slot s is in use. Counts: how many swap entries
  // name each slot. Both a page at a time, allocated at boot.
  uint64 *bitmap[MAX_SLOTS / (WORDS_PER_PAGE * BITS_PER_WORD)];
  uint16 *counts[MAX_SLOTS / SLOTS_PER_PAGE];
  struct frame *cache[CACHE_BUCKETS];
  uint64 cached;              // pages in the swap cache
} swap;

// Fail the n-th swap read or write, or slot allocation, from now (0:
// none); set by swapctl (SWAPCTL_FAILIO, SWAPCTL_FAILSLOT).
static int fail_io, fail_slot;

// Is this the failure countdown *n set for? Counts it down.
static int
injected(int *n)
{
  return __atomic_load_n(n, __ATOMIC_RELAXED) > 0 && __atomic_sub_fetch(n, 1, __ATOMIC_RELAXED) == 0;
}

// A zeroed page for the swap space's books; at boot, so none is short.
static void *
books_page(void)
{
  void *p = kalloc();
  if(p == 0)
    panic("swap_init: no memory");
  memset(p, 0, PGSIZE);
  return p;
}

// Size the swap space from the swap disk, if there is one. Called once
// at boot, after the allocator and the disks are ready; a disk larger
// than MAX_SLOTS pages is used up to there.
void
swap_init(void)
{
  initlock(&swap.lock, "swap");
  uint64 n = swapdisk_pages();
  if(n > MAX_SLOTS)
    n = MAX_SLOTS;
  for(uint64 i = 0; i * WORDS_PER_PAGE * BITS_PER_WORD < n; i++)
    swap.bitmap[i] = books_page();
  for(uint64 i = 0; i * SLOTS_PER_PAGE < n; i++)
    swap.counts[i] = books_page();
  swap.nslots = n;
}

// The reference count of slot s.
static uint16 *
count_of(uint64 s)
{
  if(s >= swap.nslots)
    panic("swap: bad slot");
  return &swap.counts[s / SLOTS_PER_PAGE][s % SLOTS_PER_PAGE];
}

// Word w of the bitmap.
static uint64 *
word_of(uint64 w)
{
  return &swap.bitmap[w / WORDS_PER_PAGE][w % WORDS_PER_PAGE];
}

// Mark slot s in use (used set) or free in the bitmap.
static void
bitmap_set(uint64 s, int used)
{
  uint64 bit = 1UL << (s % BITS_PER_WORD);
  if(used)
    *word_of(s / BITS_PER_WORD) |= bit;
  else
    *word_of(s / BITS_PER_WORD) &= ~bit;
}

// Take a free slot into *slot, in use but with no reference yet (the
// caller adds one for each entry it makes name it): 0, or -1 when swap
// is full or there is none. The search goes on from where the last one
// ended, a word of the bitmap at a time, so that slots are handed out
// in disk order. Caller holds swap.lock.
static int
slot_take(uint64 *slot)
{
  if(injected(&fail_slot))
    return -1;
  uint64 words = (swap.nslots + BITS_PER_WORD - 1) / BITS_PER_WORD;
  for(uint64 i = 0; swap.used < swap.nslots && i <= words; i++){
    uint64 w = (swap.cursor / BITS_PER_WORD + i) % words;
    uint64 free = ~*word_of(w);
    if(free == 0)
      continue;
    uint64 s = w * BITS_PER_WORD;
    for(; !(free & 1); free >>= 1)
      s++;
    if(s >= swap.nslots)
      continue;
    bitmap_set(s, 1);
    swap.used++;
    swap.cursor = s + 1;
    *slot = s;
    return 0;
  }
  return -1;
}

// The bucket of the swap cache that slot s hashes to.
static struct frame **
bucket(uint64 s)
{
  return &swap.cache[s % CACHE_BUCKETS];
}

// The swap cache's page for slot s, or 0. Caller holds swap.lock.
static struct frame *
cache_find(uint64 s)
{
  for(struct frame *f = *bucket(s); f; f = f->cache_next)
    if(f->slot == s)
      return f;
  return 0;
}

// Take frame f out of the swap cache and drop the cache's reference
// (freeing the page if it was the last). Caller holds swap.lock.
static void
cache_remove(struct frame *f)
{
  struct frame **p = bucket(f->slot);
  while(*p != f)
    p = &(*p)->cache_next;
  *p = f->cache_next;
  f->cache_next = 0;
  f->flags &= ~FRAME_SWAPCACHE;
  swap.cached--;
  kfree((void *)kframe_pa(f));
}

// Put page pa in the swap cache for slot s, with I/O in progress and a
// reference of the cache's own. Caller holds swap.lock; s has no page
// cached.
static void
cache_insert(uint64 pa, uint64 s)
{
  struct frame *f = kframe(pa);
  kpage_get(pa);
  f->slot = s;
  f->flags |= FRAME_SWAPCACHE | FRAME_IO;
  f->cache_next = *bucket(s);
  *bucket(s) = f;
  swap.cached++;
}

// Whether slot s's cached page f may leave the cache now: no I/O on it,
// and no entry names the slot. Caller holds swap.lock.
static void
cache_trim(struct frame *f)
{
  if(!(f->flags & FRAME_IO) && *count_of(f->slot) == 0)
    cache_remove(f);
}

// One more swap entry names slot s.
void
swap_slot_get(uint64 s)
{
  acquire(&swap.lock);
  uint16 *c = count_of(s);
  if(!(*word_of(s / BITS_PER_WORD) & (1UL << (s % BITS_PER_WORD))) || *c == 0xffff)
    panic("swap_slot_get: slot free or count full");
  (*c)++;
  release(&swap.lock);
}

// A swap entry naming slot s is gone. The last one frees the slot, and
// its page in the swap cache (unless I/O is under way: its end frees it).
void
swap_slot_put(uint64 s)
{
  acquire(&swap.lock);
  uint16 *c = count_of(s);
  if(*c == 0)
    panic("swap_slot_put: slot free");
  if(--*c == 0){
    bitmap_set(s, 0);
    swap.used--;
    struct frame *f = cache_find(s);
    if(f)
      cache_trim(f);
  }
  release(&swap.lock);
}

// The last entry mapping page pa went: if pa is in the swap cache, a
// clean copy of its slot with no I/O under way, nothing needs it in
// memory any more (the next fault reads it back): let it go.
void
swap_cache_unmapped(uint64 pa)
{
  acquire(&swap.lock);
  struct frame *f = kframe(pa);
  if((f->flags & (FRAME_SWAPCACHE | FRAME_IO)) == FRAME_SWAPCACHE && kpage_refs(pa) == 1)
    cache_remove(f);
  release(&swap.lock);
}

// How many swap entries name slot s.
uint64
swap_slot_refs(uint64 s)
{
  acquire(&swap.lock);
  uint64 n = *count_of(s);
  release(&swap.lock);
  return n;
}

// Make the n-th swap read or write (slot unset) or slot allocation
// (slot set) from now fail (0: none).
void
swap_fail(int slot, int n)
{
  __atomic_store_n(slot ? &fail_slot : &fail_io, n, __ATOMIC_RELAXED);
}

// Read or write page pa from or to slot s. Sleeps. 0, or -1 on an error.
static int
slot_io(uint64 s, uint64 pa, int write)
{
  if(injected(&fail_io))
    return -1;
  return swapdisk_rw(s, (void *)pa, write);
}

// The I/O on cached page f is over: wake those waiting for it, and let
// the page go if its slot was freed meanwhile.
static void
io_done(struct frame *f)
{
  acquire(&swap.lock);
  f->flags &= ~FRAME_IO;
  wakeup(f);
  cache_trim(f);
  release(&swap.lock);
}

// The page that holds slot s's contents, with a reference for the
// caller: from the swap cache (waiting for I/O in progress to end), or
// read from the disk into a new page, which the cache keeps while the
// slot is shared. *read is set when the disk was read. 0 when no page is
// free, -1 when the read failed. Sleeps; the caller holds no spin lock
// and a swap entry naming s (its reference keeps s in use).
uint64
swap_in(uint64 s, int *read)
{
  uint64 pa = 0;
  *read = 0;
  acquire(&swap.lock);
  for(;;){
    struct frame *f = cache_find(s);
    if(f && (f->flags & FRAME_IO)){
      sleep(f, &swap.lock);
      continue;
    }
    if(f){
      kpage_get(kframe_pa(f));
      release(&swap.lock);
      if(pa)
        kfree((void *)pa);    // another process read it meanwhile
      return kframe_pa(f);
    }
    if(pa)
      break;
    release(&swap.lock);
    if((pa = (uint64)kalloc_user()) == 0)
      return 0;
    acquire(&swap.lock);
  }
  cache_insert(pa, s);
  release(&swap.lock);
  *read = 1;
  int r = slot_io(s, pa, 0);
  if(r != 0){
    acquire(&swap.lock);
    kframe(pa)->flags &= ~FRAME_IO;     // the page holds junk: it leaves the cache
    wakeup(kframe(pa));
    cache_remove(kframe(pa));
    release(&swap.lock);
    kfree((void *)pa);
    return -1;
  }
  io_done(kframe(pa));
  return pa;
}

// Page pa, which no entry maps any more (their swap entries name slot
// s, which the caller allocated or found in the cache), goes out:
// written to s unless it is a clean copy of it already in the cache.
// The page is then let go of, unless a fault mapped it again meanwhile
// (it stays cached while s is in use). Returns 1 when the page was
// freed, 0 when it stays, -1 when the write failed (the page stays in
// the cache, with its slot, so nothing is lost). Sleeps.
int
swap_out(uint64 pa, uint64 s, int write)
{
  struct frame *f = kframe(pa);
  if(write && slot_io(s, pa, 1) != 0){
    io_done(f);
    return -1;
  }
  acquire(&swap.lock);
  f->flags &= ~FRAME_IO;
  wakeup(f);
  int freed = kpage_refs(pa) == 1;
  if(freed)
    cache_remove(f);
  else
    cache_trim(f);
  release(&swap.lock);
  return freed;
}

// Page pa is about to be unmapped everywhere and written out: put it in
// the swap cache, on a new slot, with I/O in progress (faults on the
// slot wait until swap_out ends it). Or, when pa is in the cache already
// (a copy read in earlier and still clean, mapped read-only), mark the
// I/O and use its slot. The slot goes in *s; returns 1 when it must be
// written, 0 when it holds the page already, -1 when swap is full.
// Caller holds rmap_lock, and makes each entry it unmaps name *s
// (swap_slot_get).
int
swap_cache_out(uint64 pa, uint64 *s)
{
  int r = 0;
  acquire(&swap.lock);
  struct frame *f = kframe(pa);
  if(f->flags & FRAME_SWAPCACHE){
    f->flags |= FRAME_IO;
    *s = f->slot;
  } else if(slot_take(s) == 0){
    cache_insert(pa, *s);
    r = 1;
  } else {
    r = -1;
  }
  release(&swap.lock);
  return r;
}

// Swap slots free now.
uint64
swap_free(void)
{
  acquire(&swap.lock);
  uint64 n = swap.nslots - swap.used;
  release(&swap.lock);
  return n;
}

// Swap space in use, and its size, in pages; pages in the swap cache.
void
swap_counts(uint64 *used, uint64 *total, uint64 *cached)
{
  acquire(&swap.lock);
  *used = swap.used;
  *total = swap.nslots;
  *cached = swap.cached;
  release(&swap.lock);
}
