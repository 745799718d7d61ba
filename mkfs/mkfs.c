// mkfs: build an Atlas file system image on the host.
//
//   mkfs/mkfs [-s blocks] fs.img file...
//
// The image is FSSIZE blocks (or the -s number) laid out as
//   [ unused | superblock | log | inodes | free bitmap | data ... ]
// and holds a root directory containing each named file under its last
// path component, minus one leading '_' (build/user/_sh becomes "sh").
//
// The whole image is assembled in memory and written out at the end.
// Every integer stored in it goes through the little-endian helpers below,
// so the result does not depend on the byte order of the host. The image
// file is sparse: only the blocks in use are written, the free data
// blocks after them are a hole that reads as zeros.

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel/types.h"
#include "kernel/fs.h"
#include "kernel/stat.h"
#include "kernel/param.h"

#define NINODES 200                            // inodes in the file system
#define NINODEBLOCKS ((uint)(NINODES / IPB + 1))
#define NLOG (LOGBLOCKS + 1)                   // log blocks plus its header
#define MAXBYTES ((size_t)MAXFILE * BSIZE)     // largest possible file
#define MAXENTRIES (NINODES + 2)               // root entries, . and .. too

static uint fssize = FSSIZE;         // blocks in the image
static uint nmeta;                   // blocks before the first data block
static uchar *image;                 // the file system, fssize blocks
static struct superblock sb;
static uint next_inum = ROOTINO;     // next inode number to hand out
static uint next_block;              // next data block to hand out

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

// The 32-bit little-endian integer at p.
static uint
get32(const uchar *p)
{
  return p[0] | p[1] << 8 | p[2] << 16 | (uint)p[3] << 24;
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

// Address of entry i of the index block at ib (an indirect block).
static uchar*
index_slot(uchar *ib, size_t i)
{
  return ib + i * sizeof(uint);
}

// Fill in the superblock for the layout of fssize blocks and store it in
// block 1. Sets nmeta.
static void
write_superblock(void)
{
  uint nbitmap = fssize / BPB + 1;

  nmeta = 2 + NLOG + NINODEBLOCKS + nbitmap;
  if(fssize <= nmeta)
    die("%u blocks leave no room for data (the metadata takes %u)", fssize, nmeta);
  sb.magic = FSMAGIC;
  sb.size = fssize;
  sb.nblocks = fssize - nmeta;
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
  if(next_block >= fssize)
    die("file system full (%u blocks)", fssize);
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

// The index block whose number is stored at slot, allocated first if
// slot holds zero.
static uchar*
index_block(uchar *slot)
{
  if(get32(slot) == 0)
    put32(slot, alloc_block());
  return block(get32(slot));
}

// Where the number of block i of the file whose dinode is at di goes: a
// slot of addrs[], of the indirect block or of an indirect block under the
// doubly-indirect one. Allocates the index blocks on the way.
static uchar*
block_slot(uchar *di, size_t i)
{
  if(i < NDIRECT)
    return addr_slot(di, i);
  i -= NDIRECT;
  if(i < NINDIRECT)
    return index_slot(index_block(addr_slot(di, INDIRECT)), i);
  i -= NINDIRECT;
  uchar *top = index_block(addr_slot(di, DINDIRECT));
  return index_slot(index_block(index_slot(top, i / NINDIRECT)), i % NINDIRECT);
}

// Store len bytes of data as the contents of inode inum.
static void
write_contents(uint inum, const uchar *data, size_t len)
{
  if(len > MAXBYTES)
    die("file too big (%zu bytes, at most %zu)", len, MAXBYTES);
  uchar *di = dinode_at(inum);

  for(size_t i = 0; i * BSIZE < len; i++){
    uint b = alloc_block();
    size_t n = len - i * BSIZE < BSIZE ? len - i * BSIZE : BSIZE;
    memcpy(block(b), data + i * BSIZE, n);
    put32(block_slot(di, i), b);
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

// Write the finished image to the host file path: the blocks in use
// (all below next_block), then a hole up to fssize blocks.
static void
save_image(const char *path)
{
  FILE *f = fopen(path, "wb");
  if(f == 0)
    die("cannot create %s", path);
  if(fwrite(image, BSIZE, next_block, f) != next_block || fflush(f) != 0 ||
     ftruncate(fileno(f), (off_t)fssize * BSIZE) != 0 || fclose(f) != 0)
    die("cannot write %s", path);
}

// The number of blocks that the -s argument arg names; the image may be
// at most FSMAXBLOCKS (kernel/fs.h: a truncate must be able to log every
// bitmap block in one operation).
static uint
parse_size(const char *arg)
{
  char *end;
  unsigned long n = strtoul(arg, &end, 10);
  if(*arg == 0 || *end != 0 || n == 0 || n > FSMAXBLOCKS)
    die("-s %s: not a number of blocks from 1 to %lu", arg, (unsigned long)FSMAXBLOCKS);
  return n;
}

// Build the image named by the first argument (after -s and its number)
// from the files named by the others.
int
main(int argc, char *argv[])
{
  if(argc >= 3 && strcmp(argv[1], "-s") == 0){
    fssize = parse_size(argv[2]);
    argc -= 2;
    argv += 2;
  }
  if(argc < 2){
    fprintf(stderr, "usage: mkfs [-s blocks] fs.img file...\n");
    return 1;
  }
  if(sizeof(uint) != 4)
    die("unexpected on-disk structure sizes");

  image = calloc(fssize, BSIZE);
  if(image == 0)
    die("out of memory");
  write_superblock();
  next_block = nmeta;

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

  printf("mkfs: %s: %u blocks (%u metadata, %u data used), %u inodes used\n",
         argv[1], fssize, nmeta, next_block - nmeta, next_inum - 1);
  return 0;
}
