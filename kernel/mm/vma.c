// The regions of an address space (struct vma, mm.h): kept twice, in
// address order on a list (for walking all of them: fork, exit, maps)
// and in a balanced search tree (an AVL tree ordered by address) so that
// finding the region of an address, which every page fault does, costs
// O(log n) however many regions there are.
//
// Invariants: regions do not overlap; the list and the tree hold the
// same regions; in the tree every node's height is one more than its
// taller child's, and its children's heights differ by at most one.
// Callers hold mm->lock while they change the regions of an mm others
// can see.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "spinlock.h"
#include "riscv.h"
#include "defs.h"
#include "mm/internal.h"

static struct slab_cache vma_cache;

// Set up the regions' allocator.
void
vma_init(void)
{
  slab_init(&vma_cache, "vma", sizeof(struct vma));
}

// A new region [start, end) of the kind ops, not in any mm yet; 0 if out
// of memory.
struct vma *
vma_alloc(uint64 start, uint64 end, int prot, int flags, const struct vma_ops *ops,
          char *name)
{
  struct vma *v = slab_alloc(&vma_cache);
  if(v == 0)
    return 0;
  v->start = start;
  v->end = end;
  v->prot = prot;
  v->flags = flags;
  v->ops = ops;
  v->height = 1;
  safestrcpy(v->name, name, sizeof(v->name));
  return v;
}

// A copy of region v, not in any mm, holding what v holds (its object
// and file: the region kind's open operation); 0 if out of memory.
struct vma *
vma_dup(struct vma *v)
{
  struct vma *c = vma_alloc(v->start, v->end, v->prot, v->flags, v->ops, v->name);
  if(c == 0)
    return 0;
  c->obj = v->obj;
  c->pgoff = v->pgoff;
  c->file = v->file;
  c->mshare = v->mshare;
  if(c->ops->open)
    c->ops->open(c);
  return c;
}

// Free region v, which is in no mm, letting go of what it holds. That may
// close a file, which writes the disk: the caller holds no spin lock.
void
vma_free(struct vma *v)
{
  if(v->ops->close)
    v->ops->close(v);
  slab_free(&vma_cache, v);
}

// Does region a come before region b? By start, and an empty region
// (the heap before it grows) before a region starting where it does.
static int
before(struct vma *a, struct vma *b)
{
  return a->start < b->start || (a->start == b->start && a->end < b->end);
}

static int
height(struct vma *v)
{
  return v ? v->height : 0;
}

static void
update_height(struct vma *v)
{
  int l = height(v->left), r = height(v->right);
  v->height = 1 + (l > r ? l : r);
}

// Rotate the subtree at v so that its left (to_right) or right child
// becomes its root; returns the new root.
static struct vma *
rotate(struct vma *v, int to_right)
{
  struct vma *c = to_right ? v->left : v->right;
  if(to_right){
    v->left = c->right;
    c->right = v;
  } else {
    v->right = c->left;
    c->left = v;
  }
  update_height(v);
  update_height(c);
  return c;
}

// Restore the balance of the subtree at v, whose children are balanced
// and differ in height by at most two; returns its new root.
static struct vma *
rebalance(struct vma *v)
{
  update_height(v);
  int lean = height(v->left) - height(v->right);
  if(lean > 1){
    if(height(v->left->left) < height(v->left->right))
      v->left = rotate(v->left, 0);
    return rotate(v, 1);
  }
  if(lean < -1){
    if(height(v->right->right) < height(v->right->left))
      v->right = rotate(v->right, 1);
    return rotate(v, 0);
  }
  return v;
}

// Insert v into the subtree at t; *pred gets the last region before v
// met on the way (v's predecessor). Returns the subtree's new root.
static struct vma *
tree_insert(struct vma *t, struct vma *v, struct vma **pred)
{
  if(t == 0)
    return v;
  if(before(v, t)){
    t->left = tree_insert(t->left, v, pred);
  } else {
    *pred = t;
    t->right = tree_insert(t->right, v, pred);
  }
  return rebalance(t);
}

// Take the leftmost region out of the subtree at t into *min; returns
// the subtree's new root.
static struct vma *
tree_take_min(struct vma *t, struct vma **min)
{
  if(t->left == 0){
    *min = t;
    return t->right;
  }
  t->left = tree_take_min(t->left, min);
  return rebalance(t);
}

// Remove v from the subtree at t; returns the subtree's new root.
static struct vma *
tree_remove(struct vma *t, struct vma *v)
{
  if(t == v){
    if(t->right == 0)
      return t->left;
    struct vma *m;
    struct vma *rest = tree_take_min(t->right, &m);
    m->left = t->left;
    m->right = rest;
    return rebalance(m);
  }
  if(before(v, t))
    t->left = tree_remove(t->left, v);
  else
    t->right = tree_remove(t->right, v);
  return rebalance(t);
}

// Put region v, just added to an mm, on its object's list of mappings
// (if it maps one).
static void
map_link(struct vma *v)
{
  struct vm_object *obj = v->obj;
  if(obj == 0)
    return;
  acquire(&obj->lock);
  v->map_prev = 0;
  v->map_next = obj->maps;
  if(obj->maps)
    obj->maps->map_prev = v;
  obj->maps = v;
  release(&obj->lock);
}

// Take region v, leaving its mm, off its object's list of mappings.
static void
map_unlink(struct vma *v)
{
  struct vm_object *obj = v->obj;
  if(obj == 0)
    return;
  acquire(&obj->lock);
  *(v->map_prev ? &v->map_prev->map_next : &obj->maps) = v->map_next;
  if(v->map_next)
    v->map_next->map_prev = v->map_prev;
  release(&obj->lock);
}

// Add region v to mm. It must not overlap a region mm has.
void
vma_insert(struct mm *mm, struct vma *v)
{
  struct vma *pred = 0;
  v->left = v->right = 0;
  v->height = 1;
  mm->tree = tree_insert(mm->tree, v, &pred);
  v->prev = pred;
  v->next = pred ? pred->next : mm->first;
  if(v->next)
    v->next->prev = v;
  if(pred)
    pred->next = v;
  else
    mm->first = v;
  if((v->prev && v->prev->end > v->start) || (v->next && v->end > v->next->start))
    panic("vma_insert: overlap");
  mm->nvmas++;
  mm->seq++;
  v->mm = mm;
  map_link(v);
}

// Take region v out of mm (the caller frees it, with vma_free, once it
// holds no spin lock).
void
vma_remove(struct mm *mm, struct vma *v)
{
  mm->tree = tree_remove(mm->tree, v);
  *(v->prev ? &v->prev->next : &mm->first) = v->next;
  if(v->next)
    v->next->prev = v->prev;
  mm->nvmas--;
  mm->seq++;
  map_unlink(v);
  v->mm = 0;
}

// The region of mm that holds va, or 0: the last region starting at or
// below va, if va is below its end.
struct vma *
vma_find(struct mm *mm, uint64 va)
{
  struct vma *found = 0;
  for(struct vma *t = mm->tree; t; ){
    if(t->start <= va){
      found = t;
      t = t->right;
    } else {
      t = t->left;
    }
  }
  return found && va < found->end ? found : 0;
}

// The first non-empty region of mm that ends above va, or 0: the next
// region to list after one that ended at va.
struct vma *
vma_from(struct mm *mm, uint64 va)
{
  struct vma *found = 0;
  for(struct vma *t = mm->tree; t; ){
    if(t->end > va){
      found = t;
      t = t->left;
    } else {
      t = t->right;
    }
  }
  while(found && found->start == found->end)
    found = found->next;
  return found;
}

// Does mm have no region in [start, end)?
int
vma_range_free(struct mm *mm, uint64 start, uint64 end)
{
  struct vma *v = vma_from(mm, start);
  return v == 0 || v->start >= end;
}

// May the process make this access to region v?
int
vma_allows(struct vma *v, enum fault_access access)
{
  static const int need[] = {
    [ACCESS_LOAD] VM_READ, [ACCESS_STORE] VM_WRITE, [ACCESS_EXEC] VM_EXEC,
  };
  return (v->prot & need[access]) != 0;
}

// The leaf permissions that map region v's pages: the user's. A region
// the user may not touch at all (the stack's guard) is mapped readable by
// the kernel only: a leaf needs one of R, W, X, or the hardware would take
// it for a pointer to a table.
int
vma_pte_perm(struct vma *v)
{
  if((v->prot & (VM_READ | VM_WRITE | VM_EXEC)) == 0)
    return PTE_R;
  int perm = PTE_U;
  if(v->prot & VM_READ)
    perm |= PTE_R;
  if(v->prot & VM_WRITE)
    perm |= PTE_W | PTE_R;
  if(v->prot & VM_EXEC)
    perm |= PTE_X;
  return perm;
}
