/* The default thread count rule, in one place. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <numapool/numapool.h>

#include "common/env.h"
#include "common/log.h"
#include "topology/topology.h"

#define MAX_CPUS 65536

/* Reads "quota period" from cgroup v2's cpu.max, or the v1 pair of files,
 * and returns the quota in CPUs rounded up, or 0 when there is none. */
static size_t read_cgroup_v2_quota(const char *path) {
  FILE *file = fopen(path, "r");
  if (file == NULL)
    return 0;
  char quota[32] = {0};
  unsigned long long period = 0;
  int fields = fscanf(file, "%31s %llu", quota, &period);
  fclose(file);
  if (fields != 2 || strcmp(quota, "max") == 0 || period == 0)
    return 0;

  long long value = strtoll(quota, NULL, 10);
  if (value <= 0)
    return 0;
  return (size_t)(((unsigned long long)value + period - 1) / period);
}

static long long read_number(const char *path) {
  FILE *file = fopen(path, "r");
  if (file == NULL)
    return -1;
  long long value = -1;
  if (fscanf(file, "%lld", &value) != 1)
    value = -1;
  fclose(file);
  return value;
}

static size_t read_cgroup_v1_quota(const char *directory) {
  char path[1024];
  snprintf(path, sizeof(path), "%s/cpu.cfs_quota_us", directory);
  long long quota = read_number(path);
  snprintf(path, sizeof(path), "%s/cpu.cfs_period_us", directory);
  long long period = read_number(path);
  if (quota <= 0 || period <= 0)
    return 0;
  return (size_t)((quota + period - 1) / period);
}

/* Finds the process's cgroup in /proc/self/cgroup and returns the smallest
 * CPU quota on the way from it up to the root, or 0 for none. */
static size_t cgroup_cpu_quota(void) {
  FILE *file = fopen("/proc/self/cgroup", "r");
  if (file == NULL)
    return 0;

  size_t best = 0;
  char line[1024];
  while (fgets(line, sizeof(line), file) != NULL) {
    line[strcspn(line, "\n")] = '\0';
    /* Lines read "id:controllers:path"; v2 has "0::path". */
    char *controllers = strchr(line, ':');
    char *group = controllers != NULL ? strchr(controllers + 1, ':') : NULL;
    if (group == NULL)
      continue;
    *group++ = '\0';
    controllers++;
    bool v2 = controllers[0] == '\0';
    if (!v2 && strstr(controllers, "cpu") == NULL)
      continue;

    /* Walk up from the group to the mount root; a container often sees
     * its own group as the root. */
    char directory[768];
    for (;;) {
      snprintf(directory, sizeof(directory), "%s%s", v2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/cpu",
               group);
      size_t quota;
      if (v2) {
        char path[1024];
        snprintf(path, sizeof(path), "%s/cpu.max", directory);
        quota = read_cgroup_v2_quota(path);
      } else {
        quota = read_cgroup_v1_quota(directory);
      }
      if (quota > 0 && (best == 0 || quota < best))
        best = quota;
      char *slash = strrchr(group, '/');
      if (slash == NULL || slash == group)
        break;
      *slash = '\0';
    }
    if (v2)
      break;
  }
  fclose(file);

  if (best == 0) {
    size_t root_quota = read_cgroup_v2_quota("/sys/fs/cgroup/cpu.max");
    if (root_quota > 0)
      best = root_quota;
  }
  return best;
}

size_t numapool_default_thread_count(void) {
  long requested;
  if (numapool__env_long("NUMAPOOL_NUM_THREADS", 1, NUMAPOOL_MAX_THREADS, &requested))
    return (size_t)requested;

  int *cpus = malloc(MAX_CPUS * sizeof(int));
  size_t count = cpus != NULL ? numapool__affinity_cpus(cpus, MAX_CPUS) : 0;
  free(cpus);
  if (count == 0)
    count = 1;

  size_t quota = cgroup_cpu_quota();
  if (quota > 0 && quota < count) {
    NUMAPOOL_LOG_DEBUG("default thread count capped from %zu to %zu by the cgroup CPU quota",
                       count, quota);
    count = quota;
  }
  return count;
}
