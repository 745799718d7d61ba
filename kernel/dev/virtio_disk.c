// Driver for the virtio block devices on QEMU's virt machine (modern
// virtio-mmio transport, one request queue each). Atlas drives two disks,
// numbered by their virtio-mmio slot: the file system's (DISK_FS), which
// must be there, and the swap disk (DISK_SWAP), which may be missing.
// Each has its own registers, queue, lock and interrupt.
//
// A request is a chain of three descriptors: the request header (read by
// the device), the data (read or written by the device) and a
// status byte (written by the device). The driver puts the chain's first
// descriptor in the available ring and notifies the device; when the
// device is done it puts the chain in the used ring and interrupts.
//
// All memory handed to the device is addressed physically; the kernel
// maps RAM at its physical addresses, so kernel pointers serve directly.

#include "types.h"
#include "riscv.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "fs.h"
#include "buf.h"
#include "defs.h"
#include "virtio.h"

// The 32-bit register at byte offset off of disk d.
#define REG(d, off) ((volatile uint32 *)((d)->base + (off)))

// Descriptors in one request chain.
#define CHAIN 3

// Status byte before the device writes it; not a value it reports.
#define STATUS_UNSET 0xff

// Features this driver does without, in feature word 0.
#define UNWANTED_FEATURES                        \
  (VIRTIO_FEATURE_BIT(VIRTIO_BLK_F_RO)         | \
   VIRTIO_FEATURE_BIT(VIRTIO_BLK_F_SCSI)       | \
   VIRTIO_FEATURE_BIT(VIRTIO_BLK_F_CONFIG_WCE) | \
   VIRTIO_FEATURE_BIT(VIRTIO_BLK_F_MQ)         | \
   VIRTIO_FEATURE_BIT(VIRTIO_F_ANY_LAYOUT)     | \
   VIRTIO_FEATURE_BIT(VIRTIO_F_EVENT_IDX)      | \
   VIRTIO_FEATURE_BIT(VIRTIO_F_INDIRECT_DESC))

struct disk {
  uint64 base;           // the registers (memlayout.h)
  int irq;               // the interrupt
  int present;           // found and started at boot; fixed after that
  uint64 size;           // capacity in bytes, set at boot

  struct spinlock lock;  // guards what follows and the queue memory

  // The queue, one page each, shared with the device.
  struct virtq_desc *desc;
  struct virtq_avail *avail;
  volatile struct virtq_used *used;

  uint8 isfree[VIRTIO_NDESC];  // is descriptor i unused?
  uint16 used_seen;            // used-ring entries already handled

  // Per request in flight, indexed by the chain's first descriptor.
  struct {
    int busy;                  // the device owns the request's data
    volatile uint8 status;     // written by the device at completion
  } inflight[VIRTIO_NDESC];
  struct virtio_blk_req req[VIRTIO_NDESC];  // headers, same indexing
};

static struct disk disks[] = {
  [DISK_FS]   = { .base = VIRTIO0, .irq = VIRTIO0_IRQ },
  [DISK_SWAP] = { .base = VIRTIO1, .irq = VIRTIO1_IRQ },
};

// Give up on disk d: tell it so, then stop the kernel.
static void
fail(struct disk *d, char *why)
{
  *REG(d, VIRTIO_MMIO_STATUS) = *REG(d, VIRTIO_MMIO_STATUS) | VIRTIO_STATUS_FAILED;
  panic(why);
}

// Add bits to disk d's status register.
static void
set_status(struct disk *d, uint32 bits)
{
  *REG(d, VIRTIO_MMIO_STATUS) = *REG(d, VIRTIO_MMIO_STATUS) | bits;
}

// Is there a modern virtio block device in d's slot? An empty slot
// reads device id 0.
static int
is_block_device(struct disk *d)
{
  return *REG(d, VIRTIO_MMIO_MAGIC_VALUE) == VIRTIO_MAGIC &&
         *REG(d, VIRTIO_MMIO_VERSION) == VIRTIO_MMIO_MODERN &&
         *REG(d, VIRTIO_MMIO_DEVICE_ID) == VIRTIO_ID_BLOCK;
}

// Read feature word sel offered by disk d.
static uint32
device_features(struct disk *d, uint32 sel)
{
  *REG(d, VIRTIO_MMIO_DEVICE_FEATURES_SEL) = sel;
  return *REG(d, VIRTIO_MMIO_DEVICE_FEATURES);
}

// Accept the features in word sel.
static void
driver_features(struct disk *d, uint32 sel, uint32 bits)
{
  *REG(d, VIRTIO_MMIO_DRIVER_FEATURES_SEL) = sel;
  *REG(d, VIRTIO_MMIO_DRIVER_FEATURES) = bits;
}

// Agree on features: everything offered in word 0 except the unwanted
// ones, and from word 1 only VERSION_1, which a modern device must offer.
static void
negotiate(struct disk *d)
{
  uint32 low, high;

  low = device_features(d, 0) & ~UNWANTED_FEATURES;
  high = device_features(d, 1);
  if((high & VIRTIO_FEATURE_BIT(VIRTIO_F_VERSION_1)) == 0)
    fail(d, "virtio disk: device does not offer VERSION_1");
  driver_features(d, 0, low);
  driver_features(d, 1, VIRTIO_FEATURE_BIT(VIRTIO_F_VERSION_1));
  set_status(d, VIRTIO_STATUS_FEATURES_OK);
  if((*REG(d, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK) == 0)
    fail(d, "virtio disk: features not accepted");
}

// Disk d's capacity in bytes, from its configuration space. The 64-bit
// sector count takes two reads; read again if the device changed its
// configuration in between.
static uint64
capacity(struct disk *d)
{
  uint32 generation, low, high;

  do {
    generation = *REG(d, VIRTIO_MMIO_CONFIG_GENERATION);
    low = *REG(d, VIRTIO_MMIO_CONFIG + VIRTIO_BLK_CFG_CAPACITY);
    high = *REG(d, VIRTIO_MMIO_CONFIG + VIRTIO_BLK_CFG_CAPACITY + 4);
  } while(generation != *REG(d, VIRTIO_MMIO_CONFIG_GENERATION));
  return (((uint64)high << 32) | low) * VIRTIO_BLK_SECTOR_SIZE;
}

// A zeroed page for queue memory.
static void*
queue_page(void)
{
  void *page;

  page = kalloc();
  if(page == 0)
    panic("virtio disk: out of memory");
  memset(page, 0, PGSIZE);
  return page;
}

// Write a 64-bit physical address to disk d's register pair at low/high.
static void
write_addr(struct disk *d, uint32 low, uint32 high, void *p)
{
  *REG(d, low) = (uint64)p;
  *REG(d, high) = (uint64)p >> 32;
}

// Allocate disk d's request queue and tell the device where it is.
static void
setup_queue(struct disk *d)
{
  uint32 max;
  int i;

  *REG(d, VIRTIO_MMIO_QUEUE_SEL) = VIRTIO_BLK_REQUESTQ;
  if(*REG(d, VIRTIO_MMIO_QUEUE_READY) != 0)
    fail(d, "virtio disk: queue already set up");
  max = *REG(d, VIRTIO_MMIO_QUEUE_NUM_MAX);
  if(max < VIRTIO_NDESC)
    fail(d, "virtio disk: queue too short");

  d->desc = queue_page();
  d->avail = queue_page();
  d->used = queue_page();
  *REG(d, VIRTIO_MMIO_QUEUE_NUM) = VIRTIO_NDESC;
  write_addr(d, VIRTIO_MMIO_QUEUE_DESC_LOW, VIRTIO_MMIO_QUEUE_DESC_HIGH,
             d->desc);
  write_addr(d, VIRTIO_MMIO_QUEUE_DRIVER_LOW, VIRTIO_MMIO_QUEUE_DRIVER_HIGH,
             d->avail);
  write_addr(d, VIRTIO_MMIO_QUEUE_DEVICE_LOW, VIRTIO_MMIO_QUEUE_DEVICE_HIGH,
             (void*)d->used);
  *REG(d, VIRTIO_MMIO_QUEUE_READY) = 1;

  for(i = 0; i < VIRTIO_NDESC; i++)
    d->isfree[i] = 1;
}

// Start disk d, following the initialization order the specification
// requires (reset, acknowledge, features, configuration, queue, ok).
static void
start(struct disk *d)
{
  initlock(&d->lock, "virtio_disk");
  *REG(d, VIRTIO_MMIO_STATUS) = 0;
  set_status(d, VIRTIO_STATUS_ACKNOWLEDGE);
  set_status(d, VIRTIO_STATUS_DRIVER);
  negotiate(d);
  d->size = capacity(d);
  setup_queue(d);
  set_status(d, VIRTIO_STATUS_DRIVER_OK);
  d->present = 1;
}

// Find and start the disks at boot: the file system's must be there,
// the swap disk's slot may be empty (or hold another kind of device).
void
virtio_disk_init(void)
{
  if(!is_block_device(&disks[DISK_FS]))
    panic("virtio disk: no modern virtio block device at VIRTIO0");
  start(&disks[DISK_FS]);
  if(is_block_device(&disks[DISK_SWAP]))
    start(&disks[DISK_SWAP]);
}

// The size of disk n in bytes; 0 if it is not there.
uint64
virtio_disk_size(int n)
{
  return disks[n].present ? disks[n].size : 0;
}

// Take one free descriptor of disk d; returns its index or -1 if none
// is free. Caller holds d->lock.
static int
alloc_desc(struct disk *d)
{
  int i;

  for(i = 0; i < VIRTIO_NDESC; i++){
    if(d->isfree[i]){
      d->isfree[i] = 0;
      return i;
    }
  }
  return -1;
}

// Return descriptor i to the free pool and wake anyone waiting for one.
// Caller holds d->lock.
static void
free_desc(struct disk *d, int i)
{
  if(d->isfree[i])
    panic("virtio disk: descriptor freed twice");
  memset(&d->desc[i], 0, sizeof(d->desc[i]));
  d->isfree[i] = 1;
  wakeup(&d->isfree);
}

// Free the chain that starts at descriptor i. Caller holds d->lock.
static void
free_chain(struct disk *d, int i)
{
  int next, more;

  do {
    more = d->desc[i].flags & VIRTQ_DESC_F_NEXT;
    next = d->desc[i].next;
    free_desc(d, i);
    i = next;
  } while(more);
}

// Take CHAIN descriptors into c[], all or none; returns 0 or -1.
// Caller holds d->lock.
static int
alloc_chain(struct disk *d, int *c)
{
  int k, j;

  for(k = 0; k < CHAIN; k++){
    c[k] = alloc_desc(d);
    if(c[k] < 0){
      for(j = 0; j < k; j++)
        free_desc(d, c[j]);
      return -1;
    }
  }
  return 0;
}

// Fill descriptor i with a buffer of len bytes at p.
static void
set_desc(struct disk *d, int i, void *p, uint32 len, uint16 flags, uint16 next)
{
  d->desc[i].addr = (uint64)p;
  d->desc[i].len = len;
  d->desc[i].flags = flags;
  d->desc[i].next = next;
}

// Describe, in the chain c[], the transfer of len bytes at data to or
// from (if write, to) the disk at byte offset off.
static void
build_request(struct disk *d, int *c, uint64 off, void *data, uint32 len,
              int write)
{
  struct virtio_blk_req *req = &d->req[c[0]];

  req->type = write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN;
  req->reserved = 0;
  req->sector = off / VIRTIO_BLK_SECTOR_SIZE;
  d->inflight[c[0]].status = STATUS_UNSET;

  set_desc(d, c[0], req, sizeof(*req), VIRTQ_DESC_F_NEXT, c[1]);
  set_desc(d, c[1], data, len,
           VIRTQ_DESC_F_NEXT | (write ? 0 : VIRTQ_DESC_F_WRITE), c[2]);
  set_desc(d, c[2], (void*)&d->inflight[c[0]].status, 1,
           VIRTQ_DESC_F_WRITE, 0);
}

// Offer the chain starting at head to the device. The fences make sure
// the device sees the descriptors before the ring entry, and the entry
// before the new index.
static void
submit(struct disk *d, int head)
{
  d->avail->ring[d->avail->idx % VIRTIO_NDESC] = head;
  __sync_synchronize();
  d->avail->idx++;
  __sync_synchronize();
  *REG(d, VIRTIO_MMIO_QUEUE_NOTIFY) = VIRTIO_BLK_REQUESTQ;
}

// Read (write == 0) or write len bytes at data from or to disk n at byte
// offset off, both whole sectors, and return when the device is done: 0,
// or -1 if it reports an error. data is physically contiguous kernel
// memory. Sleeps (other processes run meanwhile), so only a process may
// call it, holding no spinlock. Requests from several processes share
// the disk's descriptors: a request waits for enough of them to be free.
// Invariant: inflight[head].busy is 1 exactly while the device owns data.
int
virtio_disk_request(int n, uint64 off, void *data, uint32 len, int write)
{
  struct disk *d = &disks[n];
  int c[CHAIN], status;

  if(!d->present || off % VIRTIO_BLK_SECTOR_SIZE || len % VIRTIO_BLK_SECTOR_SIZE)
    panic("virtio disk: bad request");
  acquire(&d->lock);
  while(alloc_chain(d, c) < 0)
    sleep(&d->isfree, &d->lock);

  build_request(d, c, off, data, len, write);
  d->inflight[c[0]].busy = 1;
  submit(d, c[0]);

  while(d->inflight[c[0]].busy)
    sleep(&d->inflight[c[0]], &d->lock);

  status = d->inflight[c[0]].status;
  free_chain(d, c[0]);
  release(&d->lock);
  return status == VIRTIO_BLK_S_OK ? 0 : -1;
}

// The file system's disk access (bio.c): read (write == 0) or write
// block b->blockno to or from b->data. The file system cannot go on
// without its disk, so an error stops the kernel.
void
virtio_disk_rw(struct buf *b, int write)
{
  if(virtio_disk_request(DISK_FS, (uint64)b->blockno * BSIZE, b->data, BSIZE,
                         write) < 0)
    panic("virtio disk: request failed");
}

// Handle disk d's interrupt: acknowledge it, then wake the process
// waiting for each newly used chain.
static void
disk_intr(struct disk *d)
{
  uint32 id;

  acquire(&d->lock);
  *REG(d, VIRTIO_MMIO_INTERRUPT_ACK) = *REG(d, VIRTIO_MMIO_INTERRUPT_STATUS) &
                                      (VIRTIO_INT_USED_RING | VIRTIO_INT_CONFIG);
  __sync_synchronize();

  while(d->used_seen != d->used->idx){
    __sync_synchronize();
    id = d->used->ring[d->used_seen % VIRTIO_NDESC].id;
    if(id >= VIRTIO_NDESC || !d->inflight[id].busy)
      panic("virtio disk: completion of unknown request");
    d->inflight[id].busy = 0;
    wakeup(&d->inflight[id]);
    d->used_seen++;
  }
  release(&d->lock);
}

// Handle device interrupt irq, which is a disk's (trap.c).
void
virtio_disk_intr(int irq)
{
  struct disk *d;

  for(d = disks; d < disks + NELEM(disks); d++)
    if(d->present && d->irq == irq)
      disk_intr(d);
}
