/* The public task group calls: argument checks, node affinity lookup,
 * and the group's life cycle. */
#include <errno.h>
#include <stdalign.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/log.h"
#include "tasks/scheduler.h"

_Static_assert(sizeof(numapool__group_t) <= sizeof(numapool_group_t),
               "numapool_group_t is too small for the group's private layout");
_Static_assert(alignof(numapool__group_t) <= alignof(numapool_group_t),
               "numapool_group_t is less aligned than the group's private layout");

#define KNOWN_TASK_FLAGS (NUMAPOOL_TASK_ON_NODE | NUMAPOOL_TASK_NEAR_DATA)

/* The private view of a group, or NULL (logged) when it is NULL, destroyed
 * or was never initialized. */
static numapool__group_t *live_group(numapool_group_t *group, const char *call) {
  if (group == NULL) {
    NUMAPOOL_LOG_ERROR("invalid %s: group is NULL", call);
    return NULL;
  }
  numapool__group_t *state = (numapool__group_t *)group;
  unsigned magic = atomic_load_explicit(&state->magic, memory_order_acquire);
  if (magic != NUMAPOOL__GROUP_LIVE) {
    NUMAPOOL_LOG_ERROR("invalid %s: the group %s; call numapool_group_init first", call,
                       magic == NUMAPOOL__GROUP_DESTROYED ? "was destroyed"
                                                          : "was never initialized");
    return NULL;
  }
  return state;
}

/* The NUMA node holding the page of `data`, or -1 when the page is not
 * present or the kernel does not report it. move_pages with no target nodes only
 * reports where each page is and moves nothing. */
static int data_node(const void *data) {
  long page_size = sysconf(_SC_PAGESIZE);
  if (page_size <= 0)
    page_size = 4096;
  void *page = (void *)((uintptr_t)data & ~((uintptr_t)page_size - 1));
  int status = -1;
  long result = syscall(SYS_move_pages, 0, 1UL, &page, NULL, &status, 0);
  if (result != 0) {
    NUMAPOOL_WARN_ONCE("cannot query the NUMA node of task data (move_pages: %s); such tasks "
                       "run without node affinity",
                       strerror(errno));
    return -1;
  }
  return status >= 0 ? status : -1;
}

/* The domain of the pool's topology with OS node index `node`, or
 * NUMAPOOL__NO_DOMAIN. */
static size_t node_domain(const numapool__tasks_t *tasks, int node) {
  for (size_t d = 0; d < tasks->domain_count; d++)
    if (tasks->domain_node[d] == node)
      return d;
  return NUMAPOOL__NO_DOMAIN;
}

/* Checks the options and writes the task's level and domain. */
static int read_options(const numapool__tasks_t *tasks, const numapool_task_options_t *options,
                        size_t *level, size_t *domain) {
  *level = 1;
  *domain = NUMAPOOL__NO_DOMAIN;
  if (options == NULL)
    return 0;

  if ((options->flags & ~KNOWN_TASK_FLAGS) != 0) {
    NUMAPOOL_LOG_ERROR("invalid task options flags 0x%x: unknown bits 0x%x", options->flags,
                       options->flags & ~KNOWN_TASK_FLAGS);
    return NUMAPOOL_EINVAL;
  }
  if ((options->flags & KNOWN_TASK_FLAGS) == KNOWN_TASK_FLAGS) {
    NUMAPOOL_LOG_ERROR("invalid task options flags 0x%x: set NUMAPOOL_TASK_ON_NODE or "
                       "NUMAPOOL_TASK_NEAR_DATA, not both",
                       options->flags);
    return NUMAPOOL_EINVAL;
  }
  switch (options->priority) {
  case NUMAPOOL_PRIORITY_HIGH: *level = 0; break;
  case NUMAPOOL_PRIORITY_NORMAL: *level = 1; break;
  case NUMAPOOL_PRIORITY_LOW: *level = 2; break;
  default:
    NUMAPOOL_LOG_ERROR("invalid task options priority %d: use a NUMAPOOL_PRIORITY_* value",
                       (int)options->priority);
    return NUMAPOOL_EINVAL;
  }

  if ((options->flags & NUMAPOOL_TASK_NEAR_DATA) != 0) {
    if (options->data == NULL) {
      NUMAPOOL_LOG_ERROR("invalid task options: NUMAPOOL_TASK_NEAR_DATA is set and data is "
                         "NULL");
      return NUMAPOOL_EINVAL;
    }
    /* A page on a node outside a simulated topology gives no affinity. */
    if (tasks != NULL) {
      int node = data_node(options->data);
      if (node >= 0)
        *domain = node_domain(tasks, node);
    }
  }
  if ((options->flags & NUMAPOOL_TASK_ON_NODE) != 0 && tasks != NULL) {
    *domain = node_domain(tasks, options->node);
    if (options->node < 0 || *domain == NUMAPOOL__NO_DOMAIN) {
      NUMAPOOL_LOG_ERROR("invalid task options node %d: not a NUMA node of the pool's "
                         "topology; use numapool_thread_place().node of a pool thread",
                         options->node);
      return NUMAPOOL_EINVAL;
    }
  }
  return 0;
}

int numapool_group_init(numapool_group_t *group, numapool_t *pool) {
  if (group == NULL) {
    NUMAPOOL_LOG_ERROR("invalid numapool_group_init: group is NULL");
    return NUMAPOOL_EINVAL;
  }
  numapool__tasks_t *tasks = NULL;
  if (pool != NULL) {
    tasks = numapool__tasks_get(pool);
    if (tasks == NULL)
      return NUMAPOOL_ENOMEM;
  }

  memset(group, 0, sizeof(*group));
  numapool__group_t *state = (numapool__group_t *)group;
  state->tasks = tasks;
  atomic_init(&state->pending, 0);
  atomic_store_explicit(&state->magic, NUMAPOOL__GROUP_LIVE, memory_order_release);
  return 0;
}

int numapool_group_submit(numapool_group_t *group, numapool_group_task_t task, void *context,
                          const numapool_task_options_t *options) {
  numapool__group_t *state = live_group(group, "numapool_group_submit");
  if (state == NULL)
    return NUMAPOOL_EINVAL;
  if (task == NULL) {
    NUMAPOOL_LOG_ERROR("invalid numapool_group_submit: task is NULL");
    return NUMAPOOL_EINVAL;
  }
  size_t level;
  size_t domain;
  int status = read_options(state->tasks, options, &level, &domain);
  if (status != 0)
    return status;

  numapool__task_t record = {.function = task, .context = context, .group = state};
  if (state->tasks == NULL) {
    numapool__tasks_run_inline(&record);
    return 0;
  }
  return numapool__tasks_push(state->tasks, &record, level, domain);
}

int numapool_group_wait(numapool_group_t *group) {
  numapool__group_t *state = live_group(group, "numapool_group_wait");
  if (state == NULL)
    return NUMAPOOL_EINVAL;
  if (numapool__tasks_running_group(state)) {
    NUMAPOOL_LOG_ERROR("numapool_group_wait would deadlock: the calling thread runs a task of "
                       "this group, which the wait would wait for; wait from the code that "
                       "submitted it");
    return NUMAPOOL_EDEADLK;
  }
  if (state->tasks != NULL)
    numapool__tasks_wait(state->tasks, state);
  return 0;
}

int numapool_group_destroy(numapool_group_t *group) {
  int status = numapool_group_wait(group);
  if (status != 0)
    return status;
  numapool__group_t *state = (numapool__group_t *)group;
  atomic_store_explicit(&state->magic, NUMAPOOL__GROUP_DESTROYED, memory_order_release);
  return 0;
}
