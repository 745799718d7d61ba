// ls: list files. For each argument (default "."), a file is described on
// one line and a directory by one line per entry, in the columns
//   name type inode size
// with the name padded to DIRSIZ characters.

#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fs.h"
#include "kernel/param.h"
#include "kernel/fcntl.h"
#include "user/user.h"

// Print one listing line for the file called name (at most DIRSIZ bytes
// are shown), described by st.
static void
print_entry(const char *name, int namelen, const struct stat *st)
{
  char col[DIRSIZ + 1];
  int i;
  for(i = 0; i < DIRSIZ && i < namelen && name[i] != '\0'; i++)
    col[i] = name[i];
  for(; i < DIRSIZ; i++)
    col[i] = ' ';
  col[DIRSIZ] = '\0';
  printf("%s %d %d %lu\n", col, st->type, st->ino, st->size);
}

// The last component of path: whatever follows its final '/'.
static const char*
last_component(const char *path)
{
  const char *p = path + strlen(path);
  while(p > path && p[-1] != '/')
    p--;
  return p;
}

// List each entry of the directory open on fd, whose path is path.
static void
list_directory(int fd, const char *path)
{
  char full[MAXPATH];
  int plen = strlen(path);
  struct dirent de;
  struct stat st;

  if(plen + 1 + DIRSIZ + 1 > sizeof(full)){
    fprintf(2, "ls: path too long\n");
    return;
  }
  strcpy(full, path);
  full[plen] = '/';
  char *name = full + plen + 1;

  while(read(fd, &de, sizeof(de)) == sizeof(de)){
    if(de.inum == 0)
      continue;
    memmove(name, de.name, DIRSIZ);
    name[DIRSIZ] = '\0';
    if(stat(full, &st) < 0){
      fprintf(2, "ls: cannot stat %s\n", full);
      continue;
    }
    print_entry(name, DIRSIZ, &st);
  }
}

// List path: the file itself, or the contents if it is a directory.
static void
ls(const char *path)
{
  struct stat st;
  int fd = open(path, O_RDONLY);
  if(fd < 0){
    fprintf(2, "ls: cannot open %s\n", path);
    return;
  }
  if(fstat(fd, &st) < 0){
    fprintf(2, "ls: cannot stat %s\n", path);
    close(fd);
    return;
  }
  if(st.type == T_DIR){
    list_directory(fd, path);
  } else {
    const char *name = last_component(path);
    print_entry(name, strlen(name), &st);
  }
  close(fd);
}

// List the current directory, or each path named on the command line.
int
main(int argc, char *argv[])
{
  if(argc < 2){
    ls(".");
    return 0;
  }
  for(int i = 1; i < argc; i++)
    ls(argv[i]);
  return 0;
}
