/* sensor/fw_buf.h: a growable byte buffer and JSON writing helpers.
 *
 * Records (flow, alert) and Redis payloads are built here. Everything that came
 * from a packet goes through fw_buf_json_str(), which escapes quotes,
 * backslashes, control bytes and invalid UTF-8 (as \u00XX of each byte), so the
 * output is valid JSON for any input bytes. A buffer belongs to one thread.
 * On allocation failure the buffer is marked failed and later appends do nothing.
 */
#ifndef FW_BUF_H
#define FW_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fw_buf {
    char *data;             /* NUL-terminated when len < cap */
    size_t len;
    size_t cap;
    bool failed;            /* sticky: an append could not allocate */
};

void fw_buf_init(struct fw_buf *b);
void fw_buf_free(struct fw_buf *b);
void fw_buf_reset(struct fw_buf *b);
void fw_buf_append(struct fw_buf *b, const void *p, size_t n);
void fw_buf_puts(struct fw_buf *b, const char *s);
void fw_buf_putc(struct fw_buf *b, char c);
void fw_buf_printf(struct fw_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append n bytes of s as a quoted, escaped JSON string. */
void fw_buf_json_strn(struct fw_buf *b, const char *s, size_t n);
void fw_buf_json_str(struct fw_buf *b, const char *s);
/* "key": prefix, with a comma first unless the buffer ends with '{' or '['. */
void fw_buf_json_key(struct fw_buf *b, const char *key);
void fw_buf_json_kv_str(struct fw_buf *b, const char *key, const char *val);
void fw_buf_json_kv_u64(struct fw_buf *b, const char *key, uint64_t val);
void fw_buf_json_kv_i64(struct fw_buf *b, const char *key, int64_t val);
void fw_buf_json_kv_double(struct fw_buf *b, const char *key, double val);
void fw_buf_json_kv_bool(struct fw_buf *b, const char *key, bool val);

#endif
