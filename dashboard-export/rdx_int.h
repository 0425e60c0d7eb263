/* dashboard-export/rdx_int.h: hiredis access shared by rdx_*.c only.
 *
 * STYLE rule 16: only rdx_* include <hiredis.h>; this private header is how
 * rdx_writer.c reaches the context rdx_conn.c owns. Exporter thread only.
 */
#ifndef RDX_INT_H
#define RDX_INT_H

#include <stdbool.h>

#include <hiredis.h>

#include "rdx_conn.h"

/* The live context, or NULL when down. Borrowed: valid until the next
 * rdx_conn_ensure()/rdx_conn_fail(). */
redisContext *rdx_conn_ctx(struct rdx_conn *c);
/* True when ctx failed because a read or write hit the socket timeout. */
bool rdx_ctx_timed_out(const redisContext *ctx);

#endif
