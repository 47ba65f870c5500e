#!/usr/bin/python3
"""Loopback servers for tests/answer.c (the server's answer, refusals and
redirects), built on Debian's python3-websockets (an implementation not ours).

usage: answer_server.py CERT KEY
Listens on four ports: plain A and B, TLS A and B (CERT, KEY), each on
127.0.0.1. Prints "PORT NAME n" for each (PLAIN_A, PLAIN_B, TLS_A, TLS_B),
then "READY".

Behaviour by request path (any listener):
  /cookies               101 with two Set-Cookie headers and "X-Custom:  hello there  "
  /401                   401 with WWW-Authenticate: Basic realm="answer" and a 21-byte body
  /429                   429 with Retry-After: 7 and a body
  /big-body              403 with a 1000-byte body (b'0123456789' * 100)
  .../redirect?status=N&to=URL   answer N with Location: URL (URL as given, %-decoded)
  /loop-a, /loop-b       302 to the other one on the other plain listener (a loop)
  /chain?n=K             K > 0: 302 with the relative Location "chain?n=K-1"
  /headers               accept, send the request's header lines ("Name: value" each), then echo
  anything else          accept, send "<port> <path>", then echo
"""
import asyncio
import http
import ssl
import sys
import urllib.parse

import websockets

PORTS = {}


def refusal(status, headers, body=b""):
    return (http.HTTPStatus(status), headers + [("Content-Length", str(len(body)))], body)


def route(path, port):
    url = urllib.parse.urlsplit(path)
    query = urllib.parse.parse_qs(url.query)
    if url.path == "/401":
        return refusal(401, [("WWW-Authenticate", 'Basic realm="answer"')], b"authorization needed\n")
    if url.path == "/429":
        return refusal(429, [("Retry-After", "7")], b"slow down\n")
    if url.path == "/big-body":
        return refusal(403, [], b"0123456789" * 100)
    if url.path.endswith("/redirect") and "to" in query:
        return refusal(int(query.get("status", ["302"])[0]), [("Location", query["to"][0])], b"moved\n")
    if url.path == "/loop-a":
        return refusal(302, [("Location", "ws://127.0.0.1:%d/loop-b" % PORTS["PLAIN_B"])])
    if url.path == "/loop-b":
        return refusal(302, [("Location", "ws://127.0.0.1:%d/loop-a" % PORTS["PLAIN_A"])])
    if url.path == "/chain":
        n = int(query.get("n", ["0"])[0])
        if n > 0:
            return refusal(302, [("Location", "chain?n=%d" % (n - 1))])
    return None


def extra_headers(path, request_headers):
    if urllib.parse.urlsplit(path).path == "/cookies":
        return [("Set-Cookie", "a=1; Path=/"), ("Set-Cookie", "b=2"), ("X-Custom", " hello there ")]
    return []


def serve(port_name, ctx, sock):
    async def process_request(path, headers):
        return route(path, PORTS[port_name])

    async def handler(ws, path):
        if urllib.parse.urlsplit(path).path == "/headers":
            await ws.send("\n".join("%s: %s" % kv for kv in ws.request_headers.raw_items()))
        else:
            await ws.send("%d %s" % (PORTS[port_name], path))
        async for message in ws:
            await ws.send(message)

    return websockets.serve(handler, sock=sock, ssl=ctx, process_request=process_request,
                            extra_headers=extra_headers, compression=None, ping_interval=None,
                            close_timeout=2)


async def main():
    import socket
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[1], sys.argv[2])
    socks = {}
    for name in ("PLAIN_A", "PLAIN_B", "TLS_A", "TLS_B"):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", 0))
        s.listen(128)
        s.setblocking(False)
        socks[name] = s
        PORTS[name] = s.getsockname()[1]
    servers = []
    for name, s in socks.items():
        servers.append(await serve(name, ctx if name.startswith("TLS") else None, s))
    for name in socks:
        print("PORT %s %d" % (name, PORTS[name]), flush=True)
    print("READY", flush=True)
    await asyncio.Future()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
