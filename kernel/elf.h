// ELF executable format: the parts exec() needs.
#ifndef ATLAS_ELF_H
#define ATLAS_ELF_H

#define ELF_MAGIC 0x464C457FU  // "\x7FELF" in little endian

// File header
struct elfhdr {
  uint magic;  // must equal ELF_MAGIC
  uchar elf[12];  // the rest of e_ident: class, data, version, padding
  ushort type;
  ushort machine;
  uint version;
  uint64 entry;
  uint64 phoff;
  uint64 shoff;
  uint flags;
  ushort ehsize;
  ushort phentsize;
  ushort phnum;
  ushort shentsize;
  ushort shnum;
  ushort shstrndx;
};

// Indexes into elfhdr.elf[] (e_ident after the magic) and their values.
#define ELF_IDENT_CLASS    0     // word size
#define ELF_IDENT_DATA     1     // byte order
#define ELF_IDENT_VERSION  2     // ELF version
#define ELF_CLASS32        1
#define ELF_CLASS64        2
#define ELF_DATA_LSB       1     // little-endian
#define ELF_DATA_MSB       2     // big-endian

// Values for elfhdr.version (and elf[ELF_IDENT_VERSION]).
#define ELF_VERSION_CURRENT 1

// Values for elfhdr.type
#define ELF_TYPE_REL       1     // relocatable object
#define ELF_TYPE_EXEC      2     // executable
#define ELF_TYPE_DYN       3     // shared object

// Values for elfhdr.machine
#define ELF_MACHINE_X86_64  62
#define ELF_MACHINE_AARCH64 183
#define ELF_MACHINE_RISCV   243

// Program section header
struct proghdr {
  uint32 type;
  uint32 flags;
  uint64 off;
  uint64 vaddr;
  uint64 paddr;
  uint64 filesz;
  uint64 memsz;
  uint64 align;
};

// Values for proghdr.type
#define ELF_PROG_LOAD           1

// Flag bits for proghdr.flags
#define ELF_PROG_FLAG_EXEC      1
#define ELF_PROG_FLAG_WRITE     2
#define ELF_PROG_FLAG_READ      4

#endif
