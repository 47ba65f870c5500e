// node_server.js - a loopback WebSocket server on node's `ws` (Debian's
// nodejs and node-ws: an implementation we did not write), for tests/headers.c.
//
// usage: NODE_PATH=/usr/share/nodejs node node_server.js [--tls CERT KEY]
//
// Prints "PORT n" once it listens on 127.0.0.1. By request path:
//   /origin   upgrades only a request whose Origin is http://good.example
//             (ws's verifyClient); any other, or none, is refused with 403
//   /silent   stop reading the socket: pings go unanswered (a dead server)
//   /pings    echo, but answer "count" with the number of pings received
//   others    send the request headers as ws received them, one
//             "Name: value" a line, in their order, then echo
'use strict';
const fs = require('fs');
const http = require('http');
const https = require('https');
const { WebSocketServer } = require('ws');

const args = process.argv.slice(2);
let server;
if (args[0] === '--tls') {
    server = https.createServer({ cert: fs.readFileSync(args[1]), key: fs.readFileSync(args[2]) });
} else {
    server = http.createServer();
}

function verifyClient(info, done) {
    if (info.req.url.split('?')[0] === '/origin' && info.origin !== 'http://good.example') {
        done(false, 403, 'Origin not allowed');
        return;
    }
    done(true);
}

const wss = new WebSocketServer({ server, verifyClient, perMessageDeflate: false });
wss.on('connection', (ws, req) => {
    const route = req.url.split('?')[0];
    if (route === '/silent') { ws._socket.pause(); return; }
    if (route === '/pings') {
        let pings = 0;
        ws.on('ping', () => { pings++; }); // ws answers each ping itself
        ws.on('message', (data, binary) => ws.send(!binary && data.toString() === 'count' ? String(pings) : data, { binary: binary && data.toString() !== 'count' }));
        return;
    }
    const lines = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
    ws.send(lines.join('\n'));
    ws.on('message', (data, binary) => ws.send(data, { binary }));
});

server.listen(0, '127.0.0.1', () => console.log(`PORT ${server.address().port}`));
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
