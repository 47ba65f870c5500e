#!/usr/bin/python3
"""Loopback servers for tests/reconnect.c (automatic reconnect), built on
Debian's python3-websockets (an implementation not ours).

usage: reconnect_server.py CERT KEY
Listens on 127.0.0.1: PLAIN and TLS (CERT, KEY), and GATE, a plain listener
that can be stopped and started again on the same port. Prints "PORT NAME n"
for each, then "READY".

Behaviour by request path (PLAIN and TLS):
  /close?code=N          accept, send "hello", close with code N, reason "bye"
  /drop                  accept, then drop the TCP connection (no close frame: 1006)
  /bad-frame             accept, then send a frame with reserved bits set (the
                         client fails it with 1002)
  /status?id=X&code=N&fail=K&retry=R   the first K upgrades of id X are refused
                         with status N (Retry-After: R when given; R "date+S":
                         an HTTP date S seconds ahead); later ones are accepted
  /once?id=X&code=N      the first upgrade of id X: accept, close with code N;
                         later ones: hold the upgrade 30 s unanswered (a connect
                         attempt under way)
  /gate?open=0|1         accept, stop (0: its connections dropped with 1001,
                         new ones refused) or start (1) the GATE listener, send "ok"
  anything else          accept, send "hello", then echo
GATE: accept, send "gate", then echo.
"""
import asyncio
import email.utils
import http
import socket
import ssl
import sys
import time
import urllib.parse

import websockets

COUNTS = {}
GATE = {"server": None, "port": 0}


def query_of(path):
    url = urllib.parse.urlsplit(path)
    return url.path, {k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()}


async def process_request(path, headers):
    route, q = query_of(path)
    if route == "/status":
        key = q.get("id", "")
        COUNTS[key] = COUNTS.get(key, 0) + 1
        if COUNTS[key] <= int(q.get("fail", "1")):
            extra = []
            retry = q.get("retry")
            if retry is not None and retry.startswith("date+"):
                retry = email.utils.formatdate(time.time() + int(retry[5:]), usegmt=True)
            if retry is not None:
                extra.append(("Retry-After", retry))
            return (http.HTTPStatus(int(q.get("code", "503"))), extra + [("Content-Length", "4")], b"busy")
    if route == "/once":
        key = "once-" + q.get("id", "")
        COUNTS[key] = COUNTS.get(key, 0) + 1
        if COUNTS[key] > 1:
            await asyncio.sleep(30)
    return None


async def handler(ws, path):
    route, q = query_of(path)
    if route == "/close" or route == "/once":
        await ws.send("hello")
        await ws.close(int(q.get("code", "1000")), "bye")
        return
    if route == "/drop":
        ws.transport.abort()
        return
    if route == "/bad-frame":
        ws.transport.write(b"\xf1\x00")  # FIN, RSV1-3 set, text, empty
        await asyncio.sleep(2)
        return
    if route == "/gate":
        if q.get("open") == "0" and GATE["server"]:
            GATE["server"].close()
            await GATE["server"].wait_closed()
            GATE["server"] = None
        elif q.get("open") == "1" and not GATE["server"]:
            GATE["server"] = await start_gate(GATE["port"])
        await ws.send("ok")
    else:
        await ws.send("hello")
    async for message in ws:
        await ws.send(message)


async def gate_handler(ws, path):
    await ws.send("gate")
    async for message in ws:
        await ws.send(message)


def listener(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(128)
    s.setblocking(False)
    return s


async def start_gate(port):
    s = listener(port)
    GATE["port"] = s.getsockname()[1]
    return await websockets.serve(gate_handler, sock=s, compression=None, ping_interval=None, close_timeout=1)


async def main():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[1], sys.argv[2])
    ports = {}
    keep = []
    for name, c in (("PLAIN", None), ("TLS", ctx)):
        s = listener(0)
        ports[name] = s.getsockname()[1]
        keep.append(await websockets.serve(handler, sock=s, ssl=c, process_request=process_request,
                                           compression=None, ping_interval=None, close_timeout=1))
    GATE["server"] = await start_gate(0)
    ports["GATE"] = GATE["port"]
    for name, port in ports.items():
        print("PORT %s %d" % (name, port), flush=True)
    print("READY", flush=True)
    await asyncio.Future()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
