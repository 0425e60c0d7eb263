/* dashboard-export/dash_assets.h: the page's static files, compiled in.
 *
 * dashboard-export/embed_assets.sh turns the files of web/ into build/gen/dash_assets.c,
 * which defines the table below (the Makefile runs it), so the binary serves
 * its page without files to install and without any CDN. Read-only data; any
 * thread.
 */
#ifndef DASH_ASSETS_H
#define DASH_ASSETS_H

#include <stddef.h>

struct dash_asset {
    const char *name;               /* file name under web/, e.g. "app.js" */
    const char *content_type;       /* from the file extension */
    const unsigned char *bytes;     /* len bytes (plus a NUL not counted) */
    size_t len;
};

extern const struct dash_asset dash_assets[];
extern const size_t dash_assets_count;

/* The asset called name, or NULL. */
const struct dash_asset *dash_asset_find(const char *name);

#endif
