// Flags for open(), and for mmap() (the values Linux uses, so that
// programs written for it, like MIT's mmap lab test, compile unchanged).
// Stands alone: programs include it before kernel/types.h.
#ifndef ATLAS_FCNTL_H
#define ATLAS_FCNTL_H

#define O_RDONLY  0x000
#define O_WRONLY  0x001
#define O_RDWR    0x002
#define O_CREATE  0x200
#define O_TRUNC   0x400

// mmap's prot: what the process may do with the mapping.
#define PROT_NONE  0x0
#define PROT_READ  0x1
#define PROT_WRITE 0x2
#define PROT_EXEC  0x4

// mmap's flags.
#define MAP_SHARED    0x01   // stores are seen by every process mapping it
#define MAP_PRIVATE   0x02   // stores stay private (copy-on-write)
#define MAP_FIXED     0x10   // at exactly addr, replacing what was there
#define MAP_ANONYMOUS 0x20   // zeroed memory, no file

// msync's flags.
#define MS_ASYNC      1      // write back (Atlas: before returning, as MS_SYNC)
#define MS_INVALIDATE 2      // nothing to do: all mappings share one page cache
#define MS_SYNC       4      // write back before returning

#endif
