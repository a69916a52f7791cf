/* A small JSON reader for numapool-perf's own reports: it builds a tree of
 * values and rejects anything that is not valid JSON (RFC 8259). */
#ifndef NUMAPOOL_PERF_JSON_H
#define NUMAPOOL_PERF_JSON_H

#include <stdbool.h>
#include <stddef.h>

typedef enum json_type {
  JSON_NULL,
  JSON_BOOL,
  JSON_NUMBER,
  JSON_STRING,
  JSON_ARRAY,
  JSON_OBJECT
} json_type_t;

typedef struct json_value {
  json_type_t type;
  bool boolean;
  double number;
  char *string;               /* JSON_STRING; the key's text for members */
  char **keys;                /* JSON_OBJECT: one key per item */
  struct json_value **items;  /* JSON_ARRAY and JSON_OBJECT */
  size_t count;
} json_value_t;

/* Parses text. Returns the tree, or NULL with a message naming the byte
 * offset in error. */
json_value_t *json_parse(const char *text, char *error, size_t error_size);
void json_free(json_value_t *value);

/* The member of an object called key, or NULL. */
const json_value_t *json_get(const json_value_t *object, const char *key);
/* The number of a member, or fallback when it is absent or not a number. */
double json_get_number(const json_value_t *object, const char *key, double fallback);

#endif /* NUMAPOOL_PERF_JSON_H */
