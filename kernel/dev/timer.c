// The timer: each hart asks for an interrupt every 1/TICKS_PER_SEC
// seconds, which drives preemption; the boot hart also counts `ticks`
// (the clock sleep() and uptime() use). With the Sstc extension the
// kernel writes stimecmp itself; without, it asks the firmware.
#include "types.h"
#include "param.h"
#include "riscv.h"
#include "spinlock.h"
#include "defs.h"

uint ticks;
struct spinlock tickslock;
static int tick_hart;          // the hart that counts ticks
static uint64 interval;        // time CSR units between interrupts

// Ask for the next timer interrupt `interval` from now.
static void
timer_arm(void)
{
  uint64 next = r_time() + interval;
  if(machine.sstc)
    asm volatile("csrw %0, %1" : : "i"(CSR_STIMECMP), "r"(next));
  else
    sbi_set_timer(next);
}

// Nanoseconds since boot, from the time CSR.
uint64
time_ns(void)
{
  uint64 t = r_time();
  return t / machine.timebase * 1000000000UL +
         t % machine.timebase * 1000000000UL / machine.timebase;
}

void
timerinit(void)
{
  initlock(&tickslock, "time");
  interval = machine.timebase / TICKS_PER_SEC;
  tick_hart = cpuid();
}

// Enable timer interrupts on this hart, let user mode read the time CSR,
// and arm the first interrupt.
void
timerinithart(void)
{
  csr_set(scounteren, SCOUNTEREN_TM);
  csr_set(sie, SIE_STIE);
  timer_arm();
}

// A timer interrupt: count the tick (on one hart) and arm the next one.
void
clockintr(void)
{
  if(cpuid() == tick_hart){
    acquire(&tickslock);
    ticks++;
    wakeup(&ticks);
    release(&tickslock);
  }
  timer_arm();
}
