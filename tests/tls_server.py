#!/usr/bin/python3
"""TLS servers for tests/tls.c: Python's ssl module (OpenSSL) on loopback, one
listener per certificate or TLS version, and a small WebSocket server of its
own on top (the TLS side is what these tests look at; the WebSocket side only
needs to echo, and to misbehave on purpose).

usage: tls_server.py --listen NAME CERT KEY VERSIONS [--listen ...]
  VERSIONS: "any", or "MIN-MAX" of 1.0 1.1 1.2 1.3 (e.g. "1.1-1.1").
Prints "PORT NAME n" for each listener, then "READY".

Paths:
  / or /echo        echo every message; on close, answer it, then TLS shutdown
  /session          send "reused" or "new" (did this connection resume a session? session IDs
                    and tickets, TLS 1.3 tickets too), then echo
  /info             send the TLS version and cipher as OpenSSL names them, then echo
  /last-shutdown    send how the previous connection of this listener ended TLS:
                    "clean" (client sent close_notify) or "unclean: <why>", once
                    the listener's other connections have ended, then echo
  /half-frame       send half of a 4096-byte binary frame, then close TCP without close_notify
  /half-frame-notify  the same, but end TLS with close_notify before the TCP close
  /half-big-frame, /half-big-frame-notify  the same with 300,000 bytes of a 1 MiB frame
  /big-frames       large binary frames, each byte (i * 7 + k) & 255 (k: its index in the
                    list BIG_FRAMES), headers in the middle of records; then echo
"""
import argparse
import base64
import hashlib
import os
import socket
import ssl
import struct
import sys
import threading
import warnings

# /big-frames: a frame of each length, in order (tests/tls.c big_frames_on)
BIG_FRAMES = (16384, 5, 16385, 100000, 65546, 3, 1048576, 40000)


def big_frame(k, n):
    """Frame k of /big-frames: its payload."""
    return bytes((i * 7 + k) & 255 for i in range(n))

warnings.filterwarnings("ignore", category=DeprecationWarning)  # TLS 1.0/1.1 on purpose
VERSIONS = {"1.0": ssl.TLSVersion.TLSv1, "1.1": ssl.TLSVersion.TLSv1_1,
            "1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}
GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def context(cert, key, versions):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    if versions != "any":
        lo, hi = versions.split("-")
        ctx.minimum_version = VERSIONS[lo]
        ctx.maximum_version = VERSIONS[hi]
        if lo in ("1.0", "1.1"):
            ctx.set_ciphers("DEFAULT:@SECLEVEL=0")  # OpenSSL 3 refuses TLS 1.0/1.1 otherwise
    return ctx


def frame(opcode, data, fin=True):
    """A server frame (unmasked) of data."""
    n = len(data)
    head = bytes([(0x80 if fin else 0) | opcode])
    if n < 126:
        head += bytes([n])
    elif n < 65536:
        head += bytes([126]) + struct.pack(">H", n)
    else:
        head += bytes([127]) + struct.pack(">Q", n)
    return head + data


class Peer:
    """Reads client frames (masked) and writes server frames (unmasked)."""

    def __init__(self, conn, rest):
        self.conn, self.buf = conn, bytearray(rest)

    def need(self, n):
        while len(self.buf) < n:
            chunk = self.conn.recv(65536)
            if not chunk:
                raise EOFError("peer closed")
            self.buf += chunk
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def frame(self):
        b0, b1 = self.need(2)
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack(">H", self.need(2))[0]
        elif n == 127:
            n = struct.unpack(">Q", self.need(8))[0]
        mask = self.need(4) if b1 & 0x80 else b"\0\0\0\0"
        data = self.need(n)
        if n:
            key = (mask * (n // 4 + 1))[:n]
            data = (int.from_bytes(data, "big") ^ int.from_bytes(key, "big")).to_bytes(n, "big")
        return b0 >> 7, b0 & 0x0F, data

    def send(self, opcode, data, fin=True):
        self.conn.sendall(frame(opcode, data, fin))

    def message(self):
        """The next whole message as (opcode, data); None once the close handshake is done."""
        parts, first = [], None
        while True:
            fin, op, data = self.frame()
            if op == 0x9:
                self.send(0xA, data)
                continue
            if op == 0xA:
                continue
            if op == 0x8:
                self.send(0x8, data[:2])
                return None
            if op != 0:
                first = op
            parts.append(data)
            if fin:
                return first, b"".join(parts)


def listen_loopback():
    """Sockets on ::1 and 127.0.0.1 with one port number."""
    if os.environ.get("WSC_TEST_NO_IPV6"):  # tests/run.sh found no ::1 here
        v4 = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        v4.bind(("127.0.0.1", 0))
        v4.listen(64)
        return [v4]
    for _ in range(20):
        v6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        v6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        v6.bind(("::1", 0))
        v4 = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            v4.bind(("127.0.0.1", v6.getsockname()[1]))
        except OSError:
            v4.close()
            v6.close()
            continue
        for s in (v6, v4):
            s.listen(64)
        return [v6, v4]
    raise OSError("no port free on both ::1 and 127.0.0.1")


class Listener:
    def __init__(self, name, cert, key, versions):
        self.name = name
        self.ctx = context(cert, key, versions)
        self.socks = listen_loopback()
        self.port = self.socks[0].getsockname()[1]
        self.last_shutdown = "none"
        # Connections being served: /last-shutdown waits for the others to
        # end, since a client's next connect can reach us before the thread
        # of its previous one has seen that one's end.
        self.active = 0
        self.idle = threading.Condition()

    def run(self, sock):
        while True:
            raw, _ = sock.accept()
            threading.Thread(target=self.serve, args=(raw,), daemon=True).start()

    def serve(self, raw):
        with self.idle:
            self.active += 1
        try:
            self.serve_one(raw)
        finally:
            with self.idle:
                self.active -= 1
                self.idle.notify_all()

    def serve_one(self, raw):
        raw.settimeout(10)
        try:
            conn = self.ctx.wrap_socket(raw, server_side=True, suppress_ragged_eofs=False)
        except (ssl.SSLError, OSError):
            raw.close()
            return
        try:
            self.session(conn)
        except (EOFError, ssl.SSLError, OSError, ValueError, KeyError, IndexError):
            pass
        finally:
            conn.close()

    def session(self, conn):
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(4096)
            if not chunk:
                return
            data += chunk
        head, rest = data.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        path = lines[0].split(" ")[1]
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        accept = base64.b64encode(hashlib.sha1(headers["sec-websocket-key"].encode() + GUID).digest())
        conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n")
        peer = Peer(conn, rest)
        if path == "/session":
            peer.send(0x1, b"reused" if conn.session_reused else b"new")
        elif path == "/info":
            peer.send(0x1, f"{conn.version()} {conn.cipher()[0]}".encode())
        elif path == "/last-shutdown":
            with self.idle:
                self.idle.wait_for(lambda: self.active == 1, timeout=5)
            peer.send(0x1, self.last_shutdown.encode())
        elif path == "/big-frames":
            stream = b"".join(frame(0x2, big_frame(k, n)) for k, n in enumerate(BIG_FRAMES))
            for i in range(0, len(stream), 10000):  # records of 10,000 bytes: a header lands anywhere
                conn.sendall(stream[i:i + 10000])
        elif path in ("/half-frame", "/half-frame-notify", "/half-big-frame", "/half-big-frame-notify"):
            if "big" in path:
                conn.sendall(bytes([0x82, 127]) + struct.pack(">Q", 1 << 20) + b"x" * 300000)
            else:
                conn.sendall(bytes([0x82, 126]) + struct.pack(">H", 4096) + b"x" * 2048)
            if path.endswith("-notify"):
                conn.unwrap().close()
            else:
                conn.shutdown(socket.SHUT_RDWR)  # drops TLS without close_notify
            return
        try:
            while True:
                m = peer.message()
                if m is None:
                    break
                peer.send(m[0], m[1])
        except EOFError:
            self.last_shutdown = "unclean: close_notify before the close handshake"
            raise
        except ssl.SSLEOFError:
            self.last_shutdown = "unclean: TCP closed without close_notify"
            raise
        # Close handshake done: TLS shutdown, which waits for the client's close_notify.
        try:
            conn.unwrap()
            self.last_shutdown = "clean"
        except (ssl.SSLError, OSError) as e:
            self.last_shutdown = f"unclean: {e}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", nargs=4, action="append", metavar=("NAME", "CERT", "KEY", "VERSIONS"), required=True)
    args = ap.parse_args()
    listeners = [Listener(*spec) for spec in args.listen]
    for ls in listeners:
        print(f"PORT {ls.name} {ls.port}")
        for sock in ls.socks:
            threading.Thread(target=ls.run, args=(sock,), daemon=True).start()
    print("READY", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
