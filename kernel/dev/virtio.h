// Virtio facts used by the disk driver: the virtio-mmio register layout
// (version 2, "modern"), device status and feature bits, and the split
// virtqueue structures shared with the device. Numbers follow the
// Virtual I/O Device (VIRTIO) specification, version 1.1, sections 2,
// 4.2 (MMIO transport) and 5.2 (block device).
#ifndef ATLAS_VIRTIO_H
#define ATLAS_VIRTIO_H

// ---- virtio-mmio registers: byte offsets from the device base ----------
#define VIRTIO_MMIO_MAGIC_VALUE         0x000 // reads VIRTIO_MAGIC
#define VIRTIO_MMIO_VERSION             0x004 // transport version
#define VIRTIO_MMIO_DEVICE_ID           0x008 // kind of device
#define VIRTIO_MMIO_VENDOR_ID           0x00c
#define VIRTIO_MMIO_DEVICE_FEATURES     0x010 // 32 feature bits offered...
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL 0x014 // ...from word number SEL
#define VIRTIO_MMIO_DRIVER_FEATURES     0x020 // 32 feature bits accepted...
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL 0x024 // ...into word number SEL
#define VIRTIO_MMIO_QUEUE_SEL           0x030 // queue the next ones refer to
#define VIRTIO_MMIO_QUEUE_NUM_MAX       0x034 // largest queue size allowed
#define VIRTIO_MMIO_QUEUE_NUM           0x038 // queue size chosen
#define VIRTIO_MMIO_QUEUE_READY         0x044 // 1 = queue set up
#define VIRTIO_MMIO_QUEUE_NOTIFY        0x050 // write a queue number: new work
#define VIRTIO_MMIO_INTERRUPT_STATUS    0x060 // why the device interrupted
#define VIRTIO_MMIO_INTERRUPT_ACK       0x064 // write those bits back to clear
#define VIRTIO_MMIO_STATUS              0x070 // device status bits; 0 resets
#define VIRTIO_MMIO_QUEUE_DESC_LOW      0x080 // descriptor table address
#define VIRTIO_MMIO_QUEUE_DESC_HIGH     0x084
#define VIRTIO_MMIO_QUEUE_DRIVER_LOW    0x090 // available ring address
#define VIRTIO_MMIO_QUEUE_DRIVER_HIGH   0x094
#define VIRTIO_MMIO_QUEUE_DEVICE_LOW    0x0a0 // used ring address
#define VIRTIO_MMIO_QUEUE_DEVICE_HIGH   0x0a4
#define VIRTIO_MMIO_CONFIG_GENERATION   0x0fc // changes when the config does
#define VIRTIO_MMIO_CONFIG              0x100 // device-specific configuration

// Values the identification registers must hold.
#define VIRTIO_MAGIC        0x74726976  // "virt", little-endian
#define VIRTIO_MMIO_MODERN  2           // version of the modern transport
#define VIRTIO_ID_BLOCK     2           // device id of a block device

// ---- Device status bits ------------------------------------------------
#define VIRTIO_STATUS_ACKNOWLEDGE  1   // the driver has seen the device
#define VIRTIO_STATUS_DRIVER       2   // the driver knows how to drive it
#define VIRTIO_STATUS_DRIVER_OK    4   // the driver is ready
#define VIRTIO_STATUS_FEATURES_OK  8   // feature negotiation is finished
#define VIRTIO_STATUS_FAILED     128   // the driver gave up on the device

// ---- Feature bit numbers -----------------------------------------------
#define VIRTIO_BLK_F_RO             5  // disk is read-only
#define VIRTIO_BLK_F_SCSI           7  // supports SCSI command passthrough
#define VIRTIO_BLK_F_CONFIG_WCE    11  // write-back mode in config space
#define VIRTIO_BLK_F_MQ            12  // more than one virtqueue
#define VIRTIO_F_ANY_LAYOUT        27  // any framing of a request
#define VIRTIO_F_INDIRECT_DESC     28  // indirect descriptor tables
#define VIRTIO_F_EVENT_IDX         29  // used_event / avail_event fields
#define VIRTIO_F_VERSION_1         32  // complies with virtio 1.x

// Bit of feature f within its 32-bit feature word.
#define VIRTIO_FEATURE_BIT(f)   (1U << ((f) % 32))

// ---- Interrupt status bits ---------------------------------------------
#define VIRTIO_INT_USED_RING   1  // the device added to the used ring
#define VIRTIO_INT_CONFIG      2  // the configuration space changed

// ---- Split virtqueue ---------------------------------------------------

// Descriptors in the queue (a driver choice; must be a power of two no
// larger than QUEUE_NUM_MAX).
#define VIRTIO_NDESC 8

// A descriptor: one buffer of guest memory in a request chain.
struct virtq_desc {
  uint64 addr;   // physical address of the buffer
  uint32 len;    // its length in bytes
  uint16 flags;  // VIRTQ_DESC_F_*
  uint16 next;   // following descriptor, if flags has NEXT
};
#define VIRTQ_DESC_F_NEXT   1  // the chain continues at next
#define VIRTQ_DESC_F_WRITE  2  // the device writes this buffer (else reads)

// The available ring: chains the driver hands to the device.
struct virtq_avail {
  uint16 flags;               // 0: the device may interrupt
  uint16 idx;                 // where the driver puts the next entry
  uint16 ring[VIRTIO_NDESC];  // first descriptor of each chain
  uint16 used_event;          // unused without EVENT_IDX
};

// One entry of the used ring: a chain the device has finished.
struct virtq_used_elem {
  uint32 id;   // first descriptor of the chain
  uint32 len;  // bytes the device wrote into the chain
};

// The used ring: chains the device hands back.
struct virtq_used {
  uint16 flags;
  uint16 idx;                                 // where the device puts the next entry
  struct virtq_used_elem ring[VIRTIO_NDESC];
  uint16 avail_event;                         // unused without EVENT_IDX
};

// ---- Block device requests ---------------------------------------------

#define VIRTIO_BLK_SECTOR_SIZE 512  // the device counts in 512-byte sectors
#define VIRTIO_BLK_REQUESTQ    0    // number of the (only) request queue

#define VIRTIO_BLK_T_IN   0  // read from the disk
#define VIRTIO_BLK_T_OUT  1  // write to the disk

#define VIRTIO_BLK_S_OK   0  // status byte of a request that succeeded

// Block device configuration, byte offsets from VIRTIO_MMIO_CONFIG.
#define VIRTIO_BLK_CFG_CAPACITY 0x00  // 64 bits: the disk's size in sectors

// Header that starts every block request (first descriptor); the data
// buffer and a one-byte status the device fills in follow.
struct virtio_blk_req {
  uint32 type;      // VIRTIO_BLK_T_IN or VIRTIO_BLK_T_OUT
  uint32 reserved;
  uint64 sector;    // first 512-byte sector
};

#endif
