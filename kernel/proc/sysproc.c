// System calls about processes, time and memory. Arguments come from the
// trapframe through argint()/argaddr(); results go back in a0.
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "defs.h"
#include "memlayout.h"
#include "spinlock.h"
#include "proc.h"
#include "mm.h"
#include "sysinfo.h"
#include "vm.h"

uint64
sys_exit(void)
{
  int n;
  argint(0, &n);
  exit(n);
}

uint64
sys_getpid(void)
{
  return myproc()->pid;
}

uint64
sys_fork(void)
{
  return fork();
}

uint64
sys_wait(void)
{
  uint64 p;
  argaddr(0, &p);
  return wait(p);
}

// sbrk(n, mode): grow or shrink the heap by n bytes, allocating now
// (SBRK_EAGER, when memory allows) or on first touch (SBRK_LAZY).
// Returns the old end of the heap, or -1.
uint64
sys_sbrk(void)
{
  int n, mode;
  argint(0, &n);
  argint(1, &mode);
  if(mode != SBRK_EAGER && mode != SBRK_LAZY)
    return -1;
  struct mm *mm = myproc()->mm;
  uint64 addr = mm->brk;
  if(mm_sbrk(mm, n, mode) < 0)
    return -1;
  return addr;
}

// sleep(n) / pause(n): wait n clock ticks. -1 if n < 0 or if killed.
uint64
sys_sleep(void)
{
  int n;
  argint(0, &n);
  if(n < 0)
    return -1;
  acquire(&tickslock);
  uint ticks0 = ticks;
  while(ticks - ticks0 < n){
    if(killed(myproc())){
      release(&tickslock);
      return -1;
    }
    sleep(&ticks, &tickslock);
  }
  release(&tickslock);
  return 0;
}

uint64
sys_kill(void)
{
  int pid;
  argint(0, &pid);
  return kill(pid);
}

// Clock ticks since boot.
uint64
sys_uptime(void)
{
  acquire(&tickslock);
  uint xticks = ticks;
  release(&tickslock);
  return xticks;
}

// sysinfo(struct sysinfo *): the bytes of free memory programs may take,
// and the process slots in use. 0, or -1 for a bad buffer.
uint64
sys_sysinfo(void)
{
  // lab syscall: begin
  uint64 addr;
  argaddr(0, &addr);
  struct sysinfo info = {
    .freemem = kuserpages() * PGSIZE,
    .nproc = nproc_used(),
  };
  return copyout(myproc()->mm->pagetable, addr, (char *)&info, sizeof(info));
  // lab syscall: handout
  // return -1;
  // lab syscall: end
}

// trace(mask): from now on print a line as each call whose bit is set in
// mask returns, in this process and in the children it forks from now
// (kernel/trap/syscall.c prints it). Bits of numbers that name no call
// trace nothing; a negative mask (its sign bit is no call's) is refused.
// 0, or -1 leaving the mask as it was.
uint64
sys_trace(void)
{
  // lab syscall: begin
  int mask;
  argint(0, &mask);
  if(mask < 0)
    return -1;
  myproc()->tracemask = mask;
  return 0;
  // lab syscall: handout
  // return -1;
  // lab syscall: end
}

// Number of free physical pages (for leak checks in tests).
uint64
sys_kpages(void)
{
  return kfreepages();
}

// Power the machine off.
uint64
sys_halt(void)
{
  printf("Atlas: halting\n");
  poweroff(0);
}

// kfail(n): make this process's n-th page allocation from now fail, once
// (n = 0 turns it off). For testing the kernel's failure paths.
uint64
sys_kfail(void)
{
  int n;
  argint(0, &n);
  if(n < 0)
    return -1;
  myproc()->kfail_after = n;
  return 0;
}

// forkmode(mode): FORK_EAGER, FORK_COW or FORK_SHAREDPT, or FORK_QUERY
// to only ask.
// Returns the previous mode, or -1 for an unknown one.
uint64
sys_forkmode(void)
{
  int mode;
  argint(0, &mode);
  return set_forkmode(mode);
}

// Ticks per second of the time CSR, which user mode may read directly.
uint64
sys_timefreq(void)
{
  return machine.timebase;
}
