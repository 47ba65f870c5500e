#!/usr/bin/python3
"""A loopback server that misbehaves on purpose, for tests/faults.c: real TCP
where the kernel's behaviour is the point (a peer that stops reading, a
half-closed stream, a reset). Plain Python sockets and threads, no framework.

usage: fault_server.py [--tls CERT KEY] [--port N]   (prints "PORT n" when listening)

Behaviour by request path (the upgrade request is always read whole first):
  /stall        never answer the upgrade; read and drop until the client leaves
  /swallow      answer 101, then read and drop everything: no echo, no close answer
  /no-read      answer 101, then never read again (the client's writes fill the
                kernel buffers); the connection is dropped after 60 s at most
  /half-close   answer 101, send one text message "half", then shut down our
                sending side (TCP FIN, no close frame) and read and drop
  /rst-head     send half of a 101 answer, then reset the connection (RST)
  /rst-frame    answer 101, send half of a frame, then reset the connection
  /ping-flood   answer 101, then send empty pings as fast as it can (10 s at most),
                never reading
  /data-flood   answer 101, then send 64 KiB binary messages as fast as it can
                (10 s at most), reading and dropping, never answering a close
  /chatter      answer 101, then send 1-byte text messages as fast as it can
                (10 s at most), reading and dropping, never answering a close
  /close-empty  answer 101, then send a close frame without a code (the client
                reads 1005), read the client's answer, then close
  /close-reset  answer 101, then send a close frame (1000), read the client's
                answer, then reset the connection (RST, no FIN, no close_notify)
  /big-head?size=N   answer 101 with a head of exactly N bytes (padded with
                an X-Pad header), then echo one text message
  /flood?size=S&n=N  answer 101, send N binary messages of S bytes (S < 126), then
                a text message "end", then read and drop until the client leaves
  /hostile      refuse with 400, control bytes, escape sequences and bytes over 0x7F
                in the reason, a WWW-Authenticate header and the 14-byte body
  /hostile-protocol   answer 101 choosing the subprotocol "\x1b[31mchat" (escape bytes)
  /hostile-extension  answer 101 choosing the extension "\x1b]0;x\x07deflate"
  /stall-body   refuse with 503, Retry-After: 30 and Content-Length: 1000, send 10
                bytes of the body, then read and drop until the client leaves
  /halves?size=N&delay=MS&end=E   answer 101; at each client message, after
                MS ms: the first half of a binary message of N bytes (byte i is
                (i * 7 + 3) % 251), then its second half and a text message
                "end"; then answers the client's close. With end=fin (TCP
                FIN), notify (TLS close_notify, then FIN) or rst (RST), the
                connection ends after the first half.
Anything else gets HTTP 404.
"""
import argparse
import base64
import hashlib
import select
import signal
import socket
import ssl
import struct
import sys
import threading
import time

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MAX_HEAD = 16384
LIFETIME = 60.0  # no connection outlives this many seconds


def read_head(conn):
    """The request head, or None if the client left or sent too much."""
    data = b""
    while b"\r\n\r\n" not in data:
        try:
            chunk = conn.recv(4096)
        except (OSError, ssl.SSLError):
            return None
        if not chunk or len(data) > MAX_HEAD:
            return None
        data += chunk
    return data.split(b"\r\n\r\n", 1)[0].decode("latin-1")


def answer_101(head):
    key = ""
    for line in head.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "sec-websocket-key":
            key = value.strip()
    accept = base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()
    return ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n" % accept).encode()


def padded_101(head, size):
    """The 101 answer grown to size bytes by an X-Pad header."""
    base = answer_101(head)[:-2] + b"X-Pad: \r\n\r\n"
    return base.replace(b"X-Pad: ", b"X-Pad: " + b"p" * max(0, size - len(base)))


def read_frame(conn):
    """One small client frame's payload, unmasked (None if the client left)."""
    data = b""
    while True:
        if len(data) >= 6 and len(data) >= 6 + (data[1] & 0x7F):
            n = data[1] & 0x7F
            mask = data[2:6]
            return bytes(c ^ mask[i % 4] for i, c in enumerate(data[6:6 + n]))
        chunk = conn.recv(4096)
        if not chunk:
            return None
        data += chunk


def text_frame(payload):
    return bytes([0x81, len(payload)]) + payload


def drain(conn, until):
    """Reads and drops until the client leaves or the deadline."""
    conn.settimeout(0.5)
    while time.monotonic() < until:
        try:
            if not conn.recv(65536):
                return
        except socket.timeout:
            continue
        except (OSError, ssl.SSLError):
            return


def reset(conn):
    """Closes with SO_LINGER 0: the kernel sends RST, not FIN."""
    raw = socket.socket(fileno=conn.detach()) if isinstance(conn, ssl.SSLSocket) else conn
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    raw.close()


def wait_gone(conn, until):
    """Without reading: waits for the client to hang up (or the deadline)."""
    p = select.poll()
    p.register(conn.fileno(), select.POLLRDHUP | select.POLLHUP | select.POLLERR)
    while time.monotonic() < until:
        if p.poll(500):
            return


def handle(conn, tls_ctx):
    until = time.monotonic() + LIFETIME
    try:
        if tls_ctx:
            conn.settimeout(10)
            conn = tls_ctx.wrap_socket(conn, server_side=True)
        head = read_head(conn)
        if head is None:
            return
        path = head.split(" ")[1] if head.count(" ") >= 2 else "/"
        if path == "/stall":
            drain(conn, until)
        elif path == "/swallow":
            conn.sendall(answer_101(head))
            drain(conn, until)
        elif path == "/no-read":
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            conn.sendall(answer_101(head))
            wait_gone(conn, until)
        elif path == "/half-close":
            conn.sendall(answer_101(head) + text_frame(b"half"))
            # shut down the TCP sending side under TLS too: a FIN without close_notify
            socket.socket.shutdown(conn, socket.SHUT_WR)
            while time.monotonic() < until:  # drop whatever comes (raw TLS records too)
                r, _, _ = select.select([conn.fileno()], [], [], 0.5)
                if r and not socket.socket.recv(conn, 65536):
                    break
        elif path in ("/ping-flood", "/data-flood", "/chatter"):
            if path == "/ping-flood":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # the pongs soon back up
            conn.sendall(answer_101(head))
            if path == "/ping-flood":
                chunk = b"\x89\x00" * 32768
            elif path == "/chatter":
                chunk = b"\x81\x01c" * 21845
                threading.Thread(target=drain, args=(conn, until), daemon=True).start()
            else:
                chunk = b"\x82\x7f" + struct.pack("!Q", 65536) + b"d" * 65536
                threading.Thread(target=drain, args=(conn, until), daemon=True).start()
            stop = time.monotonic() + 10
            while time.monotonic() < stop:
                conn.sendall(chunk)
        elif path == "/close-empty":
            conn.sendall(answer_101(head) + bytes([0x88, 0]))
            read_frame(conn)
        elif path == "/close-reset":
            conn.sendall(answer_101(head) + bytes([0x88, 2, 0x03, 0xE8]))  # close 1000
            read_frame(conn)  # the client's close: the handshake is done
            time.sleep(0.2)
            reset(conn)
            conn = None
        elif path.startswith("/big-head?size="):
            conn.sendall(padded_101(head, int(path.split("=", 1)[1])))
            msg = read_frame(conn)
            if msg is not None:
                conn.sendall(text_frame(msg))
            drain(conn, until)
        elif path.startswith("/flood?"):
            query = dict(kv.split("=", 1) for kv in path.split("?", 1)[1].split("&"))
            size, n = int(query["size"]), int(query["n"])
            conn.sendall(answer_101(head))
            frame = bytes([0x82, size]) + b"f" * size
            for _ in range(0, n, 4096):
                conn.sendall(frame * min(4096, n - _))
            conn.sendall(text_frame(b"end"))
            drain(conn, until)
        elif path.startswith("/halves?"):
            query = dict(kv.split("=", 1) for kv in path.split("?", 1)[1].split("&"))
            size, delay, end = int(query["size"]), int(query.get("delay", "0")) / 1000, query.get("end", "")
            payload = bytes((i * 7 + 3) % 251 for i in range(size))
            conn.sendall(answer_101(head))
            if read_frame(conn) is None:
                return
            time.sleep(delay)
            conn.sendall(b"\x82\x7f" + struct.pack("!Q", size) + payload[:size // 2])
            if end == "rst":
                time.sleep(0.05)
                reset(conn)
                conn = None
                return
            if end in ("fin", "notify"):
                if end == "notify" and isinstance(conn, ssl.SSLSocket):
                    conn.settimeout(5)
                    conn = conn.unwrap()  # our close_notify; the client answers with its own
                socket.socket.shutdown(conn, socket.SHUT_WR)
                drain(conn, until)
                return
            if read_frame(conn) is None:
                return
            time.sleep(delay)
            conn.sendall(payload[size // 2:] + text_frame(b"end"))
            if read_frame(conn) is not None:  # the client's close, answered
                conn.sendall(bytes([0x88, 2, 0x03, 0xE8]))
            drain(conn, until)
        elif path == "/hostile":
            conn.sendall(b"HTTP/1.1 400 Bad\x1b[31mRequest\xff\r\n"
                         b"WWW-Authenticate: Basic \x1b]0;pwned\x07realm=\"x\"\x01\r\n"
                         b"Content-Length: 14\r\n\r\nb\x00\x1b[2J\xff\xfe\r\nend!")
            drain(conn, until)
        elif path in ("/hostile-protocol", "/hostile-extension"):
            name = b"Protocol: \x1b[31mchat" if path == "/hostile-protocol" else b"Extensions: \x1b]0;x\x07deflate"
            conn.sendall(answer_101(head)[:-2] + b"Sec-WebSocket-" + name + b"\r\n\r\n")
            drain(conn, until)
        elif path == "/stall-body":
            conn.sendall(b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 30\r\n"
                         b"Content-Length: 1000\r\n\r\n0123456789")
            drain(conn, until)
        elif path == "/rst-head":
            conn.sendall(answer_101(head)[:20])
            time.sleep(0.05)
            reset(conn)
            conn = None
        elif path == "/rst-frame":
            conn.sendall(answer_101(head) + bytes([0x81, 10]) + b"half")
            time.sleep(0.05)
            reset(conn)
            conn = None
        else:
            conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
    except (OSError, ssl.SSLError):
        pass
    finally:
        if conn is not None:
            try:
                conn.close()
            except OSError:
                pass


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    ctx = None
    if args.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls[0], args.tls[1])
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", args.port))
    srv.listen(128)
    print("PORT %d" % srv.getsockname()[1], flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=handle, args=(conn, ctx), daemon=True).start()


if __name__ == "__main__":
    main()
