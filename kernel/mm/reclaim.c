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
// Only private pages are swapped (anonymous memory, and private copies
// of file pages): a page of a file or of shared memory (FRAME_PCACHE)
// is skipped, as is a page in I/O, and one the kernel holds besides its
// entries (exec reading a program into it, say): it stays. A megapage is
// split first, wherever it is mapped, so that its frames go one by one.
//
// A batch goes in three steps: choose (under rmap_lock), unmap (under
// the freeze, ptlock.c: no hart is in a page-table section, so no entry
// changes underneath), then write (sleeping, without locks), after
// which the page is freed unless a fault took it back meanwhile.
// One reclaimer runs at a time.
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

static struct sleeplock reclaimer;   // one reclaim at a time
static int policy;                   // RECLAIM_CLOCK or RECLAIM_FIFO

// Set up reclaim, with the policy the boot option chose.
void
reclaim_init(void)
{
  initsleeplock(&reclaimer, "reclaim");
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

// Move the hand over the reclaim list and choose up to max frames to
// swap out, into pa[]: how many. Every frame the hand passes goes to the
// back, a used one as its second chance, a chosen one until its last
// entry goes (then it leaves the list). At most two turns of the list:
// after one, the clock has cleared every A bit it met.
static int
choose(uint64 *pa, int max)
{
  int n = 0;
  rmap_lock();
  for(uint64 budget = 2 * lru_frames(); n < max && budget > 0; budget--){
    struct frame *f = lru_oldest();
    if(f == 0)
      break;
    lru_rotate(f);
    if(f->flags & (FRAME_IO | FRAME_PCACHE))
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

// Unmap frame pa from every entry that maps it, each becoming a swap
// entry for the slot it goes to (into *slot): 1 when the page must be
// written there, 0 when the slot holds it already, -1 when the page
// stays (no longer a candidate, held by the kernel, or its megapage
// could not be split), -2 when swap is full. Frozen: no entry changes
// meanwhile.
static int
unmap_frame(uint64 pa, uint64 *slot)
{
  struct frame *f = kframe(pa);
  if(!(f->flags & FRAME_LRU) || (f->flags & (FRAME_IO | FRAME_PCACHE)) ||
     split_megapages(pa) != 0)
    return -1;
  uint64 held = rmap_count(pa) + ((f->flags & FRAME_SWAPCACHE) != 0);
  if(kpage_refs(pa) != held)
    return -1;
  int write = swap_cache_out(pa, slot);
  if(write < 0)
    return -2;
  pte_t *e;
  while(rmap_walk(pa, first_entry, &e)){
    swap_slot_get(*slot);
    rmap_remove(e);
    __atomic_store_n(e, pte_make_swap(*slot), __ATOMIC_SEQ_CST);
    kfree((void *)pa);         // the entry's reference; the swap cache keeps one
  }
  return write;
}

// Swap out up to max pages (at most BATCH): 0 or more freed, or -1 when
// nothing could be chosen or swap is full. Caller holds the reclaimer lock.
static int
reclaim_batch(int max)
{
  uint64 pa[BATCH], slot[BATCH];
  signed char write[BATCH];
  int n = choose(pa, max < BATCH ? max : BATCH), out = 0, full = 0;
  if(n == 0)
    return -1;
  pt_freeze();
  for(int i = 0; i < n && !full; i++){
    write[out] = unmap_frame(pa[i], &slot[out]);
    full = write[out] == -2;
    if(write[out] >= 0)
      pa[out++] = pa[i];
  }
  pt_thaw();
  // The entries changed, and their A bits (choose): no hart may go on
  // using what its TLB holds.
  tlb_shootdown(tlb_all_harts(), 0, FLUSH_ALL);
  int freed = 0;
  for(int i = 0; i < out; i++){
    if(write[i])
      vm_count(0, VM_SWAP_OUT);
    if(swap_out(pa[i], slot[i], write[i]) == 1)
      freed++;
  }
  vm_count_many(VM_RECLAIM, freed);
  return out == 0 ? -1 : freed;
}

// Free up to want pages by swapping out: how many were freed (0 when
// swap is full or absent, or nothing could be chosen). Gives up after a
// few batches more than want (or the whole reclaim list) needs, should
// faults keep taking pages back. Sleeps; the caller holds no lock.
int
reclaim(int want)
{
  uint64 used, total, cached;
  swap_counts(&used, &total, &cached);
  if(total == 0 || want <= 0)
    return 0;
  int freed = 0;
  acquiresleep(&reclaimer);
  uint64 most = want < lru_frames() ? want : lru_frames();
  for(int tries = most / BATCH + 4; freed < want && tries > 0; tries--){
    int r = reclaim_batch(want - freed);
    if(r < 0)
      break;
    freed += r;
  }
  releasesleep(&reclaimer);
  return freed;
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

static struct spinlock kswapd_lock;
static int kswapd_wanted;            // woken and not yet done

static void
kswapd(void)
{
  for(;;){
    acquire(&kswapd_lock);
    while(!kswapd_wanted)
      sleep(&kswapd_wanted, &kswapd_lock);
    release(&kswapd_lock);
    while(kuserpages() < HIGH_WATERMARK && reclaim(BATCH) > 0)
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
  if(total > 0)
    kthread_start("kswapd", kswapd);
}

// After a fault: wake kswapd if free memory is below the low watermark.
// The caller holds no lock.
void
reclaim_check(void)
{
  if(kuserpages() >= LOW_WATERMARK)
    return;
  acquire(&kswapd_lock);
  if(!kswapd_wanted){
    kswapd_wanted = 1;
    wakeup(&kswapd_wanted);
  }
  release(&kswapd_lock);
}

#define OOM_TRIES 100          // waits for memory before a fault gives up

// A page fault of process p found no page free (its tries-th time):
// reclaim directly; when that frees nothing (swap full or absent), have
// the OOM killer end a process and wait a tick for its memory. 1: try
// the fault again; 0: give up (p was killed, nothing could be done, or
// memory is not short at all: the allocation failed on purpose, kfail,
// or wanted a whole 2 MiB block).
int
reclaim_wait(struct proc *p, int tries)
{
  if(killed(p) || tries >= OOM_TRIES || kuserpages() >= LOW_WATERMARK)
    return 0;
  if(reclaim(BATCH) > 0)
    return 1;
  acquiresleep(&reclaimer);     // one OOM kill at a time
  int r = oom_kill();
  releasesleep(&reclaimer);
  if(r < 0)
    return 0;
  if(r > 0)
    vm_count(0, VM_OOM_KILL);
  acquire(&tickslock);
  sleep(&ticks, &tickslock);
  release(&tickslock);
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
    if(n < 0)
      return -1;
    swap_fail_io(n);
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
