#include <numapool/numapool.h>

const char *numapool_strerror(int status) {
  switch (status) {
#define NUMAPOOL_MESSAGE_CASE(name, value, message)                            \
  case value:                                                                  \
    return message;
    NUMAPOOL_ERROR_LIST(NUMAPOOL_MESSAGE_CASE)
#undef NUMAPOOL_MESSAGE_CASE
  default:
    return "unknown numapool status code";
  }
}
