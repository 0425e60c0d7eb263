/* sensor/cap_mmap.h: classic pcap files read in place through mmap.
 *
 * libpcap reads a savefile through stdio: every record is copied by the
 * kernel into the stdio buffer and again by fread() into libpcap's buffer,
 * about a fifth of the capture thread's time on a million packets. This
 * reader maps the file in windows and hands out pointers into the mapping,
 * so a record is never copied before decode reads it.
 *
 * It is only a faster path for files libpcap has already opened and
 * checked: cap_source opens every file with libpcap (header, version, link
 * type, snapshot, BPF), and uses this reader only for the plain case it
 * reproduces exactly: a classic pcap file (micro- or nanosecond magic, either
 * byte order, version 2.4) of a link type that libpcap hands out untouched
 * (cap_mmap_plain_link: no pseudo-header fix-ups, the usual 256 KiB record
 * limit), read without a BPF filter. Records give the same caplen, length and time stamp
 * (nanoseconds scaled down to microseconds) as pcap_next_ex(), a record
 * longer than the snapshot is cut to it, and a damaged file ends with the
 * same error text libpcap gives. pcapng and anything unusual stay on
 * libpcap. The file is mapped a window of CAP_MMAP_WINDOW bytes at a time,
 * unmapped as reading moves on, so at most one window of file pages counts in
 * the process's RSS (4 MiB: larger windows were no faster, and 64 MiB showed
 * as +44 MiB of peak RSS in tests/e2e/test_flood.sh). Owned by the capture
 * thread.
 */
#ifndef CAP_MMAP_H
#define CAP_MMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CAP_MMAP_WINDOW (4u << 20)     /* bounds the file pages counted in RSS */
#define CAP_MMAP_MAX_CAPLEN 262144u     /* libpcap's MAXIMUM_SNAPLEN */

struct cap_mmap {
    int fd;
    uint64_t size;              /* file size */
    uint64_t off;               /* file offset of the next record header */
    const uint8_t *win;         /* mapping of [win_off, win_off + win_len), or NULL */
    uint64_t win_off;
    size_t win_len;
    size_t window;              /* bytes mapped at a time (CAP_MMAP_WINDOW; tests shrink it) */
    bool swapped;               /* file written in the other byte order */
    bool nsec;                  /* nanosecond time stamps */
    uint32_t snapshot;          /* libpcap's (adjusted) snapshot length */
    char err[160];              /* why the last cap_mmap_next() failed */
};

struct cap_mmap_rec {
    const uint8_t *data;        /* into the mapping: valid until the next call */
    uint32_t caplen;
    uint32_t len;
    uint64_t ts_us;
};

/* Open path for reading in place when it is a classic pcap file of the plain
 * kind described above; snapshot and dlt are pcap_snapshot() and
 * pcap_datalink() of libpcap's handle on the same file. 0 when usable;
 * FW_EUNSUPP (use libpcap) or FW_EIO otherwise, with m closed. */
int cap_mmap_open(struct cap_mmap *m, const char *path, uint32_t snapshot, int dlt);
/* Does libpcap 1.10 give this link type's records exactly as stored? Not
 * when it byte-swaps a pseudo-header of a file from the other byte order
 * (Linux cooked, pflog, USB, NFLOG), patches a length (memory-mapped USB) or
 * allows longer records than 256 KiB (D-Bus, USBPcap, EBHSCR); a link type
 * not listed is left to libpcap, whatever a later libpcap does with it. */
bool cap_mmap_plain_link(int dlt, bool swapped);
/* Next record: 1 with *r filled, 0 at the end of the file, FW_EPARSE when the
 * rest of the file is damaged (m->err says why, as libpcap would). */
int cap_mmap_next(struct cap_mmap *m, struct cap_mmap_rec *r);
void cap_mmap_close(struct cap_mmap *m);

#endif
