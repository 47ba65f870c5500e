#!/usr/bin/python3
"""A loopback WebSocket server for the tests and the demo, built on Debian's
python3-websockets (an independent implementation, not ours).

usage: ws_server.py [--tls CERT KEY] [--tls-min V] [--tls-max V] [--client-ca PEM] [--alpn NAME,...]
                    [--port N] [--host 127.0.0.1|::1|both]

--client-ca requires a client certificate issued by that CA (mutual TLS);
--alpn selects one of these protocols by ALPN when the client offers it.

Prints "PORT n" once it listens. Behaviour by request path:
  / and /echo          echo every message with its type
  /fragmented          one text message in 3 fragments with a ping between them, then echo
  /binfrag             one 210000-byte binary message (byte i = i % 256) in 3 fragments, then echo
  /ping                ping "ping-payload-123", wait for its pong, send "pong ok" / "pong timeout", then echo
  /close               close at once with 4000 "bye bye"
  /close-after-echo    echo one message, then close with 1000 "done"
  /close-code?code=N&reason=R
                       close at once with code N (default 1000) and reason R (default "")
  /drop                end the TCP connection at once, no close frame (an abnormal end)
  /delayed-echo?pause=S
                       echo each message S s (default 1.5) after it came
  /protocols           send the chosen subprotocol (of chat, superchat) or "none", then echo
  /404                 refuse the upgrade with HTTP 404
  /slow-open           answer the upgrade after 3 s
  /send?size=N&type=T  send one message of N bytes (text: 'a'*N, binary: byte i = i % 251), then echo
  /headers             send the request headers, one "Name: value" a line, then echo
  /auth                the same, but only for "Authorization: Bearer s3cret-token":
                       any other request is refused with HTTP 401
  /close-report?id=K   echo; when the connection ends, keep the close code and reason
                       the server received (1005: none, 1006: no close frame) under K
  /close-read?id=K     send what /close-report kept under K as "CODE REASON" (waits
                       up to 3 s for it; "0 none" if nothing came), then echo
  /silent              stop reading the socket (pings go unanswered, like a dead
                       server), for 30 s, then end
  /pings               echo, but answer "count" with the number of pings received so far
  /unsolicited-pong    send a pong nobody asked for (payload "surprise"), then echo
  /late-echo?pause=S   shrink the receive buffer to 64 KiB, read nothing for S s (default
                       1), then echo (a big client write then blocks, whatever the machine)
  /burst?count=K&size=N&after=S
                       after S s (default 0), send K binary messages of N bytes, then
                       text "end", then echo (a reader that sleeps meanwhile then finds
                       them all in the kernel at once)
  /peer                send "<client certificate CN or none> <new|reused> <ALPN protocol or none>", then echo
"""
import argparse
import asyncio
import http
import os
import signal
import socket
import ssl
import sys
import urllib.parse

import websockets

VERSIONS = {
    "1.0": ssl.TLSVersion.TLSv1,
    "1.1": ssl.TLSVersion.TLSv1_1,
    "1.2": ssl.TLSVersion.TLSv1_2,
    "1.3": ssl.TLSVersion.TLSv1_3,
}

REPORTS = {}  # /close-report: key -> (code, reason) the server received


class CountingProtocol(websockets.WebSocketServerProtocol):
    """Counts the pings it answers (websockets answers them itself)."""
    pings_seen = 0

    async def pong(self, data=b""):
        self.pings_seen += 1
        await super().pong(data)


async def echo(ws):
    async for message in ws:
        await ws.send(message)


async def handler(ws, path):
    url = urllib.parse.urlsplit(path)
    query = urllib.parse.parse_qs(url.query)
    route = url.path
    if route == "/fragmented":
        await ws.write_frame(False, 0x1, b"Hello, ")
        await ws.write_frame(True, 0x9, b"between")
        await ws.write_frame(False, 0x0, b"fragmented ")
        await ws.write_frame(True, 0x0, b"world!")
    elif route == "/binfrag":
        data = bytes(i % 256 for i in range(210000))
        await ws.write_frame(False, 0x2, data[:70000])
        await ws.write_frame(False, 0x0, data[70000:140000])
        await ws.write_frame(True, 0x0, data[140000:])
    elif route == "/ping":
        waiter = await ws.ping(b"ping-payload-123")
        try:
            await asyncio.wait_for(waiter, 5)
            await ws.send("pong ok")
        except asyncio.TimeoutError:
            await ws.send("pong timeout")
    elif route == "/close":
        await ws.close(4000, "bye bye")
        return
    elif route == "/close-code":
        await ws.close(int(query.get("code", ["1000"])[0]), query.get("reason", [""])[0])
        return
    elif route == "/drop":
        ws.transport.abort()
        return
    elif route == "/delayed-echo":
        pause = float(query.get("pause", ["1.5"])[0])
        async for message in ws:
            await asyncio.sleep(pause)
            await ws.send(message)
        return
    elif route == "/close-after-echo":
        await ws.send(await ws.recv())
        await ws.close(1000, "done")
        return
    elif route == "/protocols":
        await ws.send(ws.subprotocol or "none")
    elif route == "/send":
        size = int(query.get("size", ["0"])[0])
        if query.get("type", ["text"])[0] == "binary":
            await ws.send(bytes(i % 251 for i in range(size)))
        else:
            await ws.send("a" * size)
    elif route == "/close-report":
        try:
            await echo(ws)
        except websockets.ConnectionClosed:
            pass
        await ws.wait_closed()
        REPORTS[query.get("id", [""])[0]] = (ws.close_code, ws.close_reason)
        return
    elif route == "/close-read":
        key = query.get("id", [""])[0]
        for _ in range(60):
            if key in REPORTS:
                break
            await asyncio.sleep(0.05)
        code, reason = REPORTS.pop(key, (0, "none"))
        await ws.send(f"{code} {reason}")
    elif route == "/count-report":  # counts what arrived before the close: /count-read?id= tells
        n = total = 0
        try:
            async for message in ws:
                n += 1
                total += len(message)
        except websockets.ConnectionClosed:
            pass
        REPORTS["count " + query.get("id", [""])[0]] = (n, total)
        return
    elif route == "/count-read":
        key = "count " + query.get("id", [""])[0]
        for _ in range(60):
            if key in REPORTS:
                break
            await asyncio.sleep(0.05)
        n, total = REPORTS.pop(key, (-1, -1))
        await ws.send(f"{n} {total}")
    elif route == "/silent":
        ws.transport.pause_reading()
        await asyncio.sleep(30)
        return
    elif route == "/pings":
        async for message in ws:
            await ws.send(str(ws.pings_seen) if message == "count" else message)
        return
    elif route == "/unsolicited-pong":
        await super(CountingProtocol, ws).pong(b"surprise")
    elif route == "/late-echo":
        sock = ws.transport.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        ws.transport.pause_reading()
        await asyncio.sleep(float(query.get("pause", ["1"])[0]))
        ws.transport.resume_reading()
    elif route == "/burst":
        await asyncio.sleep(float(query.get("after", ["0"])[0]))
        for _ in range(int(query.get("count", ["1"])[0])):
            await ws.send(bytes(int(query.get("size", ["0"])[0])))
        await ws.send("end")
    elif route == "/mixed-burst":  # small messages in runs, a large one, a ping now and then, then "end"
        for i in range(int(query.get("count", ["1"])[0])):
            if i % 25 == 24:
                await ws.ping(b"p%d" % i)
                await super(CountingProtocol, ws).pong(b"u%d" % i)  # unsolicited: an async socket's PONG event
            if i % 10 == 9:
                await ws.send(bytes(i % 251 for i in range(3000 + i)))
            else:
                await ws.send(b"m%d" % i if i % 2 else "m%d" % i)
        await ws.send("end")
    elif route == "/peer":
        tls = ws.transport.get_extra_info("ssl_object")
        peer = tls.getpeercert() if tls else None
        cn = dict(x[0] for x in peer["subject"]).get("commonName", "?") if peer else "none"
        reused = "reused" if tls and tls.session_reused else "new"
        await ws.send(f"{cn} {reused} {(tls and tls.selected_alpn_protocol()) or 'none'}")
    elif route in ("/headers", "/auth"):
        text = "\n".join(f"{k}: {v}" for k, v in ws.request_headers.raw_items())
        # bytes past ASCII (obs-text) came in as surrogates: send them as they were
        await ws.send(text.encode("utf-8", "surrogateescape").decode("utf-8", "replace"))
    await echo(ws)


async def process_request(path, headers):
    route = urllib.parse.urlsplit(path).path
    if route == "/404":
        return (http.HTTPStatus.NOT_FOUND, [("Content-Type", "text/plain")], b"not found\n")
    if route == "/auth" and headers.get_all("Authorization") != ["Bearer s3cret-token"]:
        return (http.HTTPStatus.UNAUTHORIZED, [("WWW-Authenticate", "Bearer")], b"who are you?\n")
    if route == "/slow-open":
        await asyncio.sleep(3)
    return None


def bound_socket(family, host, port):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((host, port))
    s.listen(128)
    s.setblocking(False)
    return s


def loopback_ipv6():
    """False where ::1 cannot be bound (no IPv6 here): then 127.0.0.1 alone."""
    if os.environ.get("WSC_TEST_NO_IPV6"):
        return False
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        print("no IPv6 on loopback: listening on 127.0.0.1 alone", file=sys.stderr)
        return False


def listen(host, port):
    """Sockets for host ('both': ::1 and 127.0.0.1 on one port number)."""
    if host == "127.0.0.1":
        return [bound_socket(socket.AF_INET, host, port)]
    if host == "::1":
        return [bound_socket(socket.AF_INET6, host, port)]
    if not loopback_ipv6():
        return [bound_socket(socket.AF_INET, "127.0.0.1", port)]
    for _ in range(20):
        v6 = bound_socket(socket.AF_INET6, "::1", port)
        try:
            return [v6, bound_socket(socket.AF_INET, "127.0.0.1", v6.getsockname()[1])]
        except OSError:
            v6.close()
            if port:
                raise
    raise OSError("no port free on both ::1 and 127.0.0.1")


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--tls-min", choices=VERSIONS)
    ap.add_argument("--tls-max", choices=VERSIONS)
    ap.add_argument("--client-ca")
    ap.add_argument("--alpn")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--host", default="both", choices=["127.0.0.1", "::1", "both"])
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    if args.verbose:
        import logging
        logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)

    ctx = None
    if args.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls[0], args.tls[1])
        if args.tls_min:
            ctx.minimum_version = VERSIONS[args.tls_min]
        if args.tls_max:
            ctx.maximum_version = VERSIONS[args.tls_max]
        if args.tls_min in ("1.0", "1.1") or args.tls_max in ("1.0", "1.1"):
            ctx.set_ciphers("DEFAULT:@SECLEVEL=0")  # let old versions negotiate
        if args.client_ca:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(args.client_ca)
        if args.alpn:
            ctx.set_alpn_protocols(args.alpn.split(","))

    sockets = listen(args.host, args.port)
    servers = []
    for s in sockets:
        servers.append(await websockets.serve(
            handler, sock=s, ssl=ctx, process_request=process_request, create_protocol=CountingProtocol,
            subprotocols=["chat", "superchat"], max_size=None, max_queue=None,
            compression=None, ping_interval=None, close_timeout=2))
    print(f"PORT {sockets[0].getsockname()[1]}", flush=True)

    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
    await stop
    for server in servers:
        server.close()
        await server.wait_closed()


if __name__ == "__main__":
    asyncio.run(main())
