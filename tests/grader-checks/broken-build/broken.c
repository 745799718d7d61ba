// A lab program that does not compile. The self-check grader/build-fails
// grades it (./grade-tests.py --extra tests/grader-checks/broken-build
// --json FILE broken) and demands a results.json all the same, with no
// points and the compiler's error.
#include "kernel/types.h"
#include "user/user.h"

int
main(void)
{
  exit(undeclared_status);
}
