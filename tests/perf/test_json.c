/* The report reader of numapool-perf plot: valid JSON parses into the
 * expected tree, invalid JSON is rejected with the byte offset. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "json.h"

static unsigned passed;

static void test_valid(void) {
  char error[160] = "";
  json_value_t *value = json_parse(
      " {\"a\": [1, -2.5e3, true, false, null], \"s\": \"x\\\"y\\u0041\\n\", \"o\": {}} ",
      error, sizeof error);
  CHECK_MSG(value != NULL, error);
  CHECK_EQ(value->type, JSON_OBJECT);
  CHECK_UEQ(value->count, 3);

  const json_value_t *array = json_get(value, "a");
  CHECK(array != NULL);
  CHECK_EQ(array->type, JSON_ARRAY);
  CHECK_UEQ(array->count, 5);
  CHECK(array->items[1]->number == -2500.0);
  CHECK_EQ(array->items[2]->type, JSON_BOOL);
  CHECK(array->items[2]->boolean);
  CHECK_EQ(array->items[4]->type, JSON_NULL);
  CHECK(strcmp(json_get(value, "s")->string, "x\"yA\n") == 0);
  CHECK_UEQ(json_get(value, "o")->count, 0);
  CHECK(json_get(value, "missing") == NULL);
  CHECK(isnan(json_get_number(value, "s", NAN)));
  json_free(value);
  passed++;
}

static void test_invalid(void) {
  static const char *const cases[] = {
      "",       "{",           "[1,]",         "{\"a\" 1}",  "{\"a\": 1,}", "01",
      "1.",     "-",           "\"\\x\"",      "\"abc",      "tru",        "[1] 2",
      "{1: 2}", "\"\x01\"",   "[\"\\u12\"]", "nan",
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char error[160] = "";
    json_value_t *value = json_parse(cases[i], error, sizeof error);
    if (value != NULL)
      printf("accepted invalid JSON: %s\n", cases[i]);
    CHECK(value == NULL);
    CHECK(strstr(error, "invalid JSON at byte") != NULL);
  }
  passed++;
}

int main(void) {
  test_valid();
  test_invalid();
  return check_done("perf json", passed);
}
