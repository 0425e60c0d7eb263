#!/usr/bin/env python3
"""tests/fuzz/seeds.py HARNESS OUTDIR CAPTURE...: seed corpus for one harness.

Reads classic pcap files (pcapng and damaged files are skipped) and writes what
the harness takes as input: fuzz_pkt one frame with a leading link-type byte
(enum pkt_link), fuzz_wrk_worker a few raw IP packets in its [len16][dt8] framing,
fuzz_meta_dns UDP/53 payloads, fuzz_meta_http/ssh/tls/fix the TCP payloads that
start like their protocol (fix: direction byte first). At most LIMIT seeds each,
deduplicated, so a corpus stays small enough to read in a few seconds.
"""
import hashlib
import os
import struct
import sys

LIMIT = 300
LINKS = {1: 0, 113: 1, 276: 2, 101: 3, 12: 3, 228: 4, 229: 5, 0: 6, 108: 7}


def records(path):
    try:
        b = open(path, "rb").read()
    except OSError:
        return
    if len(b) < 24 or b[:4] not in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4",
                                    b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d"):
        return
    e = "<" if b[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    link = struct.unpack(e + "I", b[20:24])[0] & 0xFFFF
    off = 24
    while off + 16 <= len(b):
        incl = struct.unpack(e + "I", b[off + 8:off + 12])[0]
        if incl > 262144 or off + 16 + incl > len(b):
            return
        yield link, b[off + 16:off + 16 + incl]
        off += 16 + incl


def ip_of(link, f):
    """The IP packet inside a frame, or None."""
    if link == 1:
        off, et = 12, None
        while off + 2 <= len(f):
            et = struct.unpack("!H", f[off:off + 2])[0]
            if et in (0x8100, 0x88A8):
                off += 4
                continue
            break
        return f[off + 2:] if et in (0x0800, 0x86DD) else None
    if link in (101, 12, 228, 229):
        return f
    if link == 113 and len(f) > 16:
        return f[16:]
    return None


def l4_of(ip):
    """(proto, sport, dport, payload) or None."""
    if len(ip) < 20:
        return None
    if ip[0] >> 4 == 4:
        hl = (ip[0] & 15) * 4
        proto, body = ip[9], ip[hl:struct.unpack("!H", ip[2:4])[0] or len(ip)]
        if struct.unpack("!H", ip[6:8])[0] & 0x1FFF:
            return None
    elif ip[0] >> 4 == 6 and len(ip) >= 40:
        proto, body = ip[6], ip[40:]
    else:
        return None
    if proto == 17 and len(body) >= 8:
        return proto, *struct.unpack("!HH", body[:4]), body[8:]
    if proto == 6 and len(body) >= 20:
        return proto, *struct.unpack("!HH", body[:4]), body[(body[12] >> 4) * 4:]
    return None


WANT = {
    "fuzz_meta_http": lambda p: p[:4] in (b"GET ", b"POST", b"HEAD", b"PUT ", b"HTTP"),
    "fuzz_meta_ssh": lambda p: p[:4] == b"SSH-",
    "fuzz_meta_tls": lambda p: len(p) > 5 and p[0] == 0x16 and p[1] == 3,
    "fuzz_meta_fix": lambda p: p[:6] == b"8=FIX.",
}


def seeds(name, caps):
    for cap in caps:
        n = 0
        for link, f in records(cap):
            n += 1
            if n > 2000:
                break
            if name in ("fuzz_pkt", "fuzz_decode"):
                if link in LINKS:
                    yield bytes([LINKS[link]]) + f
                continue
            ip = ip_of(link, f)
            if ip is None:
                continue
            if name == "fuzz_wrk_worker":
                yield struct.pack("!HB", len(ip), 1) + ip
                continue
            l4 = l4_of(ip)
            if not l4 or not l4[3]:
                continue
            proto, sp, dp, pay = l4
            if name == "fuzz_meta_dns" and proto == 17 and 53 in (sp, dp):
                yield pay
            elif name in WANT and proto == 6 and WANT[name](pay):
                yield (bytes([int(sp < dp)]) + pay) if name == "fuzz_meta_fix" else pay


def main():
    name, out, caps = sys.argv[1], sys.argv[2], sys.argv[3:]
    os.makedirs(out, exist_ok=True)
    seen, n = set(), 0
    for s in seeds(name, caps):
        h = hashlib.sha1(s).hexdigest()
        if h in seen:
            continue
        seen.add(h)
        with open(os.path.join(out, "seed-" + h[:16]), "wb") as f:
            f.write(s)
        n += 1
        if n >= LIMIT:
            break
    print("%s: %d seeds" % (name, n))


if __name__ == "__main__":
    main()
