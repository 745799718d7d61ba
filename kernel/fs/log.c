// Write-ahead log: makes each file-system operation all-or-nothing with
// respect to crashes.
//
// A file-system system call brackets its work with begin_op() and
// end_op(). In between, instead of bwrite(), it calls log_write() on each
// block it changes; the block stays pinned in the buffer cache and its
// number is noted in the in-memory log header. When the last operation
// in progress ends, the whole group is committed:
//
//   1. copy every changed block into the log area on disk;
//   2. write the log header with the count of blocks (the commit point:
//      from here on the changes survive a crash);
//   3. write every block to its home location;
//   4. write the header again with a count of zero.
//
// After a crash, initlog() finds a non-zero count in the header and
// repeats step 3 and 4 from the log copies; a zero count means the last
// group either finished or never committed, and is simply ignored.
//
// Disk layout: sb->nlog blocks starting at sb->logstart. The first is the
// header, the rest hold block copies in the order of the header's list.

#include "types.h"
#include "riscv.h"
#include "param.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "fs.h"
#include "buf.h"
#include "defs.h"

// The log header, as stored in the first log block and kept in memory.
struct logheader {
  int n;                  // blocks in the log (0: nothing to install)
  uint block[LOGBLOCKS];  // home block number of each log slot
};
_Static_assert(sizeof(struct logheader) <= BSIZE,
               "the log header must fit in one block");

static struct {
  struct spinlock lock;   // guards active, committing and hdr
  int dev;
  int start;              // block number of the header block
  int capacity;           // data blocks the log can hold
  int active;             // operations between begin_op() and end_op()
  int committing;         // set while a commit writes the disk
  struct logheader hdr;   // blocks changed by the open group so far
} wal;

static void recover(void);

// Read the log geometry from the superblock and finish any commit that a
// crash interrupted. Runs once, at boot, before any file-system call.
void
initlog(int dev, struct superblock *sb)
{
  if(sb->nlog < MAXOPBLOCKS + 1)
    panic("initlog: log too small");
  initlock(&wal.lock, "log");
  wal.dev = dev;
  wal.start = sb->logstart;
  wal.capacity = sb->nlog - 1;
  if(wal.capacity > LOGBLOCKS)
    wal.capacity = LOGBLOCKS;
  recover();
}

// Copy the on-disk header into wal.hdr.
static void
read_header(void)
{
  struct buf *b;

  b = bread(wal.dev, wal.start);
  memmove(&wal.hdr, b->data, sizeof(wal.hdr));
  brelse(b);
  if(wal.hdr.n < 0 || wal.hdr.n > wal.capacity)
    panic("initlog: corrupt log header");
}

// Write wal.hdr to the header block. Writing a non-zero count is the
// moment a group commits; writing zero retires the log contents.
static void
write_header(void)
{
  struct buf *b;

  b = bread(wal.dev, wal.start);
  memmove(b->data, &wal.hdr, sizeof(wal.hdr));
  bwrite(b);
  brelse(b);
}

// Step 1 of a commit: copy each changed block from the cache into its
// log slot.
static void
write_log(void)
{
  struct buf *from, *to;
  int i;

  for(i = 0; i < wal.hdr.n; i++){
    from = bread(wal.dev, wal.hdr.block[i]);
    to = bread(wal.dev, wal.start + 1 + i);
    memmove(to->data, from->data, BSIZE);
    bwrite(to);
    brelse(from);
    brelse(to);
  }
}

// Step 3 of a commit: the cached copies are the newest data, so write each
// to its home block and drop the pin that log_write() placed.
static void
install_from_cache(void)
{
  struct buf *b;
  int i;

  for(i = 0; i < wal.hdr.n; i++){
    b = bread(wal.dev, wal.hdr.block[i]);
    bwrite(b);
    bunpin(b);
    brelse(b);
  }
}

// Step 3 during recovery: the cache knows nothing yet, so copy each block
// from its log slot to its home block.
static void
install_from_log(void)
{
  struct buf *from, *to;
  int i;

  for(i = 0; i < wal.hdr.n; i++){
    from = bread(wal.dev, wal.start + 1 + i);
    to = bread(wal.dev, wal.hdr.block[i]);
    memmove(to->data, from->data, BSIZE);
    bwrite(to);
    brelse(from);
    brelse(to);
  }
}

// Replay a group that committed before a crash, then empty the log.
static void
recover(void)
{
  read_header();
  install_from_log();
  wal.hdr.n = 0;
  write_header();
}

// Write the open group to disk, steps 1 to 4. Runs without wal.lock (it
// sleeps on the disk); wal.committing keeps new operations out meanwhile.
static void
commit(void)
{
  if(wal.hdr.n == 0)
    return;
  write_log();
  write_header();
  install_from_cache();
  wal.hdr.n = 0;
  write_header();
}

// Start a file-system operation. Waits while a commit is running, or while
// the log could overflow if this operation and all the ones in progress
// each wrote MAXOPBLOCKS blocks.
void
begin_op(void)
{
  acquire(&wal.lock);
  while(wal.committing ||
        wal.hdr.n + (wal.active + 1) * MAXOPBLOCKS > wal.capacity)
    sleep(&wal, &wal.lock);
  wal.active++;
  release(&wal.lock);
}

// Finish a file-system operation; the last one out commits the group.
void
end_op(void)
{
  int last;

  acquire(&wal.lock);
  if(wal.committing)
    panic("end_op: commit in progress");
  wal.active--;
  last = (wal.active == 0);
  if(last)
    wal.committing = 1;
  else
    wakeup(&wal);  // this operation's reserved log space is free again
  release(&wal.lock);

  if(last){
    commit();
    acquire(&wal.lock);
    wal.committing = 0;
    wakeup(&wal);
    release(&wal.lock);
  }
}

// Record that b, locked by the caller, was changed by the current
// operation; it reaches disk at commit. Use instead of bwrite(). A block
// changed several times in one group takes a single log slot.
void
log_write(struct buf *b)
{
  int i;

  acquire(&wal.lock);
  if(wal.active < 1)
    panic("log_write: outside of an operation");
  for(i = 0; i < wal.hdr.n; i++)
    if(wal.hdr.block[i] == b->blockno)
      break;
  if(i == wal.hdr.n){
    if(wal.hdr.n >= wal.capacity)
      panic("log_write: transaction too big");
    wal.hdr.block[wal.hdr.n++] = b->blockno;
    bpin(b);
  }
  release(&wal.lock);
}
