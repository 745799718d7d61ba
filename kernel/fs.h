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

#define NDIRECT 12
#define NINDIRECT (BSIZE / sizeof(uint))
#define MAXFILE (NDIRECT + NINDIRECT)

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
  uint addrs[NDIRECT+1];   // data block addresses; the last is indirect
};

// Inodes per block.
#define IPB           (BSIZE / sizeof(struct dinode))

// Block holding inode i.
#define IBLOCK(i, sb)     ((i) / IPB + sb.inodestart)

// Bitmap bits per block.
#define BPB           (BSIZE*8)

// Bitmap block holding the bit for block b.
#define BBLOCK(b, sb) ((b)/BPB + sb.bmapstart)

// A directory is a file holding a sequence of dirent structures.
#define DIRSIZ 14

struct dirent {
  ushort inum;          // 0 = free slot
  char name[DIRSIZ];    // not NUL-terminated when DIRSIZ long
};

#endif
