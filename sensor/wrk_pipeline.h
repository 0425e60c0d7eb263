/* sensor/wrk_pipeline.h: the running sensor — threads, rings, signals, summary.
 *
 *   capture+decode (calling thread) --ring/worker--> N workers (flows, nDPI, meta)
 *     --ring/worker--> analyzer thread (zones, rules, detectors, scores)
 *     --ring--> exporter thread (JSON lines, aggregator, Redis, spool)
 *
 * The capture thread decodes (it needs the 5-tuple to pick a worker, and owns
 * fragment reassembly) and copies the IP packet into the chosen worker's ring.
 * Reading a file applies back-pressure (nothing is lost); a live capture never
 * waits on a full worker ring: the packet is dropped and counted. Reading a
 * capture runs exactly the same path as a live interface.
 * wrk_pipeline_run() is called once per process from the main thread.
 */
#ifndef WRK_PIPELINE_H
#define WRK_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>

#include "fw_config.h"

struct wrk_pipeline_opts {
    const char *read_path;      /* -r FILE|DIR, or NULL */
    const char *iface;          /* -i IFACE, or NULL */
    bool progress;              /* --progress (only drawn when stderr is a terminal) */
    bool summary;               /* print the one-line summary at the end */
    const char *drop_user;      /* -u USER: drop root after opening the capture */
};

struct wrk_pipeline_summary {
    uint64_t packets, bytes, flows, alerts;
    uint64_t decode_errors;     /* truncated + malformed */
    uint64_t drops;             /* kernel + ring-full drops */
    double seconds, pps;
    int exit_code;
};

/* Run the sensor until end of input or SIGINT/SIGTERM. cfg is read-only from
 * here on. Returns 0, or a negative FW_E* for a startup failure (already logged). */
int wrk_pipeline_run(const struct fw_config *cfg, const struct wrk_pipeline_opts *o,
                     struct wrk_pipeline_summary *sum);

#endif
