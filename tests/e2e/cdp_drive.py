# Drive headless Chromium over the DevTools protocol (a minimal WebSocket
# client, standard library only): open the page, wait for the map and the live
# stream, PUBLISH an alert, wait for it in the feed, take screenshots.
import base64, json, os, shutil, socket, struct, subprocess, sys, tempfile, time, urllib.request

mode, url, redis_port, outdir = sys.argv[1:5]
profile = tempfile.mkdtemp(prefix='fw-chrome.')      # fresh: no stale DevToolsActivePort
chrome = subprocess.Popen(
    ['/usr/bin/chromium', '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
     '--no-first-run', '--disable-background-networking', '--disable-component-update',
     '--disable-sync', '--user-data-dir=' + profile, '--remote-debugging-port=0',
     '--window-size=1366,768', 'about:blank'],
    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
results = {}

def say(ok, what):
    print(('ok - ' if ok else 'not ok - ') + what, flush=True)

class WS:
    def __init__(self, wsurl):
        hostport, path = wsurl[len('ws://'):].split('/', 1)
        host, port = hostport.split(':')
        self.s = socket.create_connection((host, int(port)), timeout=20)
        key = base64.b64encode(os.urandom(16)).decode()
        self.s.sendall(('GET /%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n'
                        'Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n'
                        'Sec-WebSocket-Version: 13\r\n\r\n' % (path, hostport, key)).encode())
        buf = b''
        while b'\r\n\r\n' not in buf:
            buf += self.s.recv(4096)
        self.rest = buf.split(b'\r\n\r\n', 1)[1]
        self.next_id = 0

    def _recv(self, n):
        while len(self.rest) < n:
            chunk = self.s.recv(1 << 16)
            if not chunk:
                raise EOFError('devtools closed')
            self.rest += chunk
        out, self.rest = self.rest[:n], self.rest[n:]
        return out

    def send(self, method, **params):
        self.next_id += 1
        data = json.dumps({'id': self.next_id, 'method': method, 'params': params}).encode()
        mask = os.urandom(4)
        hdr = bytes([0x81])
        if len(data) < 126:
            hdr += bytes([0x80 | len(data)])
        elif len(data) < 65536:
            hdr += bytes([0x80 | 126]) + struct.pack('>H', len(data))
        else:
            hdr += bytes([0x80 | 127]) + struct.pack('>Q', len(data))
        self.s.sendall(hdr + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))
        want = self.next_id
        while True:
            msg = self.frame()
            if msg.get('id') == want:
                if 'error' in msg:
                    raise RuntimeError('%s: %s' % (method, msg['error']))
                return msg.get('result', {})

    def frame(self):
        payload = b''
        while True:
            b0, b1 = self._recv(2)
            n = b1 & 0x7f
            if n == 126:
                n = struct.unpack('>H', self._recv(2))[0]
            elif n == 127:
                n = struct.unpack('>Q', self._recv(8))[0]
            payload += self._recv(n)
            if b0 & 0x80:
                break
        return json.loads(payload.decode('utf-8', 'replace')) if (b0 & 0x0f) in (0, 1) else {}

def js(ws, expr):
    r = ws.send('Runtime.evaluate', expression=expr, returnByValue=True, awaitPromise=True)
    return r.get('result', {}).get('value')

def wait_for(ws, expr, seconds):
    end = time.time() + seconds
    while time.time() < end:
        if js(ws, expr):
            return True
        time.sleep(0.2)
    return False

def shot(ws, name, w, h):
    ws.send('Emulation.setDeviceMetricsOverride', width=w, height=h, deviceScaleFactor=1,
            mobile=False)
    time.sleep(0.8)
    png = base64.b64decode(ws.send('Page.captureScreenshot', format='png')['data'])
    with open(os.path.join(outdir, name), 'wb') as f:
        f.write(png)
    return len(png)

try:
    portfile = os.path.join(profile, 'DevToolsActivePort')
    for _ in range(100):
        if os.path.exists(portfile) and open(portfile).read().count('\n') >= 1:
            break
        time.sleep(0.1)
    port = open(portfile).read().split('\n')[0]
    for _ in range(50):
        try:
            targets = json.load(urllib.request.urlopen('http://127.0.0.1:%s/json/list' % port))
            break
        except OSError:
            time.sleep(0.1)
    page = [t for t in targets if t.get('type') == 'page'][0]
    ws = WS(page['webSocketDebuggerUrl'])
    ws.send('Page.enable')
    ws.send('Emulation.setDeviceMetricsOverride', width=1366, height=768, deviceScaleFactor=1,
            mobile=False)
    ws.send('Page.navigate', url=url)
    ready = wait_for(ws, "document.body && document.body.dataset.mapLoaded === '1' && "
                         "document.body.dataset.live === 'open'", 15)
    if mode == 'shot':      # a screenshot of whatever the sensor wrote
        say(ready and shot(ws, 'dashboard-demo.png', 1366, 768) > 10000,
            'screenshot of the sensor demo data')
        sys.exit(0)
    say(ready, 'page loaded the map and opened the live stream')
    hosts = js(ws, "[...document.querySelectorAll('#map .host')].map(g => g.dataset.ip).join(' ')")
    say(ready and '10.1.0.5' in (hosts or ''), 'map shows host 10.1.0.5 (%s)' % hosts)
    crit = js(ws, "document.querySelector('#map .host[data-ip=\"10.1.0.5\"] circle')"
                  ".getAttribute('class')")
    say(crit == 'sev-critical', 'score 95.5 host is drawn critical (%s)' % crit)
    before = js(ws, "document.querySelectorAll('#feed li').length")
    alert = json.dumps({'id': 'e2e-live-1', 'ts': int(time.time()), 'rule': 'FW-E2E-LIVE',
                        'severity': 92, 'level': 'critical', 'src': '10.2.0.9',
                        'dst': '10.1.0.5', 'reason': 'published while the page was open'})
    subprocess.run(['redis-cli', '-p', redis_port, 'PUBLISH', 'fw:live', alert],
                   stdout=subprocess.DEVNULL, check=True)
    got = wait_for(ws, "!!document.querySelector('#feed li[data-rule=\"FW-E2E-LIVE\"]')", 10)
    say(got, 'alert PUBLISHed to fw:live appears in the feed without reload')
    reason = js(ws, "(document.querySelector('#feed li[data-rule=\"FW-E2E-LIVE\"] .reason')"
                    "||{}).textContent")
    say(reason == 'published while the page was open', 'live alert shows its reason')
    with open(os.path.join(outdir, 'dashboard-dom.html'), 'w') as f:
        f.write(js(ws, 'document.documentElement.outerHTML') or '')
    say(shot(ws, 'dashboard.png', 1366, 768) > 10000, 'screenshot at 1366x768')
    shot(ws, 'dashboard-wall.png', 2560, 1440)
    js(ws, "document.querySelector('#map .host[data-ip=\"10.1.0.5\"]')"
           ".dispatchEvent(new MouseEvent('click', {bubbles: true}))")
    panel = wait_for(ws, "document.querySelectorAll('#host-contrib tr').length > 0 && "
                         "!document.getElementById('host-panel').hidden", 10)
    say(panel, 'clicking a host opens its panel with score contributions')
    apps = js(ws, "document.getElementById('host-apps').textContent")
    say('SMBv23' in (apps or ''), 'host panel lists top apps (%s)' % apps)
    shot(ws, 'dashboard-host.png', 1366, 768)
except Exception as e:  # report as a failed check, not a traceback
    say(False, 'browser driver (%s): %s' % (mode, e))
finally:
    chrome.terminate()
    try:
        chrome.wait(10)
    except subprocess.TimeoutExpired:
        chrome.kill()
    shutil.rmtree(profile, ignore_errors=True)
