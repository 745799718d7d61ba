// Moving bytes between the kernel and user memory. The kernel never
// dereferences a user pointer: each user address is translated through
// the process's page table, and anything the process itself could not
// access (unmapped, no U bit, read-only for a write, at or above MAXVA)
// makes the copy fail with -1.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "riscv.h"
#include "proc.h"
#include "defs.h"
#include "mm/internal.h"

// Physical address of the user page holding va if the user may already
// make that access (a load, or a store); 0 otherwise.
static uint64
user_page_mapped(pagetable_t pt, uint64 va, enum fault_access access)
{
  int level;
  pte_t *pte = walk_leaf(pt, va, &level);
  if(pte == 0 || !pte_user_allows(*pte, access))
    return 0;
  return pte_page_pa(*pte, level, va);
}

// Physical address of the user page holding va, for a read or (write
// set) a write by the kernel on the user's behalf; 0 if the user could
// not make that access. When pt is the current process's, pages are made
// accessible as a user access would: copy-on-write pages are broken,
// lazily reserved heap pages filled and swapped pages read back
// (mm/fault.c). Returns in a page-table section (ptlock.c), so that
// reclaim cannot take the page while the caller copies: the caller ends
// it with pt_exit(), also after a 0.
static uint64
user_page(pagetable_t pt, uint64 va, int write)
{
  enum fault_access access = write ? ACCESS_STORE : ACCESS_LOAD;
  pt_enter();
  uint64 pa = user_page_mapped(pt, va, access);
  struct proc *p = myproc();
  if(pa == 0 && p && pt == p->mm->pagetable){
    pt_exit();
    enum fault_result r = uvm_fault(p, va, access);
    pt_enter();
    if(r == FAULT_OK)
      pa = user_page_mapped(pt, va, access);
  }
  return pa;
}

// Fault in the pages of [va, va + len) of the current process that a
// copy could only fault in by sleeping (those of regions with a prepare
// operation: files, whose pages may have to be read from the disk), for
// a read or (write set) a write. A caller about to copy while holding a
// lock calls this first, so that the copy never has to wait for a file's
// page (which may need the very lock held: read() into a mapping of the
// file read). Anonymous pages are left to the copy, which faults them in
// without sleeping only if it really copies. It stops at the first page
// that cannot be accessed so, or at a kill: the copy itself then decides
// what happens there (it fails at that page, having copied what came
// before). The process's own regions are read without its mm's lock:
// only the process itself changes them, and it is here.
void
uvm_prefault(uint64 va, uint64 len, int write)
{
  struct proc *p = myproc();
  if(va >= MAXVA || len > MAXVA - va)
    return;
  for(uint64 a = PGROUNDDOWN(va); a < va + len; ){
    struct vma *v = vma_find(p->mm, a);
    if(v == 0 || killed(p))
      return;
    if(v->ops->prepare == 0 && !(v->flags & VMA_MSHARE)){
      a = v->end;                // nothing here needs it (an mshare region may map files)
      continue;
    }
    uint64 pa = user_page(p->mm->pagetable, a, write);
    pt_exit();
    if(pa == 0)
      return;
    a += PGSIZE;
  }
}

// Hold the user pages of [va, va + len) of the current process (len at
// most PGSIZE: two pages at most) for a copy made under a spin lock,
// which may not sleep: fault them in, for a read or (write set) a write,
// and take a reference on each, so that reclaim leaves them in memory
// (mm/reclaim.c) until uvm_release(). A page that cannot be had ends the
// holding: the copy then fails there, as it would have anyway.
void
uvm_hold(uint64 va, uint64 len, int write, struct uhold *h)
{
  struct proc *p = myproc();
  h->n = 0;
  if(len == 0 || len > PGSIZE || va >= MAXVA || len > MAXVA - va)
    return;
  for(uint64 a = PGROUNDDOWN(va); a < va + len; a += PGSIZE){
    uint64 pa = user_page(p->mm->pagetable, a, write);
    if(pa){
      kpage_get(PGROUNDDOWN(pa));
      h->pa[h->n++] = PGROUNDDOWN(pa);
    }
    pt_exit();
    if(pa == 0)
      return;
  }
}

// Let go of the pages uvm_hold held.
void
uvm_release(struct uhold *h)
{
  for(int i = 0; i < h->n; i++)
    kfree((void *)h->pa[i]);
  h->n = 0;
}

// Copy len bytes between the kernel buffer kbuf and user address uva:
// to user memory when to_user is set, else from it. A page at a time,
// each one checked. Returns 0, or -1 at the first page the user could
// not access in that direction.
static int
copy_user(pagetable_t pt, uint64 uva, char *kbuf, uint64 len, int to_user)
{
  while(len > 0){
    uint64 va0 = PGROUNDDOWN(uva);
    uint64 pa0 = user_page(pt, va0, to_user);
    if(pa0 == 0){
      pt_exit();
      return -1;
    }
    uint64 n = PGSIZE - (uva - va0);
    if(n > len)
      n = len;
    char *ubuf = (char *)(pa0 + (uva - va0));
    if(to_user)
      memmove(ubuf, kbuf, n);
    else
      memmove(kbuf, ubuf, n);
    pt_exit();
    len -= n;
    kbuf += n;
    uva += n;
  }
  return 0;
}

// Copy len bytes from kernel src to user dstva. Returns 0 or -1.
int
copyout(pagetable_t pt, uint64 dstva, char *src, uint64 len)
{
  return copy_user(pt, dstva, src, len, 1);
}

// Copy len bytes from user srcva to kernel dst. Returns 0 or -1.
int
copyin(pagetable_t pt, char *dst, uint64 srcva, uint64 len)
{
  return copy_user(pt, srcva, dst, len, 0);
}

// Copy a NUL-terminated string from user srcva to dst, at most max bytes
// including the NUL. Returns 0, or -1 if the string is not readable or
// has no NUL within max bytes.
int
copyinstr(pagetable_t pt, char *dst, uint64 srcva, uint64 max)
{
  while(max > 0){
    uint64 va0 = PGROUNDDOWN(srcva);
    uint64 pa0 = user_page(pt, va0, 0);
    int done = 0;
    char *p = (char *)(pa0 + (srcva - va0));
    uint64 n = PGSIZE - (srcva - va0);
    for(; pa0 && !done && n > 0 && max > 0; n--, max--, p++, srcva++){
      *dst++ = *p;
      done = *p == '\0';
    }
    pt_exit();
    if(pa0 == 0 || done)
      return pa0 ? 0 : -1;
  }
  return -1;
}

// Copy to a user address (user_dst set) of the current process, or to a
// kernel address. Returns 0 or -1.
int
either_copyout(int user_dst, uint64 dst, void *src, uint64 len)
{
  if(user_dst)
    return copyout(myproc()->mm->pagetable, dst, src, len);
  memmove((char *)dst, src, len);
  return 0;
}

// Copy from a user address (user_src set) of the current process, or from
// a kernel address. Returns 0 or -1.
int
either_copyin(void *dst, int user_src, uint64 src, uint64 len)
{
  if(user_src)
    return copyin(myproc()->mm->pagetable, dst, src, len);
  memmove(dst, (char *)src, len);
  return 0;
}
