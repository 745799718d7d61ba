// init: the first user program. It connects file descriptors 0, 1 and 2
// to the console, then keeps a shell running forever, collecting any
// orphaned processes that the kernel hands to it along the way. It never
// exits (the kernel cannot go on without it): a fork that fails, because
// the process table or memory is full, is tried again after a pause.

#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "user/user.h"

#define CONSOLE_MAJOR 1   // device number of the console (kernel/file.h)
#define RETRY_TICKS  10   // between attempts to fork a shell
#define RESPAWN_TICKS 5   // before replacing a shell that failed or was killed

static char *shell_argv[] = { "sh", 0 };

// Open the console as file descriptor 0, creating its device node if it
// does not exist yet, and duplicate it onto descriptors 1 and 2.
static void
open_console(void)
{
  if(open("console", O_RDWR) < 0){
    mknod("console", CONSOLE_MAJOR, 0);
    open("console", O_RDWR);
  }
  dup(0);
  dup(0);
}

// Fork, trying again every RETRY_TICKS until it works; say so once.
static int
fork_retrying(void)
{
  int pid = fork();
  if(pid < 0)
    fprintf(2, "init: fork failed; trying again every %d ticks\n", RETRY_TICKS);
  while(pid < 0){
    pause(RETRY_TICKS);
    pid = fork();
  }
  return pid;
}

// Start a shell and return its process id.
static int
start_shell(void)
{
  printf("init: starting sh\n");
  int pid = fork_retrying();
  if(pid == 0){
    exec("sh", shell_argv);
    fprintf(2, "init: exec sh failed\n");
    exit(1);
  }
  return pid;
}

// Wait until the shell shellpid exits, reaping orphans that exit
// meanwhile; return its exit status.
static int
wait_for_shell(int shellpid)
{
  for(;;){
    int status;
    int pid = wait(&status);
    if(pid == shellpid)
      return status;
    if(pid < 0){
      fprintf(2, "init: wait returned an error\n");
      return -1;
    }
  }
}

// Set up the console, then run shells one after another for ever. A
// shell that failed is not replaced at once, so that one that cannot
// start does not keep init forking in a tight loop.
int
main(void)
{
  open_console();
  mkdir("/mshare");            // where mshare regions are named (fails if it exists)
  for(;;){
    if(wait_for_shell(start_shell()) != 0)
      pause(RESPAWN_TICKS);
  }
}
