// On-disk file system format, shared by the kernel and mkfs.
//
// Disk layout, in blocks of BSIZE bytes:
//   [ boot | superblock | log | inodes | free bitmap | data ... ]
// mkfs computes the superblock and writes the initial file system.
#ifndef ATLAS_FS_H
#define ATLAS_FS_H

#define ROOTINO  1     // inode number of the root directory
#define BSIZE 1024     // block size in bytes

#define FSMAGIC 0x10203040

struct superblock {
  uint magic;        // must be FSMAGIC
  uint size;         // size of the file system image (blocks)
  uint nblocks;      // number of data blocks
  uint ninodes;      // number of inodes
  uint nlog;         // number of log blocks (header included)
  uint logstart;     // block number of the first log block
  uint inodestart;   // block number of the first inode block
  uint bmapstart;    // block number of the first free-map block
};

// A file's block numbers: the inode's addrs[] holds NDIRECT of them, then
// the number of an indirect block (NINDIRECT numbers of data blocks), then
// the number of a doubly-indirect block (NINDIRECT numbers of indirect
// blocks, NDINDIRECT data blocks in all).
#define NDIRECT 11
#define NINDIRECT (BSIZE / sizeof(uint))
#define NDINDIRECT (NINDIRECT * NINDIRECT)
#define INDIRECT NDIRECT            // addrs[] slot of the indirect block
#define DINDIRECT (NDIRECT + 1)     // addrs[] slot of the doubly-indirect block
#define NADDRS (NDIRECT + 2)        // entries of addrs[]
#define MAXFILE (NDIRECT + NINDIRECT + NDINDIRECT)   // blocks of the largest file

// Most names one inode may have: nlink is a short. A count that wrapped
// around would let the inode be freed while names still lead to it.
#define MAXNLINK 0x7fff

// An inode as stored on disk.
struct dinode {
  short type;           // file type (T_DIR, T_FILE, T_DEVICE); 0 = free
  short major;          // major device number (T_DEVICE only)
  short minor;          // minor device number (T_DEVICE only)
  short nlink;          // number of directory entries naming this inode
  uint size;            // size of file (bytes)
  uint addrs[NADDRS];   // block numbers: direct, indirect, doubly-indirect
};
_Static_assert(BSIZE % sizeof(struct dinode) == 0,
               "a block must hold a whole number of inodes");

// Inodes per block.
#define IPB           (BSIZE / sizeof(struct dinode))

// Block holding inode i.
#define IBLOCK(i, sb)     ((i) / IPB + sb.inodestart)

// Bitmap bits per block.
#define BPB           (BSIZE*8)

// The largest disk, in blocks: one whose free bitmap a truncate can log
// whole, with the inode, in one operation (MAXOPBLOCKS, param.h). 240 MiB.
#define FSMAXBLOCKS   ((MAXOPBLOCKS - 2) * BPB)

// Bitmap block holding the bit for block b.
#define BBLOCK(b, sb) ((b)/BPB + sb.bmapstart)

// A directory is a file holding a sequence of dirent structures.
#define DIRSIZ 14

struct dirent {
  ushort inum;          // 0 = free slot
  char name[DIRSIZ];    // not NUL-terminated when DIRSIZ long
};

#endif
