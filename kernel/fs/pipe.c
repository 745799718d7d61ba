// Pipes: a PIPESIZE-byte ring buffer with a reading and a writing end,
// each end a struct file.
//
// nread and nwrite count all bytes ever read and written; they only grow
// (wrapping around at 2^32, which the unsigned subtraction tolerates).
// The buffer holds nwrite - nread bytes, byte k living at data[k %
// PIPESIZE]. A reader sleeps on &nread while the buffer is empty, a
// writer on &nwrite while it is full.

#include "types.h"
#include "riscv.h"
#include "param.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "fs.h"
#include "file.h"
#include "proc.h"
#include "mm.h"
#include "defs.h"

#define PIPESIZE 512

struct pipe {
  struct spinlock lock;   // guards everything below
  char data[PIPESIZE];
  uint nread;             // bytes read so far
  uint nwrite;            // bytes written so far
  int readopen;           // is the read end still open?
  int writeopen;          // is the write end still open?
};

_Static_assert(sizeof(struct pipe) <= PGSIZE, "a pipe must fit in a page");

// Make f a file for one end of the pipe pi.
static void
pipe_end(struct file *f, struct pipe *pi, int writable)
{
  f->type = FD_PIPE;
  f->pipe = pi;
  f->readable = !writable;
  f->writable = writable;
}

// Create a pipe and return its read end in *f0 and its write end in *f1.
// Returns 0, or -1 (with nothing left allocated) when out of memory or
// file-table entries.
int
pipealloc(struct file **f0, struct file **f1)
{
  struct pipe *pi;

  pi = (struct pipe*)kalloc();
  *f0 = filealloc();
  *f1 = filealloc();
  if(pi == 0 || *f0 == 0 || *f1 == 0){
    if(pi)
      kfree(pi);
    if(*f0)
      fileclose(*f0);
    if(*f1)
      fileclose(*f1);
    return -1;
  }
  initlock(&pi->lock, "pipe");
  pi->nread = 0;
  pi->nwrite = 0;
  pi->readopen = 1;
  pi->writeopen = 1;
  pipe_end(*f0, pi, 0);
  pipe_end(*f1, pi, 1);
  return 0;
}

// Close one end of pi (the write end if writable) and wake the other
// side, which must notice. Frees pi when both ends are closed.
void
pipeclose(struct pipe *pi, int writable)
{
  int unused;

  acquire(&pi->lock);
  if(writable){
    pi->writeopen = 0;
    wakeup(&pi->nread);
  } else {
    pi->readopen = 0;
    wakeup(&pi->nwrite);
  }
  unused = !pi->readopen && !pi->writeopen;
  release(&pi->lock);
  if(unused)
    kfree(pi);
}

// Length of the next piece of a copy between the ring at byte count pos
// and the user address addr: at most left bytes, no further than the end
// of the ring, and inside one user page, so that a write stopped by a bad
// page has stored every byte before it.
static uint
piece(uint pos, uint64 addr, uint left)
{
  uint n;

  n = PIPESIZE - pos % PIPESIZE;
  if(n > left)
    n = left;
  if(n > PGSIZE - addr % PGSIZE)
    n = PGSIZE - addr % PGSIZE;
  return n;
}

// Write bytes *done..end-1 from the user address addr into pi, sleeping
// whenever it is full, adding to *done what was written. 0 when all
// were; 1 at a bad user address; -1 if the read end is closed or the
// caller is killed while it waits.
static int
pipewrite_some(struct pipe *pi, uint64 addr, int *done, int end)
{
  struct proc *p = myproc();
  int r = 0;
  acquire(&pi->lock);
  while(*done < end && r == 0){
    if(!pi->readopen || killed(p)){
      r = -1;
    } else if(pi->nwrite - pi->nread == PIPESIZE){
      wakeup(&pi->nread);
      sleep(&pi->nwrite, &pi->lock);
    } else {
      int m = MIN(piece(pi->nwrite, addr + *done, end - *done),
                  PIPESIZE - (pi->nwrite - pi->nread));
      r = copyin(p->mm->pagetable, &pi->data[pi->nwrite % PIPESIZE], addr + *done, m) < 0;
      if(r == 0){
        pi->nwrite += m;
        *done += m;
      }
    }
  }
  wakeup(&pi->nread);
  release(&pi->lock);
  return r;
}

// Write n bytes from the user address addr into pi, sleeping whenever it
// is full. Returns n, or the bytes written before a bad user address
// (-1 if none were). Returns -1 if the read end is closed or the caller
// is killed while it waits. A pipe's worth at a time, its user pages held
// meanwhile (uvm_hold), so that copyin never sleeps under pi->lock.
int
pipewrite(struct pipe *pi, uint64 addr, int n)
{
  int done = 0, r = 0;
  if(n < 0)
    return -1;
  while(done < n && r == 0){
    struct uhold held;
    uvm_hold(addr + done, MIN(n - done, PIPESIZE), 0, &held);
    r = pipewrite_some(pi, addr, &done, done + MIN(n - done, PIPESIZE));
    uvm_release(&held);
  }
  return r < 0 || (r > 0 && done == 0) ? -1 : done;
}

// piperead(), with the user pages held.
static int
piperead_held(struct pipe *pi, uint64 addr, int n)
{
  struct proc *p = myproc();
  int done, m, want;

  acquire(&pi->lock);
  while(pi->nread == pi->nwrite && pi->writeopen){
    if(killed(p)){
      release(&pi->lock);
      return -1;
    }
    sleep(&pi->nread, &pi->lock);
  }
  want = MIN((uint)n, pi->nwrite - pi->nread);
  for(done = 0; done < want; done += m){
    m = piece(pi->nread + done, addr + done, want - done);
    if(copyout(p->mm->pagetable, addr + done,
               &pi->data[(pi->nread + done) % PIPESIZE], m) < 0){
      release(&pi->lock);
      return -1;
    }
  }
  pi->nread += done;
  wakeup(&pi->nwrite);
  release(&pi->lock);
  return done;
}

// Read up to n bytes from pi to the user address addr. Sleeps while pi is
// empty and its write end is open. Returns the bytes read, 0 if pi is
// empty and has no writer left, or -1 if the caller is killed while it
// waits. A read is all or nothing: if any byte cannot be stored at addr,
// it returns -1 and leaves every byte in the pipe.
int
piperead(struct pipe *pi, uint64 addr, int n)
{
  if(n < 0)
    return -1;
  struct uhold held;
  uvm_hold(addr, MIN(n, PIPESIZE), 1, &held);   // so that copyout never sleeps under pi->lock
  int r = piperead_held(pi, addr, n);
  uvm_release(&held);
  return r;
}
