// primes: the prime sieve of concurrent processes. The first process
// feeds 2..LIMIT into a pipe to a chain of processes, one per prime. A
// sample solution for the util lab, graded by grade-util.py.
#include "kernel/types.h"
#include "user/user.h"

#define LIMIT 35

// Be the stages of the sieve that read from in: print the first number
// (a prime), start the next stage, pass it the numbers the prime does not
// divide, and wait for it. The child becomes that next stage by going
// round the loop with its own pipe. Never returns.
static void
sieve(int in)
{
  int prime, n, p[2];

  while(read(in, &prime, sizeof(prime)) == sizeof(prime)){
    printf("prime %d\n", prime);
    if(pipe(p) < 0){
      fprintf(2, "primes: pipe failed\n");
      exit(1);
    }
    int pid = fork();
    if(pid < 0){
      fprintf(2, "primes: fork failed\n");
      exit(1);
    }
    if(pid == 0){
      close(p[1]);
      close(in);
      in = p[0];
      continue;
    }
    close(p[0]);
    while(read(in, &n, sizeof(n)) == sizeof(n))
      if(n % prime != 0)
        write(p[1], &n, sizeof(n));
    close(p[1]);
    wait(0);
    break;
  }
  close(in);
  exit(0);
}

int
main(void)
{
  int p[2];

  if(pipe(p) < 0){
    fprintf(2, "primes: pipe failed\n");
    exit(1);
  }
  if(fork() == 0){
    close(p[1]);
    sieve(p[0]);
  }
  close(p[0]);
  for(int n = 2; n <= LIMIT; n++)
    write(p[1], &n, sizeof(n));
  close(p[1]);
  wait(0);
  exit(0);
}
