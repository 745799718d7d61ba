// Processes: the process table, creating and ending processes, the
// per-hart scheduler, and sleep/wakeup.
//
// Locking:
//  - p->lock protects p->state, chan, killed, xstate and pid, and is held
//    across every switch into and out of a process (see sched()).
//  - wait_lock protects every p->parent, and is the lock a parent sleeps
//    on in wait(), so a child's exit cannot slip between the parent's
//    check and its sleep. Take wait_lock before any p->lock.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "riscv.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "fs.h"
#include "file.h"
#include "proc.h"
#include "defs.h"
#include "vm.h"
#include "mm.h"

struct cpu cpus[NCPU];
static struct proc proc[NPROC];
static struct proc *initproc;
uint64 usertop;                // end of user memory: TRAPFRAME, or USYSCALL

static int nextpid = 1;
static struct spinlock pid_lock;
static struct spinlock wait_lock;

static void forkret(void);
static void freeproc(struct proc *p);

// Map one kernel stack for each process slot at KSTACK(i), below the
// trampoline; the unmapped page under each is its guard page.
void
proc_mapstacks(pagetable_t kpt)
{
  for(int i = 0; i < NPROC; i++){
    for(int j = 0; j < KSTACK_PAGES; j++){
      char *pa = kalloc();
      if(pa == 0)
        panic("proc_mapstacks: out of memory");
      kvmmap(kpt, KSTACK(i) + j*PGSIZE, (uint64)pa, PGSIZE, PTE_R | PTE_W);
    }
  }
}

// Should the current process's allocation fail on purpose? It asked,
// with kfail(n), for its n-th allocation from now to fail (mm/kalloc.c
// asks before every allocation).
static int
kfail_due(void)
{
  struct proc *p = myproc();
  return p != 0 && p->kfail_after > 0 && --p->kfail_after == 0;
}

// Set up the process table at boot.
void
procinit(void)
{
  usertop = kconfig.usyscall ? USYSCALL : TRAPFRAME;
  kalloc_failpoint(kfail_due);
  initlock(&pid_lock, "nextpid");
  initlock(&wait_lock, "wait_lock");
  for(int i = 0; i < NPROC; i++){
    initlock(&proc[i].lock, "proc");
    proc[i].state = UNUSED;
    proc[i].kstack = KSTACK(i);
  }
}

// This hart's slot in cpus[] (kept in tp; its hart id is mycpu()->hartid).
// Only stable with interrupts off: a process may move to another hart
// when it is preempted.
int
cpuid(void)
{
  return r_tp();
}

// This hart's struct cpu. Interrupts must be off.
struct cpu *
mycpu(void)
{
  return &cpus[cpuid()];
}

// The process running on this hart, or 0.
struct proc *
myproc(void)
{
  push_off();
  struct proc *p = mycpu()->proc;
  pop_off();
  return p;
}

static int
allocpid(void)
{
  acquire(&pid_lock);
  int pid = nextpid++;
  release(&pid_lock);
  return pid;
}

// An unused process slot, with its lock held; 0 when every slot is in use.
static struct proc *
unused_slot(void)
{
  for(struct proc *p = proc; p < &proc[NPROC]; p++){
    acquire(&p->lock);
    if(p->state == UNUSED)
      return p;
    release(&p->lock);
  }
  return 0;
}

// Make the first switch to p's kernel thread start fn on its own stack.
static void
start_at(struct proc *p, void (*fn)(void))
{
  memset(&p->context, 0, sizeof(p->context));
  p->context.ra = (uint64)fn;
  p->context.sp = p->kstack + KSTACK_PAGES*PGSIZE;
}

// Find an unused slot and make it a process with a trapframe page, a
// USYSCALL page and an empty address space, ready to start in
// forkret(). Returns it with p->lock held, or 0 when there is no slot or
// no memory.
static struct proc *
allocproc(void)
{
  struct proc *p = unused_slot();
  if(p == 0)
    return 0;

  p->pid = allocpid();
  p->state = USED;
  if((p->trapframe = kalloc()) == 0 ||
     // lab pgtbl: begin
     (kconfig.usyscall && (p->usyscall = kalloc()) == 0) ||
     // lab pgtbl: end
     (p->mm = mm_create(p->trapframe, p->usyscall)) == 0){
    freeproc(p);
    release(&p->lock);
    return 0;
  }
  // lab pgtbl: begin
  if(p->usyscall){
    memset(p->usyscall, 0, PGSIZE);
    p->usyscall->pid = p->pid;
  }
  // lab pgtbl: end
  fpu_reset(p);
  start_at(p, forkret);
  return p;
}

// Release everything a process slot holds and mark it unused.
// Caller holds p->lock.
static void
freeproc(struct proc *p)
{
  if(p->trapframe)
    kfree(p->trapframe);
  // lab pgtbl: begin
  if(p->usyscall)
    kfree(p->usyscall);
  // lab pgtbl: end
  struct mm *mm = p->mm;
  p->mm = 0;                   // nobody (proc_mm, a debugger) finds it freed
  if(mm)
    mm_put(mm);
  p->trapframe = 0;
  p->usyscall = 0;
  p->pid = 0;
  p->parent = 0;
  p->name[0] = 0;
  p->chan = 0;
  p->killed = 0;
  p->xstate = 0;
  p->kfail_after = 0;
  // lab syscall: begin
  p->tracemask = 0;
  // lab syscall: end
  memset(p->vm_events, 0, sizeof(p->vm_events));
  p->fork_copy_ns = 0;
  p->state = UNUSED;
}

// Where a kernel thread starts, the first time the scheduler switches to
// it (holding p->lock): its work, which never ends.
static void
kthread_entry(void)
{
  struct proc *p = myproc();
  release(&p->lock);
  p->kthread();
  panic("kthread_entry: a kernel thread returned");
}

// Start a kernel thread named name that runs fn, in the kernel only: a
// process slot (sysinfo() counts it) with no address space, no pid (0)
// and no parent, which kill() does not reach (kswapd, mm/reclaim.c). At
// boot, while slots are free.
void
kthread_start(char *name, void (*fn)(void))
{
  struct proc *p = unused_slot();
  if(p == 0)
    panic("kthread_start: no slot");
  start_at(p, kthread_entry);
  p->kthread = fn;
  safestrcpy(p->name, name, sizeof(p->name));
  p->state = RUNNABLE;
  release(&p->lock);
}

// Create the first process. It starts in forkret(), which mounts the
// file system and execs /init.
void
userinit(void)
{
  struct proc *p = allocproc();
  if(p == 0)
    panic("userinit: no memory");
  initproc = p;
  p->mm->superpages = kconfig.megapages;  // inherited by every process from here on
  safestrcpy(p->name, "init", sizeof(p->name));
  p->state = RUNNABLE;
  release(&p->lock);
}

// Create a child that is a copy of the current process: its memory, open
// files, working directory and registers, except that fork returns 0 in
// the child. Returns the child's pid in the parent, or -1.
int
fork(void)
{
  struct proc *p = myproc();
  struct proc *np = allocproc();
  if(np == 0)
    return -1;
  uint64 ns = 0;
  int copied = mm_copy(p->mm, np->mm, &ns);
  p->fork_copy_ns += ns;               // what the fork mode costs (memstat)
  if(copied < 0){
    struct mm *mm = np->mm;
    np->mm = 0;
    freeproc(np);
    release(&np->lock);
    mm_put(mm);                   // may close files: no spin lock held
    return -1;
  }
  *np->trapframe = *p->trapframe;
  np->trapframe->a0 = 0;
  np->fp = p->fp;                 // current: usertrap() saved it
  for(int i = 0; i < NOFILE; i++)
    if(p->ofile[i])
      np->ofile[i] = filedup(p->ofile[i]);
  np->cwd = idup(p->cwd);
  safestrcpy(np->name, p->name, sizeof(p->name));
  // lab syscall: begin
  np->tracemask = p->tracemask;   // the child is traced as its parent is
  // lab syscall: end
  int pid = np->pid;
  release(&np->lock);

  acquire(&wait_lock);
  np->parent = p;
  release(&wait_lock);

  acquire(&np->lock);
  np->state = RUNNABLE;
  release(&np->lock);
  return pid;
}

// Give p's children to init. Caller holds wait_lock.
static void
reparent(struct proc *p)
{
  for(struct proc *pp = proc; pp < &proc[NPROC]; pp++){
    if(pp->parent == p){
      pp->parent = initproc;
      wakeup(initproc);
    }
  }
}

// End the current process with the given status. Its memory goes now
// (writing back what its shared file mappings stored); it stays a
// zombie, holding its slot, until its parent's wait() collects it.
void
exit(int status)
{
  struct proc *p = myproc();
  if(p == initproc)
    panic("init exiting");

  mm_put(proc_switch_mm(p, 0));

  for(int fd = 0; fd < NOFILE; fd++){
    if(p->ofile[fd]){
      fileclose(p->ofile[fd]);
      p->ofile[fd] = 0;
    }
  }
  begin_op();
  iput(p->cwd);
  end_op();
  p->cwd = 0;

  acquire(&wait_lock);
  reparent(p);
  wakeup(p->parent);
  acquire(&p->lock);
  p->xstate = status;
  p->state = ZOMBIE;
  release(&wait_lock);

  sched();
  panic("zombie exit");
}

// wait(), once the page at addr is held.
static int
wait_locked(struct proc *p, uint64 addr)
{
  acquire(&wait_lock);
  for(;;){
    int havekids = 0;
    for(struct proc *pp = proc; pp < &proc[NPROC]; pp++){
      if(pp->parent != p)
        continue;
      acquire(&pp->lock);
      havekids = 1;
      if(pp->state == ZOMBIE){
        int pid = pp->pid;
        if(addr != 0 && copyout(p->mm->pagetable, addr, (char *)&pp->xstate,
                                sizeof(pp->xstate)) < 0){
          release(&pp->lock);
          release(&wait_lock);
          return -1;
        }
        freeproc(pp);
        release(&pp->lock);
        release(&wait_lock);
        return pid;
      }
      release(&pp->lock);
    }
    if(!havekids || killed(p)){
      release(&wait_lock);
      return -1;
    }
    sleep(p, &wait_lock);
  }
}

// Wait for a child to exit; store its status at user address addr (if
// not 0) and return its pid. -1 if there are no children, if the caller
// is killed, or if addr cannot be written (the child then stays waitable).
int
wait(uint64 addr)
{
  struct proc *p = myproc();
  struct uhold held = { .n = 0 };
  if(addr)
    uvm_hold(addr, sizeof(int), 1, &held);   // the copyout below holds locks
  int r = wait_locked(p, addr);
  uvm_release(&held);
  return r;
}

// Might slot p hold a process? A read without p->lock, to skip free
// slots cheaply in the loops over all slots (taking 64 locks costs more
// than the work). Safe for the loops that use it: a slot that is free
// when looked at holds no process that could be runnable, or asleep on
// a channel whose waker holds the channel's lock, at that moment.
static int
slot_in_use(struct proc *p)
{
  return __atomic_load_n(&p->state, __ATOMIC_RELAXED) != UNUSED;
}

// Each hart runs this loop forever: pick a runnable process, switch to
// it, and take the hart back when it gives it up. With nothing to run
// the hart waits for an interrupt.
void
scheduler(void)
{
  struct cpu *c = mycpu();
  c->proc = 0;
  for(;;){
    intr_on();     // let pending device interrupts in, then close again:
    intr_off();    // the scan below must not be interrupted midway
    int found = 0;
    for(struct proc *p = proc; p < &proc[NPROC]; p++){
      if(!slot_in_use(p))
        continue;
      acquire(&p->lock);
      if(p->state == RUNNABLE){
        p->state = RUNNING;
        c->proc = p;
        swtch(&c->context, &p->context);
        c->proc = 0;       // the process gave the hart back
        found = 1;
      }
      release(&p->lock);
    }
    // Nothing to run: wait for an interrupt with interrupts still off.
    // wfi wakes on any pending enabled interrupt anyway, and the intr_on()
    // at the top of the loop then takes it; enabling before wfi could
    // take the interrupt first and then sleep through its wakeup.
    if(!found)
      asm volatile("wfi");
  }
}

// Switch from the current process to this hart's scheduler. The caller
// holds p->lock (and no other lock) and has changed p->state. intena
// belongs to this kernel thread, not the hart, so it is saved here.
void
sched(void)
{
  struct proc *p = myproc();
  if(!holding(&p->lock))
    panic("sched: p->lock not held");
  if(mycpu()->noff != 1)
    panic("sched: other locks held");
  if(p->state == RUNNING)
    panic("sched: process still running");
  if(intr_get())
    panic("sched: interrupts on");
  int intena = mycpu()->intena;
  p->fploaded = 0;     // others may use the f registers now (trap/fpu.c)
  swtch(&p->context, &mycpu()->context);
  mycpu()->intena = intena;
}

// Give up the hart for one scheduling round.
void
yield(void)
{
  struct proc *p = myproc();
  acquire(&p->lock);
  p->state = RUNNABLE;
  sched();
  release(&p->lock);
}

// Where a new process starts in the kernel, the first time the scheduler
// switches to it (still holding p->lock). The very first process also
// mounts the root file system (which sleeps, so cannot be done in kmain)
// and execs /init.
static void
forkret(void)
{
  static int first = 1;
  struct proc *p = myproc();
  release(&p->lock);
  if(first){
    first = 0;
    fsinit(ROOTDEV);
    p->cwd = namei("/");
    char *argv[] = { "/init", 0 };
    p->trapframe->a0 = exec("/init", argv);
    if(p->trapframe->a0 == -1)
      panic("forkret: cannot exec /init");
  }
  usertrapret();
}

// Sleep on chan, atomically releasing lk, and take lk again on waking.
// Holding p->lock from before lk is released until the switch means no
// wakeup(chan) can be missed.
void
sleep(void *chan, struct spinlock *lk)
{
  struct proc *p = myproc();
  acquire(&p->lock);
  release(lk);
  p->chan = chan;
  p->state = SLEEPING;
  sched();
  p->chan = 0;
  release(&p->lock);
  acquire(lk);
}

// Wake every process sleeping on chan. Caller must not hold a p->lock.
void
wakeup(void *chan)
{
  for(struct proc *p = proc; p < &proc[NPROC]; p++){
    if(p == myproc() || !slot_in_use(p))
      continue;
    acquire(&p->lock);
    if(p->state == SLEEPING && p->chan == chan)
      p->state = RUNNABLE;
    release(&p->lock);
  }
}

// Mark process pid killed; it exits when it next returns to user space or
// wakes from a sleep that checks killed(). Returns 0, or -1 if no such pid
// or if pid is init's: the system cannot go on without init (exit panics).
int
kill(int pid)
{
  for(struct proc *p = proc; p < &proc[NPROC]; p++){
    acquire(&p->lock);
    if(p->pid == pid && p->state != UNUSED && p != initproc && !p->kthread){
      p->killed = 1;
      if(p->state == SLEEPING)
        p->state = RUNNABLE;   // wake it so it can notice
      release(&p->lock);
      return 0;
    }
    release(&p->lock);
  }
  return -1;
}

void
setkilled(struct proc *p)
{
  acquire(&p->lock);
  p->killed = 1;
  release(&p->lock);
}

int
killed(struct proc *p)
{
  acquire(&p->lock);
  int k = p->killed;
  release(&p->lock);
  return k;
}

// lab syscall: begin
// Number of process slots in use (sysinfo).
uint64
nproc_used(void)
{
  uint64 n = 0;
  for(struct proc *p = proc; p < &proc[NPROC]; p++){
    acquire(&p->lock);
    if(p->state != UNUSED)
      n++;
    release(&p->lock);
  }
  return n;
}
// lab syscall: end

// The address space of process pid, with a reference the caller must
// drop (mm_put); 0 if there is no such process.
struct mm *
proc_mm(int pid)
{
  for(struct proc *p = proc; p < &proc[NPROC]; p++){
    acquire(&p->lock);
    struct mm *mm = p->pid == pid && p->state != UNUSED ? p->mm : 0;
    if(mm)
      mm_get(mm);
    release(&p->lock);
    if(mm)
      return mm;
  }
  return 0;
}

// Put a new address space in p's place, returning the old one (exec,
// exit).
struct mm *
proc_switch_mm(struct proc *p, struct mm *mm)
{
  acquire(&p->lock);
  struct mm *old = p->mm;
  p->mm = mm;
  release(&p->lock);
  return old;
}

// The OOM killer's choice so far.
struct oom_choice {
  int pid;
  char name[sizeof(proc[0].name)];
  uint64 badness, resident, swapped;
};

// Make process p the OOM killer's choice c if it is worse than c's:
// higher badness, and not init, a kernel thread, or killed already.
static void
oom_consider(struct proc *p, struct oom_choice *c)
{
  acquire(&p->lock);
  struct mm *mm = p->state != UNUSED && p != initproc && !p->killed ? p->mm : 0;
  int pid = p->pid;
  if(mm)
    mm_get(mm);
  release(&p->lock);
  if(mm == 0)
    return;
  uint64 r, s, b = mm_badness(mm, &r, &s);
  mm_put(mm);
  if(b <= c->badness)
    return;
  c->pid = pid;
  c->badness = b;
  c->resident = r;
  c->swapped = s;
  safestrcpy(c->name, p->name, sizeof(c->name));
}

// The OOM killer: when a page fault finds no memory and reclaim can
// free none (swap full or absent), end the process with the highest
// badness: resident plus swapped pages (mm_badness, which counts a page
// several processes map for each); among equals the process that asked
// (the caller, whose allocation failed), else the first in the table;
// never init, nor a kernel thread, nor one killed already. One line
// names it and its size. While an earlier victim is still exiting,
// nobody else is killed: its memory is about to come back. Returns 1
// when it killed a victim, 0 when an earlier one is still exiting, -1
// when there is none.
int
oom_kill(void)
{
  static int dying;            // the last victim's pid, until its memory is gone
  struct mm *left = dying ? proc_mm(dying) : 0;
  if(left){
    mm_put(left);
    return 0;
  }
  struct oom_choice c = { 0 };
  oom_consider(myproc(), &c);
  for(struct proc *p = proc; p < &proc[NPROC]; p++)
    oom_consider(p, &c);
  if(c.pid == 0 || kill(c.pid) != 0)
    return -1;
  dying = c.pid;
  printf("oom: killed pid %d %s (resident %lu pages, swapped %lu pages)\n", c.pid, c.name,
         c.resident, c.swapped);
  return 1;
}

// List the processes on the console (Ctrl-P). Takes no locks, so that it
// works even when the machine is wedged.
void
procdump(void)
{
  static char *states[] = {
    [UNUSED] "unused", [USED] "used", [SLEEPING] "sleep",
    [RUNNABLE] "runble", [RUNNING] "run", [ZOMBIE] "zombie",
  };
  printf("\n");
  for(struct proc *p = proc; p < &proc[NPROC]; p++){
    if(p->state == UNUSED)
      continue;
    printf("%d %s %s: size %lu, lazy faults %lu, cow faults %lu (copied %lu)\n",
           p->pid, states[p->state], p->name, p->mm ? p->mm->brk : 0,
           p->vm_events[VM_LAZY_FAULT], p->vm_events[VM_COW_FAULT],
           p->vm_events[VM_COW_COPY]);
  }
}
