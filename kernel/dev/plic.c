// The platform-level interrupt controller (PLIC) routes device interrupts
// (UART, virtio disks) to harts. Each hart's S-mode has its own context,
// numbered by hart id (not by the hart's slot in cpus[]).
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "riscv.h"
#include "spinlock.h"
#include "proc.h"
#include "defs.h"

#define PLIC_REG(addr) (*(volatile uint32 *)(addr))

// Give the devices Atlas uses a non-zero priority (zero means disabled).
void
plicinit(void)
{
  PLIC_REG(PLIC_PRIORITY + UART0_IRQ*4) = 1;
  PLIC_REG(PLIC_PRIORITY + VIRTIO0_IRQ*4) = 1;
  PLIC_REG(PLIC_PRIORITY + VIRTIO1_IRQ*4) = 1;
}

// Set up this hart's S-mode context: take the devices' interrupts if
// devices is set, else none. Only the boot hart takes them. Were every
// hart enabled, each disk interrupt would wake every idle hart to race
// for one claim; on a host with fewer cores than harts those wake-ups
// (and the spinning on the locks the woken harts take) cost several
// times the disk work itself.
void
plicinithart(int devices)
{
  int hart = mycpu()->hartid;
  PLIC_REG(PLIC_SENABLE(hart)) =
    devices ? (1 << UART0_IRQ) | (1 << VIRTIO0_IRQ) | (1 << VIRTIO1_IRQ) : 0;
  PLIC_REG(PLIC_SPRIORITY(hart)) = 0;   // threshold: accept any priority
}

// Which interrupt is pending for this hart (0 if none); claims it.
int
plic_claim(void)
{
  return PLIC_REG(PLIC_SCLAIM(mycpu()->hartid));
}

// Tell the PLIC this hart has handled irq.
void
plic_complete(int irq)
{
  PLIC_REG(PLIC_SCLAIM(mycpu()->hartid)) = irq;
}
