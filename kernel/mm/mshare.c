// mshare: one set of page tables for a region of memory, used directly
// by every process that attaches it, related or not (after Linux's
// proposal: msharefs, Khalid Aziz 2022, then Anthony Yznaga). McCracken's
// sharing (mm/filemap.c) links a table per 2 MiB at fault time; here a
// process attaches a whole region at once, and a mapping that one process
// adds to the region or removes from it is there, or gone, for all of
// them with no work per process.
//
// The interface (user/user.h; MSHARE_ALIGN in kernel/vm.h):
//   fd = open("/mshare/NAME", O_CREATE | O_RDWR)
//        a region is named by a file in /mshare (init makes the folder);
//   mshare(fd, addr, size)
//        makes the region [addr, addr + size): both multiples of 1 GiB,
//        free in the caller, who is then attached read-write;
//   mmap(a, len, prot, MAP_SHARED | MAP_FIXED [| MAP_ANONYMOUS], fd2, off)
//        with [a, a + len) inside the region, by a process attached
//        read-write: adds a mapping (shared memory or a file) to the
//        region, where nothing is mapped yet; munmap, mprotect and msync
//        inside the region act on the region's mappings likewise;
//   fd = open("/mshare/NAME", O_RDWR or O_RDONLY);
//   mmap(0 or addr, size, prot, MAP_SHARED, fd, 0)
//        attaches at the region's address, read-only without PROT_WRITE
//        (which needs fd open for writing);
//   munmap(addr, size) over the whole attachment detaches; so do exit
//   and exec; fork's child stays attached;
//   unlink("/mshare/NAME")
//        the region goes when the last process detaches.
//
// Why 1 GiB: an Sv39 root entry maps 1 GiB through one level-1 table. The
// region keeps one level-1 table per gigabyte for as long as it lives, and
// attaching points the process's root entries at them: one entry per
// gigabyte, whatever the region holds. With 2 MiB units a process would
// need an entry per 2 MiB (512 for a gigabyte), made and dropped one by
// one. User space has 256 GiB of addresses, so whole gigabytes are cheap;
// only the tables of what is mapped cost memory.
//
// How: the region is an address space of its own (struct mm; no process
// runs it: Linux's proposal keeps such a "host" mm too) holding the
// region's mappings and page tables. Its root entries for the region are
// marked PTE_SHMAP (mm/pte.h): never copied, and kept until the region
// goes. A fault in an attachment is the region's (mm/fault.c): resolved
// in the region's address space, in the tables the process walks. Sv39
// has no write bit in a table entry (the leaves decide), so read-only
// attachments cannot use the read-write tables: the region keeps a
// second address space with the same mappings, none writable, whose
// tables every read-only attachment shares.
//
// Locking: a change to the region's mappings (mmap, munmap, mprotect
// inside it) holds the region's sleep lock, so one process changes it at
// a time, and each address space's spin lock while it changes that one;
// faults take only the spin lock (one that lets go of it to read a page
// looks again if the regions changed meanwhile: mm->seq). The harts of
// every attached process may hold translations from the region's tables,
// so the region's address spaces name every hart in mm->harts, and a
// change that removes or narrows a mapping flushes them all (mm/tlb.c).
// mshare_lock guards each inode's mshare pointer and each region's refs.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "riscv.h"
#include "fs.h"
#include "file.h"
#include "stat.h"
#include "proc.h"
#include "defs.h"
#include "vm.h"
#include "fcntl.h"
#include "mm/internal.h"

#define GIB PT_LEVEL_SIZE(PT_ROOT_LEVEL)   // what one root entry maps
_Static_assert(MSHARE_ALIGN == PT_LEVEL_SIZE(PT_ROOT_LEVEL), "MSHARE_ALIGN is a root entry's span");

// A region's address spaces (MSHARE_SPACES, mm/internal.h).
enum { MSHARE_RW, MSHARE_RO };

struct mshare {
  struct sleeplock lock;      // held by the process changing its mappings
  uint64 start, end;          // where it is, in every process attached
  struct mm *space[MSHARE_SPACES];
  struct inode *ip;           // the file that names it (a reference)
  int refs;                   // its attachments, and its name until unlinked
  int unnamed;                // the name's reference is dropped
};

static struct slab_cache mshare_cache;
static struct spinlock mshare_lock;

// Set up the allocator of regions.
void
mshare_init(void)
{
  slab_init(&mshare_cache, "mshare", sizeof(struct mshare));
  initlock(&mshare_lock, "mshare");
}

// A region's own address space with nothing mapped, whose root entries
// for [start, end) point to level-1 tables of its own, marked PTE_SHMAP;
// 0 if out of memory.
static struct mm *
region_space(struct mshare *ms)
{
  struct mm *mm = mm_create(0, 0);
  if(mm == 0)
    return 0;
  mm->mshare = ms;
  mm->harts = tlb_all_harts();
  for(uint64 va = ms->start; va < ms->end; va += GIB){
    struct pt_path path;
    pagetable_t t = pagetable_alloc();
    if(t == 0 || pt_lookup(mm->pagetable, va, PT_ROOT_LEVEL, 0, 0, &path) != 0){
      if(t)
        pagetable_free(t);
      mm_put(mm);
      return 0;
    }
    *path.e[PT_ROOT_LEVEL] = pte_mkshmap(pte_make_table((uint64)t));
  }
  return mm;
}

// Free region ms, which nobody attaches or names any more: its address
// spaces (writing back what its shared file mappings stored), then its
// name's inode. Called with no lock held.
static void
region_free(struct mshare *ms)
{
  for(int i = 0; i < MSHARE_SPACES; i++)
    if(ms->space[i])
      mm_put(ms->space[i]);
  if(ms->ip){
    begin_op();
    iput(ms->ip);
    end_op();
  }
  slab_free(&mshare_cache, ms);
}

// Drop a reference to region ms (an attachment, or its name); the last
// frees it. Called with no lock held.
static void
mshare_put(struct mshare *ms)
{
  acquire(&mshare_lock);
  int last = --ms->refs == 0;
  if(last)
    ms->ip->mshare = 0;
  release(&mshare_lock);
  if(last)
    region_free(ms);
}

// Region operations of an attachment: a copy (fork's child) holds the
// region too; an attachment that goes lets go of it.
static void
attachment_open(struct vma *v)
{
  acquire(&mshare_lock);
  v->mshare->refs++;
  release(&mshare_lock);
}

static void
attachment_close(struct vma *v)
{
  mshare_put(v->mshare);
}

const struct vma_ops mshare_ops = {
  .kind = "mshare",
  .open = attachment_open,
  .close = attachment_close,
};

// The region's address space that attachment v uses: the read-write one,
// or for a read-only attachment the read-only one.
static struct mm *
attached_space(struct vma *v)
{
  return v->mshare->space[(v->prot & VM_WRITE) ? MSHARE_RW : MSHARE_RO];
}

// Begin a change to the mappings of the region attachment v attaches,
// one process at a time: space[i] gets each address space of the region,
// in which the change is made with permissions sprot[i] (prot, without
// write permission in the read-only one). 0, or -1 for a read-only
// attachment, which may change nothing. The caller ends with mshare_end.
int
mshare_begin(struct vma *v, int prot, struct mm *space[MSHARE_SPACES], int sprot[MSHARE_SPACES])
{
  if(!(v->prot & VM_WRITE))
    return -1;
  acquiresleep(&v->mshare->lock);
  for(int i = 0; i < MSHARE_SPACES; i++){
    space[i] = v->mshare->space[i];
    sprot[i] = i == MSHARE_RO ? prot & ~VM_WRITE : prot;
  }
  return 0;
}

// The change to the mappings of attachment v's region is over.
void
mshare_end(struct vma *v)
{
  releasesleep(&v->mshare->lock);
}

// Make mm's root entry for va, in attachment v, point to the region's
// level-1 table there (with a reference), if it does not yet: after
// fork, the child's entries are made so at its first fault. Caller holds
// mm->lock. The region's address space that resolves faults at va.
struct mm *
mshare_link(struct mm *mm, struct vma *v, uint64 va)
{
  struct mm *space = attached_space(v);
  struct pt_path mine, theirs;
  pt_lookup(mm->pagetable, va, PT_ROOT_LEVEL, 0, 0, &mine);
  pt_lookup(space->pagetable, va, PT_ROOT_LEVEL, 0, 0, &theirs);
  pte_t *e = mine.e[PT_ROOT_LEVEL];
  if(!pte_valid(*e)){
    *e = pte_make_table(pte_pa(*theirs.e[PT_ROOT_LEVEL]));
    entry_get(e, PT_ROOT_LEVEL);
  }
  return space;
}

// Attach region ms (holding a reference the attachment takes over) to mm
// with permissions prot (VM_*): a region over its whole range and one
// root entry per gigabyte. Its address, or 0 if the range is not free in
// mm or it has too many regions (the reference dropped then).
static uint64
attach(struct mm *mm, struct mshare *ms, int prot)
{
  struct vma *v = vma_alloc(ms->start, ms->end, prot, VMA_SHARED | VMA_MMAP | VMA_MSHARE,
                            &mshare_ops, "mshare");
  if(v == 0){
    mshare_put(ms);
    return 0;
  }
  v->mshare = ms;
  mm_lock(mm);
  int ok = mm->nvmas < MAX_MAP_COUNT && vma_range_free(mm, ms->start, ms->end);
  if(ok){
    vma_insert(mm, v);
    for(uint64 va = ms->start; va < ms->end; va += GIB)
      mshare_link(mm, v, va);
  }
  mm_unlock(mm);
  if(!ok){
    vma_free(v);
    return 0;
  }
  return ms->start;
}

// Is the file open as f named in /mshare?
static int
in_mshare_folder(struct file *f)
{
  begin_op();
  struct inode *dp = namei("/mshare"), *ip = 0;
  if(dp){
    ilock(dp);
    ip = dp->type == T_DIR ? dirlookup(dp, f->name, 0) : 0;
    iunlockput(dp);
  }
  int found = ip == f->ip;
  if(ip)
    iput(ip);
  end_op();
  return found;
}

// mshare(fd, addr, size): make the file open as fd (for writing, named
// in /mshare, not naming a region yet) name a new region at [addr, addr
// + size), both multiples of MSHARE_ALIGN, below USERTOP and free in the
// caller, who is attached to it read-write. 0, or -1 with nothing
// changed.
uint64
sys_mshare(void)
{
  struct file *f;
  uint64 addr, size;
  argaddr(1, &addr);
  argaddr(2, &size);
  if(argfd(0, 0, &f) < 0 || f->type != FD_INODE || f->ip->type != T_FILE || !f->writable ||
     addr % GIB || size % GIB || size == 0 || !range_below(addr, size, USERTOP) ||
     !in_mshare_folder(f))
    return -1;
  struct mshare *ms = slab_alloc(&mshare_cache);
  if(ms == 0)
    return -1;
  memset(ms, 0, sizeof(*ms));
  initsleeplock(&ms->lock, "mshare");
  ms->start = addr;
  ms->end = addr + size;
  ms->refs = 2;                // the name's, and the caller's attachment
  if((ms->space[MSHARE_RW] = region_space(ms)) == 0 ||
     (ms->space[MSHARE_RO] = region_space(ms)) == 0){
    region_free(ms);
    return -1;
  }
  ilock(f->ip);
  acquire(&mshare_lock);
  int taken = f->ip->mshare != 0 || f->ip->nlink == 0;
  if(!taken){
    f->ip->mshare = ms;
    ms->ip = idup(f->ip);
  }
  release(&mshare_lock);
  iunlock(f->ip);
  if(taken){
    region_free(ms);
    return -1;
  }
  if(attach(myproc()->mm, ms, VM_READ | VM_WRITE) == 0){
    mshare_unlinked(f->ip);    // as if never made: nobody could attach it yet
    return -1;
  }
  return 0;
}

// mmap of a file that names a region (f): attach it to mm, at its
// address (addr 0 or that), for len bytes (the region's size), with
// permissions prot (PROT_WRITE needs f open for writing, which mmap has
// checked) and flags MAP_SHARED (MAP_FIXED too is allowed). The address,
// or -1.
uint64
mshare_attach(struct mm *mm, struct file *f, uint64 addr, uint64 len, int prot, int flags)
{
  acquire(&mshare_lock);
  struct mshare *ms = f->ip->mshare;
  int ok = ms && (flags & ~MAP_FIXED) == MAP_SHARED && (addr == 0 || addr == ms->start) &&
           len == ms->end - ms->start;
  if(ok)
    ms->refs++;
  release(&mshare_lock);
  if(!ok)
    return -1;
  addr = attach(mm, ms, prot);   // PROT_* are VM_* (kernel/fcntl.h)
  return addr ? addr : -1;
}

// The file ip was unlinked, and that was its last name: the region it
// named goes when the last process detaches. Called with no lock held.
void
mshare_unlinked(struct inode *ip)
{
  acquire(&mshare_lock);
  struct mshare *ms = ip->mshare;
  int named = ms && !ms->unnamed;
  if(named)
    ms->unnamed = 1;
  release(&mshare_lock);
  if(named)
    mshare_put(ms);
}
