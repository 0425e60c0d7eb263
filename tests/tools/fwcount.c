/* tests/tools/fwcount.c: packets per capture as the sensor reads them.
 *
 *   fwcount FILE...   ->  one line per file: "<packets> <path>" ("ERR <path>: why"
 *                         when it cannot be opened)
 *
 * Uses the sensor's own capture source (cap_source), so the figure is what
 * `finwatch sensor -r` counts, in one process for hundreds of files (the e2e
 * test compares it with the capinfos counts of ../shared/pcaps/MANIFEST.md).
 */
#include <inttypes.h>
#include <stdio.h>

#include "cap_source.h"

int main(int argc, char **argv)
{
    int i;

    if (argc < 2) {
        fprintf(stderr, "usage: fwcount FILE...\n");
        return 2;
    }
    for (i = 1; i < argc; i++) {
        char err[512] = "";
        struct cap_source *s = cap_source_open_offline(argv[i], NULL, err, sizeof(err));
        struct cap_frame f;
        uint64_t n = 0;

        if (!s) {
            printf("ERR %s: %s\n", argv[i], err);
            continue;
        }
        while (cap_source_next(s, &f) == 1)
            n++;
        printf("%" PRIu64 " %s\n", n, argv[i]);
        cap_source_close(s);
    }
    return 0;
}
