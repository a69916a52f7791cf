#include "fixtures.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

const unsigned fixture_distances[16] = {10, 20, 30, 40, 20, 10, 40, 30,
                                        30, 40, 10, 20, 40, 30, 20, 10};

static const char *const header =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<!DOCTYPE topology SYSTEM \"hwloc2.dtd\">\n"
    "<topology version=\"2.0\">\n";

/* Writes one PU, or one core of two PUs, with bitmaps of PU numbers. */
static void write_pu(FILE *file, unsigned pu, unsigned node) {
  fprintf(file,
          "<object type=\"PU\" os_index=\"%u\" cpuset=\"0x%x\" complete_cpuset=\"0x%x\" "
          "nodeset=\"0x%x\" complete_nodeset=\"0x%x\"/>\n",
          pu, 1u << pu, 1u << pu, 1u << node, 1u << node);
}

static void write_core(FILE *file, unsigned core, unsigned first_pu, unsigned node) {
  unsigned cpus = 3u << first_pu;
  fprintf(file,
          "<object type=\"Core\" os_index=\"%u\" cpuset=\"0x%x\" complete_cpuset=\"0x%x\" "
          "nodeset=\"0x%x\" complete_nodeset=\"0x%x\">\n",
          core, cpus, cpus, 1u << node, 1u << node);
  write_pu(file, first_pu, node);
  write_pu(file, first_pu + 1, node);
  fprintf(file, "</object>\n");
}

static void write_node(FILE *file, unsigned node, unsigned cpus, unsigned long long memory) {
  fprintf(file,
          "<object type=\"NUMANode\" os_index=\"%u\" cpuset=\"0x%x\" complete_cpuset=\"0x%x\" "
          "nodeset=\"0x%x\" complete_nodeset=\"0x%x\" local_memory=\"%llu\"/>\n",
          node, cpus, cpus, 1u << node, 1u << node, memory);
}

/* A package holding one NUMA node and one core per two PUs. */
static void write_package(FILE *file, unsigned package, unsigned node, unsigned first_pu,
                          unsigned pus, unsigned long long memory) {
  unsigned cpus = ((1u << pus) - 1) << first_pu;
  fprintf(file,
          "<object type=\"Package\" os_index=\"%u\" cpuset=\"0x%x\" complete_cpuset=\"0x%x\" "
          "nodeset=\"0x%x\" complete_nodeset=\"0x%x\">\n",
          package, cpus, cpus, 1u << node, 1u << node);
  write_node(file, node, cpus, memory);
  for (unsigned pu = first_pu; pu < first_pu + pus; pu += 2)
    write_core(file, pu / 2, pu, node);
  fprintf(file, "</object>\n");
}

static void write_machine_start(FILE *file, unsigned cpus, unsigned allowed, unsigned nodes) {
  fputs(header, file);
  fprintf(file,
          "<object type=\"Machine\" os_index=\"0\" cpuset=\"0x%x\" complete_cpuset=\"0x%x\" "
          "allowed_cpuset=\"0x%x\" nodeset=\"0x%x\" complete_nodeset=\"0x%x\" "
          "allowed_nodeset=\"0x%x\">\n",
          cpus, cpus, allowed, nodes, nodes, nodes);
}

static void write_distances_file(const char *path) {
  FILE *file = fopen(path, "w");
  CHECK(file != NULL);
  write_machine_start(file, 0xff, 0xff, 0xf);
  for (unsigned node = 0; node < 4; node++)
    write_package(file, node, node, 2 * node, 2, 1ull << 30);
  fprintf(file, "</object>\n");
  fprintf(file, "<distances2 type=\"NUMANode\" nbobjs=\"4\" kind=\"5\" name=\"NUMALatency\" "
                "indexing=\"os\">\n<indexes length=\"8\">0 1 2 3 </indexes>\n"
                "<u64values length=\"48\">");
  for (int i = 0; i < 16; i++)
    fprintf(file, "%u ", fixture_distances[i]);
  fprintf(file, "</u64values>\n</distances2>\n</topology>\n");
  CHECK(fclose(file) == 0);
}

static void write_odd_file(const char *path) {
  FILE *file = fopen(path, "w");
  CHECK(file != NULL);
  write_machine_start(file, 0xff, 0x7f, 0x7);
  write_node(file, 2, 0xff, 1ull << 30);
  write_package(file, 0, 0, 0, 4, 1ull << 30);
  write_package(file, 1, 1, 4, 4, 0);
  fprintf(file, "</object>\n</topology>\n");
  CHECK(fclose(file) == 0);
}

static void write_text(const char *path, const char *text) {
  FILE *file = fopen(path, "w");
  CHECK(file != NULL);
  fputs(text, file);
  CHECK(fclose(file) == 0);
}

void fixtures_write(fixtures_t *fixtures) {
  strcpy(fixtures->folder, "/tmp/numapool-topology-XXXXXX");
  CHECK(mkdtemp(fixtures->folder) != NULL);
  snprintf(fixtures->distances, sizeof(fixtures->distances), "xml:%s/distances.xml",
           fixtures->folder);
  snprintf(fixtures->odd, sizeof(fixtures->odd), "xml:%s/odd.xml", fixtures->folder);
  snprintf(fixtures->garbage, sizeof(fixtures->garbage), "xml:%s/garbage.xml",
           fixtures->folder);
  snprintf(fixtures->empty, sizeof(fixtures->empty), "xml:%s/empty.xml", fixtures->folder);
  write_distances_file(fixtures->distances + 4);
  write_odd_file(fixtures->odd + 4);
  write_text(fixtures->garbage + 4, "this is not an hwloc topology\n");
  write_text(fixtures->empty + 4, "");
}

void fixtures_remove(const fixtures_t *fixtures) {
  unlink(fixtures->distances + 4);
  unlink(fixtures->odd + 4);
  unlink(fixtures->garbage + 4);
  unlink(fixtures->empty + 4);
  rmdir(fixtures->folder);
}
