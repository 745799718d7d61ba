// Long-term lock: a process waiting for it sleeps instead of spinning.
#ifndef ATLAS_SLEEPLOCK_H
#define ATLAS_SLEEPLOCK_H

struct sleeplock {
  uint locked;        // is the lock held?
  struct spinlock lk; // spinlock protecting this sleep lock
  char *name;         // name of lock, for debugging
  int pid;            // process holding lock
};

#endif
