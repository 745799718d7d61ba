// Heap allocator for Atlas user programs: malloc and free.
//
// Memory is handed out in units the size of a block header (16 bytes,
// which also keeps every payload 16-byte aligned). Each block starts with
// a header giving its length in units. Free blocks sit on a single list
// kept in address order, so free() can merge a block with the free
// neighbours on either side. When no free block is large enough, the heap
// is extended with sbrk().

#include "kernel/types.h"
#include "user/user.h"

#define GROW_UNITS 1024   // smallest heap extension, in units (16 KiB)

// Header in front of every block, allocated or free.
struct header {
  struct header *next;   // next free block by address (free blocks only)
  uint64 units;          // block length in units, header included
};

static struct header *freelist;   // lowest-addressed free block, or 0

// Put block b on the free list, merging it with adjacent free blocks.
static void
insert_free(struct header *b)
{
  struct header *prev = 0;
  struct header *cur = freelist;
  while(cur != 0 && cur < b){
    prev = cur;
    cur = cur->next;
  }

  // Link b between prev and cur, absorbing cur if it starts where b ends.
  if(cur != 0 && b + b->units == cur){
    b->units += cur->units;
    b->next = cur->next;
  } else {
    b->next = cur;
  }

  // Let prev absorb b if b starts where prev ends.
  if(prev == 0){
    freelist = b;
  } else if(prev + prev->units == b){
    prev->units += b->units;
    prev->next = b->next;
  } else {
    prev->next = b;
  }
}

// Extend the heap by at least units units and add the new memory to the
// free list. Returns 0 on success, -1 if the kernel refuses.
static int
grow_heap(uint64 units)
{
  if(units < GROW_UNITS)
    units = GROW_UNITS;
  uint64 bytes = units * sizeof(struct header);
  if(bytes > 0x7fffffff)
    return -1;
  char *p = sbrk((int)bytes);
  if(p == (char*)-1)
    return -1;
  struct header *b = (struct header*)p;
  b->units = units;
  insert_free(b);
  return 0;
}

// Take a block of exactly units units from the first free block big enough,
// or return 0 if there is none. A larger block is split and its tail used.
static struct header*
take_free(uint64 units)
{
  struct header *prev = 0;
  for(struct header *cur = freelist; cur != 0; prev = cur, cur = cur->next){
    if(cur->units < units)
      continue;
    if(cur->units == units){
      if(prev == 0)
        freelist = cur->next;
      else
        prev->next = cur->next;
      return cur;
    }
    cur->units -= units;
    struct header *tail = cur + cur->units;
    tail->units = units;
    return tail;
  }
  return 0;
}

// Allocate nbytes of memory; returns 0 if the heap cannot grow enough.
void*
malloc(uint nbytes)
{
  uint64 units = 1 + ((uint64)nbytes + sizeof(struct header) - 1) / sizeof(struct header);
  struct header *b = take_free(units);
  if(b == 0){
    if(grow_heap(units) < 0)
      return 0;
    b = take_free(units);
    if(b == 0)
      return 0;
  }
  return b + 1;
}

// Return memory obtained from malloc to the free list. free(0) does nothing.
void
free(void *p)
{
  if(p == 0)
    return;
  insert_free((struct header*)p - 1);
}
