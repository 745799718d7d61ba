// Open files, in-memory inodes and the device switch.
#ifndef ATLAS_FILE_H
#define ATLAS_FILE_H

struct file {
  enum { FD_NONE, FD_PIPE, FD_INODE, FD_DEVICE } type;
  int ref;            // reference count
  char readable;
  char writable;
  struct pipe *pipe;  // FD_PIPE
  struct inode *ip;   // FD_INODE and FD_DEVICE
  uint off;           // FD_INODE
  short major;        // FD_DEVICE
  char name[DIRSIZ+1]; // the last part of the path it was opened by (for maps)
};

#define major(dev)  ((dev) >> 16 & 0xFFFF)
#define minor(dev)  ((dev) & 0xFFFF)
#define mkdev(m,n)  ((uint)((m)<<16| (n)))

// In-memory copy of an inode.
struct inode {
  uint dev;           // device number
  uint inum;          // inode number
  int ref;            // reference count
  struct sleeplock lock; // protects everything below here
  int valid;          // inode has been read from disk?

  short type;         // copy of disk inode
  short major;
  short minor;
  short nlink;
  uint size;
  uint addrs[NADDRS];
  struct vm_object *obj; // its pages in the page cache, or 0 (mm/filemap.c)
  struct mshare *mshare; // the mshare region it names, or 0 (mm/mshare.c)
};

// Maps a major device number to the device's read and write functions.
// user_dst/user_src: 1 when addr is a user virtual address.
struct devsw {
  int (*read)(int user_dst, uint64 addr, int n);
  int (*write)(int user_src, uint64 addr, int n);
};

extern struct devsw devsw[];

#define CONSOLE 1

#endif
