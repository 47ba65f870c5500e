"""Two proxies that misbehave as no real proxy does, for tests/proxy.c:
JUNK answers a CONNECT with bytes that are not HTTP; STALL reads the request
and never answers. Prints "PORT JUNK n", "PORT STALL n", then "READY"."""
import socket
import sys
import threading


def serve(listener, junk):
    held = []
    while True:
        conn, _ = listener.accept()
        held.append(conn)  # a stalled connection stays open until we exit
        if junk:
            try:
                conn.recv(4096)
                conn.sendall(b"SSH-2.0-OpenSSH_9.2\r\n")
            except OSError:
                pass


def main():
    ports = []
    for name, junk in (("JUNK", True), ("STALL", False)):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", 0))
        s.listen(16)
        ports.append((name, s.getsockname()[1]))
        threading.Thread(target=serve, args=(s, junk), daemon=True).start()
    for name, port in ports:
        print("PORT", name, port)
    print("READY", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    sys.exit(main())
