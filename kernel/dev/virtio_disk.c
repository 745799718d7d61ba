// Driver for the virtio block device on QEMU's virt machine (modern
// virtio-mmio transport, one request queue).
//
// A request is a chain of three descriptors: the request header (read by
// the device), the block's data (read or written by the device) and a
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

// The 32-bit device register at byte offset off.
#define REG(off) ((volatile uint32 *)(VIRTIO0 + (off)))

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

static struct {
  struct spinlock lock;  // guards everything here and the queue memory

  // The queue, one page each, shared with the device.
  struct virtq_desc *desc;
  struct virtq_avail *avail;
  volatile struct virtq_used *used;

  uint8 isfree[VIRTIO_NDESC];  // is descriptor i unused?
  uint16 used_seen;            // used-ring entries already handled

  // Per request in flight, indexed by the chain's first descriptor.
  struct {
    struct buf *b;             // buffer waiting for this request
    volatile uint8 status;     // written by the device at completion
  } inflight[VIRTIO_NDESC];
  struct virtio_blk_req req[VIRTIO_NDESC];  // headers, same indexing
} disk;

// Give up on the device: tell it so, then stop the kernel.
static void
fail(char *why)
{
  *REG(VIRTIO_MMIO_STATUS) = *REG(VIRTIO_MMIO_STATUS) | VIRTIO_STATUS_FAILED;
  panic(why);
}

// Add bits to the device status register.
static void
set_status(uint32 bits)
{
  *REG(VIRTIO_MMIO_STATUS) = *REG(VIRTIO_MMIO_STATUS) | bits;
}

// Check that the device at VIRTIO0 is a modern virtio block device.
static void
check_identity(void)
{
  if(*REG(VIRTIO_MMIO_MAGIC_VALUE) != VIRTIO_MAGIC ||
     *REG(VIRTIO_MMIO_VERSION) != VIRTIO_MMIO_MODERN ||
     *REG(VIRTIO_MMIO_DEVICE_ID) != VIRTIO_ID_BLOCK)
    panic("virtio disk: no modern virtio block device at VIRTIO0");
}

// Read feature word sel offered by the device.
static uint32
device_features(uint32 sel)
{
  *REG(VIRTIO_MMIO_DEVICE_FEATURES_SEL) = sel;
  return *REG(VIRTIO_MMIO_DEVICE_FEATURES);
}

// Accept the features in word sel.
static void
driver_features(uint32 sel, uint32 bits)
{
  *REG(VIRTIO_MMIO_DRIVER_FEATURES_SEL) = sel;
  *REG(VIRTIO_MMIO_DRIVER_FEATURES) = bits;
}

// Agree on features: everything offered in word 0 except the unwanted
// ones, and from word 1 only VERSION_1, which a modern device must offer.
static void
negotiate(void)
{
  uint32 low, high;

  low = device_features(0) & ~UNWANTED_FEATURES;
  high = device_features(1);
  if((high & VIRTIO_FEATURE_BIT(VIRTIO_F_VERSION_1)) == 0)
    fail("virtio disk: device does not offer VERSION_1");
  driver_features(0, low);
  driver_features(1, VIRTIO_FEATURE_BIT(VIRTIO_F_VERSION_1));
  set_status(VIRTIO_STATUS_FEATURES_OK);
  if((*REG(VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK) == 0)
    fail("virtio disk: features not accepted");
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

// Write a 64-bit physical address to the register pair at low/high.
static void
write_addr(uint32 low, uint32 high, void *p)
{
  *REG(low) = (uint64)p;
  *REG(high) = (uint64)p >> 32;
}

// Allocate the request queue and tell the device where it is.
static void
setup_queue(void)
{
  uint32 max;
  int i;

  *REG(VIRTIO_MMIO_QUEUE_SEL) = VIRTIO_BLK_REQUESTQ;
  if(*REG(VIRTIO_MMIO_QUEUE_READY) != 0)
    fail("virtio disk: queue already set up");
  max = *REG(VIRTIO_MMIO_QUEUE_NUM_MAX);
  if(max < VIRTIO_NDESC)
    fail("virtio disk: queue too short");

  disk.desc = queue_page();
  disk.avail = queue_page();
  disk.used = queue_page();
  *REG(VIRTIO_MMIO_QUEUE_NUM) = VIRTIO_NDESC;
  write_addr(VIRTIO_MMIO_QUEUE_DESC_LOW, VIRTIO_MMIO_QUEUE_DESC_HIGH,
             disk.desc);
  write_addr(VIRTIO_MMIO_QUEUE_DRIVER_LOW, VIRTIO_MMIO_QUEUE_DRIVER_HIGH,
             disk.avail);
  write_addr(VIRTIO_MMIO_QUEUE_DEVICE_LOW, VIRTIO_MMIO_QUEUE_DEVICE_HIGH,
             (void*)disk.used);
  *REG(VIRTIO_MMIO_QUEUE_READY) = 1;

  for(i = 0; i < VIRTIO_NDESC; i++)
    disk.isfree[i] = 1;
}

// Find and start the disk at boot, following the initialization order
// the specification requires (reset, acknowledge, features, queue, ok).
void
virtio_disk_init(void)
{
  initlock(&disk.lock, "virtio_disk");
  check_identity();
  *REG(VIRTIO_MMIO_STATUS) = 0;
  set_status(VIRTIO_STATUS_ACKNOWLEDGE);
  set_status(VIRTIO_STATUS_DRIVER);
  negotiate();
  setup_queue();
  set_status(VIRTIO_STATUS_DRIVER_OK);
}

// Take one free descriptor; returns its index or -1 if none is free.
// Caller holds disk.lock.
static int
alloc_desc(void)
{
  int i;

  for(i = 0; i < VIRTIO_NDESC; i++){
    if(disk.isfree[i]){
      disk.isfree[i] = 0;
      return i;
    }
  }
  return -1;
}

// Return descriptor i to the free pool and wake anyone waiting for one.
// Caller holds disk.lock.
static void
free_desc(int i)
{
  if(disk.isfree[i])
    panic("virtio disk: descriptor freed twice");
  memset(&disk.desc[i], 0, sizeof(disk.desc[i]));
  disk.isfree[i] = 1;
  wakeup(&disk.isfree);
}

// Free the chain that starts at descriptor i. Caller holds disk.lock.
static void
free_chain(int i)
{
  int next, more;

  do {
    more = disk.desc[i].flags & VIRTQ_DESC_F_NEXT;
    next = disk.desc[i].next;
    free_desc(i);
    i = next;
  } while(more);
}

// Take CHAIN descriptors into d[], all or none; returns 0 or -1.
// Caller holds disk.lock.
static int
alloc_chain(int *d)
{
  int k, j;

  for(k = 0; k < CHAIN; k++){
    d[k] = alloc_desc();
    if(d[k] < 0){
      for(j = 0; j < k; j++)
        free_desc(d[j]);
      return -1;
    }
  }
  return 0;
}

// Fill descriptor i with a buffer of len bytes at p.
static void
set_desc(int i, void *p, uint32 len, uint16 flags, uint16 next)
{
  disk.desc[i].addr = (uint64)p;
  disk.desc[i].len = len;
  disk.desc[i].flags = flags;
  disk.desc[i].next = next;
}

// Describe the transfer of b (to the disk if write) in the chain d[].
static void
build_request(int *d, struct buf *b, int write)
{
  struct virtio_blk_req *req = &disk.req[d[0]];

  req->type = write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN;
  req->reserved = 0;
  req->sector = (uint64)b->blockno * (BSIZE / VIRTIO_BLK_SECTOR_SIZE);
  disk.inflight[d[0]].status = STATUS_UNSET;

  set_desc(d[0], req, sizeof(*req), VIRTQ_DESC_F_NEXT, d[1]);
  set_desc(d[1], b->data, BSIZE,
           VIRTQ_DESC_F_NEXT | (write ? 0 : VIRTQ_DESC_F_WRITE), d[2]);
  set_desc(d[2], (void*)&disk.inflight[d[0]].status, 1,
           VIRTQ_DESC_F_WRITE, 0);
}

// Offer the chain starting at head to the device. The fences make sure
// the device sees the descriptors before the ring entry, and the entry
// before the new index.
static void
submit(int head)
{
  disk.avail->ring[disk.avail->idx % VIRTIO_NDESC] = head;
  __sync_synchronize();
  disk.avail->idx++;
  __sync_synchronize();
  *REG(VIRTIO_MMIO_QUEUE_NOTIFY) = VIRTIO_BLK_REQUESTQ;
}

// Read (write == 0) or write block b->blockno to or from b->data, and
// return when the device is done. Sleeps, so it must not be called with
// a spinlock held. Invariant: b->disk is 1 exactly while the device owns
// b's data.
void
virtio_disk_rw(struct buf *b, int write)
{
  int d[CHAIN];

  acquire(&disk.lock);
  while(alloc_chain(d) < 0)
    sleep(&disk.isfree, &disk.lock);

  build_request(d, b, write);
  disk.inflight[d[0]].b = b;
  b->disk = 1;
  submit(d[0]);

  while(b->disk)
    sleep(b, &disk.lock);

  if(disk.inflight[d[0]].status != VIRTIO_BLK_S_OK)
    panic("virtio disk: request failed");
  disk.inflight[d[0]].b = 0;
  free_chain(d[0]);
  release(&disk.lock);
}

// Handle a disk interrupt: acknowledge it, then hand every newly used
// chain back to the process waiting for it.
void
virtio_disk_intr(void)
{
  struct buf *b;
  int id;

  acquire(&disk.lock);
  *REG(VIRTIO_MMIO_INTERRUPT_ACK) = *REG(VIRTIO_MMIO_INTERRUPT_STATUS) &
                                    (VIRTIO_INT_USED_RING | VIRTIO_INT_CONFIG);
  __sync_synchronize();

  while(disk.used_seen != disk.used->idx){
    __sync_synchronize();
    id = disk.used->ring[disk.used_seen % VIRTIO_NDESC].id;
    b = (id < VIRTIO_NDESC) ? disk.inflight[id].b : 0;
    if(b == 0)
      panic("virtio disk: completion of unknown request");
    b->disk = 0;
    wakeup(b);
    disk.used_seen++;
  }
  release(&disk.lock);
}
