"""Proxies that misbehave as no real proxy should, for tests/proxy.c:
JUNK answers a CONNECT with bytes that are not HTTP; STALL reads the request
and never answers; RESET reads it and resets the connection (RST); TUNNEL_RESET
opens the tunnel (200), reads what comes through it (the TLS ClientHello) and
then resets. Prints "PORT NAME n" for each, then "READY"."""
import socket
import struct
import sys
import threading


def reset(conn):
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def serve(listener, mode):
    held = []
    while True:
        conn, _ = listener.accept()
        try:
            if mode == "STALL":
                held.append(conn)  # a stalled connection stays open until we exit
                continue
            conn.recv(4096)
            if mode == "JUNK":
                conn.sendall(b"SSH-2.0-OpenSSH_9.2\r\n")
                held.append(conn)
            elif mode == "RESET":
                reset(conn)
            else:  # TUNNEL_RESET
                conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                conn.recv(4096)
                reset(conn)
        except OSError:
            pass


def main():
    ports = []
    for name in ("JUNK", "STALL", "RESET", "TUNNEL_RESET"):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", 0))
        s.listen(16)
        ports.append((name, s.getsockname()[1]))
        threading.Thread(target=serve, args=(s, name), daemon=True).start()
    for name, port in ports:
        print("PORT", name, port)
    print("READY", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    sys.exit(main())
