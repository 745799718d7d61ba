// Small objects of one size (regions, address spaces), carved from
// kernel pages: a much simplified version of the slab allocator Bonwick
// described for SunOS and Linux adopted.
//
// Each page of a cache starts with a struct slab, followed by as many
// objects as fit; free objects are chained through their own first
// word. Pages with at least one free object are on the cache's partial
// list; a full page is on no list; a page whose last object is freed
// goes back to the page allocator at once, so that a memory test that
// creates and destroys processes sees every page come back.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "riscv.h"
#include "proc.h"
#include "defs.h"
#include "mm/internal.h"

struct slab {
  struct slab *prev, *next;   // on the cache's partial list
  uint inuse;                 // objects handed out
  void *free;                 // first free object
};

// How many objects of a cache fit in one page.
static uint
per_page(struct slab_cache *c)
{
  return (PGSIZE - sizeof(struct slab)) / c->size;
}

// Set up an empty cache for objects of size bytes (at least a pointer).
void
slab_init(struct slab_cache *c, char *name, uint size)
{
  initlock(&c->lock, name);
  c->name = name;
  c->size = (size + sizeof(uint64) - 1) & ~(sizeof(uint64) - 1);
  c->partial = 0;
}

static void
partial_add(struct slab_cache *c, struct slab *s)
{
  s->prev = 0;
  s->next = c->partial;
  if(c->partial)
    c->partial->prev = s;
  c->partial = s;
}

static void
partial_remove(struct slab_cache *c, struct slab *s)
{
  *(s->prev ? &s->prev->next : &c->partial) = s->next;
  if(s->next)
    s->next->prev = s->prev;
}

// A new page for cache c, all its objects free; 0 if out of memory.
static struct slab *
slab_grow(struct slab_cache *c)
{
  struct slab *s = kalloc();
  if(s == 0)
    return 0;
  s->inuse = 0;
  s->free = 0;
  char *first = (char *)(s + 1);
  for(int i = per_page(c) - 1; i >= 0; i--){
    void **obj = (void **)(first + i * c->size);
    *obj = s->free;
    s->free = obj;
  }
  partial_add(c, s);
  return s;
}

// A zeroed object from cache c, or 0 if out of memory.
void *
slab_alloc(struct slab_cache *c)
{
  acquire(&c->lock);
  struct slab *s = c->partial ? c->partial : slab_grow(c);
  void **obj = 0;
  if(s){
    obj = s->free;
    s->free = *obj;
    if(++s->inuse == per_page(c))
      partial_remove(c, s);
  }
  release(&c->lock);
  if(obj)
    memset(obj, 0, c->size);
  return obj;
}

// Give obj back to cache c; its page goes back to the allocator when it
// holds no object any more.
void
slab_free(struct slab_cache *c, void *obj)
{
  struct slab *s = (struct slab *)PGROUNDDOWN((uint64)obj);
  acquire(&c->lock);
  if(s->inuse == per_page(c))
    partial_add(c, s);
  *(void **)obj = s->free;
  s->free = obj;
  if(--s->inuse == 0){
    partial_remove(c, s);
    kfree(s);
  }
  release(&c->lock);
}
