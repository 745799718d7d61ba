// System call numbers: the same as xv6-riscv's, so its programs run unchanged.
#ifndef ATLAS_SYSCALL_H
#define ATLAS_SYSCALL_H

#define SYS_fork    1
#define SYS_exit    2
#define SYS_wait    3
#define SYS_pipe    4
#define SYS_read    5
#define SYS_kill    6
#define SYS_exec    7
#define SYS_fstat   8
#define SYS_chdir   9
#define SYS_dup    10
#define SYS_getpid 11
#define SYS_sbrk   12
#define SYS_sleep  13
#define SYS_pause  SYS_sleep   // newer xv6 name for sleep
#define SYS_uptime 14
#define SYS_open   15
#define SYS_write  16
#define SYS_mknod  17
#define SYS_unlink 18
#define SYS_link   19
#define SYS_mkdir  20
#define SYS_close  21
// 22..29 are the xv6 labs' system calls, at the xv6 syscall lab's numbers
// where it has one; 24..29 are free.
#define SYS_trace  22          // print the calls of a mask as they return (syscall lab)
#define SYS_sysinfo 23         // free memory and processes (syscall lab)
// trace()'s mask has bit n for call n, for n below TRACE_CALLS: the bits of
// a non-negative int.
#define TRACE_CALLS 31
// Atlas's own calls.
#define SYS_halt   30          // power the machine off
#define SYS_kpages 31          // number of free physical pages
#define SYS_kfail  32          // fault injection: fail the N-th page allocation
#define SYS_forkmode 33        // choose how fork copies memory
#define SYS_memstat 34         // memory-system counters
#define SYS_timefreq 35        // frequency of the time CSR (Hz)
#define SYS_pgpte 36           // the leaf PTE mapping an address (page-table lab)
#define SYS_kpgtbl 37          // print the caller's page table (page-table lab)
#define SYS_pgaccess 38        // report and clear accessed bits (page-table lab)
#define SYS_superpages 39      // let the caller's heap use megapages, or not
#define SYS_maps   40          // a process's regions (like /proc/PID/maps)
#define SYS_mmap   41          // add a region of memory
#define SYS_munmap 42          // remove one
#define SYS_mprotect 43        // change a region's permissions
#define SYS_msync  44          // write a shared file mapping back
#define SYS_mshare 45          // make an mshare region (kernel/mm/mshare.c)
#define SYS_swapctl 46         // reclaim's controls (kernel/mm/reclaim.c)

#endif
