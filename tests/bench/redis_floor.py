#!/usr/bin/env python3
"""tests/bench/redis_floor.py: what Redis itself spends per alert, by write pattern.

The writer's throughput target (100k alert-equivalent records/s) is bounded by
redis-server's CPU, not by the client. This measures the server's CPU seconds
(INFO cpu) for 50 000 alerts of the bench's shape (10 stream fields, ~1 KB JSON)
written in several ways, 256 per round trip: finwatch's transaction (as
dashboard-export/rdx_writer.c sends it: WATCH of the stream + HMGET of the
markers in their day's hash, replies read, then MULTI, XADD per new alert,
one HSET of the markers and EXPIRE, EXEC), the Lua
batch script the writer used before (MGET of the markers, XADD + SET per new
alert; kept here for comparison), a script with XADD only (no
deduplication), MULTI/EXEC with XADD + a SET per marker key (the layout before
the day hashes) and no check, plain pipelined
XADD, and PUBLISH only; then WATCH + UNWATCH of every marker: the writer
watches one key, because Redis 7.0 compares each watched key with the
client's other watched keys, which made watching 256 markers cost ~2.5 us per
alert (and 1024 markers ~7.6 us). The difference
between the first and plain XADD is the price of exactly-once; plain XADD is
the floor of any layout that keeps one stream entry per alert. Usage:
python3 tests/bench/redis_floor.py (starts its own redis-server on a free
loopback port; docs/performance.md).
"""
import os, socket, subprocess, sys, tempfile, time

def free_port():
    s = socket.socket(); s.bind(('127.0.0.1', 0)); p = s.getsockname()[1]; s.close(); return p

# The batch script finwatch used before the transaction (rdx_alert_batch_script).
S_LUA_BATCH = """local out, a, stop, done = {}, 3, nil, {}
local seen = redis.call('MGET', unpack(KEYS, 2))
for k = 2, #KEYS do
  local n = tonumber(ARGV[a])
  if stop then
    out[k - 1] = stop
  elseif seen[k - 1] or done[KEYS[k]] then
    out[k - 1] = false
  else
    local id = redis.pcall('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*',
                           unpack(ARGV, a + 1, a + n))
    if type(id) == 'table' then
      stop = id
    else
      redis.call('SET', KEYS[k], id, 'EX', ARGV[2])
      done[KEYS[k]] = true
    end
    out[k - 1] = id
  end
  a = a + n + 1
end
return out
"""

port = free_port()
tmp = tempfile.mkdtemp(prefix='fw-floor.')
srv = subprocess.Popen(['redis-server', '--port', str(port), '--bind', '127.0.0.1', '--save', '',
                        '--appendonly', 'no', '--dir', tmp], stdout=subprocess.DEVNULL)
for _ in range(50):
    try:
        socket.create_connection(('127.0.0.1', port)).close(); break
    except OSError:
        time.sleep(0.1)
def enc(*args):
    out = [b'*%d\r\n' % len(args)]
    for a in args:
        if isinstance(a, str): a = a.encode()
        elif isinstance(a, int): a = str(a).encode()
        out.append(b'$%d\r\n%s\r\n' % (len(a), a))
    return b''.join(out)
class C:
    def __init__(s):
        s.s = socket.create_connection(('127.0.0.1', port)); s.f = s.s.makefile('rb')
    def send(s, data): s.s.sendall(data)
    def read(s):
        l = s.f.readline()
        t = l[:1]
        if t in b'+-:': return l[1:-2]
        if t == b'$':
            n = int(l[1:-2]); 
            if n < 0: return None
            d = s.f.read(n + 2); return d[:-2]
        if t == b'*':
            n = int(l[1:-2]); return [s.read() for _ in range(max(n,0))]
    def cmd(s, *a): s.send(enc(*a)); return s.read()
c = C()
def cpu():
    info = c.cmd('INFO', 'cpu').decode()
    d = dict(l.split(':') for l in info.split('\r\n') if ':' in l)
    return float(d['used_cpu_user']) + float(d['used_cpu_sys'])
N = 50000; B = 256
json = '{"x":"' + 'a' * 900 + '"}'
def fields(i):
    return ['id', 'b%07d' % i, 'ts', '2026-11-23T19:25:17.123456Z', 'sensor', 's1', 'rule', 'FW-BENCH-%03d' % (i % 50),
            'severity', '50', 'score', '5', 'analyzer', 'scan', 'src', '10.20.1.%d' % (i % 250), 'dst', '10.10.0.9', 'json', json]
S_XONLY = """local a = 3
for k = 2, #KEYS do local n = tonumber(ARGV[a]); redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', unpack(ARGV, a + 1, a + n)); a = a + n + 1 end
return 1"""
def run(name, build, show=True):
    c.cmd('FLUSHALL'); c.cmd('CONFIG', 'RESETSTAT')
    t0 = cpu(); w0 = time.time()
    for base in range(0, N, B):
        n = min(B, N - base)
        for data, nrep in build(base, n):     # one round trip each
            c.send(data)
            for _ in range(nrep): c.read()
    t1 = cpu()
    if show: print('redis_floor: %-22s server cpu %.3f s = %.1f us/alert  (xlen %s)' % (name, t1 - t0, (t1 - t0) / N * 1e6, c.cmd('XLEN', 'fw:alerts')))
def marker(i): return 'fw:alert:b%07d' % i
def xadd_set(i, now):
    return (enc('XADD', 'fw:alerts', 'MAXLEN', '~', '100000', '*', *fields(i)) +
            enc('SET', marker(i), now, 'EX', '604800'))
def b_tx(base, n):
    """finwatch's transaction: the check is its own round trip (the writer waits
    for the HMGET before it formats the writes); markers are fields of a hash
    per day of the alerts."""
    bucket = 'fw:alerts:seen:2026-11-23'
    ids = ['b%07d' % i for i in range(base, base + n)]
    yield enc('WATCH', 'fw:alerts') + enc('HMGET', bucket, *ids), 2
    now = str(int(time.time() * 1000))
    hs = []
    for f in ids: hs += [f, now]
    yield (enc('MULTI') + b''.join(enc('XADD', 'fw:alerts', 'MAXLEN', '~', '100000', '*', *fields(i))
                                   for i in range(base, base + n))
           + enc('HSET', bucket, *hs) + enc('EXPIRE', bucket, '604800') + enc('EXEC')), n + 4
def b_script(script):
    def b(base, n):
        keys = ['fw:alerts'] + ['fw:alert:b%07d' % i for i in range(base, base + n)]
        argv = ['100000', '604800']
        for i in range(base, base + n):
            f = fields(i); argv.append(str(len(f))); argv += f
        yield enc('EVAL', script, str(len(keys)), *keys, *argv), 1
    return b
def b_multi(base, n):
    now = str(int(time.time() * 1000))
    yield enc('MULTI') + b''.join(xadd_set(i, now) for i in range(base, base + n)) + enc('EXEC'), 2 * n + 2
def b_watch(base, n):
    keys = [marker(i) for i in range(base, base + n)]
    yield enc('WATCH', *keys) + enc('UNWATCH'), 2
def b_plain(base, n):
    yield b''.join(enc('XADD', 'fw:alerts', 'MAXLEN', '~', '100000', '*', *fields(i)) for i in range(base, base + n)), n
def b_pub(base, n):
    yield b''.join(enc('PUBLISH', 'fw:live', '{"id":"b%07d","rule":"FW-X","severity":50,"src":"10.0.0.1"}' % i) for i in range(base, base + n)), n
run('warm-up', b_multi, show=False)    # the first run pays for the server's memory growth
for name, b in [("finwatch's transaction", b_tx), ('lua batch (before)', b_script(S_LUA_BATCH)),
                ('lua xadd only', b_script(S_XONLY)), ('multi xadd+set', b_multi),
                ('plain xadd', b_plain), ('publish only', b_pub), ('watch every marker', b_watch)]:
    run(name, b)
srv.terminate(); srv.wait()
subprocess.call(['rm', '-rf', tmp])
