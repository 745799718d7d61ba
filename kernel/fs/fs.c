// The file system proper: blocks, inodes, directories and path names.
//
// Layers, from the bottom:
//   blocks       allocate and free data blocks through the free bitmap;
//   inodes       a table of in-memory inodes caching the on-disk ones,
//                with reference counts and a sleep lock each;
//   file data    readi()/writei() map file offsets to blocks (bmap);
//   directories  files of struct dirent: dirlookup(), dirlink();
//   path names   namei()/nameiparent() walk "/a/b/c" one name at a time.
//
// Every function that changes the disk must run inside a log operation
// (begin_op()/end_op()) and write blocks with log_write(), never bwrite().

#include "types.h"
#include "riscv.h"
#include "param.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "fs.h"
#include "buf.h"
#include "file.h"
#include "proc.h"
#include "stat.h"
#include "defs.h"

// Where the superblock lives on disk (block 0 is left for a boot loader).
#define SUPERBLOCK_BNO 1

// The superblock of the root disk, read once by fsinit().
static struct superblock sb;

// ---- Superblock --------------------------------------------------------

// Read the superblock of dev into sb.
static void
readsb(int dev)
{
  struct buf *b;

  b = bread(dev, SUPERBLOCK_BNO);
  memmove(&sb, b->data, sizeof(sb));
  brelse(b);
}

// Get the file system on dev ready: load the superblock and replay the
// log. Runs in the first process, since it sleeps on the disk.
void
fsinit(int dev)
{
  readsb(dev);
  if(sb.magic != FSMAGIC)
    panic("fsinit: not an Atlas file system");
  initlog(dev, &sb);
}

// ---- Blocks ------------------------------------------------------------

// Fill block bno of dev with zeros (through the log).
static void
bzero(int dev, uint bno)
{
  struct buf *b;

  b = bread(dev, bno);
  memset(b->data, 0, BSIZE);
  log_write(b);
  brelse(b);
}

// Find a zero bit in the bitmap block b, whose bit 0 stands for disk
// block base; set it and return the block number, or 0 if none is free.
// Steps over full bytes whole: a big file's next block lies past tens of
// thousands of used ones.
static uint
claim_bit(struct buf *b, uint base)
{
  uint i;
  uchar mask;

  for(i = 0; i < BPB && base + i < sb.size; i++){
    if(i % 8 == 0 && b->data[i / 8] == 0xff){
      i += 7;
      continue;
    }
    mask = 1 << (i % 8);
    if((b->data[i / 8] & mask) == 0){
      b->data[i / 8] |= mask;
      log_write(b);
      return base + i;
    }
  }
  return 0;
}

// Allocate a zeroed disk block on dev. Returns its number, or 0 when the
// disk is full (callers must report that as a failure, not panic).
static uint
balloc(uint dev)
{
  struct buf *b;
  uint base, bno;

  for(base = 0; base < sb.size; base += BPB){
    b = bread(dev, BBLOCK(base, sb));
    bno = claim_bit(b, base);
    brelse(b);
    if(bno != 0){
      bzero(dev, bno);
      return bno;
    }
  }
  printf("balloc: out of blocks\n");
  return 0;
}

// Mark block bno of dev free in the bitmap. Freeing a free block means
// the file system is inconsistent, which is fatal.
static void
bfree(int dev, uint bno)
{
  struct buf *b;
  uchar mask;
  uint i;

  b = bread(dev, BBLOCK(bno, sb));
  i = bno % BPB;
  mask = 1 << (i % 8);
  if((b->data[i / 8] & mask) == 0)
    panic("bfree: block already free");
  b->data[i / 8] &= ~mask;
  log_write(b);
  brelse(b);
}

// ---- Inodes ------------------------------------------------------------
//
// The inode table holds the in-memory inodes. An entry is in use while
// its ref (number of C pointers to it) is above zero; ref, dev and inum
// are guarded by itable.lock. The copy of the disk inode (type, size,
// addrs, ...) and valid are guarded by the inode's sleep lock; valid says
// whether that copy has been read from disk.
//
// Typical use: ip = namei(...) or iget(...) (a reference), ilock(ip)
// (read it if needed, lock it), work, iunlock(ip), iput(ip) (drop the
// reference, freeing the inode on disk if it has no links left).

static struct {
  struct spinlock lock;
  struct inode inode[NINODE];
} itable;

// Set up the inode table at boot.
void
iinit(void)
{
  int i;

  initlock(&itable.lock, "itable");
  for(i = 0; i < NINODE; i++)
    initsleeplock(&itable.inode[i].lock, "inode");
}

// Return a new reference to the in-memory inode for inum on dev, without
// locking it or reading it from disk. Returns 0 if the table is full.
static struct inode*
iget(uint dev, uint inum)
{
  struct inode *ip, *unused;

  acquire(&itable.lock);
  unused = 0;
  for(ip = itable.inode; ip < itable.inode + NINODE; ip++){
    if(ip->ref > 0 && ip->dev == dev && ip->inum == inum){
      ip->ref++;
      release(&itable.lock);
      return ip;
    }
    if(unused == 0 && ip->ref == 0)
      unused = ip;
  }
  if(unused != 0){
    unused->dev = dev;
    unused->inum = inum;
    unused->ref = 1;
    unused->valid = 0;
  }
  release(&itable.lock);
  return unused;
}

// Allocate a free on-disk inode on dev and give it the type. Returns it
// referenced but unlocked, or 0 if the disk or the inode table is full.
struct inode*
ialloc(uint dev, short type)
{
  uint inum;
  struct buf *b;
  struct dinode *dip;
  struct inode *ip;

  for(inum = 1; inum < sb.ninodes; inum++){
    b = bread(dev, IBLOCK(inum, sb));
    dip = (struct dinode*)b->data + inum % IPB;
    if(dip->type == 0){
      ip = iget(dev, inum);
      if(ip != 0){
        memset(dip, 0, sizeof(*dip));
        dip->type = type;
        log_write(b);
      }
      brelse(b);
      return ip;
    }
    brelse(b);
  }
  printf("ialloc: no free inodes on disk\n");
  return 0;
}

// Copy the locked inode ip to its disk inode. Must follow every change to
// a field that is stored on disk.
void
iupdate(struct inode *ip)
{
  struct buf *b;
  struct dinode *dip;

  b = bread(ip->dev, IBLOCK(ip->inum, sb));
  dip = (struct dinode*)b->data + ip->inum % IPB;
  dip->type = ip->type;
  dip->major = ip->major;
  dip->minor = ip->minor;
  dip->nlink = ip->nlink;
  dip->size = ip->size;
  memmove(dip->addrs, ip->addrs, sizeof(ip->addrs));
  log_write(b);
  brelse(b);
}

// Add a reference to ip; returns ip, so "p = idup(q)" reads naturally.
struct inode*
idup(struct inode *ip)
{
  acquire(&itable.lock);
  ip->ref++;
  release(&itable.lock);
  return ip;
}

// Copy the disk inode into ip, which the caller has locked.
static void
iload(struct inode *ip)
{
  struct buf *b;
  struct dinode *dip;

  b = bread(ip->dev, IBLOCK(ip->inum, sb));
  dip = (struct dinode*)b->data + ip->inum % IPB;
  ip->type = dip->type;
  ip->major = dip->major;
  ip->minor = dip->minor;
  ip->nlink = dip->nlink;
  ip->size = dip->size;
  memmove(ip->addrs, dip->addrs, sizeof(ip->addrs));
  brelse(b);
  ip->valid = 1;
}

// Lock ip, reading it from disk first if this is the first use.
void
ilock(struct inode *ip)
{
  if(ip == 0 || ip->ref < 1)
    panic("ilock: inode not referenced");
  acquiresleep(&ip->lock);
  myproc()->ilocks++;
  if(!ip->valid){
    iload(ip);
    if(ip->type == 0)
      panic("ilock: inode is free on disk");
  }
}

// Unlock ip.
void
iunlock(struct inode *ip)
{
  if(ip == 0 || !holdingsleep(&ip->lock) || ip->ref < 1)
    panic("iunlock: inode not locked");
  myproc()->ilocks--;
  releasesleep(&ip->lock);
}

// Drop a reference to ip. When it was the last one and no directory
// names the inode any more, free the inode and its blocks on disk.
// Must run inside a log operation, since it may write the disk.
void
iput(struct inode *ip)
{
  acquire(&itable.lock);
  if(ip->ref == 1 && ip->valid && ip->nlink == 0){
    // Nobody else can find or hold ip: no links, no other references.
    // So its sleep lock is free and taking it cannot block.
    acquiresleep(&ip->lock);
    release(&itable.lock);

    itrunc(ip);
    ip->type = 0;
    iupdate(ip);
    ip->valid = 0;

    releasesleep(&ip->lock);
    acquire(&itable.lock);
  }
  if(ip->ref == 1)
    filemap_release(ip);         // its cached pages go with it
  ip->ref--;
  release(&itable.lock);
}

// Unlock ip, then drop the reference.
void
iunlockput(struct inode *ip)
{
  iunlock(ip);
  iput(ip);
}

// ---- File data ---------------------------------------------------------
//
// A file's blocks: addrs[0..NDIRECT-1] name the first NDIRECT blocks;
// addrs[INDIRECT] names an indirect block holding the numbers of the next
// NINDIRECT; addrs[DINDIRECT] names a doubly-indirect block holding the
// numbers of NINDIRECT indirect blocks, which name the last NDINDIRECT.
// A zero number means "no block yet".

// Return the number in *slot, first allocating a block for it if it is
// zero. Returns 0 when the disk is full.
static uint
slot_block(uint dev, uint *slot)
{
  if(*slot == 0)
    *slot = balloc(dev);
  return *slot;
}

// Return the block number in entry i of the index block bno, first
// allocating a block for it if it is zero (logging bno, which changed).
// Returns 0 when the disk is full.
static uint
index_block(uint dev, uint bno, uint i)
{
  struct buf *b;
  uint *entry, old, got;

  b = bread(dev, bno);
  entry = (uint*)b->data + i;
  old = *entry;
  got = slot_block(dev, entry);
  if(got != old)
    log_write(b);
  brelse(b);
  return got;
}

// Disk block holding block bn of the locked file ip, allocated (with the
// index blocks that lead to it) if needed. Returns 0 when the disk is full.
static uint
bmap(struct inode *ip, uint bn)
{
  uint ind;

  if(bn < NDIRECT)
    return slot_block(ip->dev, &ip->addrs[bn]);
  bn -= NDIRECT;
  if(bn < NINDIRECT){
    if((ind = slot_block(ip->dev, &ip->addrs[INDIRECT])) == 0)
      return 0;
    return index_block(ip->dev, ind, bn);
  }
  bn -= NINDIRECT;
  if(bn >= NDINDIRECT)
    panic("bmap: block number beyond MAXFILE");
  if((ind = slot_block(ip->dev, &ip->addrs[DINDIRECT])) == 0)
    return 0;
  if((ind = index_block(ip->dev, ind, bn / NINDIRECT)) == 0)
    return 0;
  return index_block(ip->dev, ind, bn % NINDIRECT);
}

// Free the index block bno and every block below it: levels is 1 for an
// indirect block (its entries name data blocks), 2 for a doubly-indirect
// one (its entries name indirect blocks).
static void
free_index(uint dev, uint bno, int levels)
{
  struct buf *b;
  uint *entry;

  b = bread(dev, bno);
  for(entry = (uint*)b->data; entry < (uint*)b->data + NINDIRECT; entry++){
    if(*entry == 0)
      continue;
    if(levels > 1)
      free_index(dev, *entry, levels - 1);
    else
      bfree(dev, *entry);
  }
  brelse(b);
  bfree(dev, bno);
}

// Free all blocks of the locked inode ip, index blocks included, and set
// its size to zero.
void
itrunc(struct inode *ip)
{
  int i;

  for(i = 0; i < NDIRECT; i++){
    if(ip->addrs[i] != 0){
      bfree(ip->dev, ip->addrs[i]);
      ip->addrs[i] = 0;
    }
  }
  if(ip->addrs[INDIRECT] != 0){
    free_index(ip->dev, ip->addrs[INDIRECT], 1);
    ip->addrs[INDIRECT] = 0;
  }
  if(ip->addrs[DINDIRECT] != 0){
    free_index(ip->dev, ip->addrs[DINDIRECT], 2);
    ip->addrs[DINDIRECT] = 0;
  }
  ip->size = 0;
  iupdate(ip);
  filemap_truncate(ip);
}

// Fill *st from the locked inode ip. Every byte, padding included, is
// set: *st goes to user space, and must carry no stale kernel memory.
void
stati(struct inode *ip, struct stat *st)
{
  memset(st, 0, sizeof(*st));
  st->dev = ip->dev;
  st->ino = ip->inum;
  st->type = ip->type;
  st->nlink = ip->nlink;
  st->size = ip->size;
}

// Length of the next piece of a copy between file offset off and memory
// address addr, with left bytes still to go. A piece stays inside one
// disk block and, for a user address, inside one page, so that when a
// copy fails every byte before the bad page has been counted.
static uint
piece(uint off, int user, uint64 addr, uint left)
{
  uint n;

  n = MIN(left, BSIZE - off % BSIZE);
  if(user)
    n = MIN(n, PGSIZE - addr % PGSIZE);
  return n;
}

// Read up to n bytes at offset off of the locked inode ip into dst (a
// user address if user_dst, else a kernel address). Stops at the end of
// the file. Returns the bytes read; if a copy to dst fails, the bytes
// read before it, or -1 when there were none.
int
readi(struct inode *ip, int user_dst, uint64 dst, uint off, uint n)
{
  uint done, m, bno;
  struct buf *b;

  if(off > ip->size)
    return 0;
  n = MIN(n, ip->size - off);

  for(done = 0; done < n; done += m, off += m, dst += m){
    m = piece(off, user_dst, dst, n - done);
    bno = bmap(ip, off / BSIZE);
    if(bno == 0)
      break;
    b = bread(ip->dev, bno);
    if(either_copyout(user_dst, dst, b->data + off % BSIZE, m) < 0){
      brelse(b);
      break;
    }
    brelse(b);
  }
  return (n > 0 && done == 0) ? -1 : (int)done;
}

// Write n bytes from src (a user address if user_src) to the locked inode
// ip at offset off, growing the file if needed. Runs inside a log
// operation. Returns the bytes written; if a copy from src fails or the
// disk fills, the bytes written before it, or -1 when there were none.
// Writing past the end of the file (off > size) or beyond MAXFILE
// blocks is refused with -1.
int
writei(struct inode *ip, int user_src, uint64 src, uint off, uint n)
{
  uint done, m, bno;
  struct buf *b;

  if(off > ip->size || off + n < off)
    return -1;
  if(off + n > MAXFILE * BSIZE)
    return -1;

  for(done = 0; done < n; done += m, off += m, src += m){
    m = piece(off, user_src, src, n - done);
    bno = bmap(ip, off / BSIZE);
    if(bno == 0)
      break;
    b = bread(ip->dev, bno);
    if(either_copyin(b->data + off % BSIZE, user_src, src, m) < 0){
      brelse(b);
      break;
    }
    filemap_written(ip, off, b->data + off % BSIZE, m);
    log_write(b);
    brelse(b);
  }
  if(off > ip->size)
    ip->size = off;
  // bmap() may have filled in addrs[] even if no byte was written.
  iupdate(ip);
  return (n > 0 && done == 0) ? -1 : (int)done;
}

// ---- Directories -------------------------------------------------------

// Compare two directory-entry names (at most DIRSIZ characters count).
int
namecmp(const char *s, const char *t)
{
  return strncmp(s, t, DIRSIZ);
}

// Search the locked directory dp for name. Returns the entry's inode
// number and sets *poff to its byte offset, or returns 0 if absent.
static uint
dirscan(struct inode *dp, char *name, uint *poff)
{
  uint off;
  struct dirent de;

  for(off = 0; off + sizeof(de) <= dp->size; off += sizeof(de)){
    if(readi(dp, 0, (uint64)&de, off, sizeof(de)) != sizeof(de))
      panic("dirscan: directory unreadable");
    if(de.inum != 0 && namecmp(name, de.name) == 0){
      *poff = off;
      return de.inum;
    }
  }
  return 0;
}

// Look name up in the locked directory dp. Returns a new, unlocked
// reference to its inode and sets *poff (if poff is not 0) to the entry's
// offset; returns 0 if the name is absent or the inode table is full.
struct inode*
dirlookup(struct inode *dp, char *name, uint *poff)
{
  uint inum, off;

  if(dp->type != T_DIR)
    panic("dirlookup: not a directory");
  inum = dirscan(dp, name, &off);
  if(inum == 0)
    return 0;
  if(poff)
    *poff = off;
  return iget(dp->dev, inum);
}

// Offset of the first unused entry in the locked directory dp, or its
// size (append) if every entry is in use.
static uint
free_slot(struct inode *dp)
{
  uint off;
  struct dirent de;

  for(off = 0; off + sizeof(de) <= dp->size; off += sizeof(de)){
    if(readi(dp, 0, (uint64)&de, off, sizeof(de)) != sizeof(de))
      panic("free_slot: directory unreadable");
    if(de.inum == 0)
      break;
  }
  return off;
}

// Add the entry (name, inum) to the locked directory dp. Returns 0, or -1
// if the name is already there or the directory cannot grow.
int
dirlink(struct inode *dp, char *name, uint inum)
{
  uint off;
  struct dirent de;

  if(dirscan(dp, name, &off) != 0)
    return -1;
  off = free_slot(dp);
  memset(&de, 0, sizeof(de));
  strncpy(de.name, name, DIRSIZ);
  de.inum = inum;
  if(writei(dp, 0, (uint64)&de, off, sizeof(de)) != sizeof(de))
    return -1;
  return 0;
}

// ---- Path names --------------------------------------------------------

// Split the first element off path: copy it to name (cut to DIRSIZ
// characters, NUL-terminated when shorter) and return the rest, with
// leading slashes removed. Returns 0 if path holds no element.
//   skipelem("a/bb/c", name) = "bb/c", name "a"
//   skipelem("///a//bb", name) = "bb", name "a"
//   skipelem("a", name) = "", name "a"
//   skipelem("", name) = skipelem("////", name) = 0
static char*
skipelem(char *path, char *name)
{
  char *start;
  int len;

  while(*path == '/')
    path++;
  if(*path == 0)
    return 0;
  start = path;
  while(*path != '/' && *path != 0)
    path++;
  len = path - start;
  if(len >= DIRSIZ){
    memmove(name, start, DIRSIZ);
  } else {
    memmove(name, start, len);
    name[len] = 0;
  }
  while(*path == '/')
    path++;
  return path;
}

// Copy the last element of path to name (DIRSIZ+1 bytes), NUL-terminated:
// "" if path has none. ("a/bb/c" gives "c".)
void
last_element(char *path, char *name)
{
  char elem[DIRSIZ];
  name[0] = 0;
  while((path = skipelem(path, elem)) != 0){
    memmove(name, elem, DIRSIZ);
    name[DIRSIZ] = 0;
  }
}

// Walk path from the root ("/...") or the current directory and return a
// reference to the inode it names. With parent set, stop one step early:
// return the directory holding the last element and copy that element
// into name (DIRSIZ bytes). Returns 0 if any step fails. Must run inside
// a log operation, since it calls iput().
static struct inode*
namex(char *path, int parent, char *name)
{
  struct inode *ip, *next;

  if(*path == '/')
    ip = iget(ROOTDEV, ROOTINO);
  else
    ip = idup(myproc()->cwd);
  if(ip == 0)
    return 0;

  while((path = skipelem(path, name)) != 0){
    ilock(ip);
    // A removed directory (no links left, kept alive only as someone's
    // cwd) holds no names: its ".." may name a freed inode.
    if(ip->type != T_DIR || ip->nlink == 0){
      iunlockput(ip);
      return 0;
    }
    if(parent && *path == 0){
      iunlock(ip);
      return ip;
    }
    // Unlock ip only after looking up next: for "." next is ip itself.
    next = dirlookup(ip, name, 0);
    iunlockput(ip);
    if(next == 0)
      return 0;
    ip = next;
  }
  if(parent){
    // The path had no element to split off, as in "/".
    iput(ip);
    return 0;
  }
  return ip;
}

// The inode named by path, referenced and unlocked, or 0.
struct inode*
namei(char *path)
{
  char name[DIRSIZ];

  return namex(path, 0, name);
}

// The directory holding the last element of path, referenced and
// unlocked, with that element copied into name (DIRSIZ bytes); or 0.
struct inode*
nameiparent(char *path, char *name)
{
  return namex(path, 1, name);
}
