// Reading the flattened device tree (FDT) that OpenSBI passes in a1.
// Atlas needs only five facts from it: where RAM is and how big, which
// harts exist, the timer frequency, whether the harts have Sstc, and the
// kernel command line (/chosen/bootargs, which QEMU's -append sets).
//
// An FDT blob is a header, a structure block of big-endian 32-bit tokens
// (BEGIN_NODE name, PROP len nameoff value, END_NODE, NOP, END), and a
// strings block holding property names.
#include "types.h"
#include "riscv.h"
#include "param.h"
#include "defs.h"

#define FDT_MAGIC       0xd00dfeed
#define FDT_BEGIN_NODE  1
#define FDT_END_NODE    2
#define FDT_PROP        3
#define FDT_NOP         4
#define FDT_END         9

struct fdt_header {
  uint32 magic;
  uint32 totalsize;
  uint32 off_dt_struct;
  uint32 off_dt_strings;
  uint32 off_mem_rsvmap;
  uint32 version;
  uint32 last_comp_version;
  uint32 boot_cpuid_phys;
  uint32 size_dt_strings;
  uint32 size_dt_struct;
};

struct machine machine;

// Big-endian 32-bit value at p.
static uint32
be32(const void *p)
{
  const uchar *b = p;
  return ((uint32)b[0] << 24) | ((uint32)b[1] << 16) | ((uint32)b[2] << 8) | b[3];
}

// Read a value of `cells` 32-bit cells (1 or 2) at p.
static uint64
read_cells(const uchar *p, int cells)
{
  return cells == 2 ? ((uint64)be32(p) << 32) | be32(p + 4) : be32(p);
}

// Does node name `name` (e.g. "memory@80000000") have the base name `base`?
static int
node_is(const char *name, const char *base)
{
  int n = strlen(base);
  return strncmp(name, base, n) == 0 && (name[n] == '\0' || name[n] == '@');
}

// Does the NUL-terminated string s contain word w?
static int
contains(const char *s, const char *w)
{
  int n = strlen(w);
  for(; *s; s++)
    if(strncmp(s, w, n) == 0)
      return 1;
  return 0;
}

// Where the walk is: which of the interesting nodes we are inside.
struct walk_state {
  int depth;
  int in_memory;      // depth of a /memory node, or 0
  int in_cpus;        // depth of /cpus, or 0
  int in_cpu;         // depth of a /cpus/cpu node, or 0
  int in_chosen;      // depth of /chosen, or 0
  int addr_cells, size_cells;   // of the root node
  int cpu_enabled;    // current cpu node's status is "okay"
  int cpu_sstc;       // current cpu node lists sstc
  int sstc_all;       // every enabled cpu so far lists sstc
};

// Record what a property of the current node tells us.
static void
fdt_prop(struct walk_state *w, const char *name, const uchar *val, uint32 len)
{
  if(w->depth == 1 && strncmp(name, "#address-cells", 15) == 0)
    w->addr_cells = be32(val);
  else if(w->depth == 1 && strncmp(name, "#size-cells", 12) == 0)
    w->size_cells = be32(val);
  else if(w->in_memory && strncmp(name, "reg", 4) == 0 && machine.ram_size == 0) {
    machine.ram_base = read_cells(val, w->addr_cells);
    machine.ram_size = read_cells(val + 4*w->addr_cells, w->size_cells);
  } else if(w->in_cpus && !w->in_cpu && strncmp(name, "timebase-frequency", 19) == 0)
    machine.timebase = len == 8 ? read_cells(val, 2) : be32(val);
  else if(w->in_cpu && strncmp(name, "status", 7) == 0)
    w->cpu_enabled = strncmp((const char *)val, "okay", 4) == 0;
  else if(w->in_cpu && strncmp(name, "riscv,isa", 10) == 0)
    w->cpu_sstc = contains((const char *)val, "sstc");
  else if(w->in_chosen && strncmp(name, "bootargs", 9) == 0)
    // Copied: the tree lies in RAM that kinit() will hand out.
    safestrcpy(machine.bootargs, (const char *)val,
               len < sizeof(machine.bootargs) ? len : sizeof(machine.bootargs));
}

// Called at the end of a /cpus/cpu@N node: count it if it is usable.
static void
fdt_cpu_done(struct walk_state *w)
{
  if(!w->cpu_enabled)
    return;
  machine.nharts++;
  if(!w->cpu_sstc)
    w->sstc_all = 0;
}

// Fill in `machine` from the device tree at physical address dtb_pa.
// Runs on the boot hart before paging is on, so pa == va.
void
fdt_parse(uint64 dtb_pa)
{
  const struct fdt_header *h = (const struct fdt_header *)dtb_pa;
  if(be32(&h->magic) != FDT_MAGIC)
    panic("fdt_parse: no device tree");
  const uchar *p = (const uchar *)dtb_pa + be32(&h->off_dt_struct);
  const char *strings = (const char *)dtb_pa + be32(&h->off_dt_strings);
  struct walk_state w = { .addr_cells = 2, .size_cells = 1, .sstc_all = 1 };

  for(;;){
    uint32 token = be32(p);
    p += 4;
    if(token == FDT_BEGIN_NODE){
      const char *name = (const char *)p;
      p += (strlen(name) + 1 + 3) & ~3;
      w.depth++;
      if(w.depth == 2 && node_is(name, "memory"))
        w.in_memory = w.depth;
      else if(w.depth == 2 && node_is(name, "cpus"))
        w.in_cpus = w.depth;
      else if(w.depth == 2 && node_is(name, "chosen"))
        w.in_chosen = w.depth;
      else if(w.in_cpus && w.depth == w.in_cpus + 1 && node_is(name, "cpu")){
        w.in_cpu = w.depth;
        w.cpu_enabled = 1;
        w.cpu_sstc = 0;
      }
    } else if(token == FDT_END_NODE){
      if(w.in_cpu == w.depth){
        fdt_cpu_done(&w);
        w.in_cpu = 0;
      }
      if(w.in_memory == w.depth)
        w.in_memory = 0;
      if(w.in_cpus == w.depth)
        w.in_cpus = 0;
      if(w.in_chosen == w.depth)
        w.in_chosen = 0;
      w.depth--;
    } else if(token == FDT_PROP){
      uint32 len = be32(p);
      const char *name = strings + be32(p + 4);
      fdt_prop(&w, name, p + 8, len);
      p += 8 + ((len + 3) & ~3);
    } else if(token == FDT_END){
      break;
    } else if(token != FDT_NOP){
      panic("fdt_parse: bad token");
    }
  }
  machine.sstc = machine.nharts > 0 && w.sstc_all;
  if(machine.ram_size == 0 || machine.timebase == 0 || machine.nharts == 0)
    panic("fdt_parse: device tree lacks memory, cpus or timebase");
}
