// Compile-time limits of the kernel.
#ifndef ATLAS_PARAM_H
#define ATLAS_PARAM_H

#define NPROC        64    // maximum number of processes
#define NCPU          8    // maximum number of harts the kernel uses (any hart ids)
#define NOFILE       16    // open files per process
#define NFILE       100    // open files per system
#define NINODE       50    // maximum number of active i-nodes
#define NDEV         10    // maximum major device number
#define ROOTDEV       1    // device number of file system root disk
#define MAXARG       32    // max exec arguments
#define MAXOPBLOCKS  32    // max # of blocks any FS op writes: freeing a
                           // file's blocks logs one block per bitmap block
                           // of the disk, and the inode (mkfs keeps the
                           // disk small enough, FSMAXBLOCKS in fs.h)
#define LOGBLOCKS    (MAXOPBLOCKS*3)  // max data blocks in on-disk log
#define LOGSIZE      LOGBLOCKS        // older xv6 name of LOGBLOCKS
#define NBUF         (MAXOPBLOCKS*4)  // size of disk block cache: more than
                                      // the log can pin, so reads always find one
#define FSSIZE     200000  // blocks of the default disk (make FSSIZE=N for another)
#define MAXPATH      128   // maximum file path name
#define USERSTACK    1     // user stack pages
#define TICKS_PER_SEC 10   // timer interrupts per second (as on xv6)
#define BOOTARGS_MAX 256          // longest kernel command line kept
#define PGACCESS_MAX 64           // pages one pgaccess() call may report on

#endif
