// Page faults taken in user mode. The kernel maps every page of a process
// eagerly, so a fault means the program touched memory it may not: the
// process is killed with one line naming pid, cause and address. (Later
// work resolves some faults here instead: lazy heap pages, copy-on-write.)
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "riscv.h"
#include "proc.h"
#include "defs.h"

// The access a page-fault cause stands for.
static char *
fault_kind(uint64 scause)
{
  switch(scause){
  case EXC_INST_PAGE_FAULT: return "exec";
  case EXC_LOAD_PAGE_FAULT: return "load";
  default:                  return "store";
  }
}

// A user page fault: report it and mark the process killed; usertrap()
// then exits it with status -1.
void
page_fault(uint64 scause, uint64 stval)
{
  struct proc *p = myproc();
  printf("pid %d %s: page fault (%s) at %p pc %p\n", p->pid, p->name,
         fault_kind(scause), (void *)stval, (void *)p->trapframe->epc);
  setkilled(p);
}
