// Page reclaim: when memory runs short, choose mapped pages to give back,
// unmap each from every entry that maps it (the reverse map, rmap.c), and
// write it to swap (swap.c); when nothing more can be had, the OOM
// killer (kernel/proc/proc.c) ends a process.
//
// The choice runs a hand over the reclaim list, the mapped frames oldest
// mapping first (the boot option reclaim= picks the policy):
//  - clock (second chance): a frame any of whose entries has its A bit
//    set was used since the hand last passed; its A bits are cleared and
//    it goes to the back of the list. The first frame found unused goes;
//  - fifo: the frame at the front goes, used or not.
// The A bits are hints: clearing them needs no lock but the chain's, and
// once a batch is looked at every hart's TLB is flushed, so that a page
// in use gets its A bit set again.
//
// What becomes of the page chosen:
//  - a private page (anonymous memory, a private copy of a file's page)
//    goes to swap: each entry becomes a swap entry for its slot;
//  - a page of a file (the page cache's, mapped shared or read through a
//    private mapping) is unmapped, each entry cleared (a later fault
//    maps it again from the cache, mm/filemap.c), written back to the
//    file if it or an entry was dirty, and dropped from the cache;
//  - a page of shared anonymous memory has no other copy and no swap
//    slot to go to: it stays, as do a page in I/O and one the kernel
//    holds besides its entries (exec reading a program into it, a copy
//    under a spin lock, uvm_hold).
// A megapage is split first, wherever it is mapped, so that its frames
// go one by one.
//
// A batch goes in three steps: choose (under rmap_lock), unmap (under
// the freeze, ptlock.c: no hart is in a page-table section, so no entry
// changes underneath), then write (sleeping, without locks), after
// which the page is freed unless a fault took it back meanwhile.
// Several may reclaim at once (kswapd, faults, swapctl): choices are made
// under rmap_lock and unmapping under the freeze, one at a time, and a
// frame another reclaimer took is off the list or in I/O by then. None
// waits for another: kswapd writing a file's page may wait for the log,
// which may wait for a process in the middle of a write() whose fault is
// reclaiming.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "riscv.h"
#include "proc.h"
#include "defs.h"
#include "vm.h"
#include "mm/internal.h"

#define BATCH 16               // pages chosen, unmapped and written together (on
                               // the kernel stack, a page: keep it small)
#define FLUSH_ALL ((uint64)-1) // an SBI remote sfence.vma size: the whole TLB

static struct sleeplock oom_lock;    // one OOM kill at a time
static int policy;                   // RECLAIM_CLOCK or RECLAIM_FIFO

// Set up reclaim, with the policy the boot option chose.
void
reclaim_init(void)
{
  initsleeplock(&oom_lock, "oom");
  policy = kconfig.reclaim;
}

// Set the replacement policy to p (RECLAIM_*), or with -1 only ask: the
// previous policy, or -1 for an unknown one.
int
reclaim_policy(int p)
{
  int old = policy;
  if(p == RECLAIM_CLOCK || p == RECLAIM_FIFO)
    policy = p;
  else if(p != -1)
    return -1;
  return old;
}

// rmap_walk callback: clear entry e's A bit, noting in *young whether it
// was set. Atomic: the hardware may be setting A or D at the same time.
static int
test_and_clear_young(void *arg, pte_t *e, int level)
{
  if(__atomic_fetch_and(e, ~(pte_t)PTE_A, __ATOMIC_RELAXED) & PTE_A)
    *(int *)arg = 1;
  return 0;
}

// Was frame pa used since the hand last passed it (any entry's A bit)?
// Clears the bits. Caller holds rmap_lock.
static int
referenced(uint64 pa)
{
  int young = 0;
  rmap_walk(pa, test_and_clear_young, &young);
  return young;
}

// What a reclaimer may do: write files back, or only swap. A page fault
// reclaiming directly may be in the middle of a file system call (a
// write() copying from a page that was swapped out) and must not wait
// for an inode or the log: it only swaps.
enum reclaimer { SWAP_ONLY, SWAP_AND_FILES };

// May frame f be reclaimed at all (by who): not in I/O, not a page of
// shared anonymous memory (a page-cache page that is no file's), and a
// file's page only if who may write files?
static int
reclaimable(struct frame *f, enum reclaimer who)
{
  if(f->flags & FRAME_IO)
    return 0;
  if(f->flags & FRAME_FILE)
    return who == SWAP_AND_FILES;
  return !(f->flags & FRAME_PCACHE);
}

// Move the hand over the reclaim list and choose up to max frames to
// swap out, into pa[]: how many. Every frame the hand passes goes to the
// back, a used one as its second chance, a chosen one until its last
// entry goes (then it leaves the list). At most two turns of the list:
// after one, the clock has cleared every A bit it met.
static int
choose(uint64 *pa, int max, enum reclaimer who)
{
  int n = 0;
  rmap_lock();
  for(uint64 budget = 2 * lru_frames(); n < max && budget > 0; budget--){
    struct frame *f = lru_oldest();
    if(f == 0)
      break;
    lru_rotate(f);
    if(!reclaimable(f, who))
      continue;
    if(policy == RECLAIM_CLOCK && referenced(kframe_pa(f)))
      continue;
    pa[n++] = kframe_pa(f);
  }
  rmap_unlock();
  return n;
}

// Clear the A bit of every entry of every frame on the reclaim list (a
// turn of the hand that reclaims nothing), then have every hart forget
// its translations, so that the next use of a page sets its A bit again.
static void
age_all(void)
{
  int young;
  rmap_lock();
  struct frame *first = lru_oldest();
  for(struct frame *f = first; f; f = lru_next(f))
    rmap_walk(kframe_pa(f), test_and_clear_young, &young);
  rmap_unlock();
  tlb_shootdown(tlb_all_harts(), 0, FLUSH_ALL);
}

// rmap_walk callbacks: the first entry on a chain, and the first
// megapage leaf.
static int
first_entry(void *arg, pte_t *e, int level)
{
  *(pte_t **)arg = e;
  return 1;
}

static int
first_megapage(void *arg, pte_t *e, int level)
{
  return level > PT_LEVEL0 ? first_entry(arg, e, level) : 0;
}

// Split every megapage leaf that maps frame pa (the first of its 512):
// 0, or -1 when no page is free for a table. Frozen.
static int
split_megapages(uint64 pa)
{
  pte_t *e;
  while(rmap_walk(pa, first_megapage, &e))
    if(split_leaf(e, PT_LEVEL1) != 0)
      return -1;
  return 0;
}

// What unmap_frame did with a frame, and what is left to do.
enum outcome {
  OUT_SWAP_WRITE,              // now in the swap cache: write it to its slot
  OUT_SWAP_CACHED,             // the slot holds it already: just let it go
  OUT_FILE,                    // a file's page, unmapped: write back if dirty, drop
  OUT_FILE_DIRTY,              // ... and an entry had its D bit set
  OUT_STAYS,                   // not reclaimed after all
  OUT_SWAP_FULL,               // no slot left
};

// Clear every entry that maps frame pa, or (swap set) make each a swap
// entry for slot: each drops its reference. Whether a cleared entry had
// its D bit set. Frozen. The hardware may be setting A or D meanwhile:
// the exchange is atomic.
static int
unmap_entries(uint64 pa, int swap, uint64 slot)
{
  int dirty = 0;
  pte_t *e;
  while(rmap_walk(pa, first_entry, &e)){
    if(swap)
      swap_slot_get(slot);
    rmap_remove(e);
    pte_t old = __atomic_exchange_n(e, swap ? pte_make_swap(slot) : 0, __ATOMIC_SEQ_CST);
    dirty |= pte_dirty(old);
    kfree((void *)pa);         // the entry's reference; a cache keeps one
  }
  return dirty;
}

// Unmap frame pa from every entry that maps it: a private page to the
// swap slot it goes to (into *slot), a file's page to nothing. Frozen:
// no entry changes meanwhile.
static enum outcome
unmap_frame(uint64 pa, uint64 *slot)
{
  struct frame *f = kframe(pa);
  if(!(f->flags & FRAME_LRU) || !reclaimable(f, SWAP_AND_FILES) || split_megapages(pa) != 0)
    return OUT_STAYS;
  uint64 held = rmap_count(pa) + ((f->flags & (FRAME_SWAPCACHE | FRAME_PCACHE)) != 0);
  if(kpage_refs(pa) != held)
    return OUT_STAYS;
  if(f->flags & FRAME_FILE)
    return unmap_entries(pa, 0, 0) ? OUT_FILE_DIRTY : OUT_FILE;
  int write = swap_cache_out(pa, slot);
  if(write < 0)
    return OUT_SWAP_FULL;
  unmap_entries(pa, 1, *slot);
  return write ? OUT_SWAP_WRITE : OUT_SWAP_CACHED;
}

// The unmapped file page pa goes back to its file if dirty, and leaves
// the cache: 1 if it was freed.
static int
file_page_out(uint64 pa, int dirty)
{
  struct vm_object *obj;
  uint64 index;
  if(pcache_frame(pa, &obj, &index) != 0)
    return 0;                  // no longer cached: its last holder frees it
  int freed = filemap_reclaim_page(obj, index, pa, dirty);
  obj_put(obj);
  kfree((void *)pa);
  if(freed)
    vm_count(0, VM_FILE_RECLAIM);
  return freed;
}

// The second half of reclaiming frame pa, after unmap_frame: the I/O.
// 1 if the page was freed.
static int
page_out(uint64 pa, uint64 slot, enum outcome o)
{
  if(o == OUT_FILE || o == OUT_FILE_DIRTY)
    return file_page_out(pa, o == OUT_FILE_DIRTY);
  if(o == OUT_SWAP_WRITE)
    vm_count(0, VM_SWAP_OUT);
  return swap_out(pa, slot, o == OUT_SWAP_WRITE) == 1;
}

// Reclaim up to max pages (at most BATCH), as who may: 0 or more freed,
// or -1 when nothing could be chosen or swap is full.
static int
reclaim_batch(int max, enum reclaimer who)
{
  uint64 pa[BATCH], slot[BATCH];
  uint8 what[BATCH];
  int n = choose(pa, max < BATCH ? max : BATCH, who), out = 0;
  if(n == 0)
    return -1;
  pt_freeze();
  for(int i = 0; i < n; i++){
    enum outcome o = unmap_frame(pa[i], &slot[out]);
    if(o == OUT_SWAP_FULL || o == OUT_STAYS)
      continue;
    what[out] = o;
    pa[out++] = pa[i];
  }
  pt_thaw();
  // The entries changed, and their A bits (choose): no hart may go on
  // using what its TLB holds.
  tlb_shootdown(tlb_all_harts(), 0, FLUSH_ALL);
  int freed = 0;
  for(int i = 0; i < out; i++)
    freed += page_out(pa[i], slot[i], what[i]);
  vm_count_many(VM_RECLAIM, freed);
  return out == 0 ? -1 : freed;
}

// Free up to want pages, as who may: how many were freed (0 when swap is
// full or absent and no file's page could go, or nothing could be
// chosen). Gives up after a few batches more than want (or the whole
// reclaim list) needs, should faults keep taking pages back. Sleeps; the
// caller holds no spin lock.
static int
reclaim_as(int want, enum reclaimer who)
{
  uint64 used, total, cached;
  swap_counts(&used, &total, &cached);
  if((total == 0 && who == SWAP_ONLY) || want <= 0)
    return 0;
  int freed = 0;
  uint64 most = want < lru_frames() ? want : lru_frames();
  for(int tries = most / BATCH + 4; freed < want && tries > 0; tries--){
    int r = reclaim_batch(want - freed, who);
    if(r < 0)
      break;
    freed += r;
  }
  return freed;
}

// Free up to want pages, swapping out and writing files back: how many
// were freed. For kswapd and swapctl, which hold no lock at all.
int
reclaim(int want)
{
  return reclaim_as(want, SWAP_AND_FILES);
}

// kswapd: a kernel thread that keeps the memory user pages may take
// between two watermarks, so that allocations that cannot wait for
// reclaim (exec, fork, a pipe) find pages free. A fault that leaves less
// than the low watermark free wakes it (reclaim_check); it then swaps
// out until the high watermark is free, and sleeps again. Allocations
// that take memory only while it is free (sbrk's eager mode, as xv6's
// tests expect) never wake it.
#define LOW_WATERMARK  (ktotalpages() / 64)
#define HIGH_WATERMARK (ktotalpages() / 32)

// Is there enough mapped memory left for reclaim to help? With fewer
// mapped pages than the low watermark, memory is nearly all the
// kernel's (page tables, say: a process that touches one page in every
// 16 MiB of a huge heap has far more table pages than pages), and
// swapping what is left would only evict the working set of whoever
// runs, over and over: that is out of memory, for the OOM killer.
static int
worth_reclaiming(void)
{
  return lru_frames() >= LOW_WATERMARK;
}

static struct spinlock kswapd_lock;
static int kswapd_wanted;            // woken and not yet done
static int kswapd_running;           // started (there is swap)

static void
kswapd(void)
{
  for(;;){
    acquire(&kswapd_lock);
    while(!kswapd_wanted)
      sleep(&kswapd_wanted, &kswapd_lock);
    release(&kswapd_lock);
    while(kuserpages() < HIGH_WATERMARK && worth_reclaiming() && reclaim(BATCH) > 0)
      ;
    acquire(&kswapd_lock);
    kswapd_wanted = 0;
    release(&kswapd_lock);
  }
}

// Start kswapd, if there is swap to reclaim to (at boot, after the
// process table).
void
kswapd_start(void)
{
  uint64 used, total, cached;
  swap_counts(&used, &total, &cached);
  initlock(&kswapd_lock, "kswapd");
  kswapd_running = total > 0;
  if(kswapd_running)
    kthread_start("kswapd", kswapd);
}

// Wake kswapd, if it is asleep. The caller holds no lock.
static void
kswapd_wake(void)
{
  acquire(&kswapd_lock);
  if(!kswapd_wanted){
    kswapd_wanted = 1;
    wakeup(&kswapd_wanted);
  }
  release(&kswapd_lock);
}

// Sleep for a clock tick.
static void
wait_tick(void)
{
  acquire(&tickslock);
  sleep(&ticks, &tickslock);
  release(&tickslock);
}

// After a fault: wake kswapd if free memory is below the low watermark.
// The caller holds no lock.
void
reclaim_check(void)
{
  if(kswapd_running && kuserpages() < LOW_WATERMARK)
    kswapd_wake();
}

#define OOM_TRIES 100          // waits for memory before a fault gives up

// A page fault of process p found no page free (its tries-th time):
// reclaim directly, swapping only; when that frees nothing (swap full or
// absent), let kswapd try once, as it may write files' pages back; then
// have the OOM killer end a process, and wait a tick for its memory. 1:
// try the fault again; 0: give up (p was killed, nothing could be done,
// or memory is not short at all: the allocation failed on purpose,
// kfail, or wanted a whole 2 MiB block). Reclaim is not tried when it
// is not worth it (worth_reclaiming).
int
reclaim_wait(struct proc *p, int tries)
{
  if(killed(p) || tries >= OOM_TRIES || kuserpages() >= LOW_WATERMARK)
    return 0;
  if(worth_reclaiming() && reclaim_as(BATCH, SWAP_ONLY) > 0)
    return 1;
  if(tries == 0 && kswapd_running){
    kswapd_wake();
    wait_tick();
    return 1;
  }
  acquiresleep(&oom_lock);
  int r = oom_kill();
  releasesleep(&oom_lock);
  if(r < 0)
    return 0;
  if(r > 0)
    vm_count(0, VM_OOM_KILL);
  wait_tick();
  return 1;
}

// swapctl(op, n): reclaim's controls (vm.h's SWAPCTL_*), for tests and
// benchmarks: reclaim now, fail a swap I/O on purpose, choose the
// replacement policy, age every page. -1 for a bad op or argument.
uint64
sys_swapctl(void)
{
  int op, n;
  argint(0, &op);
  argint(1, &n);
  switch(op){
  case SWAPCTL_RECLAIM:
    return n < 0 ? -1 : reclaim(n);
  case SWAPCTL_FAILIO:
  case SWAPCTL_FAILSLOT:
    if(n < 0)
      return -1;
    swap_fail(op == SWAPCTL_FAILSLOT, n);
    return 0;
  case SWAPCTL_POLICY:
    return reclaim_policy(n);
  case SWAPCTL_AGE:
    age_all();
    return 0;
  default:
    return -1;
  }
}
