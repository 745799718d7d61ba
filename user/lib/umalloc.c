// Heap allocator for Atlas user programs: malloc and free, each taking
// the same time whatever the size of the heap (a program that mallocs
// 100,000 blocks on a 1 GiB machine, as xv6's usertests do, must not
// slow down as it goes).
//
// The heap is a run of blocks, each starting with a 16-byte header (so
// every payload is 16-byte aligned) that gives the block's length and
// whether it, and the block just before it, are in use. A free block
// also repeats its length in its last 8 bytes (a "boundary tag"), so
// free() finds both neighbours of a block at once and merges it with
// those that are free. Free blocks sit on doubly linked lists by size,
// one list per power of two ("bins"). malloc takes the first block of
// the list for its size if that block is big enough, else the first
// block of the next non-empty list above, in which every block is big
// enough, and splits off what it does not need. When nothing fits, the heap grows with sbrk(), at
// least GROW_BYTES at a time; the new memory merges with a free block
// that ends the heap. A heap that another sbrk() made non-contiguous
// just starts a new run, ended like every run by an in-use header of
// length 0.

#include "kernel/types.h"
#include "user/user.h"

#define HDR        16             // header size; payloads are aligned to it
#define MIN_BLOCK  48             // header, two list links, boundary tag
#define GROW_BYTES (64 * 1024)    // smallest heap extension
#define NBINS      48
#define INUSE      1UL            // flag bits in a header's size word
#define PREV_INUSE 2UL
#define FLAGS      (INUSE | PREV_INUSE)

struct block {
  uint64 size;            // length in bytes, a multiple of HDR, plus FLAGS
  uint64 pad;
  struct block *next;     // on a bin's list (free blocks only)
  struct block *prev;
};

static struct block *bins[NBINS];
static char *run_brk;            // the break just after the last run ...
static struct block *run_tail;   // ... and the length-0 header that ends it

static uint64 bsize(struct block *b) { return b->size & ~FLAGS; }
static struct block *after(struct block *b) { return (struct block *)((char *)b + bsize(b)); }

// The length of a free block, kept in its last 8 bytes.
static void
set_tag(struct block *b)
{
  *(uint64 *)((char *)b + bsize(b) - sizeof(uint64)) = bsize(b);
}

// The bin for blocks of size bytes: floor(log2(size / HDR)).
static int
bin_of(uint64 size)
{
  int i = 0;
  for(uint64 units = size / HDR; units > 1; units >>= 1)
    i++;
  return i;
}

// Put free block b on its bin's list.
static void
bin_insert(struct block *b)
{
  int i = bin_of(bsize(b));
  b->prev = 0;
  b->next = bins[i];
  if(b->next)
    b->next->prev = b;
  bins[i] = b;
}

// Take free block b off its bin's list.
static void
bin_remove(struct block *b)
{
  int i = bin_of(bsize(b));
  if(b->prev)
    b->prev->next = b->next;
  else
    bins[i] = b->next;
  if(b->next)
    b->next->prev = b->prev;
}

// Make b a free block of size bytes (its predecessor in use or not, as
// prev_inuse says), tell the block after it, and put it in a bin.
static void
make_free(struct block *b, uint64 size, uint64 prev_inuse)
{
  b->size = size | prev_inuse;
  set_tag(b);
  after(b)->size &= ~PREV_INUSE;
  bin_insert(b);
}

// Mark block b in use, keeping only need bytes of it if the rest is big
// enough to be a block of its own (which becomes free).
static void
use_block(struct block *b, uint64 need)
{
  uint64 size = bsize(b);
  if(size - need >= MIN_BLOCK){
    b->size = need | INUSE | (b->size & PREV_INUSE);
    make_free(after(b), size - need, PREV_INUSE);
  } else {
    b->size |= INUSE;
    after(b)->size |= PREV_INUSE;
  }
}

// A free block of at least need bytes, taken off its bin, or 0.
static struct block *
find_free(uint64 need)
{
  int i = bin_of(need);
  struct block *b = bins[i];
  if(b && bsize(b) >= need){
    bin_remove(b);
    return b;
  }
  for(i++; i < NBINS; i++){
    if((b = bins[i]) != 0){
      bin_remove(b);
      return b;
    }
  }
  return 0;
}

// Free block b: merge it with free neighbours and put it in a bin.
static void
release(struct block *b)
{
  uint64 size = bsize(b);
  struct block *next = after(b);
  if(!(next->size & INUSE)){
    bin_remove(next);
    size += bsize(next);
  }
  if(!(b->size & PREV_INUSE)){
    uint64 prev_size = *(uint64 *)((char *)b - sizeof(uint64));
    b = (struct block *)((char *)b - prev_size);
    bin_remove(b);
    size += prev_size;
  }
  make_free(b, size, b->size & PREV_INUSE);
}

// Grow the heap by at least need bytes, as one free block (merged with a
// free block that ended the heap). Returns 0, or -1 if sbrk refuses.
static int
grow_heap(uint64 need)
{
  uint64 bytes = need + 3 * HDR;        // alignment at both ends, end header
  if(bytes < GROW_BYTES)
    bytes = GROW_BYTES;
  if(bytes > 0x7fffffff)
    return -1;
  char *p = sbrk((int)bytes);
  if(p == SBRK_ERROR)
    return -1;
  struct block *b;
  uint64 prev_inuse = PREV_INUSE;       // a new run: nothing before it to merge
  if(p == run_brk){
    b = run_tail;                       // the old end header becomes the block
    prev_inuse = b->size & PREV_INUSE;
  } else {
    b = (struct block *)(((uint64)p + HDR - 1) & ~(uint64)(HDR - 1));
  }
  run_brk = p + bytes;
  run_tail = (struct block *)(((uint64)run_brk & ~(uint64)(HDR - 1)) - HDR);
  run_tail->size = INUSE;               // length 0: the run ends here
  b->size = (uint64)((char *)run_tail - (char *)b) | prev_inuse;
  release(b);
  return 0;
}

// Allocate nbytes of memory; returns 0 if the heap cannot grow enough.
void*
malloc(uint nbytes)
{
  uint64 need = ((uint64)nbytes + HDR + HDR - 1) & ~(uint64)(HDR - 1);
  if(need < MIN_BLOCK)
    need = MIN_BLOCK;
  struct block *b = find_free(need);
  if(b == 0){
    if(grow_heap(need) < 0)
      return 0;
    b = find_free(need);
  }
  use_block(b, need);
  return (char *)b + HDR;
}

// Return memory obtained from malloc to the heap. free(0) does nothing.
void
free(void *p)
{
  if(p == 0)
    return;
  struct block *b = (struct block *)((char *)p - HDR);
  b->size &= ~INUSE;
  release(b);
}
