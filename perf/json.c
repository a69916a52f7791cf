/* A recursive-descent JSON parser, enough for reading reports back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#define MAX_DEPTH 64

typedef struct parser {
  const char *text;
  size_t at;
  char *error;
  size_t error_size;
  bool failed;
} parser_t;

static json_value_t *parse_value(parser_t *parser, int depth);

static void *fail(parser_t *parser, const char *what) {
  if (!parser->failed)
    snprintf(parser->error, parser->error_size, "invalid JSON at byte %zu: %s", parser->at,
             what);
  parser->failed = true;
  return NULL;
}

static void skip_space(parser_t *parser) {
  while (strchr(" \t\r\n", parser->text[parser->at]) != NULL && parser->text[parser->at] != 0)
    parser->at++;
}

/* Returns the next character and moves past it, except past the end. */
static char take(parser_t *parser) {
  char c = parser->text[parser->at];
  if (c != '\0')
    parser->at++;
  return c;
}

static json_value_t *new_value(json_type_t type) {
  json_value_t *value = calloc(1, sizeof *value);
  if (value != NULL)
    value->type = type;
  return value;
}

/* Parses a string after its opening quote. Escapes other than \uXXXX are
 * decoded; \uXXXX outside ASCII becomes '?', enough for reports. */
static char *parse_string(parser_t *parser) {
  size_t capacity = 32, length = 0;
  char *out = malloc(capacity);
  while (out != NULL) {
    unsigned char c = (unsigned char)take(parser);
    if (c == '"') {
      out[length] = '\0';
      return out;
    }
    if (c < 0x20) {
      free(out);
      return fail(parser, c == 0 ? "unterminated string" : "control character in string");
    }
    if (c == '\\') {
      char escape = take(parser);
      const char *known = strchr("\"\\/bfnrtu", escape);
      if (escape == 0 || known == NULL) {
        free(out);
        return fail(parser, "invalid escape");
      }
      static const char decoded[] = "\"\\/\b\f\n\r\t";
      if (escape == 'u') {
        unsigned code;
        if (sscanf(parser->text + parser->at, "%4x", &code) != 1 ||
            strspn(parser->text + parser->at, "0123456789abcdefABCDEF") < 4) {
          free(out);
          return fail(parser, "invalid \\u escape");
        }
        parser->at += 4;
        c = code < 0x80 ? (unsigned char)code : '?';
      } else {
        c = (unsigned char)decoded[known - "\"\\/bfnrtu"];
      }
    }
    if (length + 2 > capacity) {
      char *grown = realloc(out, capacity *= 2);
      if (grown == NULL)
        break;
      out = grown;
    }
    out[length++] = (char)c;
  }
  free(out);
  return fail(parser, "out of memory");
}

/* Checks the JSON number grammar, then converts with strtod. */
static json_value_t *parse_number(parser_t *parser) {
  const char *start = parser->text + parser->at;
  const char *c = start;
  if (*c == '-')
    c++;
  if (*c == '0')
    c++;
  else if (*c >= '1' && *c <= '9')
    c += strspn(c, "0123456789");
  else
    return fail(parser, "invalid number");
  if (*c == '.') {
    c++;
    if (strspn(c, "0123456789") == 0)
      return fail(parser, "invalid number");
    c += strspn(c, "0123456789");
  }
  if (*c == 'e' || *c == 'E') {
    c++;
    if (*c == '+' || *c == '-')
      c++;
    if (strspn(c, "0123456789") == 0)
      return fail(parser, "invalid number");
    c += strspn(c, "0123456789");
  }
  json_value_t *value = new_value(JSON_NUMBER);
  if (value == NULL)
    return fail(parser, "out of memory");
  value->number = strtod(start, NULL);
  parser->at += (size_t)(c - start);
  return value;
}

/* Appends an item (and key, for objects). Returns 0 or -1. */
static int append(json_value_t *container, char *key, json_value_t *item) {
  json_value_t **items = realloc(container->items, (container->count + 1) * sizeof *items);
  if (items == NULL)
    return -1;
  container->items = items;
  if (container->type == JSON_OBJECT) {
    char **keys = realloc(container->keys, (container->count + 1) * sizeof *keys);
    if (keys == NULL)
      return -1;
    container->keys = keys;
    keys[container->count] = key;
  }
  items[container->count++] = item;
  return 0;
}

/* Parses an array or object after its opening bracket. */
static json_value_t *parse_container(parser_t *parser, json_type_t type, int depth) {
  char close = type == JSON_ARRAY ? ']' : '}';
  json_value_t *container = new_value(type);
  if (container == NULL)
    return fail(parser, "out of memory");
  skip_space(parser);
  if (parser->text[parser->at] == close) {
    parser->at++;
    return container;
  }
  for (;;) {
    char *key = NULL;
    skip_space(parser);
    if (type == JSON_OBJECT) {
      if (take(parser) != '"') {
        fail(parser, "expected a string key");
        break;
      }
      key = parse_string(parser);
      if (key == NULL)
        break;
      skip_space(parser);
      if (take(parser) != ':') {
        free(key);
        fail(parser, "expected ':'");
        break;
      }
    }
    json_value_t *item = parse_value(parser, depth + 1);
    if (item == NULL || append(container, key, item) != 0) {
      free(key);
      json_free(item);
      break;
    }
    skip_space(parser);
    char next = take(parser);
    if (next == close)
      return container;
    if (next != ',') {
      fail(parser, type == JSON_ARRAY ? "expected ',' or ']'" : "expected ',' or '}'");
      break;
    }
  }
  json_free(container);
  return fail(parser, type == JSON_ARRAY ? "invalid array" : "invalid object");
}

static json_value_t *parse_literal(parser_t *parser, const char *word, json_type_t type,
                                   bool boolean) {
  size_t length = strlen(word);
  if (strncmp(parser->text + parser->at, word, length) != 0)
    return fail(parser, "unexpected character");
  parser->at += length;
  json_value_t *value = new_value(type);
  if (value == NULL)
    return fail(parser, "out of memory");
  value->boolean = boolean;
  return value;
}

static json_value_t *parse_value(parser_t *parser, int depth) {
  if (depth > MAX_DEPTH)
    return fail(parser, "nested too deeply");
  skip_space(parser);
  char c = parser->text[parser->at];
  if (c == '{' || c == '[') {
    parser->at++;
    return parse_container(parser, c == '{' ? JSON_OBJECT : JSON_ARRAY, depth);
  }
  if (c == '"') {
    parser->at++;
    char *text = parse_string(parser);
    json_value_t *value = text != NULL ? new_value(JSON_STRING) : NULL;
    if (value == NULL) {
      free(text);
      return fail(parser, "invalid string");
    }
    value->string = text;
    return value;
  }
  if (c == 't')
    return parse_literal(parser, "true", JSON_BOOL, true);
  if (c == 'f')
    return parse_literal(parser, "false", JSON_BOOL, false);
  if (c == 'n')
    return parse_literal(parser, "null", JSON_NULL, false);
  return parse_number(parser);
}

json_value_t *json_parse(const char *text, char *error, size_t error_size) {
  parser_t parser = {text, 0, error, error_size, false};
  json_value_t *value = parse_value(&parser, 0);
  if (value == NULL)
    return NULL;
  skip_space(&parser);
  if (text[parser.at] != '\0') {
    json_free(value);
    return fail(&parser, "text after the value");
  }
  return value;
}

void json_free(json_value_t *value) {
  if (value == NULL)
    return;
  for (size_t i = 0; i < value->count; i++) {
    json_free(value->items[i]);
    if (value->keys != NULL)
      free(value->keys[i]);
  }
  free(value->items);
  free(value->keys);
  free(value->string);
  free(value);
}

const json_value_t *json_get(const json_value_t *object, const char *key) {
  if (object == NULL || object->type != JSON_OBJECT)
    return NULL;
  for (size_t i = 0; i < object->count; i++)
    if (strcmp(object->keys[i], key) == 0)
      return object->items[i];
  return NULL;
}

double json_get_number(const json_value_t *object, const char *key, double fallback) {
  const json_value_t *value = json_get(object, key);
  return value != NULL && value->type == JSON_NUMBER ? value->number : fallback;
}
