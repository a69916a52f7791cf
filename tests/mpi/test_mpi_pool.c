/* One pool per rank stays inside the rank's CPU mask: its default thread
 * count is the mask's size, every worker runs on a CPU of the mask, and
 * ranks with disjoint masks never share a CPU. */
#include <mpi.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <numapool/numapool.h>

#include "check.h"

#define MAX_CPUS 1024

typedef struct cpu_record {
  unsigned char mask[MAX_CPUS]; /* CPUs of the rank's mask */
  atomic_uint outside;          /* tasks that ran outside the mask */
  atomic_uint ran[MAX_CPUS];    /* tasks that ran on each CPU */
} cpu_record_t;

static void record_cpu(void *context, numapool_team_t *team, size_t thread_index,
                       size_t thread_count) {
  (void)team;
  (void)thread_index;
  (void)thread_count;
  cpu_record_t *record = context;
  int cpu = sched_getcpu();
  if (cpu < 0 || cpu >= MAX_CPUS || !record->mask[cpu])
    atomic_fetch_add(&record->outside, 1);
  else
    atomic_fetch_add(&record->ran[cpu], 1);
}

int main(int argc, char **argv) {
  int provided;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  int rank, ranks;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  unsigned passed = 0;

  static cpu_record_t record;
  cpu_set_t set;
  CHECK_EQ(sched_getaffinity(0, sizeof(set), &set), 0);
  size_t mask_size = 0;
  for (int cpu = 0; cpu < MAX_CPUS; cpu++) {
    record.mask[cpu] = CPU_ISSET(cpu, &set) ? 1 : 0;
    mask_size += record.mask[cpu];
  }

  /* The default pool follows the rank's mask. */
  CHECK_UEQ(numapool_default_thread_count(), mask_size);
  numapool_t *pool = numapool_create(NULL);
  CHECK(pool != NULL);
  CHECK_UEQ(numapool_get_thread_count(pool), mask_size);
  for (int repeat = 0; repeat < 20; repeat++)
    CHECK_EQ(numapool_team_run(pool, record_cpu, &record, 0), 0);
  CHECK_UEQ(atomic_load(&record.outside), 0);
  passed += 4;

  /* More threads than the mask holds: allowed, with a warning, and the
   * workers still stay inside the mask. */
  numapool_options_t options = {.thread_count = mask_size + 1};
  numapool_t *wide = numapool_create(&options);
  CHECK(wide != NULL);
  CHECK_EQ(numapool_team_run(wide, record_cpu, &record, 0), 0);
  CHECK_UEQ(atomic_load(&record.outside), 0);
  numapool_destroy(wide);
  passed += 2;

  /* Gather every rank's mask; when all masks are pairwise disjoint (as with
   * --bind-to core), no CPU may have run tasks of two ranks. */
  static unsigned char masks[64][MAX_CPUS];
  static unsigned char used[64][MAX_CPUS];
  unsigned char own_used[MAX_CPUS];
  for (int cpu = 0; cpu < MAX_CPUS; cpu++)
    own_used[cpu] = atomic_load(&record.ran[cpu]) > 0;
  CHECK(ranks <= 64);
  MPI_Allgather(record.mask, MAX_CPUS, MPI_UNSIGNED_CHAR, masks, MAX_CPUS, MPI_UNSIGNED_CHAR,
                MPI_COMM_WORLD);
  MPI_Allgather(own_used, MAX_CPUS, MPI_UNSIGNED_CHAR, used, MAX_CPUS, MPI_UNSIGNED_CHAR,
                MPI_COMM_WORLD);
  bool disjoint = true;
  for (int cpu = 0; cpu < MAX_CPUS; cpu++) {
    int owners = 0;
    for (int r = 0; r < ranks; r++)
      owners += masks[r][cpu];
    if (owners > 1)
      disjoint = false;
  }
  if (disjoint) {
    for (int cpu = 0; cpu < MAX_CPUS; cpu++) {
      int users = 0;
      for (int r = 0; r < ranks; r++)
        users += used[r][cpu];
      CHECK(users <= 1);
    }
    passed++;
  }

  numapool_destroy(pool);
  if (rank == 0)
    printf("masks %s across %d ranks, %zu CPUs in rank 0's mask\n",
           disjoint ? "disjoint" : "shared", ranks, mask_size);
  MPI_Finalize();
  if (rank == 0)
    return check_done("mpi_pool", passed);
  return 0;
}
