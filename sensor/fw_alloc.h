/* sensor/fw_alloc.h: allocation wrappers that check n * size for overflow.
 *
 * Every allocation in the project goes through these so that an overflowing
 * count can never produce a short buffer. They return NULL on failure; they
 * never abort. Thread-safe (they only call the C library).
 */
#ifndef FW_ALLOC_H
#define FW_ALLOC_H

#include <stddef.h>

void *fw_calloc(size_t n, size_t size);
void *fw_malloc(size_t size);
/* Resize *p to n elements of size bytes; on failure *p is untouched. */
void *fw_reallocarray(void *p, size_t n, size_t size);
/* Copy of s (NULL gives NULL); caller owns it. */
char *fw_strdup(const char *s);
/* Copy of the first len bytes of s plus a NUL; caller owns it. */
char *fw_strndup(const char *s, size_t len);
void fw_free(void *p);

#endif
