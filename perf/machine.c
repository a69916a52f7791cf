/* Facts about the machine and the libraries, written at the top of every
 * report so that figures can be compared with their context. */
#include <hwloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <numapool/version.h>

#include "perf.h"

/* Versions of the Debian packages of the peers, found by CMake with
 * dpkg-query when the driver was configured. */
#ifndef PERF_VERSION_PTHREADPOOL
#define PERF_VERSION_PTHREADPOOL "unknown"
#endif
#ifndef PERF_VERSION_OPENBLAS
#define PERF_VERSION_OPENBLAS "unknown"
#endif
#ifndef PERF_VERSION_BLIS
#define PERF_VERSION_BLIS "unknown"
#endif
#ifndef PERF_VERSION_TBB
#define PERF_VERSION_TBB "unknown"
#endif
#ifndef PERF_VERSION_HWLOC
#define PERF_VERSION_HWLOC "unknown"
#endif
#ifndef PERF_VERSION_GOMP
#define PERF_VERSION_GOMP "unknown"
#endif

typedef struct machine {
  char cpu[128];
  double mhz;
  long cpus_online;
  char kernel[3 * 65 + 8];
  int packages, nodes, cores, pus;
  char hwloc_api[32]; /* hwloc_get_api_version() of the loaded library */
} machine_t;

/* Reads the first value of a "key : value" line of /proc/cpuinfo. */
static void cpuinfo_value(const char *key, char *value, size_t size) {
  value[0] = '\0';
  FILE *file = fopen("/proc/cpuinfo", "r");
  if (file == NULL)
    return;
  char line[512];
  size_t key_length = strlen(key);
  while (fgets(line, sizeof line, file) != NULL) {
    char *colon = strchr(line, ':');
    if (strncmp(line, key, key_length) != 0 || colon == NULL)
      continue;
    snprintf(value, size, "%s", colon + 2);
    value[strcspn(value, "\n")] = '\0';
    /* The value goes into JSON strings unescaped. */
    for (char *c = value; *c != '\0'; c++)
      if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20)
        *c = ' ';
    break;
  }
  fclose(file);
}

double perf_cpu_mhz(void) {
  char value[64];
  cpuinfo_value("cpu MHz", value, sizeof value);
  return value[0] != '\0' ? atof(value) : 0;
}

static void machine_read(machine_t *machine) {
  memset(machine, 0, sizeof *machine);
  cpuinfo_value("model name", machine->cpu, sizeof machine->cpu);
  machine->mhz = perf_cpu_mhz();
  machine->cpus_online = sysconf(_SC_NPROCESSORS_ONLN);
  struct utsname name;
  if (uname(&name) == 0)
    snprintf(machine->kernel, sizeof machine->kernel, "%s %s %s", name.sysname, name.release,
             name.machine);

  unsigned version = hwloc_get_api_version();
  snprintf(machine->hwloc_api, sizeof machine->hwloc_api, "%u.%u.%u", version >> 16,
           (version >> 8) & 0xff, version & 0xff);
  hwloc_topology_t topology;
  if (hwloc_topology_init(&topology) != 0)
    return;
  if (hwloc_topology_load(topology) == 0) {
    machine->packages = hwloc_get_nbobjs_by_type(topology, HWLOC_OBJ_PACKAGE);
    machine->nodes = hwloc_get_nbobjs_by_type(topology, HWLOC_OBJ_NUMANODE);
    machine->cores = hwloc_get_nbobjs_by_type(topology, HWLOC_OBJ_CORE);
    machine->pus = hwloc_get_nbobjs_by_type(topology, HWLOC_OBJ_PU);
  }
  hwloc_topology_destroy(topology);
}

void perf_machine_write_json(FILE *out) {
  machine_t machine;
  machine_read(&machine);
  fprintf(out,
          "\"machine\": {\"cpu\": \"%s\", \"mhz\": %.0f, \"cpus_online\": %ld, "
          "\"kernel\": \"%s\", \"packages\": %d, \"numa_nodes\": %d, \"cores\": %d, "
          "\"pus\": %d},\n",
          machine.cpu, machine.mhz, machine.cpus_online, machine.kernel, machine.packages,
          machine.nodes, machine.cores, machine.pus);
  fprintf(out,
          " \"versions\": {\"numapool\": \"%s\", \"hwloc\": \"%s\", \"hwloc_api\": \"%s\", "
          "\"counters\": \"%s\", "
          "\"pthreadpool\": \"%s\", \"openblas\": \"%s\", \"blis\": \"%s\", "
          "\"tbb\": \"%s\", \"gomp\": \"%s\", \"compiler\": \"%s\"}",
          NUMAPOOL_VERSION_STRING, PERF_VERSION_HWLOC, machine.hwloc_api,
          numapool_counters_backend(),
          PERF_VERSION_PTHREADPOOL, PERF_VERSION_OPENBLAS, PERF_VERSION_BLIS,
          PERF_VERSION_TBB, PERF_VERSION_GOMP, __VERSION__);
}

void perf_machine_write_table(FILE *out) {
  machine_t machine;
  machine_read(&machine);
  fprintf(out, "machine: %s, %ld CPUs online, %.0f MHz nominal, %s\n", machine.cpu,
          machine.cpus_online, machine.mhz, machine.kernel);
  fprintf(out, "hardware (hwloc %s, API %s): %d packages, %d NUMA nodes, %d cores, %d PUs\n",
          PERF_VERSION_HWLOC, machine.hwloc_api, machine.packages, machine.nodes, machine.cores,
          machine.pus);
  fprintf(out,
          "versions: numapool %s, pthreadpool %s, OpenBLAS %s, BLIS %s, oneTBB %s, "
          "GNU OpenMP %s\n",
          NUMAPOOL_VERSION_STRING, PERF_VERSION_PTHREADPOOL, PERF_VERSION_OPENBLAS,
          PERF_VERSION_BLIS, PERF_VERSION_TBB, PERF_VERSION_GOMP);
}
