// The page-table walker: the one loop over the entries of a tree of
// Sv39 tables (mm/internal.h describes its callbacks). Every visit of a
// page table in mm/ goes through it: lookups, mapping and unmapping,
// fork's copy, sharing, releasing, the census, vmprint, pgaccess.
//
// It is written out here, inline, rather than once in pagetable.c, so
// that each caller gets a copy in which its callbacks (a static const
// pt_walk_ops) are known: the compiler then calls them directly, or
// inlines them, instead of through a pointer for every entry. (A fork of 64 MiB visits 16,384 entries;
// under QEMU an indirect call per entry made it twice as slow.) For the
// same reason it keeps its own stack of tables instead of recursing.
#ifndef ATLAS_MM_WALK_H
#define ATLAS_MM_WALK_H

// Call the callback for entry e at level, which maps [va, next) of the
// range: four calls, not one through a pointer chosen among them, so
// that each can be inlined. A valid entry at level 0 is a leaf (Sv39
// has no table below it): saying so lets the compiler see that a table
// callback never gets level 0.
static inline __attribute__((always_inline)) int
walk_visit(const struct pt_walk_ops *ops, void *arg, pte_t *e, int level, uint64 va,
           uint64 next)
{
  if(pte_swap(*e))
    return ops->swap ? ops->swap(arg, e, level, va, next) : WALK_CONTINUE;
  if(!pte_valid(*e))
    return ops->hole ? ops->hole(arg, e, level, va, next) : WALK_CONTINUE;
  if(level == PT_LEVEL0 || pte_leaf(*e))
    return ops->leaf ? ops->leaf(arg, e, level, va, next) : WALK_CONTINUE;
  return ops->table ? ops->table(arg, e, level, va, next) : WALK_CONTINUE;
}

// Walk the entries of table t, whose entries are at level top, that map
// [start, end) (page-aligned). 0, or -1 when a callback stopped the walk.
static inline __attribute__((always_inline)) int
walk_table(pagetable_t t, int top, uint64 start, uint64 end,
           const struct pt_walk_ops *ops, void *arg)
{
  pagetable_t table[PT_LEVELS];   // the table being walked at each level
  uint64 stop[PT_LEVELS];         // where the range under it ends
  uint64 entered[PT_LEVELS];      // where the walk went below the entry above it
  int level = top;
  uint64 va = start;
  table[top] = t;
  stop[top] = end;
  for(;;){
    // The entries of one table, from va; t, e, lim and size stay in
    // registers. Level 0, where most entries are, has a loop of its own:
    // its entries are pages, and nothing lies below them.
    t = table[level];
    uint64 lim = stop[level], size = PT_LEVEL_SIZE(level);
    pte_t *e = &t[PX(level, va)];
    if(level == PT_LEVEL0){
      for(; va < lim; va += PGSIZE, e++)
        if(walk_visit(ops, arg, e, level, va, va + PGSIZE) == WALK_STOP)
          return -1;
    }
    for(; va < lim; e++){
      uint64 next = (va & ~(size - 1)) + size;
      if(next > lim)
        next = lim;
      int r = walk_visit(ops, arg, e, level, va, next);
      if(r == WALK_STOP)
        return -1;
      if(r == WALK_CONTINUE && level > PT_LEVEL0 && pte_table(*e)){
        entered[level] = va;      // go down into the table, from va
        table[level - 1] = pte_next_table(*e);
        stop[level - 1] = next;
        break;
      }
      va = next;
    }
    if(va < lim){
      level--;
      continue;
    }
    // Done with this table: back up a level.
    if(level == top)
      return 0;
    level++;
    pte_t *above = &table[level][PX(level, entered[level])];
    if(ops->table_done && ops->table_done(arg, above, level, entered[level], va) == WALK_STOP)
      return -1;
  }
}

// Walk the tree rooted at pt over [start, end) (page-aligned, below
// MAXVA). 0, or -1 when a callback stopped the walk.
static inline __attribute__((always_inline)) int
walk_range(pagetable_t pt, uint64 start, uint64 end, const struct pt_walk_ops *ops, void *arg)
{
  if(end > MAXVA || start > end || start % PGSIZE != 0 || end % PGSIZE != 0)
    panic("walk_range: bad range");
  return walk_table(pt, PT_ROOT_LEVEL, start, end, ops, arg);
}

#endif
