// File-system system calls. Each sys_X fetches and checks its arguments
// and leaves the work to file.c, fs.c and pipe.c.
//
// Every argument comes from user space and may be anything: descriptors
// are range-checked, strings are copied with a length limit, and user
// pointers are only used through copyin/copyout, which fail on addresses
// that are not mapped for the user. A bad argument yields -1, never a
// panic.

#include "types.h"
#include "riscv.h"
#include "param.h"
#include "spinlock.h"
#include "sleeplock.h"
#include "fs.h"
#include "file.h"
#include "proc.h"
#include "mm.h"
#include "stat.h"
#include "fcntl.h"
#include "defs.h"

// Fetch argument n as a file descriptor. Returns 0 and sets *pfd and *pf
// (each if not 0), or -1 if it is not an open descriptor of the caller.
int
argfd(int n, int *pfd, struct file **pf)
{
  int fd;
  struct file *f;

  argint(n, &fd);
  if(fd < 0 || fd >= NOFILE)
    return -1;
  f = myproc()->ofile[fd];
  if(f == 0)
    return -1;
  if(pfd)
    *pfd = fd;
  if(pf)
    *pf = f;
  return 0;
}

// Give f the caller's lowest free descriptor. Returns it, or -1 if all
// NOFILE are taken (the caller then still owns its reference to f).
static int
fdalloc(struct file *f)
{
  struct proc *p = myproc();
  int fd;

  for(fd = 0; fd < NOFILE; fd++){
    if(p->ofile[fd] == 0){
      p->ofile[fd] = f;
      return fd;
    }
  }
  return -1;
}

// dup(fd): a second descriptor for the same open file.
uint64
sys_dup(void)
{
  struct file *f;
  int fd;

  if(argfd(0, 0, &f) < 0)
    return -1;
  fd = fdalloc(f);
  if(fd < 0)
    return -1;
  filedup(f);
  return fd;
}

// The (fd, buf, n) arguments of read and write: -1 for a bad descriptor
// or a negative count.
static int
argio(struct file **f, uint64 *buf, int *n)
{
  argaddr(1, buf);
  argint(2, n);
  if(argfd(0, 0, f) < 0 || *n < 0)
    return -1;
  return 0;
}

// read(fd, buf, n): bytes read, 0 at end of file, -1 on error.
uint64
sys_read(void)
{
  struct file *f;
  uint64 buf;
  int n;

  if(argio(&f, &buf, &n) < 0)
    return -1;
  return fileread(f, buf, n);
}

// write(fd, buf, n): bytes written, or -1 on error.
uint64
sys_write(void)
{
  struct file *f;
  uint64 buf;
  int n;

  if(argio(&f, &buf, &n) < 0)
    return -1;
  return filewrite(f, buf, n);
}

// close(fd).
uint64
sys_close(void)
{
  struct file *f;
  int fd;

  if(argfd(0, &fd, &f) < 0)
    return -1;
  myproc()->ofile[fd] = 0;
  fileclose(f);
  return 0;
}

// fstat(fd, st): copy the file's metadata to the struct stat at st.
uint64
sys_fstat(void)
{
  struct file *f;
  uint64 st;

  argaddr(1, &st);
  if(argfd(0, 0, &f) < 0)
    return -1;
  return filestat(f, st);
}

// link(old, new): give the file named old the second name new. Fails for
// a directory, or a file that already has MAXNLINK names.
uint64
sys_link(void)
{
  char name[DIRSIZ], new[MAXPATH], old[MAXPATH];
  struct inode *dp, *ip;

  if(argstr(0, old, MAXPATH) < 0 || argstr(1, new, MAXPATH) < 0)
    return -1;

  begin_op();
  ip = namei(old);
  if(ip == 0){
    end_op();
    return -1;
  }
  ilock(ip);
  if(ip->type == T_DIR || ip->nlink >= MAXNLINK){
    iunlockput(ip);
    end_op();
    return -1;
  }
  // Count the new link first: a crash then leaves at worst a count one
  // too high, never a name for an inode that could be freed.
  ip->nlink++;
  iupdate(ip);
  iunlock(ip);

  dp = nameiparent(new, name);
  if(dp != 0){
    ilock(dp);
    if(dp->dev == ip->dev && dirlink(dp, name, ip->inum) == 0){
      iunlockput(dp);
      iput(ip);
      end_op();
      return 0;
    }
    iunlockput(dp);
  }

  ilock(ip);
  ip->nlink--;
  iupdate(ip);
  iunlockput(ip);
  end_op();
  return -1;
}

// Report whether the locked directory dp holds nothing but "." and "..".
static int
isdirempty(struct inode *dp)
{
  struct dirent de;
  uint off;

  for(off = 2 * sizeof(de); off < dp->size; off += sizeof(de)){
    if(readi(dp, 0, (uint64)&de, off, sizeof(de)) != sizeof(de))
      return 0;
    if(de.inum != 0)
      return 0;
  }
  return 1;
}

// Remove the entry at offset off of the locked directory dp, which names
// the locked inode ip, and count the lost links. Returns 0 or -1.
static int
remove_entry(struct inode *dp, uint off, struct inode *ip)
{
  struct dirent de;

  memset(&de, 0, sizeof(de));
  if(writei(dp, 0, (uint64)&de, off, sizeof(de)) != sizeof(de))
    return -1;
  if(ip->type == T_DIR){
    // ip's ".." entry no longer points at dp.
    dp->nlink--;
    iupdate(dp);
  }
  ip->nlink--;
  iupdate(ip);
  return 0;
}

// unlink(path): remove a name; the file goes when its last name and last
// open descriptor are gone, and an mshare region it named when the last
// process detaches. Refuses "." and ".." and non-empty directories.
uint64
sys_unlink(void)
{
  char name[DIRSIZ], path[MAXPATH];
  struct inode *dp, *ip, *region = 0;
  uint off;
  int r;

  if(argstr(0, path, MAXPATH) < 0)
    return -1;

  begin_op();
  dp = nameiparent(path, name);
  if(dp == 0){
    end_op();
    return -1;
  }
  ilock(dp);
  r = -1;
  ip = 0;
  if(namecmp(name, ".") != 0 && namecmp(name, "..") != 0)
    ip = dirlookup(dp, name, &off);
  if(ip != 0){
    ilock(ip);
    if(ip->nlink < 1)
      panic("unlink: inode has no links");
    if(ip->type != T_DIR || isdirempty(ip))
      r = remove_entry(dp, off, ip);
    if(r == 0 && ip->nlink == 0 && ip->mshare)
      region = ip;             // the region keeps ip
    iunlockput(ip);
  }
  iunlockput(dp);
  end_op();
  if(region)
    mshare_unlinked(region);   // may free the region: outside the transaction
  return r;
}

// Fill in a freshly allocated, locked inode ip of the given type and
// enter it as name in the locked directory dp; a directory also gets its
// "." and ".." entries. Returns 0, or -1 if an entry cannot be written.
static int
populate(struct inode *dp, char *name, struct inode *ip, short type)
{
  if(type == T_DIR){
    // "." is not counted in ip->nlink, so the count never includes a
    // link from the inode to itself.
    if(dirlink(ip, ".", ip->inum) < 0 || dirlink(ip, "..", dp->inum) < 0)
      return -1;
  }
  if(dirlink(dp, name, ip->inum) < 0)
    return -1;
  if(type == T_DIR){
    // The new directory's ".." is a link to dp.
    dp->nlink++;
    iupdate(dp);
  }
  return 0;
}

// Make a new inode of the given type named path and return it locked, or
// 0 on failure. If path already exists and a plain file is wanted, the
// existing file or device is returned instead (open with O_CREATE).
// Runs inside a log operation.
static struct inode*
create(char *path, short type, short major, short minor)
{
  char name[DIRSIZ];
  struct inode *dp, *ip;

  dp = nameiparent(path, name);
  if(dp == 0)
    return 0;
  ilock(dp);

  ip = dirlookup(dp, name, 0);
  if(ip != 0){
    iunlockput(dp);
    ilock(ip);
    if(type == T_FILE && (ip->type == T_FILE || ip->type == T_DEVICE))
      return ip;
    iunlockput(ip);
    return 0;
  }

  ip = ialloc(dp->dev, type);
  if(ip == 0){
    iunlockput(dp);
    return 0;
  }
  ilock(ip);
  ip->major = major;
  ip->minor = minor;
  ip->nlink = 1;
  iupdate(ip);

  if(populate(dp, name, ip, type) < 0){
    // Dropping the only link makes iput() free the inode again.
    ip->nlink = 0;
    iupdate(ip);
    iunlockput(ip);
    iunlockput(dp);
    return 0;
  }
  iunlockput(dp);
  return ip;
}

// Check that mode asks for a sensible access to the locked inode ip.
// Directories may only be opened read-only, and a device needs a major
// number the device switch has room for.
static int
open_allowed(struct inode *ip, int omode)
{
  if(ip->type == T_DIR && omode != O_RDONLY)
    return 0;
  if(ip->type == T_DEVICE && (ip->major < 0 || ip->major >= NDEV))
    return 0;
  return 1;
}

// Find (or with O_CREATE make) the inode named path for open() and return
// it locked, or 0. Runs inside a log operation.
static struct inode*
open_inode(char *path, int omode)
{
  struct inode *ip;

  if(omode & O_CREATE)
    return create(path, T_FILE, 0, 0);
  ip = namei(path);
  if(ip != 0)
    ilock(ip);
  return ip;
}

// open(path, mode): a descriptor for the file named path, or -1.
uint64
sys_open(void)
{
  char path[MAXPATH];
  int fd, omode;
  struct file *f;
  struct inode *ip;

  argint(1, &omode);
  if(argstr(0, path, MAXPATH) < 0)
    return -1;

  begin_op();
  ip = open_inode(path, omode);
  if(ip == 0){
    end_op();
    return -1;
  }
  f = 0;
  fd = -1;
  if(open_allowed(ip, omode) && (f = filealloc()) != 0)
    fd = fdalloc(f);
  if(fd < 0){
    if(f)
      fileclose(f);
    iunlockput(ip);
    end_op();
    return -1;
  }

  if(ip->type == T_DEVICE){
    f->type = FD_DEVICE;
    f->major = ip->major;
  } else {
    f->type = FD_INODE;
    f->off = 0;
  }
  f->ip = ip;
  last_element(path, f->name);
  f->readable = !(omode & O_WRONLY);
  f->writable = (omode & O_WRONLY) || (omode & O_RDWR);
  if((omode & O_TRUNC) && ip->type == T_FILE)
    itrunc(ip);

  iunlock(ip);
  end_op();
  return fd;
}

// mkdir(path): make an empty directory.
uint64
sys_mkdir(void)
{
  char path[MAXPATH];
  struct inode *ip;

  if(argstr(0, path, MAXPATH) < 0)
    return -1;
  begin_op();
  ip = create(path, T_DIR, 0, 0);
  if(ip == 0){
    end_op();
    return -1;
  }
  iunlockput(ip);
  end_op();
  return 0;
}

// mknod(path, major, minor): make a device file.
uint64
sys_mknod(void)
{
  char path[MAXPATH];
  struct inode *ip;
  int major, minor;

  argint(1, &major);
  argint(2, &minor);
  if(argstr(0, path, MAXPATH) < 0)
    return -1;
  begin_op();
  ip = create(path, T_DEVICE, major, minor);
  if(ip == 0){
    end_op();
    return -1;
  }
  iunlockput(ip);
  end_op();
  return 0;
}

// chdir(path): make the directory named path the current directory.
uint64
sys_chdir(void)
{
  char path[MAXPATH];
  struct inode *ip;
  struct proc *p = myproc();

  if(argstr(0, path, MAXPATH) < 0)
    return -1;
  begin_op();
  ip = namei(path);
  if(ip == 0){
    end_op();
    return -1;
  }
  ilock(ip);
  if(ip->type != T_DIR){
    iunlockput(ip);
    end_op();
    return -1;
  }
  iunlock(ip);
  iput(p->cwd);
  end_op();
  p->cwd = ip;
  return 0;
}

// Free the argument strings argv[0], argv[1], ... up to the first 0.
static void
free_args(char **argv)
{
  int i;

  for(i = 0; i < MAXARG && argv[i] != 0; i++)
    kfree(argv[i]);
}

// Copy the user's argument vector at uargv into kernel pages, one page
// per string, into argv (MAXARG slots, the last used one set to 0).
// Returns 0, or -1 if a pointer or string is bad, there are too many
// arguments (MAXARG - 1 at most) or memory runs out; on failure nothing
// stays allocated.
static int
fetch_args(uint64 uargv, char **argv)
{
  uint64 uarg;
  int i;

  for(i = 0; i < MAXARG; i++)
    argv[i] = 0;
  for(i = 0; i < MAXARG; i++){
    if(fetchaddr(uargv + i * sizeof(uint64), &uarg) < 0)
      break;
    if(uarg == 0)
      return 0;
    if(i == MAXARG - 1)
      break;
    argv[i] = kalloc();
    if(argv[i] == 0 || fetchstr(uarg, argv[i], PGSIZE) < 0)
      break;
  }
  free_args(argv);
  return -1;
}

// exec(path, argv): replace the caller's program. Returns argc to the
// new program (in a0), or -1 to the old one.
uint64
sys_exec(void)
{
  char path[MAXPATH], *argv[MAXARG];
  uint64 uargv;
  int r;

  argaddr(1, &uargv);
  if(argstr(0, path, MAXPATH) < 0)
    return -1;
  if(fetch_args(uargv, argv) < 0)
    return -1;
  r = exec(path, argv);
  free_args(argv);
  return r;
}

// pipe(fds): make a pipe and store its read and write descriptors in the
// two ints at fds.
uint64
sys_pipe(void)
{
  uint64 fds;
  struct file *rf, *wf;
  int fd0, fd1;
  struct proc *p = myproc();

  argaddr(0, &fds);
  if(pipealloc(&rf, &wf) < 0)
    return -1;
  fd0 = fdalloc(rf);
  fd1 = fd0 < 0 ? -1 : fdalloc(wf);
  if(fd1 >= 0 &&
     copyout(p->mm->pagetable, fds, (char*)&fd0, sizeof(fd0)) == 0 &&
     copyout(p->mm->pagetable, fds + sizeof(fd0), (char*)&fd1, sizeof(fd1)) == 0)
    return 0;

  if(fd0 >= 0)
    p->ofile[fd0] = 0;
  if(fd1 >= 0)
    p->ofile[fd1] = 0;
  fileclose(rf);
  fileclose(wf);
  return -1;
}
