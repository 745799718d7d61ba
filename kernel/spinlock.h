// Mutual exclusion lock that spins; held with interrupts off.
#ifndef ATLAS_SPINLOCK_H
#define ATLAS_SPINLOCK_H

struct spinlock {
  uint locked;       // is the lock held?
  char *name;        // name of lock, for debugging
  struct cpu *cpu;   // the cpu holding the lock
};

#endif
