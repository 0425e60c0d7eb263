/* sensor/wrk_watch.h: notices when rule files change (rules.reload: watch).
 *
 * Polls a fingerprint (names, sizes, modification times) of every file under
 * the rule paths. Polling every couple of seconds is cheap for a few hundred
 * files, works on every filesystem (inotify misses NFS and bind-mount edits)
 * and a rename-into-place by an editor or a config manager is seen the same.
 * Owned by the analyzer thread.
 */
#ifndef WRK_WATCH_H
#define WRK_WATCH_H

#include <stdbool.h>
#include <stddef.h>

struct wrk_watch;

/* paths borrowed; they must outlive the watch. NULL on allocation failure. */
struct wrk_watch *wrk_watch_create(const char *const *paths, size_t npaths);
void wrk_watch_destroy(struct wrk_watch *w);
/* True once per change since the previous call (or creation). */
bool wrk_watch_changed(struct wrk_watch *w);

#endif
