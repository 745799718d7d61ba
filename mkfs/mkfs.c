// mkfs: build an Atlas file system image on the host.
//
//   mkfs/mkfs fs.img file...
//
// The image is FSSIZE blocks laid out as
//   [ unused | superblock | log | inodes | free bitmap | data ... ]
// and holds a root directory containing each named file under its last
// path component, minus one leading '_' (build/user/_sh becomes "sh").
//
// The whole image is assembled in memory and written out at the end.
// Every integer stored in it goes through the little-endian helpers below,
// so the result does not depend on the byte order of the host.

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/types.h"
#include "kernel/fs.h"
#include "kernel/stat.h"
#include "kernel/param.h"

#define NINODES 200                            // inodes in the file system
#define NINODEBLOCKS ((uint)(NINODES / IPB + 1))
#define NLOG (LOGBLOCKS + 1)                   // log blocks plus its header
#define NBITMAP (FSSIZE / BPB + 1)
#define NMETA (2 + NLOG + NINODEBLOCKS + NBITMAP)
#define MAXBYTES ((size_t)MAXFILE * BSIZE)     // largest possible file
#define MAXENTRIES (NINODES + 2)               // root entries, . and .. too

static uchar *image;                 // the file system, FSSIZE blocks
static struct superblock sb;
static uint next_inum = ROOTINO;     // next inode number to hand out
static uint next_block = NMETA;      // next data block to hand out

// Root directory contents, gathered as files are added.
static uchar rootdir[MAXENTRIES * sizeof(struct dirent)];
static size_t rootdir_len;

// Print an error message and exit with failure.
static void
die(const char *fmt, ...)
{
  va_list ap;
  fprintf(stderr, "mkfs: ");
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\n");
  exit(1);
}

// Store v at p as a 16-bit little-endian integer.
static void
put16(uchar *p, uint v)
{
  p[0] = v & 0xff;
  p[1] = (v >> 8) & 0xff;
}

// Store v at p as a 32-bit little-endian integer.
static void
put32(uchar *p, uint v)
{
  put16(p, v & 0xffff);
  put16(p + 2, v >> 16);
}

// Address in the image of block b.
static uchar*
block(uint b)
{
  return image + (size_t)b * BSIZE;
}

// Address in the image of the on-disk inode inum.
static uchar*
dinode_at(uint inum)
{
  return block(IBLOCK(inum, sb)) + (inum % IPB) * sizeof(struct dinode);
}

// Address of data-block pointer i of the dinode at di.
static uchar*
addr_slot(uchar *di, int i)
{
  return di + offsetof(struct dinode, addrs) + i * sizeof(uint);
}

// Fill in the superblock for the fixed layout and store it in block 1.
static void
write_superblock(void)
{
  sb.magic = FSMAGIC;
  sb.size = FSSIZE;
  sb.nblocks = FSSIZE - NMETA;
  sb.ninodes = NINODES;
  sb.nlog = NLOG;
  sb.logstart = 2;
  sb.inodestart = 2 + NLOG;
  sb.bmapstart = 2 + NLOG + NINODEBLOCKS;

  uchar *p = block(1);
  put32(p + offsetof(struct superblock, magic), sb.magic);
  put32(p + offsetof(struct superblock, size), sb.size);
  put32(p + offsetof(struct superblock, nblocks), sb.nblocks);
  put32(p + offsetof(struct superblock, ninodes), sb.ninodes);
  put32(p + offsetof(struct superblock, nlog), sb.nlog);
  put32(p + offsetof(struct superblock, logstart), sb.logstart);
  put32(p + offsetof(struct superblock, inodestart), sb.inodestart);
  put32(p + offsetof(struct superblock, bmapstart), sb.bmapstart);
}

// Claim the next free data block (already zero) and return its number.
static uint
alloc_block(void)
{
  if(next_block >= FSSIZE)
    die("file system full (%d blocks)", FSSIZE);
  return next_block++;
}

// Claim the next inode, make it an empty inode of the given type with one
// link, and return its number.
static uint
alloc_inode(int type)
{
  if(next_inum >= NINODES)
    die("too many files (the image has %d inodes)", NINODES);
  uint inum = next_inum++;
  uchar *di = dinode_at(inum);
  put16(di + offsetof(struct dinode, type), type);
  put16(di + offsetof(struct dinode, nlink), 1);
  return inum;
}

// Store len bytes of data as the contents of inode inum, using direct
// block pointers first and then the indirect block.
static void
write_contents(uint inum, const uchar *data, size_t len)
{
  if(len > MAXBYTES)
    die("file too big (%zu bytes, at most %zu)", len, MAXBYTES);
  uchar *di = dinode_at(inum);
  uchar *indirect = 0;

  for(size_t i = 0; i * BSIZE < len; i++){
    uint b = alloc_block();
    size_t n = len - i * BSIZE < BSIZE ? len - i * BSIZE : BSIZE;
    memcpy(block(b), data + i * BSIZE, n);
    if(i < NDIRECT){
      put32(addr_slot(di, i), b);
      continue;
    }
    if(indirect == 0){
      uint ib = alloc_block();
      put32(addr_slot(di, NDIRECT), ib);
      indirect = block(ib);
    }
    put32(indirect + (i - NDIRECT) * sizeof(uint), b);
  }
  put32(di + offsetof(struct dinode, size), len);
}

// Append the entry (inum, name) to the root directory's contents.
static void
add_dirent(uint inum, const char *name)
{
  size_t len = strlen(name);
  if(len == 0)
    die("empty file name");
  if(len > DIRSIZ)
    die("name %s longer than %d characters", name, DIRSIZ);
  for(size_t off = 0; off < rootdir_len; off += sizeof(struct dirent)){
    const char *other = (const char*)rootdir + off + offsetof(struct dirent, name);
    if(strncmp(other, name, DIRSIZ) == 0)
      die("two files named %s", name);
  }

  uchar *de = rootdir + rootdir_len;
  put16(de + offsetof(struct dirent, inum), inum);
  memcpy(de + offsetof(struct dirent, name), name, len);
  rootdir_len += sizeof(struct dirent);
}

// The name a host path gets in the image: its last component without
// one leading '_'.
static const char*
image_name(const char *path)
{
  const char *name = strrchr(path, '/');
  name = name ? name + 1 : path;
  if(name[0] == '_')
    name++;
  return name;
}

// Read the whole host file path into a new buffer and set *len. Reads at
// most one byte past the largest file size, so oversized files show up.
static uchar*
read_host_file(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  if(f == 0)
    die("cannot open %s", path);
  uchar *buf = malloc(MAXBYTES + 1);
  if(buf == 0)
    die("out of memory");
  *len = fread(buf, 1, MAXBYTES + 1, f);
  if(ferror(f))
    die("cannot read %s", path);
  fclose(f);
  if(*len > MAXBYTES)
    die("%s: file too big (more than %zu bytes)", path, MAXBYTES);
  return buf;
}

// Copy the host file path into the image as a regular file in the root.
static void
add_file(const char *path)
{
  size_t len;
  const char *name = image_name(path);
  uchar *data = read_host_file(path, &len);
  uint inum = alloc_inode(T_FILE);
  add_dirent(inum, name);
  write_contents(inum, data, len);
  free(data);
}

// Mark every block handed out so far, metadata included, as in use.
static void
write_bitmap(void)
{
  for(uint b = 0; b < next_block; b++)
    block(BBLOCK(b, sb))[(b % BPB) / 8] |= 1 << (b % 8);
}

// Write the finished image to the host file path.
static void
save_image(const char *path)
{
  FILE *f = fopen(path, "wb");
  if(f == 0)
    die("cannot create %s", path);
  if(fwrite(image, BSIZE, FSSIZE, f) != FSSIZE || fclose(f) != 0)
    die("cannot write %s", path);
}

// Build the image named by argv[1] from the files argv[2..].
int
main(int argc, char *argv[])
{
  if(argc < 2){
    fprintf(stderr, "usage: mkfs fs.img file...\n");
    return 1;
  }
  if(BSIZE % sizeof(struct dinode) != 0 || sizeof(uint) != 4)
    die("unexpected on-disk structure sizes");

  image = calloc(FSSIZE, BSIZE);
  if(image == 0)
    die("out of memory");
  write_superblock();

  uint root = alloc_inode(T_DIR);
  if(root != ROOTINO)
    die("root directory got inode %u", root);
  add_dirent(root, ".");
  add_dirent(root, "..");
  for(int i = 2; i < argc; i++)
    add_file(argv[i]);
  write_contents(root, rootdir, rootdir_len);
  write_bitmap();
  save_image(argv[1]);

  printf("mkfs: %s: %d blocks (%u metadata, %u data used), %u inodes used\n",
         argv[1], FSSIZE, NMETA, next_block - NMETA, next_inum - 1);
  return 0;
}
