/* sensor/fw_json.h: find one value by dotted path in one JSON object text.
 *
 * The CLI tools read back what the sensor wrote (alert JSON lines for `rules
 * explain|test`, fw:ingest entries for `aggregate`); those bytes come from files
 * and Redis and are untrusted. This is the one reader for them: the text is
 * pointer + length (not NUL-terminated) and every byte goes through struct
 * fw_rd. Each lookup checks the WHOLE text against RFC 8259 (one object, then
 * only whitespace), not just the bytes up to the member found, so a truncated
 * or damaged record gives FW_EPARSE instead of half its fields. Nesting deeper
 * than FW_JSON_DEPTH_MAX is refused, not recursed into. With duplicate keys the
 * first member wins (later ones are still checked for syntax). A path is object
 * keys joined by '.' ("source.ip"); keys are compared after unescaping, so keys
 * containing '.' cannot be named, and arrays are never entered.
 *
 * A lookup yields a span (the value's bytes as written); the span functions turn
 * it into a decoded string, a string with its escapes kept, a number or a bool.
 * fw_json_get_*() do both steps. Errors: FW_ENOENT the path is absent (or runs
 * through a non-object), FW_EPARSE malformed text, FW_EINVAL the value has
 * another type or is out of range, FW_ENOMEM it does not fit in the caller's
 * buffer. Pure functions, no allocation; any thread.
 */
#ifndef FW_JSON_H
#define FW_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FW_JSON_DEPTH_MAX 32    /* containers nested deeper are malformed */

enum fw_json_type {
    FW_JSON_NULL = 0,
    FW_JSON_BOOL,
    FW_JSON_NUMBER,
    FW_JSON_STRING,
    FW_JSON_OBJECT,
    FW_JSON_ARRAY,
};

/* One validated value inside the caller's text; borrowed, lives as long as it. */
struct fw_json_span {
    const char *p;              /* first byte as written: a string's opening quote */
    size_t len;                 /* up to and including the closing quote/bracket */
    enum fw_json_type type;
};

/* The value at path in json[0..len) into *v. 0, FW_ENOENT, FW_EPARSE, or
 * FW_EINVAL for a NULL argument or an empty path. */
int fw_json_get(const char *json, size_t len, const char *path, struct fw_json_span *v);
/* json[0..len) is exactly one JSON value of any type (whitespace around it
 * allowed), under the same rules as fw_json_get. */
bool fw_json_valid(const char *json, size_t len);

/* A string value decoded into out (always NUL-terminated, "" on error): the
 * escapes \" \\ \/ \b \f \n \r \t, \uXXXX and surrogate pairs to UTF-8; a lone
 * surrogate becomes U+FFFD; \u0000 is written as a NUL byte, so a C string
 * reader sees the value end there. Raw bytes are copied as they are. 0;
 * FW_EINVAL not a string; FW_ENOMEM longer than outlen - 1 bytes. */
int fw_json_span_str(const struct fw_json_span *v, char *out, size_t outlen);
/* A string value for display: the text between the quotes with every escape
 * kept as written (\n, \u001b stay six harmless characters, never a control
 * byte), except \" \\ \/, which become the character they name. The result is
 * never longer than v->len - 2, so a span-sized buffer always fits. Same
 * returns as fw_json_span_str(). */
int fw_json_span_escaped(const struct fw_json_span *v, char *out, size_t outlen);
/* Integer numbers only (no fraction or exponent) in the type's range; 0 or
 * FW_EINVAL. */
int fw_json_span_i64(const struct fw_json_span *v, int64_t *out);
int fw_json_span_u64(const struct fw_json_span *v, uint64_t *out);
/* Any number whose value is finite as a double; 0 or FW_EINVAL. */
int fw_json_span_double(const struct fw_json_span *v, double *out);
/* true or false; 0 or FW_EINVAL. */
int fw_json_span_bool(const struct fw_json_span *v, bool *out);

/* fw_json_get() then the span function of the same name; the first error wins.
 * Outputs are left untouched on error, except that strings are "". */
int fw_json_get_str(const char *json, size_t len, const char *path, char *out, size_t outlen);
int fw_json_get_escaped(const char *json, size_t len, const char *path, char *out,
                        size_t outlen);
int fw_json_get_i64(const char *json, size_t len, const char *path, int64_t *out);
int fw_json_get_u64(const char *json, size_t len, const char *path, uint64_t *out);
int fw_json_get_double(const char *json, size_t len, const char *path, double *out);
int fw_json_get_bool(const char *json, size_t len, const char *path, bool *out);

#endif
