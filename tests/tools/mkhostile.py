#!/usr/bin/env python3
"""tests/tools/mkhostile.py DIR: writes hostile capture files into DIR.

Each file breaks one assumption a capture reader might make (tests/e2e/
test_hostile.sh runs the sensor on every one: it must exit with a message, never
crash or hang). Prints one line per file: NAME<TAB>what it breaks<TAB>packets a
careful reader can still count (-1 = no fixed expectation).
"""
import os
import struct
import sys


def frame(i, payload=b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"):
    """An Ethernet/IPv4/TCP frame from 10.0.0.x to 10.10.0.1:80."""
    tcp = struct.pack("!HHIIBBHHH", 40000 + i % 1000, 80, i, 0, 5 << 4, 0x18, 65535, 0, 0)
    tot = 20 + len(tcp) + len(payload)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, tot, i & 0xFFFF, 0, 64, 6, 0,
                     bytes([10, 0, 0, 1 + i % 200]), bytes([10, 10, 0, 1]))
    eth = b"\x00\x11\x22\x33\x44\x55" + b"\x66\x77\x88\x99\xaa\xbb" + b"\x08\x00"
    return eth + ip + tcp + payload


def ghdr(snaplen=65535, linktype=1, magic=0xA1B2C3D4):
    return struct.pack("<IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)


def rec(data, sec=1700000000, usec=0, incl=None, orig=None):
    incl = len(data) if incl is None else incl
    orig = len(data) if orig is None else orig
    return struct.pack("<IIII", sec & 0xFFFFFFFF, usec & 0xFFFFFFFF, incl, orig) + data


def good(n, **kw):
    return b"".join(rec(frame(i), sec=1700000000 + i, **kw) for i in range(n))


def pcapng_block(btype, body):
    body += b"\x00" * (-len(body) % 4)
    ln = 12 + len(body)
    return struct.pack("<II", btype, ln) + body + struct.pack("<I", ln)


def pcapng(blocks_after_idb, shb_extra=b""):
    shb = pcapng_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1) + shb_extra)
    idb = pcapng_block(0x00000001, struct.pack("<HHI", 1, 0, 65535))
    return shb + idb + b"".join(blocks_after_idb)


def epb(data, ts_us=1700000000 * 1000000, caplen=None):
    caplen = len(data) if caplen is None else caplen
    body = struct.pack("<IIIII", 0, ts_us >> 32, ts_us & 0xFFFFFFFF, caplen, len(data)) + data
    return pcapng_block(0x00000006, body)


def files():
    g5 = good(5)
    yield "empty.pcap", "zero-byte file", b"", 0
    yield "header_only.pcap", "global header and no packets", ghdr(), 0
    yield "garbage.pcap", "not a capture at all", b"this is not a pcap file\n" * 20, 0
    yield "short_header.pcap", "global header cut at 10 bytes", ghdr()[:10], 0
    yield "truncated_record.pcap", "last record cut mid-packet", ghdr() + g5 + rec(frame(9))[:30], 5
    yield "truncated_header.pcap", "last record header cut", ghdr() + g5 + rec(frame(9))[:7], 5
    yield "huge_incl_len.pcap", "record header claims 4 GB", \
        ghdr() + g5 + rec(frame(9), incl=0xFFFFFFF0) + g5, 5
    yield "caplen_gt_snaplen.pcap", "records larger than the file's snaplen", \
        ghdr(snaplen=64) + g5, -1
    yield "incl_gt_orig.pcap", "captured length above the wire length", \
        ghdr() + b"".join(rec(frame(i), orig=20) for i in range(5)), -1
    yield "zero_length.pcap", "packets of zero captured bytes", \
        ghdr() + rec(b"") * 5 + rec(b"", orig=1500) * 5 + g5, -1
    yield "tiny_packets.pcap", "1..13 byte frames (shorter than Ethernet)", \
        ghdr() + b"".join(rec(frame(i)[:i]) for i in range(1, 14)), 13
    yield "absurd_ts.pcap", "timestamps 0, 2106, usec 999999999, going backwards", \
        ghdr() + rec(frame(1), sec=0) + rec(frame(2), sec=0xFFFFFFFF, usec=999999999) + \
        rec(frame(3), sec=1700000000) + rec(frame(4), sec=5) + \
        rec(frame(5), sec=0x7FFFFFFF, usec=0xFFFFFFFF), 5
    yield "bad_linktype.pcap", "unknown link type 0xBEEF", ghdr(linktype=0xBEEF) + g5, 0
    yield "snaplen_zero.pcap", "global header snaplen 0", ghdr(snaplen=0) + g5, -1
    yield "pcapng_unknown_blocks.pcapng", "unknown and custom blocks between packets", \
        pcapng([epb(frame(1)), pcapng_block(0x0BADBEEF, b"\xde\xad" * 10), epb(frame(2)),
                pcapng_block(0x00000BAD, b"custom"), epb(frame(3))]), 3
    yield "pcapng_bad_block_len.pcapng", "block whose length is not a multiple of 4", \
        pcapng([epb(frame(1))]) + struct.pack("<II", 0x0BADBEEF, 13) + b"x" * 20, -1
    yield "pcapng_huge_block.pcapng", "block that claims 2 GB", \
        pcapng([epb(frame(1))]) + struct.pack("<II", 6, 0x7FFFFFF0) + b"\x00" * 64, -1
    yield "pcapng_caplen_lies.pcapng", "EPB caplen larger than its block", \
        pcapng([epb(frame(1)), epb(frame(2), caplen=60000), epb(frame(3))]), -1
    yield "pcapng_no_idb.pcapng", "packet block before any interface", \
        pcapng_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)) + epb(frame(1)), -1


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out, exist_ok=True)
    for name, what, data, want in files():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        print("%s\t%s\t%d" % (name, what, want))


if __name__ == "__main__":
    main()
