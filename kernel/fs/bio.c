// Buffer cache: NBUF in-memory copies of disk blocks.
//
// The cache does two jobs. It keeps recently used blocks in memory so they
// need not be read again, and it makes sure there is at most one copy of
// any block, so that processes working on the same block see each other's
// changes and take turns through the buffer's sleep lock.
//
// Users call bread() to get a locked buffer holding a block, may change
// b->data and call bwrite() to send it to disk, and finally call brelse().
// A buffer must not be used after brelse().
//
// Idle buffers are kept on a list in order of last use; when a block that
// is not cached is asked for, the least recently used idle buffer is given
// to it. When no buffer is idle (every one is held, e.g. by more readers
// than buffers, each waiting for the disk), the caller sleeps until one
// is released. That cannot deadlock: only a log transaction waits for a
// buffer while holding others (two at most, and at most three
// transactions run at once), and the log pins at most LOGBLOCKS, so
// NBUF leaves buffers to holders that will give them back.

#include "types.h"
#include "riscv.h"
#include "param.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "fs.h"
#include "buf.h"
#include "defs.h"

static struct {
  // Guards dev, blockno, refcnt and the list links of every buffer.
  struct spinlock lock;
  struct buf buf[NBUF];
  // Sentinel of a circular list holding every buffer: recent.next was
  // released most recently, recent.prev longest ago.
  struct buf recent;
} cache;

// Take b out of the recency list. Caller holds cache.lock.
static void
unlink_buf(struct buf *b)
{
  b->prev->next = b->next;
  b->next->prev = b->prev;
}

// Put b at the most-recently-used end of the list. Caller holds cache.lock.
static void
push_recent(struct buf *b)
{
  b->next = cache.recent.next;
  b->prev = &cache.recent;
  cache.recent.next->prev = b;
  cache.recent.next = b;
}

// Set up the cache at boot: every buffer empty and on the list.
void
binit(void)
{
  struct buf *b;

  initlock(&cache.lock, "bcache");
  cache.recent.next = &cache.recent;
  cache.recent.prev = &cache.recent;
  for(b = cache.buf; b < cache.buf + NBUF; b++){
    initsleeplock(&b->lock, "buffer");
    push_recent(b);
  }
}

// The buffer caching block blockno of dev, or 0 if none does.
// Caller holds cache.lock.
static struct buf*
lookup(uint dev, uint blockno)
{
  struct buf *b;

  for(b = cache.recent.next; b != &cache.recent; b = b->next)
    if(b->dev == dev && b->blockno == blockno)
      return b;
  return 0;
}

// The least recently used buffer nobody holds, or 0 if all are in use.
// Caller holds cache.lock.
static struct buf*
victim(void)
{
  struct buf *b;

  for(b = cache.recent.prev; b != &cache.recent; b = b->prev)
    if(b->refcnt == 0)
      return b;
  return 0;
}

// Find or make the one buffer for block blockno of dev, count a reference
// to it, and return it with its sleep lock held. A recycled buffer is
// marked not valid, so bread() fetches its contents from disk. When every
// buffer is held, wait for one to be released, then look again: someone
// may have brought the block in meanwhile.
static struct buf*
bget(uint dev, uint blockno)
{
  struct buf *b;

  acquire(&cache.lock);
  while((b = lookup(dev, blockno)) == 0){
    if((b = victim()) != 0){
      b->dev = dev;
      b->blockno = blockno;
      b->valid = 0;
      break;
    }
    sleep(&cache, &cache.lock);
  }
  b->refcnt++;
  release(&cache.lock);
  acquiresleep(&b->lock);
  return b;
}

// Return a locked buffer holding the current contents of the block.
struct buf*
bread(uint dev, uint blockno)
{
  struct buf *b;

  b = bget(dev, blockno);
  if(!b->valid){
    virtio_disk_rw(b, 0);
    b->valid = 1;
  }
  return b;
}

// Write b's data to its disk block now. The caller must hold b's lock.
void
bwrite(struct buf *b)
{
  if(!holdingsleep(&b->lock))
    panic("bwrite: buffer not locked");
  virtio_disk_rw(b, 1);
}

// Give back a buffer from bread(): unlock it and, when this was the last
// reference, make it the most recently used idle buffer.
void
brelse(struct buf *b)
{
  if(!holdingsleep(&b->lock))
    panic("brelse: buffer not locked");
  releasesleep(&b->lock);

  acquire(&cache.lock);
  b->refcnt--;
  if(b->refcnt == 0){
    unlink_buf(b);
    push_recent(b);
    wakeup(&cache);
  }
  release(&cache.lock);
}

// Keep b in the cache (never recycled) until bunpin(); the log uses this
// for blocks changed by a transaction that is not yet on disk.
void
bpin(struct buf *b)
{
  acquire(&cache.lock);
  b->refcnt++;
  release(&cache.lock);
}

// Undo one bpin().
void
bunpin(struct buf *b)
{
  acquire(&cache.lock);
  b->refcnt--;
  if(b->refcnt == 0)
    wakeup(&cache);
  release(&cache.lock);
}
