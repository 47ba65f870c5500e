#!/usr/bin/env python3
"""make_corpus.py - writes the seed corpora of tests/fuzz/corpus/<target>/.

Python standard library only; the output is deterministic, so running it
again changes nothing. Each seed is laid out as its target's header comment
says (tests/fuzz/<target>.c). Usage: python3 tests/fuzz/make_corpus.py
"""
import base64
import hashlib
import os
import shutil
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")


def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def pseudo(label, n):
    """n deterministic bytes that look random."""
    out = b""
    i = 0
    while len(out) < n:
        out += hashlib.sha256(("%s/%d" % (label, i)).encode()).digest()
        i += 1
    return out[:n]


# ---------------------------------------------------------------- frames

# frame_limits[] in frame.c: index -> max_message
LIM_0, LIM_1, LIM_5, LIM_125, LIM_1000, LIM_65536, LIM_DEFAULT, LIM_SIZE_MAX = 0, 1, 3, 4, 7, 10, 11, 14


def frame(op, payload=b"", fin=True, rsv=0, mask=None, length_form=None):
    """A server frame; length_form forces the 16- or 64-bit length."""
    b0 = (0x80 if fin else 0) | (rsv << 4) | op
    n = len(payload)
    form = length_form or (7 if n < 126 else 16 if n < 65536 else 64)
    m = 0x80 if mask else 0
    if form == 7:
        h = bytes([b0, m | n])
    elif form == 16:
        h = bytes([b0, m | 126]) + struct.pack(">H", n)
    else:
        h = bytes([b0, m | 127]) + struct.pack(">Q", n)
    if mask:
        h += mask
        payload = bytes(c ^ mask[i % 4] for i, c in enumerate(payload))
    return h + payload


def frame_seed(stream, limit=LIM_DEFAULT, cuts=(), recycle=False):
    head = bytes([limit, len(cuts) | (16 if recycle else 0)])
    for c in cuts:
        head += struct.pack(">H", c)
    return head + stream


def close_payload(code, reason=b""):
    return struct.pack(">H", code) + reason


def frames():
    t = "frame"
    write(t, "text-hello", frame_seed(frame(1, b"Hello")))
    write(t, "binary-256", frame_seed(frame(2, bytes(range(256)))))
    write(t, "text-empty", frame_seed(frame(1)))
    write(t, "binary-empty", frame_seed(frame(2)))
    write(t, "text-utf8", frame_seed(frame(1, "κόσμε, 世界, 😀".encode())))
    write(t, "len16", frame_seed(frame(2, pseudo("len16", 200)), cuts=(3, 4, 100)))
    write(t, "len16-text-126", frame_seed(frame(1, b"a" * 126)))
    write(t, "len64-small", frame_seed(frame(2, b"sixty-four", length_form=64), cuts=(5, 6, 7)))
    write(t, "len16-small", frame_seed(frame(1, b"sixteen", length_form=16)))
    write(t, "fragmented-text", frame_seed(
        frame(1, b"Hel", fin=False) + frame(9, b"between") + frame(0, "lo, w\xc3".encode("latin-1"), fin=False) +
        frame(0, b"\xa9rld"), cuts=(1, 2, 7, 20)))
    write(t, "fragmented-binary", frame_seed(
        frame(2, b"\x00\x01", fin=False) + frame(0, b"", fin=False) + frame(0, b"\x02")))
    write(t, "ping", frame_seed(frame(9, b"are you there")))
    write(t, "ping-125", frame_seed(frame(9, b"p" * 125)))
    write(t, "pong", frame_seed(frame(10, b"pong")))
    write(t, "close-1000-bye", frame_seed(frame(8, close_payload(1000, b"bye"))))
    write(t, "close-empty", frame_seed(frame(8)))
    write(t, "close-4999-utf8", frame_seed(frame(8, close_payload(4999, "ciao ✓".encode()))))
    write(t, "close-then-text", frame_seed(frame(8, close_payload(1001)) + frame(1, b"after")))
    write(t, "many", frame_seed(
        frame(1, b"one") + frame(2, b"two") + frame(9) + frame(10, b"x") + frame(1, b"three") +
        frame(8, close_payload(1000)), cuts=(1, 5, 5, 9, 14)))
    write(t, "many-recycled", frame_seed(
        frame(1, b"one") + frame(2, b"two" * 100) + frame(1, b"three") + frame(2, b"four", fin=False) +
        frame(0, b"!"), cuts=(3, 300), recycle=True))
    write(t, "limit-125-ok", frame_seed(frame(2, b"z" * 125), limit=LIM_125))
    write(t, "limit-5-fragments", frame_seed(frame(1, b"abc", fin=False) + frame(0, b"de"), limit=LIM_5))
    write(t, "limit-size-max", frame_seed(frame(2, b"any size") + frame(1, b"a" * 300), limit=LIM_SIZE_MAX))
    write(t, "header-asks-too-much", frame_seed(bytes([0x82, 127, 0, 0, 0, 0, 0x40, 0, 0, 0]) + b"data",
                                                limit=LIM_SIZE_MAX))
    write(t, "header-asks-16mib", frame_seed(bytes([0x82, 127, 0, 0, 0, 0, 1, 0, 0, 0]) + b"data"))
    write(t, "limit-0-empty", frame_seed(frame(1) + frame(2), limit=LIM_0))
    write(t, "limit-1", frame_seed(frame(2, b"1") + frame(1, b"\xc3\xa9"), limit=LIM_1))
    # protocol errors, one of each kind
    write(t, "err-rsv1", frame_seed(frame(1, b"x", rsv=4)))
    write(t, "err-masked", frame_seed(frame(1, b"masked", mask=b"\x01\x02\x03\x04")))
    write(t, "err-opcode-3", frame_seed(frame(3)))
    write(t, "err-opcode-11", frame_seed(frame(11)))
    write(t, "err-ping-126", frame_seed(frame(9, b"p" * 126)))
    write(t, "err-fragmented-ping", frame_seed(frame(9, fin=False)))
    write(t, "err-continuation-alone", frame_seed(frame(0, b"a")))
    write(t, "err-text-in-text", frame_seed(frame(1, b"a", fin=False) + frame(1, b"b")))
    write(t, "err-len64-msb", frame_seed(bytes([0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 1])))
    write(t, "err-utf8-overlong", frame_seed(frame(1, b"\xc0\xaf")))
    write(t, "err-utf8-surrogate", frame_seed(frame(1, b"ok \xed\xa0\x80")))
    write(t, "err-utf8-truncated", frame_seed(frame(1, b"a\xc3")))
    write(t, "err-utf8-across", frame_seed(frame(1, b"\xf0", fin=False) + frame(0, b"\x9f\xff")))
    write(t, "err-close-1-byte", frame_seed(frame(8, b"\x03")))
    write(t, "err-close-code-1005", frame_seed(frame(8, close_payload(1005))))
    write(t, "err-close-reason-utf8", frame_seed(frame(8, close_payload(1000, b"\xff"))))
    write(t, "err-too-big", frame_seed(frame(2, b"q" * 1001), limit=LIM_1000))
    write(t, "err-too-big-fragments", frame_seed(frame(2, b"q" * 600, fin=False) + frame(0, b"q" * 401),
                                                 limit=LIM_1000))
    write(t, "truncated-header", frame_seed(bytes([0x81, 126, 0x01])))
    write(t, "truncated-payload", frame_seed(frame(1, b"abcdef")[:-2]))


# --------------------------------------------------------------- upgrade

SAMPLE_KEY = "dGhlIHNhbXBsZSBub25jZQ=="
GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def accept(key):
    return base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()


def answer(*headers, status="HTTP/1.1 101 Switching Protocols"):
    return (status + "\r\n" + "".join(h + "\r\n" for h in headers) + "\r\n").encode()


def upgrade_seed(resp, key=None, offered=None, normalize=False):
    flags = (1 if key is not None else 0) | (2 if offered is not None else 0) | (4 if normalize else 0)
    out = bytes([flags])
    if key is not None:
        out += key.encode() + b"\0"
    if offered is not None:
        out += offered.encode() + b"\0"
    return out + resp


def upgrades():
    t = "upgrade"
    acc = "Sec-WebSocket-Accept: " + accept(SAMPLE_KEY)
    base = ("Upgrade: websocket", "Connection: Upgrade", acc)
    write(t, "ok", upgrade_seed(answer(*base)))
    write(t, "ok-python-websockets", upgrade_seed(answer(
        "Date: Mon, 24 Nov 2025 13:18:00 GMT", "Upgrade: websocket", "Connection: Upgrade", acc,
        "Server: Python/3.11 websockets/10.4")))
    write(t, "ok-cases-and-lists", upgrade_seed(answer(
        "UPGRADE:  WebSocket ", "connection: keep-alive, Upgrade", "sec-websocket-accept:\t" + accept(SAMPLE_KEY))))
    write(t, "ok-protocol", upgrade_seed(answer(*base, "Sec-WebSocket-Protocol: superchat"),
                                         offered="chat, superchat"))
    write(t, "ok-protocol-normalized", upgrade_seed(answer(*base, "Sec-WebSocket-Protocol: chat"),
                                                    offered=" chat ,superchat", normalize=True))
    key = base64.b64encode(pseudo("key", 16)).decode()
    write(t, "ok-own-key", upgrade_seed(answer("Upgrade: websocket", "Connection: Upgrade",
                                               "Sec-WebSocket-Accept: " + accept(key)), key=key))
    write(t, "ok-empty-extensions", upgrade_seed(answer(*base, "Sec-WebSocket-Extensions: ")))
    write(t, "ok-frames-behind", upgrade_seed(answer(*base) + b"\x81\x05Hello"))
    write(t, "http-404", upgrade_seed(answer("Content-Length: 0", status="HTTP/1.1 404 Not Found")))
    write(t, "http-200", upgrade_seed(answer(status="HTTP/1.0 200 OK")))
    write(t, "http-101-bare", upgrade_seed(answer(*base, status="HTTP/1.1 101")))
    write(t, "bad-accept", upgrade_seed(answer("Upgrade: websocket", "Connection: Upgrade",
                                               "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOX=")))
    write(t, "two-accepts", upgrade_seed(answer(*base, acc)))
    write(t, "no-upgrade", upgrade_seed(answer("Connection: Upgrade", acc)))
    write(t, "no-connection", upgrade_seed(answer("Upgrade: websocket", acc)))
    write(t, "extension", upgrade_seed(answer(*base, "Sec-WebSocket-Extensions: permessage-deflate")))
    write(t, "protocol-not-offered", upgrade_seed(answer(*base, "Sec-WebSocket-Protocol: chat")))
    write(t, "protocol-other", upgrade_seed(answer(*base, "Sec-WebSocket-Protocol: other"), offered="chat"))
    write(t, "protocol-missing", upgrade_seed(answer(*base), offered="chat"))
    write(t, "protocol-two", upgrade_seed(answer(*base, "Sec-WebSocket-Protocol: a, b"), offered="a, b"))
    write(t, "protocol-twice", upgrade_seed(answer(*base, "Sec-WebSocket-Protocol: a",
                                                   "Sec-WebSocket-Protocol: a"), offered="a"))
    write(t, "not-http", upgrade_seed(b"SSH-2.0-OpenSSH_9.2\r\n\r\n"))
    write(t, "no-colon", upgrade_seed(answer(*base, "no colon here")))
    write(t, "bare-lf", upgrade_seed(b"HTTP/1.1 101 Switching Protocols\nUpgrade: websocket\n\n"))
    write(t, "truncated", upgrade_seed(answer(*base)[:60]))


# ------------------------------------------------------------------ utf8

def utf8_seed(text, cuts=()):
    head = bytes([len(cuts)])
    for c in cuts:
        head += struct.pack(">H", c)
    return head + text


def utf8s():
    t = "utf8"
    write(t, "ascii", utf8_seed(b"plain ascii text, long enough for the word-at-a-time path", cuts=(3, 8, 17)))
    write(t, "greek", utf8_seed("κόσμε".encode(), cuts=(1, 2, 3)))
    write(t, "mixed", utf8_seed("ascii, é, 世界, 😀, end".encode(), cuts=(8, 9, 10, 14, 20, 21, 22)))
    write(t, "boundaries-ok", utf8_seed(b"\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf"
                                        b"\xf0\x90\x80\x80\xf4\x8f\xbf\xbf", cuts=(1, 5, 11, 23)))
    for name, bad in (("overlong-2", b"\xc0\xaf"), ("overlong-c1", b"\xc1\xbf"), ("overlong-3", b"\xe0\x80\xaf"),
                      ("surrogate", b"\xed\xa0\x80"), ("surrogate-hi", b"\xed\xbf\xbf"),
                      ("overlong-4", b"\xf0\x80\x80\xaf"), ("over-10ffff", b"\xf4\x90\x80\x80"),
                      ("f5", b"\xf5\x80\x80\x80"), ("fe-ff", b"\xfe\xff"), ("lone-continuation", b"a\x80b"),
                      ("bad-second", b"\xc2\x41")):
        write(t, "bad-" + name, utf8_seed(b"12345678" + bad + b"tail", cuts=(8, 9)))
    for name, part in (("c2", b"\xc2"), ("e0a0", b"\xe0\xa0"), ("ed", b"\xed"), ("f09080", b"\xf0\x90\x80"),
                       ("f4", b"\xf4")):
        write(t, "partial-" + name, utf8_seed(b"ab" + part))
    write(t, "empty", utf8_seed(b""))


# --------------------------------------------------------------- options

def options_seed(name="s", url="", address="127.0.0.1", path="/", protocols="", server_name="", pins="",
                 pem=b"", flags=0, flags2=0, port=1, mask=0, frag=0, cap=255):
    head = bytes([flags, flags2]) + struct.pack(">i", port) + struct.pack(">I", mask) + \
        struct.pack(">H", frag) + bytes([cap])
    fields = [name, url, address, path, protocols, server_name, pins]
    return head + b"".join(f.encode() + b"\0" for f in fields) + pem


F_URL, F_NO_ADDRESS, F_NO_PATH, F_TLS, F_PROTOCOLS, F_SERVER_NAME, F_INSECURE, F_CA_PEM = 1, 2, 4, 8, 16, 32, 64, 128
F2_PEM_STRLEN, F2_PINS, F2_PIN_ONLY, F2_HALF_DUPLEX = 1, 16, 32, 64
PIN = "sha256//" + base64.b64encode(hashlib.sha256(b"a key").digest()).decode()


def options():
    t = "options"
    write(t, "plain", options_seed())
    write(t, "url-ws", options_seed(url="ws://127.0.0.1:1/chat?room=1", flags=F_URL))
    write(t, "url-wss-insecure", options_seed(url="wss://localhost:8443/", flags=F_URL | F_INSECURE))
    write(t, "url-ipv6", options_seed(url="ws://[::1]:9001/p", flags=F_URL))
    write(t, "url-query-only", options_seed(url="ws://h?q", flags=F_URL, cap=8))
    write(t, "url-small-store", options_seed(url="ws://host:80/a/long/path", flags=F_URL, cap=20))
    write(t, "url-bad", options_seed(url="http://x/#frag", flags=F_URL))
    write(t, "url-userinfo", options_seed(url="wss://user@host/", flags=F_URL))
    write(t, "url-port-big", options_seed(url="ws://h:65536", flags=F_URL))
    write(t, "address-brackets", options_seed(address="[::1]", port=9001))
    write(t, "protocols", options_seed(protocols="chat, superchat,v2.json", flags=F_PROTOCOLS))
    write(t, "protocols-bad", options_seed(protocols="a,,b", flags=F_PROTOCOLS))
    write(t, "protocols-twice", options_seed(protocols="chat,chat", flags=F_PROTOCOLS))
    write(t, "tls-no-ca", options_seed(flags=F_TLS))
    write(t, "tls-mask-13", options_seed(flags=F_TLS | F_INSECURE, mask=0x20))
    write(t, "tls-mask-unknown", options_seed(flags=F_TLS | F_INSECURE, mask=0x40))
    write(t, "tls-mask-hole", options_seed(flags=F_TLS | F_INSECURE, mask=0x14))
    write(t, "tls-server-name", options_seed(flags=F_TLS | F_INSECURE | F_SERVER_NAME, server_name="localhost"))
    write(t, "tls-ca-pem", options_seed(flags=F_TLS | F_CA_PEM, pem=pem_text(cert_ec("ca", ca=True))))
    write(t, "tls-ca-pem-empty", options_seed(flags=F_TLS | F_CA_PEM))
    write(t, "port-negative", options_seed(port=-1))
    write(t, "port-big", options_seed(port=70000))
    write(t, "path-space", options_seed(path="/a b"))
    write(t, "path-crlf", options_seed(path="/a\r\nX: y"))
    write(t, "path-fragment", options_seed(path="/p#f"))
    write(t, "no-address", options_seed(flags=F_NO_ADDRESS))
    write(t, "no-path", options_seed(flags=F_NO_PATH))
    write(t, "name-empty", options_seed(name=""))
    write(t, "name-long", options_seed(name="n" * 64))
    write(t, "timeouts", options_seed(flags2=2 | 4 | 8))
    for i, a in enumerate(("::", "::1", "1::", "fe80::1:2", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::", "::ffff:1.2.3.4",
                           "1:2:3:4:5:6:1.2.3.4", "0.0.0.0", "255.255.255.255", "01.2.3.4", "1.2.3", "1:2:3:4:5:6:7:8:9",
                           "::1%lo", "[::1]", "1::2::3", "12345::")):
        write(t, "ip-%02d" % i, options_seed(address=a, server_name=a))
    write(t, "pins", options_seed(flags=F_TLS | F_CA_PEM, flags2=F2_PINS, pins=PIN + "; " + PIN[8:-1],
                                  pem=pem_text(cert_ec("ca", ca=True))))
    write(t, "pin-only", options_seed(flags=F_TLS, flags2=F2_PINS | F2_PIN_ONLY, pins=PIN))
    write(t, "pin-bad", options_seed(flags=F_TLS, flags2=F2_PINS | F2_PIN_ONLY, pins="sha256//short"))
    write(t, "pin-only-no-pins", options_seed(flags=F_TLS, flags2=F2_PIN_ONLY))
    write(t, "tls-fragment-512-half", options_seed(flags=F_TLS | F_INSECURE, flags2=F2_HALF_DUPLEX, frag=512))
    write(t, "tls-fragment-bad", options_seed(flags=F_TLS | F_INSECURE, frag=1000))


# ----------------------------------------------------- DER certificates

def der(tag, content):
    n = len(content)
    if n < 0x80:
        length = bytes([n])
    else:
        b = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(b)]) + b
    return bytes([tag]) + length + content


def seq(*items):
    return der(0x30, b"".join(items))


def oid(*arcs):
    body = bytes([40 * arcs[0] + arcs[1]])
    for a in arcs[2:]:
        chunk = [a & 0x7F]
        a >>= 7
        while a:
            chunk.insert(0, 0x80 | (a & 0x7F))
            a >>= 7
        body += bytes(chunk)
    return der(0x06, body)


def integer(v):
    b = v.to_bytes(max(1, (v.bit_length() + 8) // 8), "big")
    return der(0x02, b)


def name(cn):
    return seq(der(0x31, seq(oid(2, 5, 4, 3), der(0x0C, cn.encode()))))


ECDSA_SHA256 = seq(oid(1, 2, 840, 10045, 4, 3, 2))
RSA_SHA256 = seq(oid(1, 2, 840, 113549, 1, 1, 11), der(0x05, b""))


def spki_ec(label):
    point = b"\x04" + pseudo(label + "/x", 32) + pseudo(label + "/y", 32)
    return seq(seq(oid(1, 2, 840, 10045, 2, 1), oid(1, 2, 840, 10045, 3, 1, 7)), der(0x03, b"\x00" + point))


def spki_rsa(label):
    n = int.from_bytes(b"\xc1" + pseudo(label + "/n", 255), "big") | 1
    return seq(seq(oid(1, 2, 840, 113549, 1, 1, 1), der(0x05, b"")),
               der(0x03, b"\x00" + seq(integer(n), integer(65537))))


def extensions(ca=False, san=(), critical_san=False):
    exts = []
    if ca:
        exts.append(seq(oid(2, 5, 29, 19), der(0x01, b"\xff"), der(0x04, seq(der(0x01, b"\xff")))))
    if san:
        names = b""
        for kind, value in san:
            names += der(0x82, value.encode()) if kind == "dns" else der(0x87, value)
        crit = der(0x01, b"\xff") if critical_san else b""
        exts.append(seq(oid(2, 5, 29, 17), crit, der(0x04, seq(names))))
    return der(0xA3, seq(*exts)) if exts else b""


def certificate(spki, sigalg, subject, issuer, ext):
    tbs = seq(der(0xA0, integer(2)), integer(0x1234), sigalg, name(issuer),
              seq(der(0x17, b"250101000000Z"), der(0x18, b"20450101000000Z")), name(subject), spki, ext)
    return seq(tbs, sigalg, der(0x03, b"\x00" + pseudo("sig/" + subject, 64)))


def cert_ec(label, ca=False, san=(), critical_san=False):
    return certificate(spki_ec(label), ECDSA_SHA256, label, "wsclient fuzz CA", extensions(ca, san, critical_san))


def cert_rsa(label, ca=False, san=()):
    return certificate(spki_rsa(label), RSA_SHA256, label, "wsclient fuzz CA", extensions(ca, san))


def pem_text(cert, label="CERTIFICATE", crlf=False):
    b = base64.b64encode(cert).decode()
    lines = ["-----BEGIN %s-----" % label] + [b[i:i + 64] for i in range(0, len(b), 64)] + \
            ["-----END %s-----" % label]
    nl = "\r\n" if crlf else "\n"
    return (nl.join(lines) + nl).encode()


IP4 = bytes([127, 0, 0, 1])
IP6 = bytes(15) + b"\x01"
LOCAL_SAN = (("dns", "localhost"), ("ip", IP4), ("ip", IP6))


def pems():
    t = "pem"
    ca = cert_ec("ca", ca=True)
    leaf = cert_ec("leaf", san=LOCAL_SAN)
    rsa = cert_rsa("rsa", ca=True)
    write(t, "ec-ca", b"\0" + pem_text(ca))
    write(t, "rsa-ca", b"\0" + pem_text(rsa))
    write(t, "bundle-crlf", b"\0" + b"# a bundle\r\n" + pem_text(ca, crlf=True) + pem_text(rsa, crlf=True))
    write(t, "mixed-objects", b"\0" + pem_text(pseudo("key", 40), "PRIVATE KEY") + pem_text(leaf) +
          pem_text(ca, "TRUSTED CERTIFICATE") + pem_text(rsa, "X509 CERTIFICATE"))
    write(t, "no-final-newline", b"\0" + pem_text(ca)[:-1])
    write(t, "garbage", b"\0" + b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n")
    write(t, "unterminated", b"\0" + pem_text(ca)[:100])
    write(t, "der-ec-ca", b"\x01" + ca)
    write(t, "der-ec-leaf-twice", b"\x03" + leaf)
    write(t, "der-rsa-then-key", b"\x07" + rsa)
    write(t, "der-empty", b"\x01")


def sans():
    t = "san"
    leaf = cert_ec("leaf", san=LOCAL_SAN)
    write(t, "ipv4-match", b"\x00" + IP4 + leaf)
    write(t, "ipv6-match", b"\x01" + IP6 + leaf)
    write(t, "ipv4-other", b"\x00" + bytes([10, 0, 0, 1]) + leaf)
    write(t, "critical-san", b"\x00" + IP4 + cert_ec("crit", san=(("ip", IP4),), critical_san=True))
    write(t, "ca-and-san", b"\x00" + IP4 + cert_ec("both", ca=True, san=(("dns", "a.example"), ("ip", IP4))))
    write(t, "no-san", b"\x00" + IP4 + cert_ec("plain", ca=True))
    write(t, "rsa-san", b"\x01" + IP6 + cert_rsa("rsa", san=LOCAL_SAN))


def main():
    if os.path.isdir(CORPUS):
        shutil.rmtree(CORPUS)
    frames()
    upgrades()
    utf8s()
    options()
    pems()
    sans()
    for t in sorted(os.listdir(CORPUS)):
        files = os.listdir(os.path.join(CORPUS, t))
        size = sum(os.path.getsize(os.path.join(CORPUS, t, f)) for f in files)
        print("%-8s %3d seeds, %6d bytes" % (t, len(files), size))


if __name__ == "__main__":
    main()
