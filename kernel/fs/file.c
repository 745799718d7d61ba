// Open files: the system-wide table of struct file, shared by the file
// descriptors of all processes, and the device switch.
//
// A struct file is in use while its ref is above zero; ref is guarded by
// ftable.lock. The other fields are set once by whoever allocates the
// file, before it is shared, except off, which is guarded by the inode's
// sleep lock.

#include "types.h"
#include "riscv.h"
#include "param.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "fs.h"
#include "buf.h"
#include "file.h"
#include "proc.h"
#include "mm.h"
#include "stat.h"
#include "defs.h"

// Largest write to an inode done in one log operation. Of the
// MAXOPBLOCKS blocks an operation may log, one is the inode, three are
// index blocks (the doubly-indirect block and the two indirect blocks a
// write may cross between) and two are slack for a write that starts and
// ends part-way into a block; each data block in the rest may also need
// a bitmap block, hence the halving.
#define MAXWRITE (((MAXOPBLOCKS - 1 - 3 - 2) / 2) * BSIZE)

// Read and write functions of each major device number; a driver fills
// in its own entry at boot.
struct devsw devsw[NDEV];

static struct {
  struct spinlock lock;
  struct file file[NFILE];
} ftable;

// Set up the file table at boot.
void
fileinit(void)
{
  initlock(&ftable.lock, "ftable");
}

// Claim an unused struct file with one reference, or return 0 if the
// table is full. Its other fields are left for the caller to set.
struct file*
filealloc(void)
{
  struct file *f;

  acquire(&ftable.lock);
  for(f = ftable.file; f < ftable.file + NFILE; f++){
    if(f->ref == 0){
      f->ref = 1;
      release(&ftable.lock);
      return f;
    }
  }
  release(&ftable.lock);
  return 0;
}

// Add a reference to f (for dup() and fork()); returns f.
struct file*
filedup(struct file *f)
{
  acquire(&ftable.lock);
  if(f->ref < 1)
    panic("filedup: file not open");
  f->ref++;
  release(&ftable.lock);
  return f;
}

// Drop a reference to f; on the last one, release what f stands for.
// The pipe or inode is released after ftable.lock is let go, because
// that may sleep.
void
fileclose(struct file *f)
{
  struct file old;

  acquire(&ftable.lock);
  if(f->ref < 1)
    panic("fileclose: file not open");
  f->ref--;
  if(f->ref > 0){
    release(&ftable.lock);
    return;
  }
  old = *f;
  f->type = FD_NONE;
  release(&ftable.lock);

  if(old.type == FD_PIPE){
    pipeclose(old.pipe, old.writable);
  } else if(old.type == FD_INODE || old.type == FD_DEVICE){
    begin_op();
    iput(old.ip);
    end_op();
  }
}

// Copy the metadata of f to the user address addr as a struct stat.
// Returns 0, or -1 if f has no inode or addr is not writable user memory.
int
filestat(struct file *f, uint64 addr)
{
  struct stat st;

  if(f->type != FD_INODE && f->type != FD_DEVICE)
    return -1;
  ilock(f->ip);
  stati(f->ip, &st);
  iunlock(f->ip);
  if(copyout(myproc()->mm->pagetable, addr, (char*)&st, sizeof(st)) < 0)
    return -1;
  return 0;
}

// The device switch entry for major number major, or 0 if there is none.
static struct devsw*
device(short major)
{
  if(major < 0 || major >= NDEV)
    return 0;
  return &devsw[major];
}

// Copy up to n bytes at f's offset in its locked file to the user address
// addr from the page cache, up to the end of the file's page. Returns the bytes copied (0
// at the end of the file), or -1 when out of memory or addr is bad.
static int
file_read_page(struct file *f, uint64 addr, int n)
{
  struct inode *ip = f->ip;
  if(f->off >= ip->size)
    return 0;
  n = MIN(n, MIN(ip->size - f->off, PGSIZE - f->off % PGSIZE));
  uint64 pa = filemap_page(ip, f->off / PGSIZE);
  if(pa == 0)
    return -1;
  int r = copyout(myproc()->mm->pagetable, addr, (char *)pa + f->off % PGSIZE, n);
  kfree((void *)pa);
  return r == 0 ? n : -1;
}

// Read up to n bytes from f's inode to the user address addr: a file
// through the page cache (so that read() sees what shared mappings
// stored), a directory from its blocks, a page at a time. The user's
// page is faulted in before the inode is locked: a fault on a mapping of
// this very file would need the lock. Returns the bytes read, or -1 if
// none could be.
static int
inode_read(struct file *f, uint64 addr, int n)
{
  int done = 0, r = 0;
  while(done < n){
    int m = MIN(n - done, PGSIZE - (addr + done) % PGSIZE);
    uvm_prefault(addr + done, m, 1);
    ilock(f->ip);
    if(f->ip->type == T_FILE)
      r = file_read_page(f, addr + done, m);
    else
      r = readi(f->ip, 1, addr + done, f->off, m);
    if(r > 0)
      f->off += r;
    iunlock(f->ip);
    if(r <= 0)
      break;
    done += r;
  }
  return (done == 0 && r < 0) ? -1 : done;
}

// Read up to n bytes from f to the user address addr. Returns the bytes
// read (0 at end of file), or -1. A bad address part-way through gives
// the bytes read before it.
int
fileread(struct file *f, uint64 addr, int n)
{
  struct devsw *dev;

  if(!f->readable || n < 0)
    return -1;
  if(f->type == FD_PIPE)
    return piperead(f->pipe, addr, n);
  if(f->type == FD_DEVICE){
    dev = device(f->major);
    if(dev == 0 || dev->read == 0)
      return -1;
    return dev->read(1, addr, n);
  }
  if(f->type != FD_INODE)
    panic("fileread: bad file type");
  return inode_read(f, addr, n);
}

// Write n bytes at the user address addr to the inode of f, at most
// MAXWRITE bytes per log operation, so that a large write never overflows
// the log. Returns n, or -1 if an error stopped the write part-way (as
// xv6 programs expect); bytes written before the error stay written.
static int
inode_write(struct file *f, uint64 addr, int n)
{
  int done, chunk, r;

  done = 0;
  while(done < n){
    chunk = n - done;
    if(chunk > MAXWRITE)
      chunk = MAXWRITE;
    uvm_prefault(addr + done, chunk, 0);   // before the lock: see inode_read
    begin_op();
    ilock(f->ip);
    r = writei(f->ip, 1, addr + done, f->off, chunk);
    if(r > 0)
      f->off += r;
    iunlock(f->ip);
    end_op();
    if(r > 0)
      done += r;
    if(r != chunk)
      break;
  }
  return done == n ? n : -1;
}

// Write n bytes from the user address addr to f. For a file, returns n
// or -1 (bad address, full disk, file too big); pipes and devices return
// the bytes written before an error, or -1 if there were none.
int
filewrite(struct file *f, uint64 addr, int n)
{
  struct devsw *dev;

  if(!f->writable || n < 0)
    return -1;
  if(f->type == FD_PIPE)
    return pipewrite(f->pipe, addr, n);
  if(f->type == FD_DEVICE){
    dev = device(f->major);
    if(dev == 0 || dev->write == 0)
      return -1;
    return dev->write(1, addr, n);
  }
  if(f->type != FD_INODE)
    panic("filewrite: bad file type");
  return inode_write(f, addr, n);
}
