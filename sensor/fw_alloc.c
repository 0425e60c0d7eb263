/* sensor/fw_alloc.c: overflow-checked allocation. */
#include "fw_alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void *fw_calloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    return calloc(n ? n : 1, size ? size : 1);
}

void *fw_malloc(size_t size)
{
    return malloc(size ? size : 1);
}

void *fw_reallocarray(void *p, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    return realloc(p, (n && size) ? n * size : 1);
}

char *fw_strdup(const char *s)
{
    return s ? fw_strndup(s, strlen(s)) : NULL;
}

char *fw_strndup(const char *s, size_t len)
{
    char *d;

    if (!s || len == SIZE_MAX)
        return NULL;
    d = malloc(len + 1);
    if (!d)
        return NULL;
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

void fw_free(void *p)
{
    free(p);
}
