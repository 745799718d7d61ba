// Filled in by the sysinfo() system call.
#ifndef ATLAS_SYSINFO_H
#define ATLAS_SYSINFO_H

struct sysinfo {
  uint64 freemem;   // bytes of free physical memory
  uint64 nproc;     // processes whose state is not UNUSED
};

#endif
