// A cached copy of one disk block.
#ifndef ATLAS_BUF_H
#define ATLAS_BUF_H

struct buf {
  int valid;   // has data been read from disk?
  uint dev;
  uint blockno;
  struct sleeplock lock;
  uint refcnt;
  struct buf *prev; // LRU cache list
  struct buf *next;
  uchar data[BSIZE];
};

#endif
