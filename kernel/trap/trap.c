// Traps: system calls, exceptions and interrupts, from user mode
// (usertrap, entered through the trampoline) and from kernel mode
// (kerneltrap, through kernelvec).
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "riscv.h"
#include "spinlock.h"
#include "proc.h"
#include "mm.h"
#include "defs.h"

extern char trampoline[], uservec[], userret[];
void kernelvec(void);

enum intr_kind { INTR_NONE, INTR_DEVICE, INTR_TIMER };

// Take kernel traps on this hart from now on, and let device interrupts
// reach it.
void
trapinithart(void)
{
  w_stvec((uint64)kernelvec);
  csr_set(sie, SIE_SEIE);
}

// Handle an interrupt if scause is one; say which kind it was.
static enum intr_kind
devintr(uint64 scause)
{
  if(!(scause & SCAUSE_INTR))
    return INTR_NONE;
  switch(SCAUSE_CODE(scause)){
  case IRQ_S_EXT: {
    int irq = plic_claim();
    if(irq == UART0_IRQ)
      uartintr();
    else if(irq == VIRTIO0_IRQ || irq == VIRTIO1_IRQ)
      virtio_disk_intr(irq);
    else if(irq)
      printf("unexpected interrupt irq=%d\n", irq);
    if(irq)
      plic_complete(irq);
    return INTR_DEVICE;
  }
  case IRQ_S_TIMER:
    clockintr();
    return INTR_TIMER;
  default:
    return INTR_NONE;
  }
}

// Is scause one of the three page-fault exceptions?
static int
is_page_fault(uint64 scause)
{
  return scause == EXC_INST_PAGE_FAULT || scause == EXC_LOAD_PAGE_FAULT ||
         scause == EXC_STORE_PAGE_FAULT;
}

// Name an exception that kills a process, for its one-line obituary.
static char *
exception_name(uint64 scause)
{
  switch(scause){
  case EXC_INST_MISALIGNED:  return "misaligned instruction";
  case EXC_INST_ACCESS:      return "instruction access fault";
  case EXC_ILLEGAL_INST:     return "illegal instruction";
  case EXC_BREAKPOINT:       return "breakpoint";
  case EXC_LOAD_MISALIGNED:  return "misaligned load";
  case EXC_LOAD_ACCESS:      return "load access fault";
  case EXC_STORE_MISALIGNED: return "misaligned store";
  case EXC_STORE_ACCESS:     return "store access fault";
  default:                   return "unexpected exception";
  }
}

// A trap from user space, reached from uservec in the trampoline with
// the kernel page table and stack in place.
void
usertrap(void)
{
  if(r_sstatus() & SSTATUS_SPP)
    panic("usertrap: not from user mode");
  w_stvec((uint64)kernelvec);     // we are in the kernel now

  struct proc *p = myproc();
  tlb_leave_user(p->mm);          // uservec flushed this hart's TLB
  fpu_usertrap(p);                // and the kernel uses no floating point
  p->trapframe->epc = r_sepc();
  uint64 scause = r_scause();
  enum intr_kind intr = INTR_NONE;

  if(scause == EXC_ECALL_U){
    if(killed(p))
      exit(-1);
    p->trapframe->epc += 4;       // return past the ecall
    intr_on();                    // sepc etc. are saved: interrupts may come
    syscall();
  } else if(is_page_fault(scause)){
    page_fault(scause, r_stval());
  } else if((intr = devintr(scause)) == INTR_NONE){
    printf("pid %d %s: %s (scause %p) at %p pc %p\n", p->pid, p->name,
           exception_name(scause), (void *)scause, (void *)r_stval(),
           (void *)p->trapframe->epc);
    setkilled(p);
  }

  if(killed(p))
    exit(-1);
  if(intr == INTR_TIMER)
    yield();
  usertrapret();
}

// Return to user space: point stvec at uservec, fill in the kernel values
// uservec will need next time, and jump to userret in the trampoline.
void
usertrapret(void)
{
  struct proc *p = myproc();
  intr_off();      // stvec is about to point at uservec: no kernel traps now
  fpu_usertrapret(p);

  w_stvec(TRAMPOLINE + (uservec - trampoline));
  p->trapframe->kernel_satp = r_satp();
  p->trapframe->kernel_sp = p->kstack + KSTACK_PAGES*PGSIZE;
  p->trapframe->kernel_trap = (uint64)usertrap;
  p->trapframe->kernel_hartid = r_tp();

  uint64 x = r_sstatus();
  x &= ~SSTATUS_SPP;              // sret goes to user mode
  x |= SSTATUS_SPIE;              // with interrupts enabled
  w_sstatus(x);
  w_sepc(p->trapframe->epc);

  uint64 satp = MAKE_SATP(p->mm->pagetable);
  uint64 fn = TRAMPOLINE + (userret - trampoline);
  tlb_enter_user(p->mm);          // before userret switches to its table
  ((void (*)(uint64))fn)(satp);
}

// A trap while the kernel was running: only interrupts are expected; any
// exception is a kernel bug.
void
kerneltrap(void)
{
  uint64 sepc = r_sepc();
  uint64 sstatus = r_sstatus();
  uint64 scause = r_scause();

  if(!(sstatus & SSTATUS_SPP))
    panic("kerneltrap: not from supervisor mode");
  if(intr_get())
    panic("kerneltrap: interrupts enabled");
  if((sstatus & SSTATUS_FS) != SSTATUS_FS_OFF)
    panic("kerneltrap: floating point on in the kernel");

  enum intr_kind intr = devintr(scause);
  if(intr == INTR_NONE){
    printf("scause %p sepc %p stval %p hart %d\n", (void *)scause,
           (void *)sepc, (void *)r_stval(), cpuid());
    panic("kerneltrap: exception in kernel");
  }
  if(intr == INTR_TIMER && myproc() != 0)
    yield();

  // yield() may have taken other traps: restore what sret needs.
  w_sepc(sepc);
  w_sstatus(sstatus);
}
