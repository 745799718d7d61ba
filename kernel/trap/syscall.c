// System-call dispatch. A user program puts the call number in a7 and
// up to six arguments in a0..a5, then runs ecall; the result goes back
// in a0. The helpers here fetch arguments safely from user memory.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "riscv.h"
#include "spinlock.h"
#include "proc.h"
#include "mm.h"
#include "syscall.h"
#include "defs.h"

// Read the 64-bit value at user address addr into *ip. 0, or -1.
int
fetchaddr(uint64 addr, uint64 *ip)
{
  return copyin(myproc()->mm->pagetable, (char *)ip, addr, sizeof(*ip));
}

// Copy the NUL-terminated user string at addr into buf (max bytes, NUL
// included). Returns its length, or -1.
int
fetchstr(uint64 addr, char *buf, int max)
{
  if(copyinstr(myproc()->mm->pagetable, buf, addr, max) < 0)
    return -1;
  return strlen(buf);
}

// The raw value of argument register n (a0..a5).
static uint64
argraw(int n)
{
  struct trapframe *tf = myproc()->trapframe;
  switch(n){
  case 0: return tf->a0;
  case 1: return tf->a1;
  case 2: return tf->a2;
  case 3: return tf->a3;
  case 4: return tf->a4;
  case 5: return tf->a5;
  }
  panic("argraw: no such argument");
}

// Argument n as an int.
void
argint(int n, int *ip)
{
  *ip = argraw(n);
}

// Argument n as a user address. Not checked here: copyin/copyout check it
// when it is used.
void
argaddr(int n, uint64 *ip)
{
  *ip = argraw(n);
}

// Argument n as a string copied into buf (max bytes, NUL included).
// Returns its length, or -1.
int
argstr(int n, char *buf, int max)
{
  uint64 addr;
  argaddr(n, &addr);
  return fetchstr(addr, buf, max);
}

extern uint64 sys_fork(void);
extern uint64 sys_exit(void);
extern uint64 sys_wait(void);
extern uint64 sys_pipe(void);
extern uint64 sys_read(void);
extern uint64 sys_kill(void);
extern uint64 sys_exec(void);
extern uint64 sys_fstat(void);
extern uint64 sys_chdir(void);
extern uint64 sys_dup(void);
extern uint64 sys_getpid(void);
extern uint64 sys_sbrk(void);
extern uint64 sys_sleep(void);
extern uint64 sys_uptime(void);
extern uint64 sys_open(void);
extern uint64 sys_write(void);
extern uint64 sys_mknod(void);
extern uint64 sys_unlink(void);
extern uint64 sys_link(void);
extern uint64 sys_mkdir(void);
extern uint64 sys_close(void);
extern uint64 sys_trace(void);
extern uint64 sys_sysinfo(void);
extern uint64 sys_halt(void);
extern uint64 sys_kpages(void);
extern uint64 sys_kfail(void);
extern uint64 sys_forkmode(void);
extern uint64 sys_memstat(void);
extern uint64 sys_timefreq(void);
extern uint64 sys_pgpte(void);
extern uint64 sys_kpgtbl(void);
extern uint64 sys_pgaccess(void);
extern uint64 sys_superpages(void);
extern uint64 sys_maps(void);
extern uint64 sys_mmap(void);
extern uint64 sys_munmap(void);
extern uint64 sys_mprotect(void);
extern uint64 sys_msync(void);
extern uint64 sys_mshare(void);
extern uint64 sys_swapctl(void);

static uint64 (*syscalls[])(void) = {
  [SYS_fork]    sys_fork,
  [SYS_exit]    sys_exit,
  [SYS_wait]    sys_wait,
  [SYS_pipe]    sys_pipe,
  [SYS_read]    sys_read,
  [SYS_kill]    sys_kill,
  [SYS_exec]    sys_exec,
  [SYS_fstat]   sys_fstat,
  [SYS_chdir]   sys_chdir,
  [SYS_dup]     sys_dup,
  [SYS_getpid]  sys_getpid,
  [SYS_sbrk]    sys_sbrk,
  [SYS_sleep]   sys_sleep,
  [SYS_uptime]  sys_uptime,
  [SYS_open]    sys_open,
  [SYS_write]   sys_write,
  [SYS_mknod]   sys_mknod,
  [SYS_unlink]  sys_unlink,
  [SYS_link]    sys_link,
  [SYS_mkdir]   sys_mkdir,
  [SYS_close]   sys_close,
  [SYS_trace]   sys_trace,
  [SYS_sysinfo] sys_sysinfo,
  [SYS_halt]    sys_halt,
  [SYS_kpages]  sys_kpages,
  [SYS_kfail]   sys_kfail,
  [SYS_forkmode] sys_forkmode,
  [SYS_memstat] sys_memstat,
  [SYS_timefreq] sys_timefreq,
  [SYS_pgpte]   sys_pgpte,
  [SYS_kpgtbl]  sys_kpgtbl,
  [SYS_pgaccess] sys_pgaccess,
  [SYS_superpages] sys_superpages,
  [SYS_maps]    sys_maps,
  [SYS_mmap]    sys_mmap,
  [SYS_munmap]  sys_munmap,
  [SYS_mprotect] sys_mprotect,
  [SYS_msync]   sys_msync,
  [SYS_mshare]  sys_mshare,
  [SYS_swapctl] sys_swapctl,
};

// lab syscall: begin
// The names of the calls a trace mask can name (those below TRACE_CALLS).
static const char *traced_names[TRACE_CALLS] = {
  [SYS_fork]    "fork",
  [SYS_exit]    "exit",
  [SYS_wait]    "wait",
  [SYS_pipe]    "pipe",
  [SYS_read]    "read",
  [SYS_kill]    "kill",
  [SYS_exec]    "exec",
  [SYS_fstat]   "fstat",
  [SYS_chdir]   "chdir",
  [SYS_dup]     "dup",
  [SYS_getpid]  "getpid",
  [SYS_sbrk]    "sbrk",
  [SYS_sleep]   "sleep",
  [SYS_uptime]  "uptime",
  [SYS_open]    "open",
  [SYS_write]   "write",
  [SYS_mknod]   "mknod",
  [SYS_unlink]  "unlink",
  [SYS_link]    "link",
  [SYS_mkdir]   "mkdir",
  [SYS_close]   "close",
  [SYS_trace]   "trace",
  [SYS_sysinfo] "sysinfo",
  [SYS_halt]    "halt",
};

// If p traces call num (trace()), print what it returned, in the xv6
// lab's format "PID: syscall NAME -> RESULT". num is the user's a7, any
// value: it is compared before it is used as a shift or an index.
static void
trace_return(struct proc *p, uint64 num)
{
  if(num < TRACE_CALLS && traced_names[num] && (p->tracemask >> num) & 1)
    printf("%d: syscall %s -> %ld\n", p->pid, traced_names[num], (long)p->trapframe->a0);
}
// lab syscall: end

// Run the system call the current process asked for.
void
syscall(void)
{
  struct proc *p = myproc();
  uint64 num = p->trapframe->a7;
  if(num < NELEM(syscalls) && syscalls[num]){
    p->trapframe->a0 = syscalls[num]();
    // lab syscall: begin
    trace_return(p, num);
    // lab syscall: end
  } else {
    printf("pid %d %s: unknown system call %d\n", p->pid, p->name, (int)num);
    p->trapframe->a0 = -1;
  }
}
