/* Lanes: a spin lock and double-ended ring buffers of tasks, one ring per
 * queue kind and priority level. */
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "pool/sync.h"
#include "tasks/scheduler.h"

#define INITIAL_CAPACITY 64
/* Spins before a waiting thread yields its CPU: the holder keeps the lock
 * for a few copies only, unless it lost its CPU. */
#define LOCK_SPINS 64

void numapool__lane_lock(numapool__lane_t *lane) {
  for (unsigned spins = 0;; spins++) {
    if (atomic_load_explicit(&lane->lock, memory_order_relaxed) == 0 &&
        atomic_exchange_explicit(&lane->lock, 1, memory_order_acquire) == 0)
      return;
    if (spins < LOCK_SPINS)
      numapool__cpu_relax();
    else
      sched_yield();
  }
}

void numapool__lane_unlock(numapool__lane_t *lane) {
  atomic_store_explicit(&lane->lock, 0, memory_order_release);
}

/* Doubles a ring's capacity, keeping its tasks in order from slot 0. */
static int grow(numapool__ring_t *ring) {
  size_t capacity = ring->capacity == 0 ? INITIAL_CAPACITY : ring->capacity * 2;
  if (capacity < ring->capacity || capacity > SIZE_MAX / sizeof(numapool__task_t))
    return NUMAPOOL_ENOMEM;
  numapool__task_t *slots = malloc(capacity * sizeof(numapool__task_t));
  if (slots == NULL)
    return NUMAPOOL_ENOMEM;

  for (size_t i = 0; i < ring->size; i++)
    slots[i] = ring->slots[(ring->head + i) & (ring->capacity - 1)];
  free(ring->slots);
  ring->slots = slots;
  ring->capacity = capacity;
  ring->head = 0;
  return 0;
}

int numapool__lane_push(numapool__lane_t *lane, size_t kind, size_t level,
                        const numapool__task_t *task) {
  numapool__ring_t *ring = &lane->rings[kind][level];
  if (ring->size == ring->capacity) {
    int status = grow(ring);
    if (status != 0)
      return status;
  }
  ring->slots[(ring->head + ring->size) & (ring->capacity - 1)] = *task;
  ring->size++;
  atomic_store_explicit(&lane->count[kind][level], ring->size, memory_order_relaxed);
  return 0;
}

bool numapool__lane_pop(numapool__lane_t *lane, size_t kind, size_t level, bool newest,
                        numapool__task_t *task) {
  numapool__ring_t *ring = &lane->rings[kind][level];
  if (ring->size == 0)
    return false;

  size_t mask = ring->capacity - 1;
  if (newest) {
    *task = ring->slots[(ring->head + ring->size - 1) & mask];
  } else {
    *task = ring->slots[ring->head];
    ring->head = (ring->head + 1) & mask;
  }
  ring->size--;
  atomic_store_explicit(&lane->count[kind][level], ring->size, memory_order_relaxed);
  return true;
}

void numapool__lane_free(numapool__lane_t *lane) {
  for (size_t kind = 0; kind < NUMAPOOL__KINDS; kind++)
    for (size_t level = 0; level < NUMAPOOL__LEVELS; level++)
      free(lane->rings[kind][level].slots);
}
