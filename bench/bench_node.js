// bench_node.js - node's `ws` under the same contract as bench_client.c
// (bench/bench_common.h): same flags, same window, same result lines.
//   NODE_PATH=/usr/share/nodejs node bench/bench_node.js --url wss://127.0.0.1:PORT/
//       --cafile ca.pem --mode rtt|stream|connect|idle --size BYTES --count N
//       [--resume 0|1] [--window BYTES] [--verify]
'use strict';
const fs = require('fs');
const WebSocket = require('ws');

const a = { url: '', cafile: '', mode: 'rtt', size: 16, count: 1, resume: 0, window: 4 << 20, verify: false };
for (let i = 2; i < process.argv.length; i++) {
    const k = process.argv[i];
    if (k === '--verify') { a.verify = true; continue; }
    const v = process.argv[++i];
    if (k === '--url') a.url = v;
    else if (k === '--cafile') a.cafile = v;
    else if (k === '--mode') a.mode = v;
    else if (k === '--size') a.size = +v;
    else if (k === '--count') a.count = +v;
    else if (k === '--resume') a.resume = +v;
    else if (k === '--window') a.window = +v;
    else if (k === '--read') { /* bench_client's own flag */ }
    else { console.error('bench_node: unknown flag ' + k); process.exit(2); }
}
const ca = a.cafile ? fs.readFileSync(a.cafile) : undefined;
const opts = { ca, perMessageDeflate: false, maxPayload: 0 };
const payload = Buffer.alloc(a.size);
for (let i = 0; i < a.size; i++) payload[i] = (i * 131 + 7) & 255;
let window = Math.floor(a.window / (a.size || 1));
window = Math.max(4, Math.min(1024, window));
if (a.mode === 'rtt') window = 1;

let t0, c0;
const start = () => { t0 = process.hrtime.bigint(); c0 = process.cpuUsage(); };
function result(msgs, bytes) {
    const s = Number(process.hrtime.bigint() - t0) / 1e9 || 1e-9;
    const c = process.cpuUsage(c0);
    console.log(`result mode=${a.mode} msgs=${msgs} bytes=${bytes} seconds=${s.toFixed(6)} msgs_per_s=${(msgs / s).toFixed(1)} MBps=${(bytes / s / 1e6).toFixed(2)}`);
    console.log(`cpu seconds=${((c.user + c.system) / 1e6).toFixed(6)}`);
    console.log(`rss max_kb=${Math.round(process.resourceUsage().maxRSS)}`);
}
const die = (what) => (e) => { console.error('bench_node: ' + what + ': ' + (e && e.message || e)); process.exit(1); };

function transfer() {
    const ws = new WebSocket(a.url, opts);
    ws.on('error', die('socket'));
    ws.on('open', () => {
        let sent = 0, got = 0;
        const fill = () => { while (sent < a.count && sent - got < window) { ws.send(payload, { binary: true }); sent++; } };
        ws.on('message', (m, isBinary) => {
            if (!isBinary || m.length !== a.size || (a.verify && !m.equals(payload))) die('echo mismatch')('');
            if (++got === a.count) { result(a.count, a.count * a.size); ws.close(); return; }
            fill();
        });
        start();
        fill();
    });
}

function connect() {
    let i = -1; // connect -1: before the clock, as every client makes one
    const one = () => {
        if (i === 0) start();
        if (i++ === a.count) { result(a.count, 0); if (a.url.startsWith('wss:')) console.log('resume=unsupported'); return; }
        const ws = new WebSocket(a.url, opts);
        ws.on('error', die('connect'));
        ws.on('open', () => ws.close());
        ws.on('close', one);
    };
    one();
}

function idle() {
    const rss = () => Math.round(process.memoryUsage().rss / 1024);
    const base = rss(), all = [];
    let open = 0;
    for (let i = 0; i < a.count; i++) {
        const ws = new WebSocket(a.url, opts);
        all.push(ws);
        ws.on('error', die('connect'));
        ws.on('open', () => {
            if (++open < a.count) return;
            const now = rss();
            console.log(`idle conns=${a.count} base_kb=${base} rss_kb=${now} per_conn_kb=${((now - base) / a.count).toFixed(1)}`);
            console.log(`rss max_kb=${Math.round(process.resourceUsage().maxRSS)}`);
            all.forEach((w) => w.terminate());
        });
    }
}

if (a.mode === 'connect') connect(); else if (a.mode === 'idle') idle(); else transfer();
