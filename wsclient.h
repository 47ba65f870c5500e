/* wsclient.h - v0.1.0 - MIT license - a WebSocket client (RFC 6455) over TCP and BearSSL TLS

   The C form of the WinDev function WebSocketClientConnectSSL and the socket
   functions it works with (SocketRead, SocketWrite, SocketClose, SocketExist).

   DO THIS
       #define WSCLIENT_IMPLEMENTATION
   before you include this file in *one* C or C++ file to create the
   implementation. Every other file includes it without the define.

       #include ...
       #define WSCLIENT_IMPLEMENTATION
       #include "wsclient.h"

   and link with BearSSL:  cc app.c -lbearssl
   or, for TLS 1.3 on OpenSSL 3:
       cc -DWSCLIENT_TLS_OPENSSL app.c -lssl -lcrypto -lbearssl

   EXAMPLE (synchronous, WinDev's first example)

       if (wsc_connect_ssl("wbsocket", "echo.example.org", 0, NULL, NULL, 0, 0)) {
           if (wsc_write("wbsocket", "Hello world!")) {
               char msg[256];
               long n = wsc_read("wbsocket", msg, sizeof msg, WSC_WAIT_FOREVER, NULL);
               if (n >= 0) printf("Server answered: %s\n", msg);
           }
           wsc_close("wbsocket");
       } else {
           fprintf(stderr, "%s\n", wsc_error_info());
       }

   EXAMPLE (asynchronous, WinDev's second example)

       static void on_event(const wsc_event_data *ev) {
           switch (ev->event) {
           case WSC_EVENT_OPEN:    wsc_write(ev->name, "Message from the client."); break;
           case WSC_EVENT_MESSAGE: printf("Server message: %s\n", ev->message); break;
           case WSC_EVENT_CLOSE:   printf("Closed: %d %s\n", ev->code, ev->message); break;
           case WSC_EVENT_ERROR:   printf("Error: %s\n", ev->message); break;
           }
       }
       wsc_connect_ssl_async("client", on_event, "192.168.100.1", 443, "MyProject", NULL, 0);
       while (wsc_count() > 0) wsc_pump(100);

   API (WinDev function -> C)

       WebSocketClientConnectSSL, sync  -> wsc_connect_ssl(name, address, port, path, protocols, ssl_options, timeout_ms)
       WebSocketClientConnectSSL, async -> wsc_connect_ssl_async(name, callback, address, port, path, protocols, ssl_options)
       WebSocketClientConnect (plain)   -> wsc_connect, wsc_connect_async
       every option, or a ws:// / wss:// URL -> wsc_open(name, &config)
       request headers -> wsc_config.headers, origin, user_agent; credentials
                        in the URL (wss://user:password@host/) go as Basic
       SocketWrite   -> wsc_write (text, NUL-terminated), wsc_write_text, wsc_write_binary,
                        wsc_write_part (one message in several frames)
       SocketRead    -> wsc_read (one whole message into a buffer), wsc_read_alloc
       SocketClose   -> wsc_close (close handshake with a bounded wait, frees the name),
                        wsc_close_with (your close code and reason), wsc_abort
                        (drop at once, no handshake), wsc_close_status (the
                        server's close code and reason)
       SocketExist   -> wsc_exist
       SocketChangeTransmissionMode -> wsc_change_transmission_mode (accepted, no effect)
       ErrorInfo     -> wsc_error_info (text), wsc_error_code (WSC_ERR_*)
       event loop    -> wsc_pump(timeout_ms): waits on every socket, runs callbacks
       threads       -> wsc_wake (ends every wait now); wsc_watches (the
                        descriptors and deadline for a host event loop:
                        epoll, libuv, GLib; see examples/uv_echo.c)
       also          -> wsc_protocol (chosen subprotocol), wsc_count, wsc_close_all,
                        wsc_duration_ms ("1 min 30 s" -> 90000, as WinDev's
                        readable timeouts)
       transport     -> wsc_set_transport / wsc_config.transport: your own
                        connect, send, recv, wait, close (lwIP, a pipe, a
                        modem); see examples/memory_transport.c
       TLS           -> wsc_tls_get_info (version, cipher suite, resumed,
                        memory, ALPN), wsc_tls_clear_cache; wsc_config: trust
                        anchors, pins, clock hook, buffer size, a client
                        certificate (docs/tls.md)
       keepalive     -> wsc_config.ping_interval_ms, pong_timeout_ms (no pong in
                        time: WSC_ERR_TIMEOUT), tcp_keepalive_*; wsc_ping,
                        WSC_EVENT_PONG, wsc_get_stats (docs/api.md "Keeping a
                        connection alive"); a synchronous socket pings only
                        inside calls on it and wsc_pump
       the answer    -> wsc_response_header, wsc_response_header_at (the 101's headers);
                        wsc_error_http_status, wsc_error_header,
                        wsc_error_body, ev->http_status (a refused upgrade);
                        wsc_config.max_redirects (docs/api.md "Redirects")
       proxies       -> wsc_config.proxy, or https_proxy / http_proxy /
                        no_proxy as curl (docs/api.md "Proxies")
       reconnect     -> wsc_config.reconnect (async sockets): backoff, then
                        WSC_EVENT_RECONNECTING (docs/api.md "Automatic reconnect")

   Optional parameters are 0 / NULL for WinDev's default: port 443 (80 for
   plain), path "/", no subprotocol, TLS mask WSC_TLS1 | WSC_TLS1_1 | WSC_TLS1_2.

   THREADS (README "Threads")
       - Every function may be called from any thread (not in WSCLIENT_SMALL
         or WSCLIENT_NO_THREADS builds: there, one thread at a time).
       - Callbacks run only inside wsc_pump, on the thread that called it; one
         thread pumps at a time. A callback may write, close, or connect any
         socket (wsc_pump itself may not be nested).
       - No lock is held while a call waits on the network or a callback runs:
         a write from another thread goes out at once, and wakes a waiting
         wsc_pump or wsc_read when it concerns them; wsc_wake() wakes them all.
       - Closing a socket that another thread reads ends that read at once
         (-1, WSC_ERR_CLOSED). wsc_error_info() and its kin are per thread.
       - Pointers into a socket (wsc_protocol, wsc_response_header) stay valid
         until it is closed: do not close it in another thread meanwhile.

   CONFIGURATION (define before the implementation include)

       WSCLIENT_MAX_SOCKETS      sockets in the table (default 16; thousands work: a name
                                 is found by hash, idle sockets wait in epoll on Linux)
       WSCLIENT_MAX_NAME         longest socket name, in bytes (default 63)
       WSCLIENT_MAX_MESSAGE      largest message sent or received (default 16 MiB);
                                 a larger incoming one fails the connection with 1009
       WSCLIENT_MAX_HEADER       largest HTTP upgrade response (default 8192)
       WSCLIENT_MAX_HEADERS      most extra request headers (default 32)
       WSCLIENT_MAX_REQUEST      largest HTTP upgrade request (default 8192)
       WSCLIENT_DEFAULT_TIMEOUT_MS  connect bound when timeout_ms is 0 (default 10000)
       WSCLIENT_CLOSE_TIMEOUT_MS wait for the close handshake (default 2000)
       WSCLIENT_WRITE_TIMEOUT_MS bound on a write waiting for the socket (default 10000)
       WSCLIENT_MALLOC(size, user) / WSCLIENT_REALLOC(ptr, size, user) /
       WSCLIENT_FREE(ptr, user)  allocator (define all three); user is the
                                 pointer given to wsc_set_allocator_user()
       WSCLIENT_NO_HEAP          no allocator at all: each socket slot owns a
                                 static arena of WSCLIENT_SOCKET_MEMORY bytes
                                 (default 3 * WSCLIENT_MAX_MESSAGE + 64 KiB;
                                 an odd size is refused: best a multiple of 16)
       WSCLIENT_NO_SOCKETS       leave out the BSD socket code: every socket
                                 uses a wsc_transport (wsc_set_transport)
       WSCLIENT_NO_THREADS       one thread only: no lock, and host names
                                 resolve on the caller's thread
       WSCLIENT_LOCK() / WSCLIENT_UNLOCK()  the lock on an RTOS (FreeRTOS,
                                 Zephyr: one mutex of yours; define both);
                                 default: POSIX threads or Windows SRW locks
                                 (glibc: none while the process has one
                                 thread, README "Threads")
       WSCLIENT_THREAD_LOCAL     how the last error is kept per thread
                                 (default _Thread_local / __thread /
                                 __declspec(thread); define it empty on an
                                 RTOS without thread-local storage: then
                                 one error for all threads)
       WSCLIENT_MAX_WAITERS      calls waiting at once that a wake reaches at
                                 once (default 16; more still wake, within
                                 10 ms)
       WSCLIENT_TLS_OPENSSL      TLS by OpenSSL 3 instead of BearSSL: TLS 1.0
                                 to 1.3, every bit of the mask exact; the same
                                 API, options and words (BearSSL still checks
                                 the certificates); tls_half_duplex is refused;
                                 not with WSCLIENT_SMALL or WSCLIENT_NO_HEAP
                                 (docs/tls.md "Backends")
       WSCLIENT_TLS_SESSIONS     TLS sessions kept for resumption, one per
                                 server (default 8; 0: never resume)
       WSCLIENT_TLS_READ_AHEAD   bytes a TLS socket reads ahead of the record
                                 BearSSL asks for, so that small records come
                                 several to a system call (default 512, 0:
                                 none; none in WSCLIENT_SMALL)
       WSCLIENT_ENTROPY(buf, len) fills buf with len random bytes from the
                                 device (a hardware RNG), nonzero on success;
                                 feeds the generator of masking keys and TLS
                                 (default: BearSSL's system entropy source, which bare
                                 metal lacks)
       WSCLIENT_NOW_MS()         a monotonic clock in milliseconds (default:
                                 clock_gettime(CLOCK_MONOTONIC), or
                                 QueryPerformanceCounter on Windows); bare
                                 metal passes its tick counter here
                                 (WSCLIENT_SMALL keeps 32 bits of it and
                                 compares across the wrap)
       WSCLIENT_GETADDRINFO(host, port, hints, res)  the resolver (a hook)
       WSCLIENT_NO_VECTOR        mask with 64-bit words, not gcc/clang vector types
       WSCLIENT_SMALL            the smallest build, for devices (under 10 KB of
                                 Cortex-M4 code; docs/platforms.md "Code size"): TLS trusts
                                 only compiled-in trust_anchors and sends only a
                                 compiled-in client_chain; ca_file, ca_pem,
                                 pins, pin_only, the insecure mode, client
                                 certificates from PEM, url and proxy are refused by
                                 name (WSC_ERR_ARGUMENT); no ALPN; an IP
                                 address needs server_name; host names are
                                 matched by BearSSL's rules alone ("*.com"
                                 matches example.com); no session resumption;
                                 shorter error words; no speed paths; of
                                 the server's answer only a refusal's
                                 status (wsc_error_http_status); no redirects,
                                 no automatic reconnect; no wsc_ping,
                                 wsc_get_stats or keepalive (their fields
                                 refused by name)
       WSCLIENT_ASSERT(x)        assertion (default assert from <assert.h>)
       WSCLIENT_API              linkage of the public functions (default extern)
       WSCLIENT_STATIC           makes every function static (private to one file)

   LIMITS AND GUARANTEES
       - Every wait is bounded by the timeout the call was given; WSC_WAIT_FOREVER
         exists only where the caller asks for it (wsc_read).
       - Going past a limit is an error with a message naming the macro to raise,
         never a crash or a silent cut.
       - A message is delivered whole or not at all (no end tag mode).
       - Host names are resolved with getaddrinfo() on a thread of their
         own, so a slow lookup never holds up wsc_pump or other sockets
         (inline with WSCLIENT_NO_THREADS or WSCLIENT_NO_HEAP: the call
         that steps the socket waits for it, the library's lock let go; the
         lookup cannot be cut short, but a connect whose timeout passed
         meanwhile fails as it ends); numeric addresses never touch DNS.
       - A host's addresses are raced (RFC 8305): the next one starts 250 ms
         after the previous one (at once when it fails), the first to
         connect wins; one that drops packets costs 250 ms, not the bound.
       - wsc_pump runs each socket's callbacks for 10 ms at most per call,
         so callbacks that write to a server that keeps sending cannot
         hold it.

   PLATFORMS (make portability builds and runs these; docs/platforms.md)
       - Linux and other POSIX systems: link -lbearssl; add -pthread where
         threads are not in libc (glibc before 2.34, the BSDs) or define
         WSCLIENT_NO_THREADS. Include the implementation before any system
         header, or pass -D_POSIX_C_SOURCE=200809L.
       - Windows (mingw-w64): link -lws2_32 -ladvapi32; include this file
         before windows.h. WSAStartup is called once for you. No system CA
         bundle: give ca_file, ca_pem or SSL_CERT_FILE. 4 times
         WSCLIENT_MAX_SOCKETS must not pass FD_SETSIZE (64 unless defined
         larger first; a connect races up to 4 addresses).
       - Bare metal: WSCLIENT_NO_SOCKETS with a wsc_transport, and
         WSCLIENT_NOW_MS(), WSCLIENT_ENTROPY(); WSCLIENT_NO_HEAP as needed.
       - 32-bit and big-endian CPUs need nothing (tested on i386 and s390x).

   DEPARTURES FROM WINDEV
       - TLS 1.3, SSL 2 and SSL 3 are not in BearSSL: those bits of the mask are
         ignored, and a mask with nothing else fails with WSC_ERR_TLS_VERSION.
         BearSSL takes a range of versions, so a mask with holes (TLS1 + TLS1_2)
         allows the whole range from its lowest to its highest version.
       - The default connect timeout is 10 s, not 10 ms: 10 ms fails most TLS
         handshakes that leave the machine.
       - The callback receives a wsc_event_data (event, socket name, message,
         length, binary flag, close code) rather than (event, message).

   REVISION HISTORY
       0.1.0  first release: socket table, sync and async connect on one engine,
              ws:// and wss://, RFC 6455 framing, close handshake.
*/

#ifndef WSCLIENT_H
#define WSCLIENT_H

#include <stddef.h>

#define WSCLIENT_VERSION_MAJOR 0
#define WSCLIENT_VERSION_MINOR 1
#define WSCLIENT_VERSION_PATCH 0
#define WSCLIENT_VERSION_STRING "0.1.0"

#ifndef WSCLIENT_API
#ifdef WSCLIENT_STATIC
#if defined(__GNUC__) || defined(__clang__)
#define WSCLIENT_API static __attribute__((unused)) /* a file may use only some */
#else
#define WSCLIENT_API static
#endif
#else
#define WSCLIENT_API extern
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* WinDev's SSL option mask (ProtocolSSL2 ... ProtocolTLS1_3). */
#define WSC_SSL2   0x01u
#define WSC_SSL3   0x02u
#define WSC_TLS1   0x04u
#define WSC_TLS1_1 0x08u
#define WSC_TLS1_2 0x10u
#define WSC_TLS1_3 0x20u
#define WSC_TLS_DEFAULT (WSC_TLS1 | WSC_TLS1_1 | WSC_TLS1_2)

/* Waits, in milliseconds. */
#define WSC_NO_WAIT        0
#define WSC_WAIT_FOREVER (-1)

/* Callback events (WinDev's SocketOpening / SocketMessage / SocketClosing / SocketError). */
enum {
    WSC_EVENT_OPEN = 1,
    WSC_EVENT_MESSAGE,
    WSC_EVENT_CLOSE,
    WSC_EVENT_ERROR,
    WSC_EVENT_RECONNECTING, /* wsc_config.reconnect: the connection ended, the
                              next attempt comes in ev->reconnect_ms        */
    WSC_EVENT_PONG     /* a pong came: message, length its payload; code the
                          round trip in ms of the ping it answers, -1 for a
                          pong that answers none of ours (RFC 6455 §5.5.3) */
};

/* Result codes, read back with wsc_error_code(). */
typedef enum wsc_result {
    WSC_OK = 0,
    WSC_ERR_ARGUMENT,        /* bad parameter from the caller                  */
    WSC_ERR_UNKNOWN_SOCKET,  /* no socket of that name                         */
    WSC_ERR_NAME_IN_USE,     /* a socket of that name exists                   */
    WSC_ERR_NAME_TOO_LONG,   /* longer than WSCLIENT_MAX_NAME                  */
    WSC_ERR_TABLE_FULL,      /* WSCLIENT_MAX_SOCKETS sockets are open          */
    WSC_ERR_NO_MEMORY,       /* the allocator failed                           */
    WSC_ERR_DNS,             /* the host name did not resolve                  */
    WSC_ERR_CONNECT,         /* TCP connect refused or unreachable             */
    WSC_ERR_TIMEOUT,         /* the call's bound ran out                       */
    WSC_ERR_TLS_VERSION,     /* the mask leaves no version BearSSL can do      */
    WSC_ERR_TLS,             /* TLS handshake or record failure, alert         */
    WSC_ERR_CERTIFICATE,     /* the server certificate failed a check          */
    WSC_ERR_HTTP_STATUS,     /* the server answered the upgrade with non-101   */
    WSC_ERR_HANDSHAKE,       /* the 101 answer broke RFC 6455 §4.1             */
    WSC_ERR_SUBPROTOCOL,     /* the server accepted none of our protocols      */
    WSC_ERR_PROTOCOL,        /* the server broke RFC 6455 framing              */
    WSC_ERR_MESSAGE_TOO_BIG, /* over WSCLIENT_MAX_MESSAGE                      */
    WSC_ERR_BUFFER_TOO_SMALL,/* the caller's buffer cannot hold the message    */
    WSC_ERR_CLOSED,          /* the connection is closed or closing            */
    WSC_ERR_NOT_OPEN,        /* the socket is still connecting                 */
    WSC_ERR_STATE,           /* the call does not fit this socket              */
    WSC_ERR_IO,              /* the operating system reported a socket error  */
    WSC_ERR_QUEUE_FULL,      /* WSCLIENT_MAX_MESSAGE bytes wait to go out: the
                                write was refused whole (nothing queued)        */
    WSC_ERR_INTERRUPTED      /* wsc_wake() ended a wsc_read before a message  */
} wsc_result;

/* What a callback receives. Its pointers are valid until the callback
   returns, even when it closes the socket or opens one under the same name. */
typedef struct wsc_event_data {
    const char *name;    /* the socket's name                                   */
    int event;           /* WSC_EVENT_*                                         */
    const char *message; /* MESSAGE: payload, NUL-terminated; CLOSE: reason;
                            ERROR: the error text; OPEN: chosen subprotocol     */
    size_t length;       /* bytes in message (without the terminating NUL)      */
    int binary;          /* MESSAGE: 1 for a binary message, 0 for text         */
    int code;            /* CLOSE: close code (1005 when none); ERROR: WSC_ERR_*;
                            PONG: round trip in ms, -1: not an answer to ours */
    void *user;          /* wsc_config.user                                     */
    int http_status;     /* ERROR: the HTTP status of a refused upgrade (401,
                            302 ...), 0 when the failure was not a refusal      */
    int reconnect_ms;    /* RECONNECTING: milliseconds until the next attempt
                            (code, message and http_status: what ended it)      */
    int attempt;         /* RECONNECTING: the number of that attempt, 1 after
                            each drop of an open connection                     */
} wsc_event_data;

typedef void (*wsc_callback)(const wsc_event_data *ev);

/* Transport: how bytes reach the server. The built-in one is TCP over BSD
   sockets (left out with WSCLIENT_NO_SOCKETS); a user transport (lwIP, a
   serial link, a test that injects faults) supplies these functions. None of
   them may block, but wait(). TLS and framing run on top unchanged. */
#define WSC_IO_AGAIN 0     /* nothing moved now                              */
#define WSC_IO_ERROR (-1)  /* the connection failed                          */
#define WSC_IO_EOF   (-2)  /* recv: the peer ended its side of the stream    */
#define WSC_IO_READ  1
#define WSC_IO_WRITE 2

typedef struct wsc_io_wait {
    void *conn;  /* a connection of this transport                           */
    int events;  /* WSC_IO_READ | WSC_IO_WRITE: what the library waits for   */
    int revents; /* what wait() found ready (the library does not rely on it) */
} wsc_io_wait;

typedef struct wsc_transport {
    void *user; /* passed back to every function */
    /* Starts connecting to host:port (a host name or an IP literal) and
       returns the connection, or NULL. It may return before the connection is
       up: send and recv then return WSC_IO_AGAIN until it is. */
    void *(*connect)(void *user, const char *host, int port);
    /* Bytes taken (<= len), WSC_IO_AGAIN, or WSC_IO_ERROR. */
    long (*send)(void *user, void *conn, const void *data, size_t len);
    /* Bytes read (<= len), WSC_IO_AGAIN, WSC_IO_EOF, or WSC_IO_ERROR. */
    long (*recv)(void *user, void *conn, void *buf, size_t len);
    /* Waits until one of the count connections is ready as asked, or
       timeout_ms passes (-1: no bound; count may be 0: just sleep). */
    int (*wait)(void *user, wsc_io_wait *items, int count, int timeout_ms);
    void (*close)(void *user, void *conn);
    /* Optional: words for the last failure of conn (conn NULL: of connect). */
    const char *(*error)(void *user, void *conn);
    /* Optional: makes a wait() running in another thread return now (called
       from any thread). Without it, a call waiting in wait() sees another
       thread's write or wsc_wake() only when its wait() returns. Every
       function but wait() runs with the library's lock held: none may call
       the library (README "Threads"). */
    void (*wake)(void *user);
} wsc_transport;

/* One extra header of the upgrade request: "name: value" (wsc_config.headers). */
typedef struct wsc_header {
    const char *name;  /* an RFC 9110 token, e.g. "Authorization"                */
    const char *value; /* no CR, LF or other control character (HTAB is fine),
                          no white space at either end                          */
} wsc_header;

/* Every connect option. Zero means "the default", so new fields never break callers. */
typedef struct wsc_config {
    const char *url;         /* "ws://host:port/path" or "wss://...": sets the
                                four fields below (which are then ignored)      */
    const char *address;     /* host name, IPv4, or IPv6 literal ([::1] or ::1)  */
    int port;                /* 0: 443 for TLS, 80 for plain                     */
    const char *path;        /* NULL or "": "/"; may carry a query string        */
    int tls;                 /* 1: wss://                                         */
    const char *protocols;   /* comma-separated subprotocols, NULL: none         */
    unsigned ssl_options;    /* WSC_TLS* mask, 0: WSC_TLS_DEFAULT                */
    int timeout_ms;          /* bound on the whole connect, 0: default           */
    wsc_callback callback;   /* NULL: a synchronous socket                       */
    void *user;              /* passed back in wsc_event_data.user               */
    const char *ca_file;     /* PEM file of trusted CAs, NULL: the system bundle */
    const char *ca_pem;      /* PEM text of trusted CAs (takes precedence)       */
    size_t ca_pem_len;       /* 0: strlen(ca_pem)                                */
    const char *server_name; /* name for SNI and the certificate check, NULL: address */
    int dangerous_no_certificate_check; /* 1: accept ANY server certificate: no
                                trust, date or name check. Testing only.        */
    /* TLS, more (docs/tls.md): trust, pinning, clock, memory, resumption */
    const void *trust_anchors; /* const br_x509_trust_anchor[]: CAs compiled in
                                (make anchors); takes precedence over ca_pem    */
    size_t trust_anchor_count;
    const char *pinned_keys; /* "sha256//<base64>", several split by ';': the
                                SHA-256 of the server key (SubjectPublicKeyInfo),
                                checked on top of the CA chain                  */
    const unsigned char *pinned_keys_raw; /* the same as 32-byte digests      */
    size_t pinned_keys_raw_count;
    int pin_only;            /* 1: a pin match alone is enough: no CA, date or
                                name check (self-signed servers); needs at least
                                one pin, else the connect is refused            */
    long long (*unix_time)(void *user); /* the time for certificate dates and
                                a Retry-After date, in seconds since 1970
                                (devices without a clock); gets user; < 0:
                                unknown. NULL: the system's                     */
    unsigned tls_max_fragment; /* 0: 16384; 4096, 2048, 1024, 512: a smaller
                                buffer, the server is asked for max_fragment_length */
    int tls_half_duplex;     /* 1: one TLS buffer for both directions (less RAM) */
    int tls_no_resume;       /* 1: neither resume nor keep a TLS session        */
    /* TLS client certificate, for servers that demand one (mutual TLS; docs/tls.md
       "Client certificates"): a chain, leaf first, and its RSA or EC key. */
    const char *client_cert_pem; /* PEM text of the chain (may hold the key too) */
    size_t client_cert_pem_len; /* 0: strlen(client_cert_pem)                   */
    const char *client_key_pem; /* PEM text of the private key (PKCS#8, or RSA /
                                EC PRIVATE KEY; not encrypted)                  */
    size_t client_key_pem_len; /* 0: strlen(client_key_pem)                     */
    const char *client_cert_file; /* the chain from a PEM file (client_cert_pem
                                takes precedence)                               */
    const char *client_key_file; /* the key from a PEM file (client_key_pem takes
                                precedence)                                     */
    const void *client_chain; /* const br_x509_certificate[]: the chain compiled
                                in (make client-cert); takes precedence         */
    size_t client_chain_count;
    const void *client_key;  /* with client_chain: const br_rsa_private_key * or
                                const br_ec_private_key *, as client_key_type   */
    int client_key_type;     /* BR_KEYTYPE_RSA or BR_KEYTYPE_EC                  */
    int write_timeout_ms;    /* 0: WSCLIENT_WRITE_TIMEOUT_MS                     */
    int close_timeout_ms;    /* 0: WSCLIENT_CLOSE_TIMEOUT_MS                     */
    const wsc_transport *transport; /* NULL: the one set by wsc_set_transport,
                                else the built-in TCP                           */
    /* The upgrade request, more (docs/api.md "Request headers") */
    const wsc_header *headers; /* extra request headers, sent in this
                                order; checked: RFC 9110 token names, no control
                                character in values, none the library sets     */
    size_t header_count;     /* at most WSCLIENT_MAX_HEADERS                    */
    const char *origin;      /* the Origin header, NULL or "": none              */
    const char *user_agent;  /* NULL: "wsclient.h/" WSCLIENT_VERSION_STRING;
                                "": no User-Agent header                        */
    int max_redirects;       /* 0: a 3xx answer is a refusal, as in WinDev; n:
                                follow up to n redirects (at most 10; docs/api.md
                                "Redirects"), all within timeout_ms. Ignored
                                by WSCLIENT_SMALL                               */
    const char *proxy;       /* "http://[user:password@]host[:port]" (port 1080
                                when none, as curl): the built-in TCP goes
                                through the proxy's CONNECT tunnel; TLS still
                                runs end to end with the server. NULL: from the
                                environment, as curl (https_proxy, http_proxy,
                                all_proxy, no_proxy; docs/api.md "Proxies"); "": no
                                proxy, environment ignored. A user transport
                                never uses one. Refused by WSCLIENT_SMALL     */
    /* Automatic reconnect of an asynchronous socket (docs/api.md "Automatic
       reconnect"); refused on a synchronous one and by WSCLIENT_SMALL. The
       socket keeps a shallow copy of this struct: what its pointers name
       (ca_file, ca_pem, trust_anchors, pins, headers' strings are copied)
       must stay valid while it lives. */
    int reconnect;           /* 1: after a drop, connect again (with backoff)   */
    int reconnect_min_ms;    /* first wait, 0: 500                              */
    int reconnect_max_ms;    /* the waits double up to it, 0: 30000             */
    int reconnect_max_attempts; /* failed attempts in a row before the ERROR
                                event, 0: no cap                                */
    /* Keeping the connection alive (docs/api.md "Keeping a connection alive");
       not in WSCLIENT_SMALL, which refuses these fields by name */
    int ping_interval_ms;    /* 0: no pings of our own (as WinDev); n: a ping
                                n ms after the last one, once it was answered */
    int pong_timeout_ms;     /* how long a ping of ours may wait for its pong;
                                then the socket fails with WSC_ERR_TIMEOUT.
                                0: ping_interval_ms (0 with it: no bound)      */
    int tcp_keepalive_idle_s;     /* built-in TCP only (a wsc_transport is left
                                alone): SO_KEEPALIVE probes after this idle
                                time; 0: 60 s; -1 in any of the three: off     */
    int tcp_keepalive_interval_s; /* between probes; 0: 10 s                  */
    int tcp_keepalive_count;      /* probes unanswered before the kernel ends
                                the connection; 0: 6                           */
} wsc_config;

/* What went over one socket (wsc_get_stats). Messages and bytes are those of
   whole data messages (payload bytes, not framing or TLS); a message sent in
   parts counts once, at its last part. */
typedef struct wsc_stats {
    long long connected_ms;  /* since the upgrade succeeded (0 before)        */
    int last_rtt_ms;         /* round trip of the last answered ping, -1: none */
    long long messages_in, messages_out;
    long long bytes_in, bytes_out;
    long long pings_sent, pongs_received; /* ours (wsc_ping, keepalive); every pong */
    long long pings_received, pongs_sent; /* the server's; answers (a late one
                                answers only the latest ping, §5.5.3)           */
} wsc_stats;

/* What a TLS socket negotiated, and the memory its TLS part holds. */
typedef struct wsc_tls_info {
    unsigned version;        /* 0x0301 TLS 1.0 ... 0x0304 TLS 1.3 (OpenSSL only) */
    const char *version_name;/* "TLS 1.2"                                       */
    unsigned cipher_suite;   /* IANA number, e.g. 0xC02B                        */
    const char *cipher_name; /* IANA name, e.g. "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256" */
    int resumed;             /* 1: the handshake resumed a kept session         */
    unsigned max_fragment;   /* largest record payload either way (512 ... 16384) */
    int half_duplex;         /* 1: one buffer for both directions               */
    size_t buffer_size;      /* bytes of the TLS I/O buffer                      */
    size_t context_size;     /* bytes of our TLS state (OpenSSL: not its own)   */
    const char *alpn;        /* the protocol the server chose by ALPN (RFC 7301):
                                "http/1.1", or "" when it chose none            */
    int client_cert;         /* 1: the server asked for our certificate in this
                                handshake and got it (0 when resumed)          */
} wsc_tls_info;

/* Synchronous connects: return 1 once the socket is open, 0 on failure (see wsc_error_info). */
WSCLIENT_API int wsc_connect_ssl(const char *name, const char *address, int port, const char *path,
                                 const char *protocols, unsigned ssl_options, int timeout_ms);
WSCLIENT_API int wsc_connect(const char *name, const char *address, int port, const char *path,
                             const char *protocols, int timeout_ms);
/* Asynchronous connects: return 1 when started, 0 when refused at once (bad
   argument, name in use, table full). Later failures arrive as WSC_EVENT_ERROR. */
WSCLIENT_API int wsc_connect_ssl_async(const char *name, wsc_callback callback, const char *address,
                                       int port, const char *path, const char *protocols,
                                       unsigned ssl_options);
WSCLIENT_API int wsc_connect_async(const char *name, wsc_callback callback, const char *address,
                                   int port, const char *path, const char *protocols);
/* Any option: synchronous when config->callback is NULL, asynchronous otherwise. */
WSCLIENT_API int wsc_open(const char *name, const wsc_config *config);

/* Send one message. A synchronous socket returns 1 once the transport has
   every byte, an asynchronous one once the message is queued (wsc_pump
   sends it); 0 on failure. Two failures say what became of the message:
     WSC_ERR_TIMEOUT     write_timeout_ms ran out (the server is not reading):
                         the message stays queued and WILL be sent, whole and
                         in order, while the socket lives. Do not write it
                         again: it would go twice.
     WSC_ERR_QUEUE_FULL  what earlier writes left to go out, with this
                         message, would pass WSCLIENT_MAX_MESSAGE (a message
                         alone may be that large): refused at once, nothing
                         of it queued; it may be written again later.
   Any other failure queued nothing of it either. */
WSCLIENT_API int wsc_write(const char *name, const char *text);
WSCLIENT_API int wsc_write_text(const char *name, const char *text, size_t length);
WSCLIENT_API int wsc_write_binary(const char *name, const void *data, size_t length);
/* Send one message in parts, each part one frame (RFC 6455 §5.4): the first
   call starts it, the call with last = 1 ends it; binary must stay the same.
   For messages larger than you want to hold at once. Other messages wait
   until it ends; pings are still answered between parts. */
WSCLIENT_API int wsc_write_part(const char *name, const void *data, size_t length, int binary, int last);
/* Batches: many small messages in few TLS records and system calls. Not in
   WSCLIENT_SMALL. wsc_write_more queues one whole message (binary or text)
   and returns 1 without waiting for the transport: the bytes are handed to
   it, in order, at the latest by the next wsc_write* or wsc_flush on that
   socket, or when any call of the library waits (wsc_read, wsc_pump, a sync
   write, a close); earlier, a record at a time (16 KiB; over ws:// 64 KiB
   when WSCLIENT_MAX_MESSAGE is 256 KiB or more, as by default), when that
   much is queued. Its failures are a write's: WSC_ERR_QUEUE_FULL when the
   queued bytes with this message would pass WSCLIENT_MAX_MESSAGE (refused
   whole, nothing queued); past 16 KiB (64 KiB) queued it moves what the
   transport takes now, never waiting. wsc_flush hands the queue to the
   transport with a write's promise: a synchronous socket returns 1 once
   the transport has every byte (or 0 with WSC_ERR_TIMEOUT after
   write_timeout_ms: the bytes stay queued and will go), an asynchronous
   one once what goes now went (wsc_pump sends the rest). An asynchronous
   socket needs neither: what its callbacks write, and what the thread that
   pumps writes between pumps, is batched alike and goes out before
   wsc_pump waits or returns. */
#ifndef WSCLIENT_SMALL
WSCLIENT_API int wsc_write_more(const char *name, const void *data, size_t length, int binary);
WSCLIENT_API int wsc_flush(const char *name);
#endif

/* Send a ping (RFC 6455 §5.5.2) on an open socket: payload up to 125 bytes
   (more: WSC_ERR_ARGUMENT), NULL with length 0 for none. It goes between the
   frames of any message being sent. Its pong shows in wsc_get_stats
   (last_rtt_ms) and, for an asynchronous socket, as WSC_EVENT_PONG. A
   synchronous socket sends it as a write does (returns once the transport
   has it) and sees the pong only inside later calls and wsc_pump. With
   pong_timeout_ms set, no pong in time fails the socket (WSC_ERR_TIMEOUT).
   Not in WSCLIENT_SMALL. */
#ifndef WSCLIENT_SMALL
WSCLIENT_API int wsc_ping(const char *name, const void *payload, size_t length);
/* The counts of a socket so far (wsc_stats). Returns 0 for an unknown name.
   Not in WSCLIENT_SMALL. */
WSCLIENT_API int wsc_get_stats(const char *name, wsc_stats *stats);
#endif

/* Read one whole message of a synchronous socket into buf, NUL-terminated
   when shorter than capacity. timeout_ms: WSC_NO_WAIT, a bound, or
   WSC_WAIT_FOREVER. Returns its length, or -1 (timeout, closed, error). A
   message larger than capacity stays queued and the call fails with
   WSC_ERR_BUFFER_TOO_SMALL. While it waits, a message may arrive straight
   into buf; after -1 buf may hold part of one (it stays queued whole for
   the next read), and buf is never written once the call returned. */
WSCLIENT_API long wsc_read(const char *name, void *buf, size_t capacity, int timeout_ms, int *binary);
/* Same, into memory the caller frees with wsc_free(). NULL on failure. */
WSCLIENT_API char *wsc_read_alloc(const char *name, int timeout_ms, size_t *length, int *binary);
WSCLIENT_API void wsc_free(void *p);

/* Close handshake (bounded by close_timeout_ms), then frees the name. Returns 1
   when the handshake completed cleanly, 0 otherwise; the socket is gone either way. */
WSCLIENT_API int wsc_close(const char *name);
WSCLIENT_API void wsc_close_all(void);

/* Close with a status code and reason of your choosing (RFC 6455 §7.4).
   code: 1000-1003, 1007-1011 (1010: the server lacks an extension the
   client needs) or 3000-4999. Refused: 0-999 and 5000 up (not close codes),
   1004 and 1016-2999 (reserved), 1005, 1006 and 1015 (they only report a
   close that had no code, no close frame, a failed TLS handshake: never
   sent), 1012-1014 (registered for servers: restart, try again later, bad
   gateway). reason: NULL or "" for none, else valid UTF-8 of at most
   WSC_CLOSE_REASON_MAX (123) bytes, the 125 of a control frame less the
   code's 2. A refusal fails with WSC_ERR_ARGUMENT and touches nothing: the
   socket stays open and usable.
   Synchronous socket: as wsc_close (the handshake bounded by
   close_timeout_ms, then the name is freed; 1 when it completed cleanly);
   wsc_close_status then reads the server's answer.
   Asynchronous socket: queues the close frame and returns 1; wsc_pump sends
   it and delivers WSC_EVENT_CLOSE with the server's answer code (or
   WSC_EVENT_ERROR: no answer within close_timeout_ms). On an asynchronous
   socket that is not open (connecting, closing) it fails with
   WSC_ERR_NOT_OPEN or WSC_ERR_CLOSED and changes nothing. */
#define WSC_CLOSE_REASON_MAX 123
WSCLIENT_API int wsc_close_with(const char *name, int code, const char *reason);
/* Drops the connection at once, without the close handshake, and frees the
   name; returns 1 (0: unknown name). Never waits: no close frame, no TLS
   close_notify, only the transport's close (the kernel sends FIN, or RST
   when received bytes were left unread). What waited to be sent (a write
   that timed out, queued messages of an asynchronous socket) is dropped,
   and an asynchronous socket gets no further event. */
WSCLIENT_API int wsc_abort(const char *name);
/* How the connection of a socket ended: *code is the server's close code
   (1005: its close frame had none), or 1006 when the connection ended
   without a close frame from the server (dropped, reset, failed, no answer
   to ours); reason gets the server's close reason ("" for none), up to
   WSC_CLOSE_REASON_MAX bytes and a NUL. code or reason may be NULL. Returns
   1; 0 with WSC_ERR_STATE while the connection is up and the server has not
   closed it (*code 0), WSC_ERR_BUFFER_TOO_SMALL when the reason does not fit
   capacity (*code is set), or WSC_ERR_UNKNOWN_SOCKET. Looks at what arrived
   first, without waiting. A synchronous socket keeps its name after the
   server closed it, until wsc_close. After wsc_close, wsc_close_with or
   wsc_abort freed the name, the status of that socket stays readable under
   its name (the server's answer to our close) until the next of those calls
   or a new socket of that name; not in WSCLIENT_SMALL. An asynchronous
   socket's close comes in its WSC_EVENT_CLOSE (code) or WSC_EVENT_ERROR (a
   connection that ended without a close frame). */
WSCLIENT_API int wsc_close_status(const char *name, int *code, char *reason, size_t capacity);

/* A duration written for people, as WinDev takes "1 s" or "10 ms", into
   milliseconds: a number and a unit, several from the largest unit down
   ("1 min 30 s", "1h 2min", "2 s 500 ms"). Units, in any case: h, min,
   s or sec, ms; a space between number and unit is optional. A bare number
   is milliseconds (WinDev's integer timeout). Refused, with
   WSC_ERR_ARGUMENT and words: empty text, a sign, fractions ("1.5 s": write
   "1 s 500 ms"), other units ("1 m" could be minutes), a unit twice or out of
   order ("30 s 1 min"), anything trailing, and a total past INT_MAX ms
   (about 24.8 days). Returns 1 with *ms set, else 0 and *ms untouched. */
WSCLIENT_API int wsc_duration_ms(const char *text, int *ms);
WSCLIENT_API int wsc_exist(const char *name);
WSCLIENT_API int wsc_count(void);
/* The subprotocol the server chose ("" for none), or NULL for an unknown name. */
WSCLIENT_API const char *wsc_protocol(const char *name);
/* SocketChangeTransmissionMode has no effect on a WebSocket: one call is one message. */
WSCLIENT_API int wsc_change_transmission_mode(const char *name, int mode);

/* Wait up to timeout_ms for activity on every socket and run the callbacks
   (each socket's for 10 ms at most: the rest come in the next call).
   Returns the number of events delivered, or -1 when called from a callback.
   With WSC_WAIT_FOREVER it returns 0 at once when no socket has a callback
   (synchronous sockets give no events, so none could ever come).
   Synchronous sockets are served too, without taking their messages (they
   stay queued for wsc_read): their keepalive pings go out, their pongs are
   read and their pong deadlines checked, so a program that only pumps
   keeps them alive; the wait wakes for each due ping. */
WSCLIENT_API int wsc_pump(int timeout_ms);

/* Makes every wsc_pump and every wsc_read / wsc_read_alloc waiting in any
   thread return at once: wsc_pump with the events delivered so far (maybe 0),
   a read with -1 and WSC_ERR_INTERRUPTED (README "Threads"). Writes, closes
   and connects made in other threads need no wake: they wake the waits they
   concern themselves. */
WSCLIENT_API void wsc_wake(void);

/* Host event loops (epoll, libuv, GLib, a GUI toolkit): what the library
   waits on now, so that the program polls it in its own loop and calls
   wsc_pump(0) when one is ready or *timeout_ms has passed, then asks again
   (the set changes as sockets connect, reconnect and close). */
#ifdef _WIN32
#include <stdint.h>
typedef uintptr_t wsc_fd; /* a SOCKET */
#else
typedef int wsc_fd;
#endif
#define WSC_NO_FD ((wsc_fd)-1)
typedef struct wsc_watch {
    wsc_fd fd;                      /* a descriptor to poll, or WSC_NO_FD       */
    const wsc_transport *transport; /* WSC_NO_FD: the user transport ...        */
    void *conn;                     /* ... and its connection to wait on        */
    int events;                     /* WSC_IO_READ | WSC_IO_WRITE               */
} wsc_watch;
/* Fills out[0 .. capacity) and returns how many watches there are (more than
   capacity: call again with more room). *timeout_ms gets the milliseconds to
   the library's next deadline: -1 none, 0 call wsc_pump(0) now. Unless the
   build is single-threaded, the first watch is the library's wake descriptor:
   readable when another thread moved a socket or called wsc_wake();
   wsc_close_all closes it (the next wsc_watches makes a new one). Refused
   (-1, WSC_ERR_STATE) while wsc_pump runs. */
WSCLIENT_API int wsc_watches(wsc_watch *out, int capacity, int *timeout_ms);

WSCLIENT_API const char *wsc_error_info(void);
WSCLIENT_API wsc_result wsc_error_code(void);

/* The server's answer to the upgrade (docs/api.md "The server's answer").
   wsc_response_header: the index-th value (0-based) of a header of the 101 answer of
   an open socket (all values of a repeated one, Set-Cookie), by name in any
   case, trimmed, NUL-terminated, control bytes as spaces. NULL when absent or
   for an unknown name. Valid as long as the socket lives (until wsc_close, or
   the return of its CLOSE or ERROR callback); an async socket may ask from
   its OPEN event on. */
WSCLIENT_API const char *wsc_response_header(const char *name, const char *header, int index);
/* Every header of that answer in turn: the name of the index-th header line
   (0-based), its value in *value; NULL past the last one. */
WSCLIENT_API const char *wsc_response_header_at(const char *name, int index, const char **value);
/* A refused upgrade (a status other than 101), kept with the last error: after
   a failed synchronous connect, or during the WSC_EVENT_ERROR event of an
   asynchronous one (ev->http_status says the same), until the next call that
   sets the error (and during a WSC_EVENT_RECONNECTING event that a refusal
   caused). wsc_error_http_status: the status, 0 when the last failure
   was not a refusal. wsc_error_header: a header of the refusal as wsc_header
   reads it (WWW-Authenticate, Retry-After, Location first: up to 2 KiB of
   headers are kept). wsc_error_body: the first bytes of its body (at most
   256, NUL-terminated, as sent), their count in *length; NULL when none. */
WSCLIENT_API int wsc_error_http_status(void);
WSCLIENT_API const char *wsc_error_header(const char *header, int index);
WSCLIENT_API const char *wsc_error_body(size_t *length);

/* What the TLS handshake of a socket negotiated. Returns 1 once it is done;
   0 for an unknown name, a plain socket, or a handshake not yet done (the
   memory fields are filled for any TLS socket). */
WSCLIENT_API int wsc_tls_get_info(const char *name, wsc_tls_info *info);
/* Forgets the kept TLS sessions and the cached CA files (the next connects
   do full handshakes and read the CA files again) and frees that memory;
   in the OpenSSL build also the kept verdicts of certificate chains that
   passed (docs/tls.md) and the issuer keys made ready. */
WSCLIENT_API void wsc_tls_clear_cache(void);

/* The transport of sockets whose config names none (NULL: built-in TCP). The
   library keeps the pointer: the struct must outlive every socket using it. */
WSCLIENT_API void wsc_set_transport(const wsc_transport *transport);
/* The user pointer passed to WSCLIENT_MALLOC / WSCLIENT_REALLOC / WSCLIENT_FREE. */
WSCLIENT_API void wsc_set_allocator_user(void *user);

#ifdef __cplusplus
}
#endif
#endif /* WSCLIENT_H */

/* ======================================================================== */
/* >>implementation                                                         */
/* ======================================================================== */
#ifdef WSCLIENT_IMPLEMENTATION
#ifndef WSCLIENT_IMPLEMENTATION_DONE
#define WSCLIENT_IMPLEMENTATION_DONE

/* Strict -std=c99 hides POSIX; this works when the implementation is included
   before any system header (else pass -D_POSIX_C_SOURCE=200809L). */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE) && !defined(_GNU_SOURCE) && !defined(_DEFAULT_SOURCE) && \
    !defined(_XOPEN_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include <bearssl.h>
#ifdef WSCLIENT_TLS_OPENSSL /* TLS by OpenSSL 3; BearSSL still checks certificates (docs/tls.md "Backends") */
#if defined(WSCLIENT_SMALL) || defined(WSCLIENT_NO_HEAP)
#error "WSCLIENT_TLS_OPENSSL goes with neither WSCLIENT_SMALL nor WSCLIENT_NO_HEAP: OpenSSL allocates memory of its own"
#endif
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#define WSC__TLS_VERSIONS 4 /* TLS 1.0 to 1.3 */
#else
#define WSC__TLS_VERSIONS 3 /* TLS 1.0 to 1.2 */
#endif
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _WIN32
/* Winsock 2 must come before windows.h; include this file before windows.h
   (or define WIN32_LEAN_AND_MEAN first) so that it does not pull winsock.h. */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX /* no min/max macros to break the program's C++ */
#endif
#include <io.h> /* access() for the CA bundle paths */
#ifndef R_OK
#define R_OK 4
#endif
#ifndef WSCLIENT_NO_SOCKETS
#include <winsock2.h>
#include <ws2tcpip.h>
#include <mstcpip.h> /* SIO_KEEPALIVE_VALS: TCP keepalive times */
typedef SOCKET wsc__sock;
#define WSC__NO_SOCK INVALID_SOCKET
#if !defined(WSCLIENT_NO_HEAP) && !defined(WSCLIENT_NO_THREADS)
#define WSC__THREADED_DNS 1 /* host names resolve off the caller's thread */
#endif
#endif
#include <windows.h>
#else
#include <unistd.h>
#ifndef WSCLIENT_NO_SOCKETS
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/types.h>
typedef int wsc__sock;
#define WSC__NO_SOCK (-1)
#if defined(__linux__) && !defined(WSCLIENT_SMALL)
#define WSC__EPOLL 1 /* idle sockets wait in an epoll set, out of the pump's turns */
#include <sys/epoll.h>
#endif
#if !defined(WSCLIENT_NO_HEAP) && !defined(WSCLIENT_NO_THREADS)
#define WSC__THREADED_DNS 1 /* host names resolve off the caller's thread */
#include <pthread.h>
#endif
#endif
#endif

/* WSC__THREADS: any call from any thread (README "Threads"). One lock guards
   the library's state; a call lets go of it while it waits on the network
   and while a callback runs. */
#if defined(WSCLIENT_LOCK) && defined(WSCLIENT_UNLOCK)
#define WSC__THREADS 1
#define WSC__LOCK() WSCLIENT_LOCK()
#define WSC__UNLOCK() WSCLIENT_UNLOCK()
#elif defined(WSCLIENT_NO_THREADS) || defined(WSCLIENT_SMALL)
#define WSC__THREADS 0
#elif defined(_WIN32)
#define WSC__THREADS 1
static SRWLOCK wsc__mutex = SRWLOCK_INIT;
#define WSC__LOCK() AcquireSRWLockExclusive(&wsc__mutex)
#define WSC__UNLOCK() ReleaseSRWLockExclusive(&wsc__mutex)
#elif defined(__unix__) || defined(__APPLE__)
#include <pthread.h>
#define WSC__THREADS 1
static pthread_mutex_t wsc__mutex = PTHREAD_MUTEX_INITIALIZER;
/* A process of one thread takes no lock (glibc 2.32 on says so): the mutex
   is a tenth of the time of a small message. No other thread can start
   while a call holds the lock unless code of the user's runs under it: a
   hook compiled in turns this off, one given at run time (wsc__lock_real)
   makes every hold real from then on. */
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 32) && !defined(WSCLIENT_MALLOC) && \
    !defined(WSCLIENT_ENTROPY) && !defined(WSCLIENT_NOW_MS)
#include <sys/single_threaded.h>
#define WSC__ELIDE 1
static int wsc__lock_always; /* a hook of the user's runs under the lock */
static int wsc__lock_elided; /* the call in hand took no mutex */
static void wsc__lock(void) {
    if (__libc_single_threaded && !wsc__lock_always) wsc__lock_elided = 1;
    else pthread_mutex_lock(&wsc__mutex);
}
static void wsc__unlock(void) {
    if (wsc__lock_elided) wsc__lock_elided = 0;
    else pthread_mutex_unlock(&wsc__mutex);
}
/* Before code that may start a thread runs under the lock: the call's hold
   becomes a real one (always: every later hold too). */
static void wsc__lock_real(int always) {
    wsc__lock_always |= always;
    if (wsc__lock_elided) {
        wsc__lock_elided = 0;
        pthread_mutex_lock(&wsc__mutex);
    }
}
#define WSC__LOCK() wsc__lock()
#define WSC__UNLOCK() wsc__unlock()
#else
#define WSC__LOCK() pthread_mutex_lock(&wsc__mutex)
#define WSC__UNLOCK() pthread_mutex_unlock(&wsc__mutex)
#endif
#else
#define WSC__THREADS 0 /* no thread library known here: give WSCLIENT_LOCK / WSCLIENT_UNLOCK */
#endif
#if !WSC__THREADS
#define WSC__LOCK() ((void)0)
#define WSC__UNLOCK() ((void)0)
#endif
#ifndef WSC__ELIDE
#define wsc__lock_real(always) ((void)0)
#endif
/* The last error is the calling thread's (WSCLIENT_THREAD_LOCAL defined
   empty: one for all threads, for an RTOS without thread-local storage). */
#ifndef WSCLIENT_THREAD_LOCAL
#if !WSC__THREADS || defined(__TINYC__) /* (tcc has no thread-local storage) */
#define WSCLIENT_THREAD_LOCAL
#elif defined(_MSC_VER)
#define WSCLIENT_THREAD_LOCAL __declspec(thread)
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define WSCLIENT_THREAD_LOCAL _Thread_local
#else
#define WSCLIENT_THREAD_LOCAL __thread
#endif
#endif
#ifndef WSCLIENT_MAX_WAITERS
#define WSCLIENT_MAX_WAITERS 16 /* calls waiting at once that a wake reaches at once */
#endif

#ifndef WSCLIENT_MAX_SOCKETS
#define WSCLIENT_MAX_SOCKETS 16
#endif
#ifndef WSCLIENT_MAX_NAME
#define WSCLIENT_MAX_NAME 63
#endif
#ifndef WSCLIENT_MAX_MESSAGE
#define WSCLIENT_MAX_MESSAGE (16u * 1024u * 1024u)
#endif
#ifndef WSCLIENT_MAX_HEADER
#define WSCLIENT_MAX_HEADER 8192
#endif
#ifndef WSCLIENT_TLS_READ_AHEAD
#define WSCLIENT_TLS_READ_AHEAD 512
#endif
#if defined(WSCLIENT_SMALL) || WSCLIENT_TLS_READ_AHEAD <= 0
#define WSC__AHEAD 0
#else
#define WSC__AHEAD WSCLIENT_TLS_READ_AHEAD
#endif
#ifndef WSCLIENT_MAX_HEADERS
#define WSCLIENT_MAX_HEADERS 32
#endif
#ifndef WSCLIENT_MAX_REQUEST
#define WSCLIENT_MAX_REQUEST 8192
#endif
#ifndef WSCLIENT_DEFAULT_TIMEOUT_MS
#define WSCLIENT_DEFAULT_TIMEOUT_MS 10000
#endif
#ifndef WSCLIENT_CLOSE_TIMEOUT_MS
#define WSCLIENT_CLOSE_TIMEOUT_MS 2000
#endif
#ifndef WSCLIENT_WRITE_TIMEOUT_MS
#define WSCLIENT_WRITE_TIMEOUT_MS 10000
#endif
/* WSC__FAST: the speed paths (a sync write masked straight into the TLS
   record, a sync read received straight into the reader's buffer, masking
   and UTF-8 checks many bytes a turn, masking keys from ChaCha20, buffers
   kept for the next message, no second recv after an empty one). WSC__WORDS:
   the words that explain a failure beyond its code and one line (the stage
   it failed in, the HTTP reason phrase, a wss:// server speaking HTTP). Both
   are code, not behaviour: the small build goes without them. */
#ifdef WSCLIENT_SMALL
#define WSC__FAST 0
#define WSC__WORDS 0
#else
#define WSC__FAST 1
#define WSC__WORDS 1
#endif
/* C99's inline, which MSVC's C compiler knows only as __inline outside its C11 mode. */
#if defined(_MSC_VER) && !defined(__cplusplus)
#define WSC__INLINE_FN __inline
#else
#define WSC__INLINE_FN inline
#endif
/* WSC__PROXY: the HTTP CONNECT proxy of the built-in TCP (docs/api.md
   "Proxies"); neither the small build nor a build without sockets has it. */
#if !defined(WSCLIENT_SMALL) && !defined(WSCLIENT_NO_SOCKETS)
#define WSC__PROXY 1
#endif
#ifdef WSCLIENT_NO_HEAP
#ifndef WSCLIENT_SOCKET_MEMORY /* one socket's static storage: TLS context, buffers, messages */
#define WSCLIENT_SOCKET_MEMORY ((3u * WSCLIENT_MAX_MESSAGE + WSCLIENT_MAX_HEADER + WSCLIENT_MAX_REQUEST + 48u * 1024u + 15u) / 16u * 16u)
#elif (WSCLIENT_SOCKET_MEMORY) % 2
#error "wsclient.h: WSCLIENT_SOCKET_MEMORY must be even (best a multiple of 16): the low bit of an arena block's size marks it in use"
#endif
#elif !defined(WSCLIENT_MALLOC) || !defined(WSCLIENT_REALLOC) || !defined(WSCLIENT_FREE)
#define WSCLIENT_MALLOC(size, user) ((void)(user), malloc(size))
#define WSCLIENT_REALLOC(ptr, size, user) ((void)(user), realloc(ptr, size))
#define WSCLIENT_FREE(ptr, user) ((void)(user), free(ptr))
#endif
#ifndef WSCLIENT_ASSERT
#include <assert.h>
#define WSCLIENT_ASSERT(x) assert(x)
#endif
#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0 /* macOS and BSD: SO_NOSIGPIPE is set on the socket instead */
#endif

#define WSC__PLAIN_RX 16384 /* receive buffer of a plain TCP socket */
/* One advance of a socket works at most this long, and one receive pass
   takes at most this many bytes: a server that never stops sending (a flood
   of pings, data while we wait for its close) cannot keep a call from its
   deadline. */
#define WSC__SLICE_MS 10
/* RFC 8305 §5 (Happy Eyeballs): the next address gets its connect attempt
   after this "Connection Attempt Delay" (or at once when one fails), while
   up to WSC__RACE older attempts keep running; the first to connect wins. */
#define WSC__ATTEMPT_DELAY_MS 250
#define WSC__RACE 3
#define WSC__RX_BUDGET (16u * 1024u)
/* The most one read takes of a large frame's payload over plain TCP, read
   straight into its message (wsc__receive_payload). */
#define WSC__RX_STRAIGHT (1024u * 1024u)
/* A batch is handed on once this much waits: a full TLS record's worth. */
#define WSC__BATCH_BYTES 16384u
/* A sync write's payload is masked toward the transport this much at a
   time: a TLS record's worth; over plain TCP 64 KiB with what waits in out
   before it (a quarter of the system calls of 16 KiB parts, and still in
   the cache when the kernel copies it), but for the small and no-heap
   builds, whose memory is counted. */
#define WSC__TX_PART 16384u
#if WSC__FAST && !defined(WSCLIENT_NO_HEAP)
#define WSC__TX_TCP 65536u
#else
#define WSC__TX_TCP WSC__TX_PART
#endif
#define WSC__RX_PREALLOC (1024u * 1024u + 16u) /* room taken on a frame header's word */
#define WSC__INLINE 1024 /* a received payload up to this is copied into its queue record */
/* Bytes of masking keys one refill makes: a refill's fixed cost is 160 ns
   (AES-NI); at 1024 a key costs 1.6 ns where 256 made it 3.6, a stream of
   16-byte messages 2% of its time. Machines without AES-NI, devices
   among them, keep 256 bytes of static RAM. */
#if defined(__x86_64__) || defined(_M_X64) || defined(__i386__) || defined(_M_IX86)
#define WSC__KEYS 1024
#else
#define WSC__KEYS 256
#endif
/* Pongs go out at once while less than this waits to be sent; past it only
   the latest ping is answered once there is room (RFC 6455 §5.5.3), so a
   ping flood from a server that does not read cannot grow our memory. */
#define WSC__PONG_ROOM (64u * 1024u)
#define WSC__ERRLEN (WSC__WORDS ? 512 : 256) /* room for a refusal's headers and body excerpt */
#define WSC__BODY_MAX 256     /* bytes of a refusal's body kept (docs/api.md "Refusals") */
#define WSC__REFUSAL_KEEP 2048 /* bytes of a refusal's headers kept with the last error */
#define WSC__MAX_REDIRECTS 10 /* wsc_config.max_redirects above it counts as it */

typedef unsigned char wsc__u8;

/* ------------------------------------------------------------------------ */
/* Memory: every allocation goes through wsc__alloc / wsc__realloc /         */
/* wsc__free. With WSCLIENT_NO_HEAP each slot of the socket table owns a     */
/* static arena, and a socket's memory comes from its slot's arena only.     */
/* ------------------------------------------------------------------------ */

#ifdef WSCLIENT_NO_HEAP
typedef struct wsc__mem {
    wsc__u8 *base;
    size_t size;
    int ready;
} wsc__mem;

/* Arena blocks: a size_t header (block size, low bit set when in use) padded
   to WSC__ALIGN, then the payload. Free neighbours are merged as the
   first-fit scan walks over them. */
#define WSC__ALIGN 16u
#define WSC__BLOCK(p) (*(size_t *)(void *)(p))

static size_t wsc__round(size_t n) { return (n + WSC__ALIGN - 1) & ~(size_t)(WSC__ALIGN - 1); }

/* Merges the free blocks that follow the free block at p; returns its size.
   A block of 0 bytes (a broken header) ends the walk: no loop without progress. */
static size_t wsc__arena_merge(wsc__mem *m, wsc__u8 *p) {
    wsc__u8 *end = m->base + m->size;
    size_t sz = WSC__BLOCK(p) & ~(size_t)1, next;
    while (p + sz < end && (next = WSC__BLOCK(p + sz)) != 0 && !(next & 1)) sz += next;
    WSC__BLOCK(p) = sz;
    return sz;
}

/* Marks the first need bytes of the free block at p used, splitting off the rest. */
static void *wsc__arena_take(wsc__u8 *p, size_t sz, size_t need) {
    if (sz - need >= 2 * WSC__ALIGN) {
        WSC__BLOCK(p + need) = sz - need;
        sz = need;
    }
    WSC__BLOCK(p) = sz | 1;
    return p + WSC__ALIGN;
}

static void *wsc__arena_alloc(wsc__mem *m, size_t n) {
    wsc__u8 *p = m->base, *end = m->base + m->size;
    size_t need = wsc__round(n) + WSC__ALIGN;
    if (n > m->size) return NULL;
    if (!m->ready) { /* whole blocks only: an odd size would read as "in use" */
        m->size &= ~(size_t)(WSC__ALIGN - 1);
        end = m->base + m->size;
        WSC__BLOCK(p) = m->size;
        m->ready = 1;
    }
    while (p < end) {
        size_t sz = WSC__BLOCK(p);
        if (sz < 2) return NULL; /* a block of 0 bytes: fail, never loop on it */
        if (!(sz & 1) && (sz = wsc__arena_merge(m, p)) >= need) return wsc__arena_take(p, sz, need);
        p += sz & ~(size_t)1;
    }
    return NULL;
}

static void wsc__arena_free(void *ptr) {
    if (ptr) WSC__BLOCK((wsc__u8 *)ptr - WSC__ALIGN) &= ~(size_t)1;
}

static void *wsc__arena_realloc(wsc__mem *m, void *ptr, size_t n) {
    wsc__u8 *p;
    size_t old, have, need = wsc__round(n) + WSC__ALIGN;
    void *q;
    if (!ptr) return wsc__arena_alloc(m, n);
    if (n > m->size) return NULL;
    p = (wsc__u8 *)ptr - WSC__ALIGN;
    old = WSC__BLOCK(p) & ~(size_t)1;
    if (old >= need) return ptr;
    WSC__BLOCK(p) = old; /* grow in place over free neighbours if it can */
    have = wsc__arena_merge(m, p);
    if (have >= need) return wsc__arena_take(p, have, need);
    wsc__arena_take(p, have, old);
    if (!(q = wsc__arena_alloc(m, n))) return NULL;
    memcpy(q, ptr, old - WSC__ALIGN);
    wsc__arena_free(ptr);
    return q;
}

#define wsc__alloc(m, n) wsc__arena_alloc(m, n)
#define wsc__realloc(m, p, n) wsc__arena_realloc(m, p, n)
#define wsc__free(m, p) ((void)(m), wsc__arena_free(p))
#else
typedef struct wsc__mem { void *user; } wsc__mem; /* the allocator's user pointer */
#define wsc__alloc(m, n) WSCLIENT_MALLOC(n, (m)->user)
#define wsc__realloc(m, p, n) WSCLIENT_REALLOC(p, n, (m)->user)
#define wsc__free(m, p) WSCLIENT_FREE(p, (m)->user)
#endif

/* ------------------------------------------------------------------------ */
/* Growable byte buffer                                                     */
/* ------------------------------------------------------------------------ */

typedef struct wsc__buf {
    wsc__u8 *data;
    size_t len, cap, off; /* off: bytes already consumed from the front */
    wsc__mem *mem;
} wsc__buf;

/* Drops the consumed front, moving the rest to the start. */
static void wsc__buf_compact(wsc__buf *b) {
    memmove(b->data, b->data + b->off, b->len - b->off);
    b->len -= b->off;
    b->off = 0;
}

/* Room for extra more bytes. The consumed front goes as soon as what is
   left behind it is a quarter of it or less: a sender that hands on whole
   records while frames keep coming moved each record's worth of bytes
   once more when the front went only with a full buffer (a tail of nearly
   a record, every record). */
static int wsc__buf_reserve(wsc__buf *b, size_t extra) {
    size_t need, cap;
    wsc__u8 *p;
    if (b->off > 0 && b->off == b->len) b->off = b->len = 0;
    else if (WSC__FAST && b->off > 0 && b->off / 4 >= b->len - b->off) wsc__buf_compact(b);
    need = b->len + extra;
    if (need < b->len) return 0;
    if (need <= b->cap) return 1;
    if (b->off > 0) { /* reclaim the consumed front before growing */
        wsc__buf_compact(b);
        need = b->len + extra;
        if (need <= b->cap) return 1;
    }
    cap = b->cap ? b->cap : 256;
    while (cap < need) cap = cap * 2 > cap ? cap * 2 : need;
    p = (wsc__u8 *)wsc__realloc(b->mem, b->data, cap);
    if (!p) return 0;
    b->data = p;
    b->cap = cap;
    return 1;
}

static size_t wsc__buf_pending(const wsc__buf *b) { return b->len - b->off; }

static void wsc__buf_init(wsc__buf *b, wsc__mem *mem) {
    memset(b, 0, sizeof *b);
    b->mem = mem;
}

/* Clears memory that held secrets, in a way the compiler keeps: memset
   through a volatile pointer, which no compiler can prove away as a dead
   store (as OpenSSL's OPENSSL_cleanse), at memset's speed: a volatile byte
   loop took 5 instructions a byte, 160,000 a TLS connect on the OpenSSL
   backend (its 32 KiB). The small build keeps the loop: fewer bytes. */
#ifndef WSCLIENT_SMALL
static void *(*const volatile wsc__memset)(void *, int, size_t) = memset;

static void wsc__wipe(void *p, size_t n) {
    wsc__memset(p, 0, n);
}
#else
static void wsc__wipe(void *p, size_t n) {
    volatile wsc__u8 *v = (volatile wsc__u8 *)p;
    while (n--) *v++ = 0;
}
#endif

static void wsc__buf_free(wsc__buf *b) {
    if (b->data) wsc__free(b->mem, b->data);
    wsc__buf_init(b, b->mem);
}

/* ------------------------------------------------------------------------ */
/* Time                                                                     */
/* ------------------------------------------------------------------------ */

/* A time in milliseconds. The small build keeps it in 32 bits, which wrap
   every 49.7 days: two times are only compared through their difference
   (wsc__due, wsc__left), right while they are less than 2^31 ms (24.8 days)
   apart; a timeout is an int, so no deadline is further ahead than that. */
#ifdef WSCLIENT_SMALL
typedef uint32_t wsc__ms;
#else
typedef int64_t wsc__ms;
#endif

/* Milliseconds on a clock that never goes back (not the time of day). */
static wsc__ms wsc__now_ms(void) {
#if defined(WSCLIENT_NOW_MS)
    return (wsc__ms)(WSCLIENT_NOW_MS());
#elif defined(_WIN32)
    static LARGE_INTEGER freq;
    LARGE_INTEGER c;
    if (!freq.QuadPart) QueryPerformanceFrequency(&freq);
    QueryPerformanceCounter(&c);
    return (wsc__ms)(c.QuadPart / freq.QuadPart * 1000 + c.QuadPart % freq.QuadPart * 1000 / freq.QuadPart);
#elif defined(CLOCK_MONOTONIC)
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (wsc__ms)((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000); /* SMALL: wraps, as meant */
#else
/* Most often not a platform without a clock: a system header included
   before the implementation under a strict -std fixed the C library's
   features first, and the _POSIX_C_SOURCE defined above came too late. */
#error "wsclient.h: no CLOCK_MONOTONIC: include the implementation before any system header (a header such as <stdio.h> first under -std=c99 hides POSIX), or pass -D_POSIX_C_SOURCE=200809L; on a platform without clock_gettime, define WSCLIENT_NOW_MS() (milliseconds, never going back)"
#endif
}

/* Has deadline d come at time now? */
static int wsc__due(wsc__ms now, wsc__ms d) {
#ifdef WSCLIENT_SMALL
    return (wsc__ms)(now - d) < 0x80000000u; /* now - d >= 0, across the wrap */
#else
    return now >= d;
#endif
}

/* Milliseconds from now until deadline d, 0 once it came, clamped for poll(). */
static int wsc__left(wsc__ms now, wsc__ms d) {
#ifdef WSCLIENT_SMALL
    wsc__ms left = d - now;
    return left >= 0x80000000u ? 0 : (int)left; /* past: the difference is negative */
#else
    int64_t left = d - now;
    if (left < 0) return 0;
    return left > 0x7fffffff ? 0x7fffffff : (int)left;
#endif
}

/* The deadline ms (>= 0) from now. Every value is a time: "no deadline" is
   a NULL deadline pointer (wsc__wait). */
static wsc__ms wsc__after(int ms) {
    return wsc__now_ms() + (wsc__ms)ms;
}

/* Has a slice of work begun at start ((unsigned)wsc__now_ms()) run out?
   Unsigned: the difference stays right when the clock wraps. */
static int wsc__slice_over(unsigned start) {
    return (unsigned)wsc__now_ms() - start >= WSC__SLICE_MS;
}

/* ------------------------------------------------------------------------ */
/* UTF-8 validation (RFC 3629), incremental: state 0 = between characters   */
/* ------------------------------------------------------------------------ */

#define WSC__UTF8_REJECT 8u

/* States 1..7 wait for a continuation byte in [lo, hi] (narrower after
   E0, ED, F0, F4: no overlongs, surrogates, or code points past U+10FFFF). */
static unsigned wsc__utf8_step(unsigned st, wsc__u8 c) {
    static const wsc__u8 lo[8] = {0, 0x80, 0x80, 0x80, 0xA0, 0x80, 0x90, 0x80};
    static const wsc__u8 hi[8] = {0, 0xBF, 0xBF, 0xBF, 0xBF, 0x9F, 0xBF, 0x8F};
    static const wsc__u8 next[8] = {0, 0, 1, 2, 1, 1, 2, 2};
    if (st >= WSC__UTF8_REJECT) return WSC__UTF8_REJECT;
    if (st) return c >= lo[st] && c <= hi[st] ? next[st] : WSC__UTF8_REJECT;
    if (c < 0x80) return 0;
    if (c < 0xC2 || c > 0xF4) return WSC__UTF8_REJECT; /* continuation, overlong lead, past U+10FFFF */
    if (c < 0xE0) return 1;
    if (c == 0xE0) return 4;
    if (c == 0xED) return 5;
    if (c < 0xF0) return 2;
    if (c == 0xF0) return 6;
    return c < 0xF4 ? 3 : 7;
}

/* Feeds n bytes; returns the new state (WSC__UTF8_REJECT is sticky). */
static unsigned wsc__utf8_feed(unsigned st, const wsc__u8 *p, size_t n) {
    size_t i = 0;
    while (i < n && st != WSC__UTF8_REJECT) {
        if (WSC__FAST && st == 0) { /* skip ASCII a word at a time */
            while (i + 8 <= n) {
                uint64_t w;
                memcpy(&w, p + i, 8);
                if (w & 0x8080808080808080ull) break;
                i += 8;
            }
            if (i >= n) break;
        }
        st = wsc__utf8_step(st, p[i++]);
    }
    return st;
}

/* ------------------------------------------------------------------------ */
/* Masking (RFC 6455 §5.3), a word at a time                                */
/* ------------------------------------------------------------------------ */

/* Copies n bytes from src to dst, XORed with the 4-byte key starting at key[0]. */
static void wsc__mask_copy(wsc__u8 *dst, const wsc__u8 *src, size_t n, const wsc__u8 key[4]) {
    size_t i = 0;
    uint64_t k8;
    wsc__u8 kb[8];
    memcpy(kb, key, 4);
    memcpy(kb + 4, key, 4);
    memcpy(&k8, kb, 8);
#if WSC__FAST /* the small build masks a byte at a time, below */
#if defined(__GNUC__) && !defined(WSCLIENT_NO_VECTOR)
    { /* 32 bytes a turn in 16-byte vector registers (gcc and clang: SSE2, NEON, ...) */
        typedef unsigned long long wsc__v16 __attribute__((vector_size(16)));
        wsc__v16 kv = {k8, k8};
        for (; i + 32 <= n; i += 32) {
            wsc__v16 a, b;
            memcpy(&a, src + i, 16);
            memcpy(&b, src + i + 16, 16);
            a ^= kv;
            b ^= kv;
            memcpy(dst + i, &a, 16);
            memcpy(dst + i + 16, &b, 16);
        }
    }
#endif
    for (; i + 32 <= n; i += 32) { /* four words a turn: compilers make this two or one vector ops */
        uint64_t w[4];
        memcpy(w, src + i, 32);
        w[0] ^= k8;
        w[1] ^= k8;
        w[2] ^= k8;
        w[3] ^= k8;
        memcpy(dst + i, w, 32);
    }
#endif
    for (; WSC__FAST && i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, src + i, 8);
        w ^= k8;
        memcpy(dst + i, &w, 8);
    }
    for (; i < n; i++) dst[i] = (wsc__u8)(src[i] ^ key[i & 3]);
}

/* Writes a client frame header into h (14 bytes room); returns its length. */
static size_t wsc__frame_header(wsc__u8 *h, unsigned opcode, int fin, uint64_t len, const wsc__u8 key[4]) {
    size_t n = 0;
    int i;
    h[n++] = (wsc__u8)((fin ? 0x80 : 0) | (opcode & 0x0F));
    if (len < 126) {
        h[n++] = (wsc__u8)(0x80 | len);
    } else if (len <= 0xFFFF) {
        h[n++] = 0x80 | 126;
        h[n++] = (wsc__u8)(len >> 8);
        h[n++] = (wsc__u8)len;
    } else {
        h[n++] = 0x80 | 127;
        for (i = 9; i >= 2; i--, len >>= 8) h[i] = (wsc__u8)len; /* big-endian, from the end */
        n = 10;
    }
    memcpy(h + n, key, 4);
    return n + 4;
}

/* ------------------------------------------------------------------------ */
/* Frame parser (RFC 6455 §5): incremental, any split of the input          */
/* ------------------------------------------------------------------------ */

enum {
    WSC__OP_CONT = 0x0, WSC__OP_TEXT = 0x1, WSC__OP_BINARY = 0x2,
    WSC__OP_CLOSE = 0x8, WSC__OP_PING = 0x9, WSC__OP_PONG = 0xA
};

/* What wsc__rx_feed stopped on. */
enum {
    WSC__RX_MORE = 0, /* consumed everything, needs more bytes */
    WSC__RX_MESSAGE,  /* rx->msg holds a whole data message      */
    WSC__RX_PING,     /* rx->ctrl holds the ping payload          */
    WSC__RX_PONG,
    WSC__RX_CLOSE,    /* rx->close_code, reason in rx->ctrl + 2   */
    WSC__RX_ERROR     /* rx->fail_code (1002/1007/1009), rx->fail_text */
};

typedef struct wsc__rx {
    int fin;
    unsigned hdr_len;
    int in_frame;          /* header done, payload pending */
    unsigned opcode;
    size_t remaining;      /* of the frame's payload (it fits: max_message checked) */
    int msg_active;        /* inside a (possibly fragmented) data message */
    unsigned msg_opcode;
    wsc__u8 *msg;
    size_t msg_len, msg_cap, max_message;
    wsc__u8 *spare;        /* read messages' buffers kept for the next ones,
                              a list through their first bytes (wsc__rx_recycle) */
    size_t spare_bytes;
    unsigned spare_used;   /* when one was last kept or taken (ms, cut to 32 bits) */
    int spare_fresh;       /* kept or taken since the socket last looked */
    size_t spare_peak;     /* the most the queue held since spare_tick: what may be kept */
    unsigned spare_tick;   /* when spare_peak started (ms, cut to 32 bits) */
    wsc__u8 *direct;       /* a waiting reader's buffer: the next message goes
                              straight into it (one copy, not two)       */
    size_t direct_cap;
    int msg_direct;        /* msg is that buffer, not ours               */
    unsigned utf8;
    size_t ctrl_len;
    int close_code;
    int fail_code;
    const char *fail_text;
    wsc__mem *mem;
    wsc__u8 hdr[14];       /* the arrays last (see wsc__socket) */
    wsc__u8 ctrl[125];
} wsc__rx;

static void wsc__rx_init(wsc__rx *rx, size_t max_message, wsc__mem *mem) {
    memset(rx, 0, sizeof *rx);
    rx->max_message = max_message;
    rx->mem = mem;
}

static void wsc__rx_spares_free(wsc__rx *rx);

static void wsc__rx_free(wsc__rx *rx) {
    if (rx->msg && !(WSC__FAST && rx->msg_direct)) wsc__free(rx->mem, rx->msg);
    if (WSC__FAST) { /* the small build has no reader's buffer and no spare */
        rx->msg_direct = 0;
        rx->direct = NULL;
        wsc__rx_spares_free(rx);
    }
    rx->msg = NULL;
    rx->msg_len = rx->msg_cap = 0;
}

/* Takes back the buffer of a message the caller has copied out, for a
   message to come. A malloc per message made glibc give the heap's top back
   whenever the queue ran dry and fault it in again at the next burst (5
   page faults per 64 KiB message in a stream), so every buffer of a burst
   is kept, up to the most the queue held lately (spare_peak: a buffer no
   message fits is not kept past what a burst needs), and all are freed
   once the socket has used none for a second (wsc__rx_spares_age). The
   no-heap build keeps one: its arena is the socket's whole memory. A
   buffer holds its link and capacity. */
#define WSC__SPARE_LINK (sizeof(wsc__u8 *) + sizeof(size_t))
static void wsc__rx_recycle(wsc__rx *rx, wsc__u8 *buf, size_t cap) {
#ifdef WSCLIENT_NO_HEAP
    int full = rx->spare != NULL;
#else
    int full = rx->spare_bytes + cap > rx->spare_peak || rx->spare_bytes + cap > WSCLIENT_MAX_MESSAGE;
#endif
    if (!WSC__FAST || full || cap < WSC__SPARE_LINK) { wsc__free(rx->mem, buf); return; }
    memcpy(buf, &rx->spare, sizeof rx->spare);
    memcpy(buf + sizeof rx->spare, &cap, sizeof cap);
    rx->spare = buf;
    rx->spare_bytes += cap;
    rx->spare_fresh = 1;
}

/* A kept buffer of lo to hi bytes among the last four kept, out of the
   list, its capacity into cap; NULL if none is. */
static wsc__u8 *wsc__rx_spare_find(wsc__rx *rx, size_t lo, size_t hi, size_t *cap) {
    wsc__u8 *buf = rx->spare, *prev = NULL, *next;
    int i;
    for (i = 0; i < 4 && buf; i++, prev = buf, buf = next) {
        memcpy(&next, buf, sizeof next);
        memcpy(cap, buf + sizeof next, sizeof *cap);
        if (*cap < lo || *cap > hi) continue;
        if (prev) memcpy(prev, &next, sizeof next);
        else rx->spare = next;
        rx->spare_bytes -= *cap;
        rx->spare_fresh = 1;
        return buf;
    }
    return NULL;
}

/* The last buffer kept (there is one), out of the list; its capacity into cap. */
static wsc__u8 *wsc__rx_spare_take(wsc__rx *rx, size_t *cap) { return wsc__rx_spare_find(rx, 0, (size_t)-1, cap); }

/* Frees kept buffers until they hold at most limit bytes. */
static void wsc__rx_spares_trim(wsc__rx *rx, size_t limit) {
    size_t cap;
    while (rx->spare && rx->spare_bytes > limit) wsc__free(rx->mem, wsc__rx_spare_take(rx, &cap));
}

static void wsc__rx_spares_free(wsc__rx *rx) { wsc__rx_spares_trim(rx, 0); }

/* Frees the kept buffers when none was kept or taken for a second, and
   once a second trims them to the most the queue held in it: a burst's
   buffers serve the bursts like it, not a stream of smaller ones for good.
   now: the time in ms cut to 32 bits (wsc__advance's slice); queued: the
   queue's bytes now, where the next second's most starts. */
static void wsc__rx_spares_age(wsc__rx *rx, unsigned now, size_t queued) {
    if (rx->spare_fresh) {
        rx->spare_fresh = 0;
        rx->spare_used = now;
    } else if (now - rx->spare_used >= 1000u) {
        wsc__rx_spares_free(rx);
    }
    if (now - rx->spare_tick >= 1000u) {
        wsc__rx_spares_trim(rx, rx->spare_peak);
        rx->spare_peak = queued;
        rx->spare_tick = now;
    }
}

/* Why the parser failed the connection: what the steps of wsc__rx_feed
   return, and it alone turns into WSC__RX_ERROR with wsc__rx_errors[]'s
   close code and words (data: one place, not both at each check). */
enum {
    WSC__RXF_RSV = WSC__RX_ERROR + 1,
    WSC__RXF_MASKED,
    WSC__RXF_LEN_MSB,
    WSC__RXF_CTRL_FRAGMENTED,
    WSC__RXF_CTRL_LONG,
    WSC__RXF_CONT_ALONE,
    WSC__RXF_DATA_INSIDE,
    WSC__RXF_OPCODE,
    WSC__RXF_CLOSE_1BYTE,
    WSC__RXF_CLOSE_CODE,
    WSC__RXF_TEXT_UTF8,
    WSC__RXF_REASON_UTF8,
    WSC__RXF_TEXT_CUT,
    WSC__RXF_TOO_BIG,
    WSC__RXF_NO_MEMORY
};

static const struct { short code; const char *text; } wsc__rx_errors[] = {
    {1002, "server set reserved bits without an extension (RFC 6455 §5.2)"},
    {1002, "server sent a masked frame (RFC 6455 §5.1)"},
    {1002, "frame length has its most significant bit set (RFC 6455 §5.2)"},
    {1002, "server fragmented a control frame (RFC 6455 §5.5)"},
    {1002, "server sent a control frame over 125 bytes (RFC 6455 §5.5)"},
    {1002, "continuation frame without a message to continue (RFC 6455 §5.4)"},
    {1002, "new data frame inside a fragmented message (RFC 6455 §5.4)"},
    {1002, "server used a reserved opcode (RFC 6455 §5.2)"},
    {1002, "close frame with a 1-byte payload (RFC 6455 §5.5.1)"},
    {1002, "close frame with an invalid status code (RFC 6455 §7.4)"},
    {1007, "server sent a text message that is not UTF-8 (RFC 6455 §8.1)"},
    {1007, "close reason is not UTF-8 (RFC 6455 §5.5.1)"},
    {1007, "text message ends inside a UTF-8 sequence (RFC 6455 §8.1)"},
    {1009, "message larger than WSCLIENT_MAX_MESSAGE (RFC 6455 §7.4.1, 1009)"},
    {1011, "out of memory for an incoming message"}
};

static int wsc__rx_fail(wsc__rx *rx, int why) {
    rx->fail_code = wsc__rx_errors[why - WSC__RXF_RSV].code;
    rx->fail_text = wsc__rx_errors[why - WSC__RXF_RSV].text;
    return WSC__RX_ERROR;
}

/* Header length implied by the first two bytes. */
static unsigned wsc__rx_header_size(const wsc__u8 *h) {
    unsigned len7 = h[1] & 0x7F, n = 2;
    if (len7 == 126) n += 2;
    else if (len7 == 127) n += 8;
    if (h[1] & 0x80) n += 4;
    return n;
}

/* Close codes a peer may send (RFC 6455 §7.4, IANA registry). */
static int wsc__close_code_valid(int code) {
    if (code >= 1000 && code <= 1003) return 1;
    if (code >= 1007 && code <= 1014) return 1;
    return code >= 3000 && code <= 4999;
}

/* Moves a message being assembled in a reader's buffer into one of ours
   of cap bytes (it outgrew that buffer, or the reader is leaving). Returns
   0 on no memory. */
static int wsc__rx_undirect(wsc__rx *rx, size_t cap) {
    wsc__u8 *m;
    if (cap > rx->max_message + 1) cap = rx->max_message + 1;
    if (!(m = (wsc__u8 *)wsc__alloc(rx->mem, cap))) return 0;
    memcpy(m, rx->msg, rx->msg_len);
    rx->msg = m;
    rx->msg_cap = cap;
    rx->msg_direct = 0;
    return 1;
}

/* Room for n more payload bytes and the terminating NUL (n fits under
   max_message: wsc__rx_begin_frame checked). Growth is at least twofold, so
   a message in many small fragments is not copied over and over. */
static int wsc__rx_reserve(wsc__rx *rx, size_t n) {
    size_t need = rx->msg_len + n + 1, cap;
    wsc__u8 *m;
    if (WSC__FAST && !rx->msg && rx->direct) { /* a new message: the reader's buffer if it fits */
        if (n <= rx->direct_cap) {
            rx->msg = rx->direct;
            rx->msg_cap = rx->direct_cap;
            rx->msg_direct = 1;
        }
        rx->direct = NULL; /* only ever the first message to start */
    }
    if (WSC__FAST && rx->msg_direct) /* no room needed for a NUL there: the length says it all */
        return rx->msg_len + n <= rx->msg_cap ? 1 : wsc__rx_undirect(rx, rx->msg_cap * 2 > need ? rx->msg_cap * 2 : need);
    if (WSC__FAST && !rx->msg && rx->spare) /* a new message: in a buffer kept from an earlier one */
        rx->msg = wsc__rx_spare_take(rx, &rx->msg_cap);
    if (need <= rx->msg_cap) return 1;
    cap = rx->msg_cap * 2 > need ? rx->msg_cap * 2 : need;
    if (cap - 1 > rx->max_message) cap = rx->max_message + 1; /* max + 1 wraps to 0 at SIZE_MAX */
    m = (wsc__u8 *)wsc__realloc(rx->mem, rx->msg, cap);
    if (!m) return 0;
    rx->msg = m;
    rx->msg_cap = cap;
    return 1;
}

/* Lends a waiting reader's buffer buf (cap bytes) to the parser: the next
   message to start goes straight into it; one begun in ours moves there
   when the frame under way ends inside it, the bytes in so far copied
   once and the rest landing there, not in ours to be copied out after. */
static void wsc__rx_lend(wsc__rx *rx, wsc__u8 *buf, size_t cap) {
    if (!rx->msg && !rx->msg_active) {
        rx->direct = buf;
        rx->direct_cap = cap;
        return;
    }
    if (!rx->msg || rx->msg_direct || !rx->in_frame || rx->opcode >= 8 || rx->fail_code) return;
    if (rx->msg_len > cap || rx->remaining > cap - rx->msg_len) return;
    if (rx->msg_len) memcpy(buf, rx->msg, rx->msg_len);
    wsc__rx_recycle(rx, rx->msg, rx->msg_cap);
    rx->msg = buf;
    rx->msg_cap = cap;
    rx->msg_direct = 1;
}

/* Checks a complete frame header and starts its payload. */
static int wsc__rx_begin_frame(wsc__rx *rx) {
    const wsc__u8 *h = rx->hdr;
    unsigned len7 = h[1] & 0x7F;
    uint64_t len = len7;
    int i;
    rx->fin = (h[0] & 0x80) != 0;
    rx->opcode = h[0] & 0x0F;
    if (h[0] & 0x70) return WSC__RXF_RSV;
    if (h[1] & 0x80) return WSC__RXF_MASKED;
    if (len7 == 126) len = ((uint64_t)h[2] << 8) | h[3];
    if (len7 == 127) {
        len = 0;
        for (i = 0; i < 8; i++) len = (len << 8) | h[2 + i];
        if (len >> 63) return WSC__RXF_LEN_MSB;
    }
    switch (rx->opcode) {
    case WSC__OP_CLOSE: case WSC__OP_PING: case WSC__OP_PONG:
        if (!rx->fin) return WSC__RXF_CTRL_FRAGMENTED;
        if (len > 125) return WSC__RXF_CTRL_LONG;
        rx->ctrl_len = 0;
        break;
    case WSC__OP_CONT:
        if (!rx->msg_active) return WSC__RXF_CONT_ALONE;
        break;
    case WSC__OP_TEXT: case WSC__OP_BINARY:
        if (rx->msg_active) return WSC__RXF_DATA_INSIDE;
        rx->msg_active = 1;
        rx->msg_opcode = rx->opcode;
        rx->msg_len = 0;
        rx->utf8 = 0;
        break;
    default:
        return WSC__RXF_OPCODE;
    }
    if (rx->opcode < 8 && len > rx->max_message - rx->msg_len)
        return WSC__RXF_TOO_BIG;
    /* The frame's room now (up to WSC__RX_PREALLOC: a 10-byte header must not
       cost 16 MiB at once): its payload then lands with one copy, not through
       a chain of reallocations (1 KiB doubling to 64 KiB copied 64 KiB). */
    if (WSC__FAST && rx->opcode < 8 && !wsc__rx_reserve(rx, (size_t)(len < WSC__RX_PREALLOC ? len : WSC__RX_PREALLOC)))
        return WSC__RXF_NO_MEMORY;
    rx->remaining = (size_t)len;
    rx->in_frame = 1;
    return WSC__RX_MORE;
}

/* Counts the n payload bytes p just written at the message's end,
   validating UTF-8 as they come. */
static int wsc__rx_put(wsc__rx *rx, const wsc__u8 *p, size_t n) {
    rx->msg_len += n;
    if (rx->msg_opcode == WSC__OP_TEXT) {
        rx->utf8 = wsc__utf8_feed(rx->utf8, p, n);
        if (rx->utf8 == WSC__UTF8_REJECT) return WSC__RXF_TEXT_UTF8;
    }
    return WSC__RX_MORE;
}

/* Appends payload bytes to the data message. */
static int wsc__rx_data(wsc__rx *rx, const wsc__u8 *p, size_t n) {
    if (!wsc__rx_reserve(rx, n)) return WSC__RXF_NO_MEMORY;
    memcpy(rx->msg + rx->msg_len, p, n);
    return wsc__rx_put(rx, p, n);
}

/* A whole frame has arrived: report what it was. */
static int wsc__rx_end_frame(wsc__rx *rx) {
    rx->in_frame = 0;
    rx->hdr_len = 0;
    switch (rx->opcode) {
    case WSC__OP_PING: return WSC__RX_PING;
    case WSC__OP_PONG: return WSC__RX_PONG;
    case WSC__OP_CLOSE:
        if (rx->ctrl_len == 1) return WSC__RXF_CLOSE_1BYTE;
        rx->close_code = 1005;
        if (rx->ctrl_len >= 2) {
            rx->close_code = (rx->ctrl[0] << 8) | rx->ctrl[1];
            if (!wsc__close_code_valid(rx->close_code))
                return WSC__RXF_CLOSE_CODE;
            if (wsc__utf8_feed(0, rx->ctrl + 2, rx->ctrl_len - 2) != 0)
                return WSC__RXF_REASON_UTF8;
        }
        return WSC__RX_CLOSE;
    default:
        if (!rx->fin) return WSC__RX_MORE;
        if (rx->msg_opcode == WSC__OP_TEXT && rx->utf8 != 0)
            return WSC__RXF_TEXT_CUT;
        if (!rx->msg) { /* empty message: still hand out a valid buffer */
            rx->msg = (wsc__u8 *)wsc__alloc(rx->mem, 1);
            if (!rx->msg) return WSC__RXF_NO_MEMORY;
            rx->msg_cap = 1;
        }
        if (rx->msg_len < rx->msg_cap) rx->msg[rx->msg_len] = 0;
        rx->msg_active = 0;
        return WSC__RX_MESSAGE;
    }
}

/* Parses up to n bytes. Stops after each complete message or control frame
   so the caller can act on it; *used tells how many bytes were taken. After
   WSC__RX_ERROR the parser takes nothing more. */
static int wsc__rx_feed(wsc__rx *rx, const wsc__u8 *p, size_t n, size_t *used) {
    size_t i = 0;
    int ev = WSC__RX_MORE;
    if (rx->fail_code) { *used = 0; return WSC__RX_ERROR; }
    while (i < n || (rx->in_frame && rx->remaining == 0)) {
        if (!rx->in_frame) {
            unsigned need; /* the first two bytes tell the header's length */
            while ((need = rx->hdr_len < 2 ? 2 : wsc__rx_header_size(rx->hdr)) > rx->hdr_len && i < n)
                rx->hdr[rx->hdr_len++] = p[i++];
            if (rx->hdr_len < need) break;
            ev = wsc__rx_begin_frame(rx);
            if (ev != WSC__RX_MORE) break;
        } else if (rx->remaining > 0) {
            size_t take = n - i;
            if (take > rx->remaining) take = rx->remaining;
            if (rx->opcode >= 8) {
                memcpy(rx->ctrl + rx->ctrl_len, p + i, take);
                rx->ctrl_len += take;
            } else {
                ev = wsc__rx_data(rx, p + i, take);
            }
            i += take;
            rx->remaining -= take;
            if (ev != WSC__RX_MORE) break;
        } else {
            ev = wsc__rx_end_frame(rx);
            if (ev != WSC__RX_MORE) break;
        }
    }
    *used = i;
    return ev > WSC__RX_ERROR ? wsc__rx_fail(rx, ev) : ev;
}

#ifndef WSCLIENT_SMALL
/* Room for the rest of a data frame's payload of at least least bytes, for
   the transport to read straight into (wsc__rx_landed after): up to the
   frame's end, in what the message holds or can take now (the frame's
   room is reserved as wsc__rx_begin_frame does, so memory still follows
   the bytes that arrived). NULL: not in such a frame, or no memory (the
   parser then takes the bytes its way, a smaller piece at a time). */
static wsc__u8 *wsc__rx_room(wsc__rx *rx, size_t least, size_t *n) {
    size_t room;
    if (!rx->in_frame || rx->opcode >= 8 || rx->remaining < least || rx->fail_code) return NULL;
    if (!wsc__rx_reserve(rx, rx->remaining < WSC__RX_PREALLOC ? rx->remaining : WSC__RX_PREALLOC)) return NULL;
    room = rx->msg_cap - rx->msg_len - !rx->msg_direct; /* a byte for the NUL in ours */
    *n = room < rx->remaining ? room : rx->remaining;
    return rx->msg + rx->msg_len;
}

/* k bytes landed in wsc__rx_room's room: parsed as if fed. Returns as
   wsc__rx_feed does (an event when they ended the frame). */
static int wsc__rx_landed(wsc__rx *rx, size_t k) {
    int ev = wsc__rx_put(rx, rx->msg + rx->msg_len, k);
    size_t used;
    if (ev != WSC__RX_MORE) return wsc__rx_fail(rx, ev);
    rx->remaining -= k;
    return wsc__rx_feed(rx, NULL, 0, &used); /* the frame's end, if that was it */
}
#endif

#ifndef WSCLIENT_SMALL
/* The payload length of the frame at p whose header wsc__rx_small took,
   and that header's length (2, or 4 with a 16-bit length) in *hdr. */
static size_t wsc__small_len(const wsc__u8 *p, size_t *hdr) {
    if (p[1] == 126) {
        *hdr = 4;
        return (size_t)p[2] << 8 | p[3];
    }
    *hdr = 2;
    return p[1];
}

/* The payload length of a whole data message in one frame of at most
   WSC__INLINE bytes at p[0..n), that wsc__rx_feed would take with no error
   (final, no reserved bits, unmasked, under max_message, text that is
   UTF-8), between messages; else -1 and the parser takes the bytes its way.
   Lets a stream of small messages skip the header byte by byte and the
   message buffer. Its header's length goes to *hdr. */
static long wsc__rx_small(const wsc__rx *rx, const wsc__u8 *p, size_t n, size_t *hdr) {
    size_t len;
    if (n < 2 || (unsigned)(p[0] - 0x81) > 1 || p[1] > 126 || (p[1] == 126 && n < 4)) return -1;
    len = wsc__small_len(p, hdr);
    if (len > WSC__INLINE || n - *hdr < len || len > rx->max_message) return -1;
    if (rx->in_frame | rx->msg_active | (int)rx->hdr_len | rx->fail_code) return -1;
    if (p[0] == 0x81 && wsc__utf8_feed(0, p + *hdr, len) != 0) return -1;
    return (long)len;
}
#endif

/* Hands the finished message to the caller, who frees it with wsc__free. */
static wsc__u8 *wsc__rx_take_message(wsc__rx *rx, size_t *len) {
    wsc__u8 *m = rx->msg;
    *len = rx->msg_len;
    rx->msg = NULL;
    rx->msg_len = rx->msg_cap = 0;
    if (WSC__FAST) rx->msg_direct = 0;
    return m;
}

/* ------------------------------------------------------------------------ */
/* Handshake (RFC 6455 §4.1): key, accept value, request, response          */
/* ------------------------------------------------------------------------ */

static void wsc__base64(char *out, const wsc__u8 *in, size_t n) {
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i, k;
    for (i = 0; i < n; i += 3) {
        size_t left = n - i; /* 1, 2, or 3 and more: left + 1 characters, then '=' */
        uint32_t v = (uint32_t)in[i] << 16 | (left > 1 ? (uint32_t)in[i + 1] << 8 : 0) | (left > 2 ? in[i + 2] : 0);
        for (k = 0; k < 4; k++) *out++ = k > left ? '=' : tab[(v >> (18 - 6 * k)) & 63];
    }
    *out = 0;
}

/* Sec-WebSocket-Accept for a key: base64(SHA-1(key + GUID)), 28 chars + NUL. */
static void wsc__accept_value(char out[29], const char *key) {
    static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    br_sha1_context sha;
    wsc__u8 digest[20];
    br_sha1_init(&sha);
    br_sha1_update(&sha, key, strlen(key));
    br_sha1_update(&sha, guid, sizeof guid - 1);
    br_sha1_out(&sha, digest);
    wsc__base64(out, digest, sizeof digest);
}

static int wsc__lower(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

static int wsc__ieq(const char *a, size_t alen, const char *b) {
    size_t i;
    if (strlen(b) != alen) return 0;
    for (i = 0; i < alen; i++)
        if (wsc__lower((wsc__u8)a[i]) != wsc__lower((wsc__u8)b[i])) return 0;
    return 1;
}

/* The element of the comma-separated list v[0..n) that starts at *i, less
   the blanks around it: [*s, *e). *i goes past its comma; returns 0 when
   none follows (it was the last). */
static int wsc__list_item(const char *v, size_t n, size_t *i, size_t *s, size_t *e) {
    size_t k = *i;
    while (k < n && (v[k] == ' ' || v[k] == '\t')) k++;
    *s = k;
    while (k < n && v[k] != ',') k++;
    *e = k;
    while (*e > *s && (v[*e - 1] == ' ' || v[*e - 1] == '\t')) (*e)--;
    *i = k + (k < n);
    return k < n;
}

/* Is token[0..tlen) in the comma-separated list v[0..n)? With nocase the
   comparison ignores ASCII case and token must be NUL-terminated. */
static int wsc__has_token(const char *v, size_t n, const char *token, size_t tlen, int nocase) {
    size_t i = 0, s, e;
    while (i < n) {
        wsc__list_item(v, n, &i, &s, &e);
        if (e - s == tlen && (nocase ? wsc__ieq(v + s, tlen, token) : memcmp(v + s, token, tlen) == 0)) return 1;
    }
    return 0;
}

/* RFC 7230 token characters, as RFC 6455 §4.1 asks of subprotocol names. */
static int wsc__is_tchar(int c) {
    /* a bit per ASCII character: 0-9 a-z A-Z and !#$%&'*+-.^_`|~ */
    static const wsc__u8 bits[16] = {0x00, 0x00, 0x00, 0x00, 0xFA, 0x6C, 0xFF, 0x03, 0xFE, 0xFF, 0xFF, 0xC7, 0xFF, 0xFF, 0xFF, 0x57};
    return c < 128 && (bits[c >> 3] >> (c & 7)) & 1;
}

typedef struct wsc__upgrade {
    int status;                 /* HTTP status code                */
    char protocol[128];         /* chosen subprotocol, "" for none */
    char error[WSC__ERRLEN];
    char shown[WSC__WORDS ? 256 : 1]; /* a value of the server's, as the words show it */
} wsc__upgrade;

#ifndef WSCLIENT_SMALL
static void wsc__escape(char *out, size_t cap, const char *p, size_t n, size_t limit);
#endif

/* A value the server sent, for error words: at most 60 bytes, escaped (the
   small build shows none: escaping is code it goes without). */
static const char *wsc__shown(char *out, const char *p, size_t n) {
#ifndef WSCLIENT_SMALL
    out[0] = 0;
    wsc__escape(out, 256, p, n, 60);
    return out;
#else
    (void)p, (void)n;
    out[0] = 0;
    return "?";
#endif
}

static wsc_result wsc__upgrade_fail(wsc__upgrade *u, wsc_result code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(u->error, sizeof u->error, fmt, ap);
    va_end(ap);
    return code;
}

/* Checks a complete HTTP response head (up to and including the blank line)
   against our key and offered subprotocols. */
static wsc_result wsc__parse_upgrade(const char *r, size_t n, const char *key, const char *offered,
                                     wsc__upgrade *u) {
    char expect[29];
    size_t i = 0, line_end;
    int has_upgrade = 0, has_connection = 0, has_accept = 0, protocols_seen = 0, ended = 0;
    memset(u, 0, sizeof *u);
    /* status line: HTTP/1.1 101 Reason */
    while (i < n && r[i] != '\r') i++;
    if (i + 1 >= n || r[i + 1] != '\n')
        return wsc__upgrade_fail(u, WSC_ERR_HANDSHAKE, "server answer is not HTTP");
    line_end = i;
    if (line_end < 12 || memcmp(r, "HTTP/1.", 7) != 0 || r[7] < '1' || r[7] > '9' || r[8] != ' ' ||
        r[9] < '0' || r[9] > '9' || r[10] < '0' || r[10] > '9' || r[11] < '0' || r[11] > '9' ||
        (line_end > 12 && r[12] != ' '))
        return wsc__upgrade_fail(u, WSC_ERR_HANDSHAKE, "server answer has no valid HTTP/1.1 status line");
    u->status = (r[9] - '0') * 100 + (r[10] - '0') * 10 + (r[11] - '0');
    if (u->status != 101) {
#ifndef WSCLIENT_SMALL
        int rl = (int)(line_end > 13 ? line_end - 13 : 0); /* the reason phrase */
        if (rl > 80) rl = 80;
        return wsc__upgrade_fail(u, WSC_ERR_HTTP_STATUS, "server refused the upgrade: HTTP %d%s%.*s",
                                 u->status, rl ? " " : "", rl, r + 13);
#else /* the status alone (docs/platforms.md "WSCLIENT_SMALL") */
        return wsc__upgrade_fail(u, WSC_ERR_HTTP_STATUS, "server refused the upgrade: HTTP %d", u->status);
#endif
    }
    wsc__accept_value(expect, key);
    i = line_end + 2;
    while (i < n) {
        size_t s = i, colon, vs, ve;
        while (i < n && r[i] != '\r') i++;
        if (i + 1 >= n || r[i + 1] != '\n')
            return wsc__upgrade_fail(u, WSC_ERR_HANDSHAKE, "server header line not ended by CRLF");
        line_end = i;
        i += 2;
        if (line_end == s) { ended = 1; break; } /* blank line: end of head */
        for (colon = s; colon < line_end && r[colon] != ':'; colon++) {}
        if (colon == line_end || colon == s)
            return wsc__upgrade_fail(u, WSC_ERR_HANDSHAKE, "malformed header line in server answer");
        vs = colon + 1;
        while (vs < line_end && (r[vs] == ' ' || r[vs] == '\t')) vs++;
        ve = line_end;
        while (ve > vs && (r[ve - 1] == ' ' || r[ve - 1] == '\t')) ve--;
        if (wsc__ieq(r + s, colon - s, "Upgrade")) {
            has_upgrade |= wsc__has_token(r + vs, ve - vs, "websocket", 9, 1);
        } else if (wsc__ieq(r + s, colon - s, "Connection")) {
            has_connection |= wsc__has_token(r + vs, ve - vs, "upgrade", 7, 1);
        } else if (wsc__ieq(r + s, colon - s, "Sec-WebSocket-Accept")) {
            if (has_accept || ve - vs != 28 || memcmp(r + vs, expect, 28) != 0)
                return wsc__upgrade_fail(u, WSC_ERR_HANDSHAKE, "Sec-WebSocket-Accept does not match our key (RFC 6455 §4.1)");
            has_accept = 1;
        } else if (wsc__ieq(r + s, colon - s, "Sec-WebSocket-Extensions")) {
            if (ve > vs)
                return wsc__upgrade_fail(u, WSC_ERR_HANDSHAKE, "server chose extension '%s' that we did not offer (RFC 6455 §4.1)",
                                         wsc__shown(u->shown, r + vs, ve - vs));
        } else if (wsc__ieq(r + s, colon - s, "Sec-WebSocket-Protocol")) {
            /* exactly one header naming exactly one of the offered names
               (a NUL would cut the name short in the comparison below) */
            if (++protocols_seen > 1 || ve - vs >= sizeof u->protocol || ve == vs || !offered ||
                memchr(r + vs, ',', ve - vs) != NULL || memchr(r + vs, 0, ve - vs) != NULL) {
                return wsc__upgrade_fail(u, WSC_ERR_SUBPROTOCOL, "server chose subprotocol '%s' that we did not offer (RFC 6455 §4.1)",
                                         wsc__shown(u->shown, r + vs, ve - vs));
            }
            memcpy(u->protocol, r + vs, ve - vs);
            u->protocol[ve - vs] = 0;
            if (!wsc__has_token(offered, strlen(offered), u->protocol, ve - vs, 0))
                return wsc__upgrade_fail(u, WSC_ERR_SUBPROTOCOL, "server chose subprotocol '%s' that we did not offer (RFC 6455 §4.1)",
                                         wsc__shown(u->shown, r + vs, ve - vs));
        }
    }
    if (!ended) return wsc__upgrade_fail(u, WSC_ERR_HANDSHAKE, "server answer head is not ended by a blank line");
    if (!has_upgrade) return wsc__upgrade_fail(u, WSC_ERR_HANDSHAKE, "101 answer lacks 'Upgrade: websocket' (RFC 6455 §4.1)");
    if (!has_connection) return wsc__upgrade_fail(u, WSC_ERR_HANDSHAKE, "101 answer lacks 'Connection: Upgrade' (RFC 6455 §4.1)");
    if (!has_accept) return wsc__upgrade_fail(u, WSC_ERR_HANDSHAKE, "101 answer lacks Sec-WebSocket-Accept (RFC 6455 §4.1)");
    if (offered && offered[0] && !u->protocol[0])
        return wsc__upgrade_fail(u, WSC_ERR_SUBPROTOCOL, "server accepted none of the subprotocols '%s'", offered);
    return WSC_OK;
}

#ifndef WSCLIENT_SMALL
/* Puts n bytes of src at dst + o, NUL-terminated, control bytes as spaces
   (RFC 9110 §5.5 asks it of CR, LF and NUL in a value; a NUL would also cut
   an entry short). Returns where the next one goes. */
static size_t wsc__head_put(char *dst, size_t o, const char *src, size_t n) {
    size_t k;
    memmove(dst + o, src, n);
    for (k = o; k < o + n; k++)
        if ((wsc__u8)dst[k] < 0x20 || dst[k] == 0x7F) dst[k] = ' ';
    dst[o + n] = 0;
    return o + n + 1;
}

/* Rewrites a response head that ends in a blank line, in place, into what
   wsc_response_header reads: the status line, then the name and the trimmed value of
   each header line, each NUL-terminated, then an empty name. A line without
   a name and colon is left out. Returns the new length (never more). */
static size_t wsc__head_compact(char *r, size_t n) {
    size_t i = 0, o = 0, s, e, colon, vs;
    while (i < n) {
        for (s = i; i < n && r[i] != '\r' && r[i] != '\n'; i++) {}
        e = i;
        i += i < n && r[i] == '\r';
        i += i < n && r[i] == '\n';
        if (e == s) break; /* the blank line */
        if (o == 0) { o = wsc__head_put(r, 0, r, e); continue; } /* the status line */
        for (colon = s; colon < e && r[colon] != ':'; colon++) {}
        if (colon == e || colon == s) continue;
        for (vs = colon + 1; vs < e && ((wsc__u8)r[vs] <= 0x20 || r[vs] == 0x7F); vs++) {} /* blanks, and what */
        while (e > vs && ((wsc__u8)r[e - 1] <= 0x20 || r[e - 1] == 0x7F)) e--;            /* becomes a blank */
        o = wsc__head_put(r, o, r + s, colon - s);
        o = wsc__head_put(r, o, r + vs, e - vs);
    }
    r[o++] = 0;
    return o;
}

/* The name of the index-th header line of a compacted head, its value in
   *value; NULL past the last. */
static const char *wsc__head_at(const char *h, int index, const char **value) {
    if (!h || index < 0) return NULL;
    for (h += strlen(h) + 1; *h; h += strlen(h) + 1) {
        *value = h + strlen(h) + 1;
        if (index-- == 0) return h;
        h = *value;
    }
    return NULL;
}

/* The index-th value of header name in a compacted head, or NULL. */
static const char *wsc__head_find(const char *h, const char *name, int index) {
    if (!h || !name || index < 0) return NULL;
    for (h += strlen(h) + 1; *h; h += strlen(h) + 1) {
        const char *v = h + strlen(h) + 1;
        if (wsc__ieq(h, strlen(h), name) && index-- == 0) return v;
        h = v;
    }
    return NULL;
}

/* Appends p[0..n) to the string out (room cap), at most limit bytes of it,
   every byte but printable ASCII as \xHH: a hostile server's bytes never
   reach a terminal raw. "..." marks a cut. */
static void wsc__escape(char *out, size_t cap, const char *p, size_t n, size_t limit) {
    size_t o = strlen(out), i;
    for (i = 0; i < n && i < limit && o + 8 < cap; i++) {
        wsc__u8 c = (wsc__u8)p[i];
        if (c >= 0x20 && c < 0x7F && c != '\\') out[o++] = (char)c;
        else o += (size_t)sprintf(out + o, "\\x%02X", c);
    }
    if (i < n && o + 4 <= cap) { memcpy(out + o, "...", 3); o += 3; }
    out[o] = 0;
}
#endif

/* ------------------------------------------------------------------------ */
/* Library state: the socket table, the random generator, the last error    */
/* ------------------------------------------------------------------------ */

enum {
    WSC__RESOLVING,   /* address not yet resolved                      */
    WSC__WAITING,     /* another socket is connecting to the same host (§4.1) */
    WSC__CONNECTING,  /* non-blocking TCP connect in progress          */
    WSC__PROXYING,    /* connected to the proxy: opening its tunnel     */
    WSC__TLS_HANDSHAKE,
    WSC__UPGRADING,   /* HTTP request out, waiting for the 101 answer  */
    WSC__OPEN,
    WSC__CLOSING,     /* our close frame queued, waiting for the peer's */
    WSC__SHUTDOWN,    /* close handshake done: close_notify, TCP close */
    WSC__CLOSED,      /* final, clean                                  */
    WSC__FAILED,      /* final, with an error                          */
    WSC__BACKOFF      /* wsc_config.reconnect: waiting for the next attempt */
};

/* A socket between two connections of its automatic reconnect: no
   connection, not final. The small build never is. */
#ifndef WSCLIENT_SMALL
#define WSC__RETRYING(s) ((s)->state == WSC__BACKOFF)
#else
#define WSC__RETRYING(s) 0
#endif

typedef struct wsc__msg {
    struct wsc__msg *next;
    wsc__u8 *data; /* NUL-terminated, but in a reader's buffer filled to the end */
    size_t len, cap;
#ifndef WSCLIENT_SMALL
    size_t *run;   /* the block it shares with the rest of its run and the
                      count of them not yet read (wsc__receive_small), or NULL */
    int rtt;       /* its round trip in ms, -1: it answers none of our pings */
    unsigned char binary;
    unsigned char direct; /* data is the waiting reader's buffer, not ours */
    unsigned char pong;   /* an async socket's pong: WSC_EVENT_PONG, not a message */
#else
    int binary;
    int direct;    /* data is the waiting reader's buffer, not ours */
#endif
} wsc__msg;

/* Payloads up to WSC__INLINE bytes are copied into their queue record: one
   allocation a queued message, not two, and the receive buffer stays for the
   next message. The small build keeps the one way. */
#ifndef WSCLIENT_SMALL
#define WSC__INLINE_AT(m) ((wsc__u8 *)((m) + 1)) /* right after the record (C++ has no flexible array) */
#define WSC__INLINED(m) ((m)->data == WSC__INLINE_AT(m))
#else
#define WSC__INLINED(m) 0
#endif

#ifndef WSCLIENT_SMALL
/* A ping of ours waiting for its pong, which carries the same payload. */
typedef struct wsc__ping {
    int64_t sent;
    size_t len;
    wsc__u8 data[125];
} wsc__ping;
#define WSC__PINGS 4 /* pings of ours remembered; a fifth forgets the oldest */
#endif

typedef struct wsc__tls wsc__tls;
typedef struct wsc__dns wsc__dns;
#ifdef WSC__PROXY
/* A proxy the connect goes through (docs/api.md "Proxies"): the TCP connect goes
   to it, then the tunnel opens with CONNECT (RFC 9110 §9.3.6). */
typedef struct wsc__proxy {
    int port;
    char host[256];   /* without IPv6 brackets */
    char cred[520];   /* "user:password", decoded; "" when none */
    char what[300];   /* "proxy host:port" for error words: never the credentials */
    char req[1400];   /* the CONNECT request */
    size_t req_len, req_off;
} wsc__proxy;
#endif

/* The fields used most come first and the arrays last: Thumb code reaches
   a field in the first 124 bytes with a 2-byte load or store, and a field
   past that with a 4-byte one. The order (the first fields placed by
   measuring) saved 240 bytes of the small build. */
typedef struct wsc__socket {
    int moved;             /* a byte went through a user transport: a
                              failure before it is the connect's        */
    wsc__buf req;          /* the request's own header lines, kept to build
                              it again: "Name: value\r\n" each, behind a \1
                              for a credential (wsc__add_header)         */
    size_t queued_bytes;   /* what the queue holds: buffers and bookkeeping */
    wsc__buf out;          /* bytes waiting for the transport; off > 0:
                              some went, a frame may be half sent     */
    wsc__msg *queue, *queue_tail;
    wsc__tls *tls;
    wsc__u8 *plain_rx;     /* plain TCP: receive buffer                */
    int open_pending;      /* async: OPEN event not yet delivered      */
    unsigned gen;          /* tells a reused slot from the one a callback saw */
    int state;
#if WSC__THREADS
    int slot;              /* its place in the table                   */
    int holds;             /* calls in other threads that wait on it   */
    int dropped;           /* out of the table; the last hold frees it */
    int waited_for;        /* the interest the last wait on it took    */
    int readers;           /* calls in wsc_read on it now               */
#endif
    wsc_callback callback;
    void *user;
    char *host;            /* address as given, without IPv6 brackets */
    char *offered;         /* the subprotocols we offered, or NULL    */
    int port, is_tls;
    wsc__mem *mem;         /* where its memory comes from              */
    const wsc_transport *tp; /* NULL: the built-in TCP                 */
    void *conn;            /* the user transport's connection          */
#ifndef WSCLIENT_NO_SOCKETS
    struct addrinfo *addrs, *next_addr;
    const struct addrinfo *addr; /* the address being connected to     */
    wsc__sock race[WSC__RACE];   /* older connect attempts still running */
    const struct addrinfo *race_addr[WSC__RACE];
    int nrace;
    wsc__ms next_try;      /* when the next address starts, if none connected */
    wsc__dns *dns;         /* the host name lookup under way           */
    int looking_up;        /* a call resolves it inline, the lock let go */
    wsc__sock fd;
#endif
#ifdef WSC__PROXY
    struct wsc__proxy *proxy; /* the proxy the connect goes through, or NULL */
#endif
    int eof;               /* the peer closed its side of the stream   */
    int busy;              /* its last advance stopped with work left  */
#ifndef WSCLIENT_SMALL
    int deferred;          /* out holds a batch not handed on yet: the next
                              wait hands it on (wsc__flush_deferred)     */
    int whole_records;     /* a flush moves whole records of out only   */
#endif
    unsigned slice;        /* when its present advance began (ms)       */
    size_t plain_off, plain_len;
    int write_timeout_ms, close_timeout_ms;
    wsc__ms connect_deadline, close_deadline;
    unsigned dry;          /* WSC_IO_READ / WSC_IO_WRITE would block: no
                              second try within one advance            */
    const wsc__u8 *tx_src; /* a sync write's payload, masked straight into
                              the transport (no copy into out)          */
    size_t tx_left;
    size_t first_len;      /* bytes in first[]                          */
    int drop_credentials;  /* a redirect went to another origin: leave out
                              Authorization, Cookie and the URL's credentials */
    wsc__buf head;         /* HTTP response head being received        */
    wsc__rx rx;
    int final_pending;     /* async: CLOSE or ERROR not yet delivered  */
    int close_received;    /* the peer's close frame arrived           */
    int pong_pending;      /* a ping waits for room to be answered     */
    size_t pong_len;
    int opened;            /* the upgrade succeeded (even if closed since) */
    int tx_active;         /* a message sent in parts is under way     */
    int tx_binary;
    unsigned tx_utf8;      /* UTF-8 state across the parts of a text message */
    int close_code;
#ifndef WSCLIENT_SMALL     /* head: the 101 answer (compacted), or a refusal's, then its body */
    int http_status;       /* the status of a refused upgrade, else 0  */
    int refused;           /* a refusal's head is in: its body is being read */
    size_t body_at, body_want; /* where the body starts in head; bytes wanted */
    long long body_total;  /* its Content-Length, -1: not given          */
    char *path;            /* the request path (with max_redirects)      */
    int max_redirects, hops;
    uint32_t visited[WSC__MAX_REDIRECTS + 1]; /* hashes of the URLs asked */
    wsc_config cfg;        /* the TLS options, for a redirect's new TLS setup
                              and a reconnect's                          */
    int retry_min, retry_max, retry_cap; /* wsc_config.reconnect_*; retry_min
                              0: no reconnect                            */
    int retries;           /* attempts since the connection was last open */
    int retry_ms;          /* the wait before the next one               */
    int64_t retry_at;      /* WSC__BACKOFF: when it starts               */
    int app_closed;        /* the application asked for the close        */
    /* Keepalive (docs/api.md "Keeping a connection alive") and wsc_get_stats */
    wsc_stats stats;
    int64_t opened_at;
    int ping_interval_ms, pong_timeout_ms; /* 0: no pings of ours; no bound */
    int64_t next_ping;     /* when the next keepalive ping is due          */
    int64_t pong_deadline; /* when the oldest ping of ours fails the socket, -1: none */
    int tcp_ka[3];         /* TCP keepalive: idle s, interval s, count; [0] -1: off */
    int npings;
    wsc__ping pings[WSC__PINGS]; /* ours not yet answered, oldest first   */
    unsigned ping_seq;     /* numbers the keepalive pings' payloads       */
#endif
    wsc_result err_code;
    char name[WSCLIENT_MAX_NAME + 1];
    char protocol[128];    /* the one the server chose                */
    wsc__u8 tx_key[4];     /* the mask, turned so tx_key[0] masks *tx_src */
    wsc__u8 first[5];      /* TLS: the server's first bytes, to tell a
                              plain HTTP answer from a TLS failure      */
    char key[25];          /* Sec-WebSocket-Key                         */
    wsc__u8 pong[125];     /* the latest such ping's payload           */
    char close_reason[124];
    char err[WSC__ERRLEN];
} wsc__socket;

#if WSC__THREADS
/* How a waiting call is woken: a byte on a descriptor its poll() takes, or
   its user transport's wake(). */
typedef struct wsc__waker {
#ifndef WSCLIENT_NO_SOCKETS
    wsc__sock fd[2];       /* a datagram pair: a byte to fd[1] wakes fd[0] */
#endif
    const wsc_transport *tp; /* the transport whose wait() it is in    */
    int made, used, signalled;
} wsc__waker;
#endif

/* What a call that failed leaves for wsc_error_info() and its kin: the
   calling thread's own (WSC__E). */
typedef struct wsc__errs {
    wsc_result err_code;
    char err[WSC__ERRLEN];
#ifndef WSCLIENT_SMALL
    int http_status;                /* the last error's refused upgrade, else 0  */
    char refusal[WSC__REFUSAL_KEEP]; /* its head, compacted (wsc__head_compact) */
    char refusal_body[WSC__BODY_MAX + 1];
    size_t refusal_body_len;
    /* The close status of the socket wsc_close, wsc_close_with or wsc_abort
       freed last, for wsc_close_status (last_name "": none). */
    char last_name[WSCLIENT_MAX_NAME + 1];
    int last_code;
    char last_reason[WSC_CLOSE_REASON_MAX + 1];
#endif
} wsc__errs;

#ifndef WSCLIENT_SMALL
/* Entries of the index of names (wsc__find): a power of two, at least twice
   the sockets, so that a probe stays short. */
#define WSC__ONES(x) ((x) | (x) >> 1 | (x) >> 2 | (x) >> 4 | (x) >> 8 | (x) >> 16) /* (bits up to x's highest) */
#define WSC__NAMES ((int)WSC__ONES(2L * WSCLIENT_MAX_SOCKETS - 1) + 1)
#define WSC__LBITS ((int)(8 * sizeof(unsigned long)))
#endif

/* Room for what one wait covers, for n sockets: poll()'s entries for
   built-in sockets (a connect race has several; one more for the epoll
   set, one for the waking of threads), each user transport's connections. */
#ifndef WSCLIENT_NO_SOCKETS
#define WSC__ROOM_PFD(n) struct pollfd pfd[(n) * (WSC__RACE + 1) + 2];
#else
#define WSC__ROOM_PFD(n)
#endif
#define WSC__ROOM(n) struct { WSC__ROOM_PFD(n) wsc_io_wait items[n], mine[n]; const wsc_transport *tps[n]; }

typedef struct wsc__lib { /* the error before the generator: nearer, shorter code (see wsc__socket) */
    wsc__socket *slots[WSCLIENT_MAX_SOCKETS];
#ifndef WSCLIENT_SMALL
    /* With thousands of sockets, nothing that finds one may scan the table. */
    int names[WSC__NAMES];   /* slot + 1 of the sockets by name hash, 0: none    */
    int free_slots[WSCLIENT_MAX_SOCKETS]; /* slots emptied, the last on top  */
    int nfree, fresh, count; /* free_slots used; from fresh on, never filled; sockets */
    int ncallback;           /* asynchronous sockets                          */
    int found;               /* the slot wsc__find found last                 */
    /* A pump turn visits the slots of visit: all but the settled sockets,
       which wait for their descriptor in the epoll set (wsc__visit_settle). */
    unsigned long visit[(WSCLIENT_MAX_SOCKETS + WSC__LBITS - 1) / WSC__LBITS];
    wsc__socket *visiting[WSCLIENT_MAX_SOCKETS]; /* the pump's wait list          */
    WSC__ROOM(WSCLIENT_MAX_SOCKETS) room; /* the pump's wait set: too big for a thread's stack */
#ifdef WSC__EPOLL
    int ep;                  /* the epoll descriptor + 1, 0: none              */
#endif
#endif
    unsigned next_gen;
    int in_pump;
#ifndef WSCLIENT_SMALL
    int ndeferred;          /* sockets with a deferred batch (at most)         */
    int batching;           /* inside wsc_write_more                            */
    const void *pumper;     /* the thread that pumped last (wsc__self)         */
#endif
    int rng_ready;
#if !WSC__THREADS
    wsc__errs e;
#endif
    br_hmac_drbg_context rng;
#ifndef WSCLIENT_SMALL
    wsc__u8 keys[32 + WSC__KEYS]; /* the next refill's key, then masking keys,
                                     used from the back                      */
    size_t keys_left;      /* bytes of masking keys not used yet               */
    unsigned mask_refills; /* refills since the key last came from the DRBG   */
    const br_block_ctr_class *mask_aes; /* AES-NI's CTR, else NULL: ChaCha20   */
    int mask_cpu_asked;    /* mask_aes is known (asking the CPU is slow)     */
    wsc__u8 dn_key[16];    /* SipHash key of certificate name matching        */
    int dn_keyed;
#endif
    const wsc_transport *transport; /* default for new sockets; NULL: built-in TCP */
#if WSC__THREADS
    wsc__waker wakers[WSCLIENT_MAX_WAITERS]; /* one a waiting call        */
    wsc__waker host;        /* the host loop's (wsc_watches)                  */
    int waiting;            /* calls waiting now                               */
    int tp_waits;           /* of them, in user transports' wait()             */
    int moved;              /* a socket moved: the waiting calls look again    */
    unsigned wakes;         /* wsc_wake() calls                                */
    int ndoomed;            /* connections to close once no wait() has them    */
    struct { const wsc_transport *tp; void *conn; } doomed[WSCLIENT_MAX_SOCKETS];
#endif
    wsc__dns *dns_orphans;          /* lookups whose sockets are gone            */
#ifdef WSCLIENT_NO_HEAP
    wsc__mem arenas[WSCLIENT_MAX_SOCKETS];
#else
    wsc__mem mem;                   /* the allocator's user pointer              */
#endif
} wsc__lib;

static wsc__lib wsc__g;
#if WSC__THREADS
static WSCLIENT_THREAD_LOCAL wsc__errs wsc__e;
#define WSC__E wsc__e
#else
#define WSC__E wsc__g.e
#endif

static int wsc__set_error(wsc_result code, const char *fmt, ...) {
    va_list ap;
    WSC__E.err_code = code;
    va_start(ap, fmt);
    vsnprintf(WSC__E.err, sizeof WSC__E.err, fmt, ap);
    va_end(ap);
    return 0;
}

/* The error of the allocations that need no more words than these. */
static int wsc__no_memory(void) {
    return wsc__set_error(WSC_ERR_NO_MEMORY, "out of memory");
}

static void wsc__clear_error(void) {
    WSC__E.err_code = WSC_OK;
    WSC__E.err[0] = 0;
#ifndef WSCLIENT_SMALL
    WSC__E.http_status = 0;
#endif
}

/* Cryptographic random bytes: HMAC-DRBG keyed once from the system's entropy (RFC 6455 §5.3, §4.1). */
static int wsc__random(void *out, size_t len) {
    if (!wsc__g.rng_ready) {
#ifdef WSCLIENT_ENTROPY /* the device's source: BearSSL knows none on bare metal */
        wsc__u8 seed[32];
        if (!(WSCLIENT_ENTROPY(seed, sizeof seed)))
            return wsc__set_error(WSC_ERR_IO, "WSCLIENT_ENTROPY gave no random bytes for masking keys");
        br_hmac_drbg_init(&wsc__g.rng, &br_sha256_vtable, seed, sizeof seed);
#else
        br_prng_seeder seeder = br_prng_seeder_system(NULL);
        br_hmac_drbg_init(&wsc__g.rng, &br_sha256_vtable, NULL, 0);
        if (!seeder || !seeder(&wsc__g.rng.vtable))
            return wsc__set_error(WSC_ERR_IO, "no system source of randomness for masking keys (define WSCLIENT_ENTROPY)");
#endif
        wsc__g.rng_ready = 1;
    }
    br_hmac_drbg_generate(&wsc__g.rng, out, len);
    return 1;
}

#ifndef WSCLIENT_SMALL
/* Refills the masking keys from a stream cipher with fast key erasure (as
   OpenBSD's arc4random): the first 32 bytes of each keystream block key the
   next one, so no past key can be worked back to. The HMAC-DRBG rekeys it
   every 4096 refills. HMAC-DRBG alone costs ~1500 instructions a key
   (SHA-256 per 8 output bytes): 18% of the time when streaming 16-byte
   messages. AES-256 in CTR mode where the CPU has AES-NI (a third of
   ChaCha20's time in SSE2), else ChaCha20. The keystream is made in place,
   no copy, and a refill's fixed cost (the key schedule) is spread over
   WSC__KEYS / 4 keys. */
static int wsc__mask_refill(void) {
    static const wsc__u8 nonce[12] = {0};
    wsc__u8 key[32];
    if (wsc__g.mask_refills++ % 4096 == 0 && !wsc__random(wsc__g.keys, 32)) return 0;
    if (!wsc__g.mask_cpu_asked) { /* cpuid: 7 us in a virtual machine, so once */
        wsc__g.mask_aes = br_aes_x86ni_ctr_get_vtable();
        wsc__g.mask_cpu_asked = 1;
    }
    memcpy(key, wsc__g.keys, 32);
    memset(wsc__g.keys, 0, sizeof wsc__g.keys); /* the ciphers XOR their keystream in */
    if (wsc__g.mask_aes) {
        br_aes_x86ni_ctr_keys k;
        wsc__g.mask_aes->init(&k.vtable, key, 32);
        wsc__g.mask_aes->run(&k.vtable, nonce, 0, wsc__g.keys, sizeof wsc__g.keys);
        wsc__wipe(&k, sizeof k);
    } else {
        br_chacha20_run chacha = br_chacha20_sse2_get();
        (chacha ? chacha : br_chacha20_ct_run)(key, nonce, 0, wsc__g.keys, sizeof wsc__g.keys);
    }
    wsc__wipe(key, sizeof key);
    wsc__g.keys_left = WSC__KEYS;
    return 1;
}

/* A fresh masking key (RFC 6455 §5.3, §10.3): unpredictable, used once, and
   none is seen by the peer before its frame. */
static int wsc__mask_key(wsc__u8 key[4]) {
    if (wsc__g.keys_left < 4 && !wsc__mask_refill()) return 0;
    wsc__g.keys_left -= 4;
    memcpy(key, wsc__g.keys + 32 + wsc__g.keys_left, 4);
    return 1;
}

/* The upgrade's nonce (RFC 6455 §4.1: 16 random bytes, never secret): from
   the same stream as the masking keys. The HMAC-DRBG took 35,000
   instructions for it, nearly half of a ws:// connect's own work. */
static int wsc__nonce(wsc__u8 nonce[16]) {
    int i;
    for (i = 0; i < 16; i += 4)
        if (!wsc__mask_key(nonce + i)) return 0;
    return 1;
}
#else
/* The small build takes each key from the HMAC-DRBG: slower, less code. */
static int wsc__mask_key(wsc__u8 key[4]) {
    return wsc__random(key, 4);
}
#define wsc__nonce(nonce) wsc__random(nonce, 16)
#endif

static char *wsc__strdup(wsc__mem *mem, const char *s, size_t n) {
    char *d = (char *)wsc__alloc(mem, n + 1);
    if (d) { memcpy(d, s, n); d[n] = 0; }
    return d;
}

/* ------------------------------------------------------------------------ */
/* TLS: trust anchors, certificate checks, error words                      */
/* ------------------------------------------------------------------------ */

/* WSCLIENT_SMALL leaves all of this part out: trust comes only from
   compiled-in anchors, checked by BearSSL's minimal X.509 engine alone. */
#ifndef WSCLIENT_SMALL
typedef struct wsc__anchors {
    br_x509_trust_anchor *ta;
    size_t n, cap;
    int oom;
    wsc__mem *mem;
} wsc__anchors;

static void wsc__anchors_init(wsc__anchors *a, wsc__mem *mem) {
    memset(a, 0, sizeof *a);
    a->mem = mem;
}

static void wsc__anchors_free(wsc__anchors *a) {
    size_t i;
    for (i = 0; i < a->n; i++) {
        wsc__free(a->mem, a->ta[i].dn.data);
        if (a->ta[i].pkey.key_type == BR_KEYTYPE_RSA) wsc__free(a->mem, a->ta[i].pkey.key.rsa.n);
        else wsc__free(a->mem, a->ta[i].pkey.key.ec.q);
    }
    if (a->ta) wsc__free(a->mem, a->ta);
    wsc__anchors_init(a, a->mem);
}

static void wsc__buf_sink(void *ctx, const void *p, size_t n) {
    wsc__buf *b = (wsc__buf *)ctx;
    if (b->cap == (size_t)-1) return; /* an earlier append failed */
    if (!wsc__buf_reserve(b, n)) { wsc__buf_free(b); b->cap = (size_t)-1; return; }
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

/* Minimal DER reader for certificates: one TLV, short tags only. val may
   be p: p then goes into the element instead of past it. Lengths must be
   DER's (X.690 §10.1: the fewest bytes), so that no element reads here
   other than it reads to BearSSL or to the CA that signed it. */
static int wsc__der_next(const wsc__u8 **p, const wsc__u8 *end, unsigned *tag, const wsc__u8 **val, size_t *len) {
    const wsc__u8 *q = *p;
    size_t n;
    if (end - q < 2) return 0;
    *tag = *q++;
    n = *q++;
    if (n & 0x80) {
        unsigned k = n & 0x7F;
        if (k == 0 || k > 4 || (size_t)(end - q) < k || *q == 0) return 0; /* indefinite, or a leading zero */
        for (n = 0; k > 0; k--) n = (n << 8) | *q++;
        if (n < 0x80) return 0; /* the short form was due */
    }
    if ((size_t)(end - q) < n) return 0;
    *p = q + n;
    *val = q;
    *len = n;
    return 1;
}

/* The parts of a certificate (RFC 5280 §4.1) that the checks below read. */
typedef struct wsc__cert_view {
    const wsc__u8 *issuer;   /* issuer Name, tag included           */
    size_t issuer_len;
    const wsc__u8 *subject;  /* contents of the subject Name        */
    size_t subject_len;
    const wsc__u8 *name;     /* the subject Name, tag included      */
    size_t name_len;
    const wsc__u8 *validity; /* contents of Validity               */
    size_t validity_len;
    const wsc__u8 *spki;     /* SubjectPublicKeyInfo, tag included  */
    size_t spki_len;
    const wsc__u8 *ext;      /* contents of [3] extensions, or NULL */
    size_t ext_len;
} wsc__cert_view;

static int wsc__cert_parse(const wsc__u8 *der, size_t len, wsc__cert_view *c) {
    const wsc__u8 *p = der, *end, *v, *start;
    size_t n;
    unsigned tag;
    memset(c, 0, sizeof *c);
    if (!der) return 0; /* an empty PEM object */
    end = der + len;
    if (!wsc__der_next(&p, end, &tag, &v, &n) || tag != 0x30) return 0; /* Certificate */
    p = v; end = v + n;
    if (!wsc__der_next(&p, end, &tag, &v, &n) || tag != 0x30) return 0; /* tbsCertificate */
    p = v; end = v + n;
    if (!wsc__der_next(&p, end, &tag, &v, &n)) return 0;                   /* [0] version, or serial */
    if (tag == 0xA0 && !wsc__der_next(&p, end, &tag, &v, &n)) return 0;   /* serial */
    if (!wsc__der_next(&p, end, &tag, &v, &n)) return 0;                   /* signature */
    start = p;
    if (!wsc__der_next(&p, end, &tag, &v, &n) || tag != 0x30) return 0;   /* issuer */
    c->issuer = start;
    c->issuer_len = (size_t)(p - start);
    if (!wsc__der_next(&p, end, &tag, &v, &n) || tag != 0x30) return 0;   /* validity */
    c->validity = v;
    c->validity_len = n;
    start = p;
    if (!wsc__der_next(&p, end, &tag, &v, &n)) return 0;                   /* subject */
    c->subject = v;
    c->subject_len = n;
    c->name = start;
    c->name_len = (size_t)(p - start);
    start = p;
    if (!wsc__der_next(&p, end, &tag, &v, &n) || tag != 0x30) return 0;   /* subjectPublicKeyInfo */
    c->spki = start;
    c->spki_len = (size_t)(p - start);
    while (wsc__der_next(&p, end, &tag, &v, &n))
        if (tag == 0xA3) { c->ext = v; c->ext_len = n; }
    return 1;
}

/* The element after *p that must have tag want: its contents. */
static int wsc__der_want(const wsc__u8 **p, const wsc__u8 *end, unsigned want, const wsc__u8 **val, size_t *len) {
    unsigned tag;
    return wsc__der_next(p, end, &tag, val, len) && tag == want;
}

/* An unsigned INTEGER's magnitude, without its leading zeros (as BearSSL's
   decoder gives RSA's n and e); 0 if there is none. */
static int wsc__der_uint(const wsc__u8 **p, const wsc__u8 *end, const wsc__u8 **val, size_t *len) {
    if (!wsc__der_want(p, end, 0x02, val, len) || *len == 0 || (**val & 0x80)) return 0;
    while (*len > 1 && **val == 0) (*val)++, (*len)--;
    return **val != 0;
}

/* A public key as a certificate holds it: RSA's n and e, or an EC curve
   and point, pointing into the certificate. */
typedef struct wsc__key_view {
    unsigned type;           /* BR_KEYTYPE_RSA or BR_KEYTYPE_EC        */
    const wsc__u8 *a, *b;    /* n and e, or the point q (b: NULL)     */
    size_t alen, blen;
    int curve;
} wsc__key_view;

/* A SubjectPublicKeyInfo (RFC 5280 §4.1.2.7): RSA (RFC 3279), or EC on
   P-256, P-384 or P-521 (RFC 5480), the keys BearSSL checks signatures
   with. 0 for any other: such an anchor is skipped. */
static int wsc__spki_key(const wsc__u8 *spki, size_t len, wsc__key_view *k) {
    static const wsc__u8 rsa[] = {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01};
    static const wsc__u8 ec[] = {0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01};
    static const struct { wsc__u8 oid[8]; unsigned char n, curve; } curves[] = {
        {{0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07}, 8, BR_EC_secp256r1},
        {{0x2B, 0x81, 0x04, 0x00, 0x22}, 5, BR_EC_secp384r1},
        {{0x2B, 0x81, 0x04, 0x00, 0x23}, 5, BR_EC_secp521r1}};
    const wsc__u8 *p = spki, *end, *alg, *aend, *oid, *bits, *q, *qend;
    size_t algn, oidn, bitsn, i;
    memset(k, 0, sizeof *k);
    if (!wsc__der_want(&p, spki + len, 0x30, &p, &len)) return 0;
    end = p + len;
    if (!wsc__der_want(&p, end, 0x30, &alg, &algn) || !wsc__der_want(&p, end, 0x03, &bits, &bitsn) || bitsn < 2 || bits[0])
        return 0; /* the key's bits come in whole bytes */
    aend = alg + algn;
    if (!wsc__der_want(&alg, aend, 0x06, &oid, &oidn)) return 0;
    q = bits + 1;
    qend = bits + bitsn;
    if (oidn == sizeof rsa && memcmp(oid, rsa, oidn) == 0) {
        k->type = BR_KEYTYPE_RSA;
        if (!wsc__der_want(&q, qend, 0x30, &q, &bitsn)) return 0; /* RSAPublicKey */
        qend = q + bitsn;
        return wsc__der_uint(&q, qend, &k->a, &k->alen) && wsc__der_uint(&q, qend, &k->b, &k->blen);
    }
    if (oidn != sizeof ec || memcmp(oid, ec, oidn) != 0 || !wsc__der_want(&alg, aend, 0x06, &oid, &oidn)) return 0;
    for (i = 0; i < sizeof curves / sizeof curves[0]; i++)
        if (oidn == curves[i].n && memcmp(oid, curves[i].oid, oidn) == 0) {
            k->type = BR_KEYTYPE_EC;
            k->curve = curves[i].curve;
            k->a = q;
            k->alen = (size_t)(qend - q);
            return 1;
        }
    return 0;
}

/* The value (the contents of extnValue) of the certificate's extension
   oid, RFC 5280 §4.1.2.9. Returns 0 if it has none. */
static int wsc__cert_ext(const wsc__cert_view *c, const wsc__u8 *oid, size_t oidn, const wsc__u8 **val, size_t *len) {
    const wsc__u8 *p = c->ext, *e, *eend, *v;
    size_t n;
    unsigned tag;
    if (!p) return 0; /* no extensions (a v1 certificate): NULL + 0 is undefined */
    if (!wsc__der_want(&p, p + c->ext_len, 0x30, &e, &n)) return 0;
    eend = e + n;
    while (wsc__der_next(&e, eend, &tag, &v, &n)) { /* Extension */
        const wsc__u8 *x = v, *xend = v + n, *id;
        size_t idn;
        if (tag != 0x30 || !wsc__der_want(&x, xend, 0x06, &id, &idn) || idn != oidn || memcmp(id, oid, oidn) != 0) continue;
        if (!wsc__der_next(&x, xend, &tag, &v, &n)) return 0;
        if (tag == 0x01 && !wsc__der_next(&x, xend, &tag, &v, &n)) return 0; /* critical */
        *val = v;
        *len = n;
        return tag == 0x04;
    }
    return 0;
}

/* basicConstraints with cA TRUE (RFC 5280 §4.2.1.9). */
static int wsc__cert_is_ca(const wsc__cert_view *c) {
    static const wsc__u8 bc_oid[] = {0x55, 0x1D, 0x13};
    const wsc__u8 *p, *v;
    size_t n;
    return wsc__cert_ext(c, bc_oid, sizeof bc_oid, &p, &n) && wsc__der_want(&p, p + n, 0x30, &p, &n) &&
           wsc__der_want(&p, p + n, 0x01, &v, &n) && n == 1 && v[0] != 0;
}

/* Adds one DER certificate as a trust anchor: its subject name, key and
   CA flag, by our DER reader (BearSSL's X.509 decoder took 500,000
   instructions a certificate, 15 ms for the system bundle at a process's
   first connect). Certificates it cannot read, or with keys BearSSL
   cannot check signatures with, are skipped, as other clients do. */
static void wsc__anchors_add_der(wsc__anchors *a, const wsc__u8 *der, size_t len) {
    wsc__cert_view c;
    wsc__key_view k;
    br_x509_trust_anchor *ta;
    wsc__u8 *dn, *m;
    if (!wsc__cert_parse(der, len, &c) || !wsc__spki_key(c.spki, c.spki_len, &k)) return;
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 16;
        br_x509_trust_anchor *t = (br_x509_trust_anchor *)wsc__realloc(a->mem, a->ta, cap * sizeof *t);
        if (!t) { a->oom = 1; return; }
        a->ta = t;
        a->cap = cap;
    }
    dn = (wsc__u8 *)wsc__alloc(a->mem, c.name_len);
    m = (wsc__u8 *)wsc__alloc(a->mem, k.alen + k.blen);
    if (!dn || !m) {
        if (dn) wsc__free(a->mem, dn);
        if (m) wsc__free(a->mem, m);
        a->oom = 1;
        return;
    }
    memcpy(dn, c.name, c.name_len);
    memcpy(m, k.a, k.alen);
    if (k.blen) memcpy(m + k.alen, k.b, k.blen);
    ta = &a->ta[a->n++];
    memset(ta, 0, sizeof *ta);
    ta->dn.data = dn;
    ta->dn.len = c.name_len;
    ta->flags = wsc__cert_is_ca(&c) ? BR_X509_TA_CA : 0;
    ta->pkey.key_type = (unsigned char)k.type;
    if (k.type == BR_KEYTYPE_RSA) {
        ta->pkey.key.rsa.n = m;
        ta->pkey.key.rsa.nlen = k.alen;
        ta->pkey.key.rsa.e = m + k.alen;
        ta->pkey.key.rsa.elen = k.blen;
    } else {
        ta->pkey.key.ec.curve = k.curve;
        ta->pkey.key.ec.q = m;
        ta->pkey.key.ec.qlen = k.alen;
    }
}

static int wsc__b64_value(int c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Base64 of one PEM object, decoded as its lines come. */
typedef struct wsc__b64 {
    uint32_t acc;  /* the 6-bit values of the group so far */
    unsigned k;    /* characters in the group, '=' included */
    unsigned pad;  /* '=' seen: the group, and the data, end there */
    int bad;
} wsc__b64;

static void wsc__b64_group(wsc__b64 *d, wsc__buf *out) {
    unsigned bytes = d->k * 6 / 8 - d->pad, i;
    uint32_t v = d->acc << 6 * (4 - d->k);
    if (d->k == 1 || bytes == 0) { d->bad = 1; return; }
    for (i = 0; i < bytes; i++) out->data[out->len++] = (wsc__u8)(v >> (16 - 8 * i));
    d->acc = 0;
    d->k = 0;
}

/* Decodes a line of base64 into out (room reserved by the caller); white
   space is skipped, anything else not base64 is an error. */
static void wsc__b64_line(wsc__b64 *d, const char *p, size_t n, wsc__buf *out) {
    size_t i;
    for (i = 0; i < n && !d->bad; i++) {
        int c = (wsc__u8)p[i], v = wsc__b64_value(c);
        if (c <= ' ') continue; /* white space and control bytes, as BearSSL */
        if (c == '=') {
            if (d->k < 2) { d->bad = 1; break; }
            d->pad++;
            v = 0;
        } else if (v < 0 || d->pad) {
            d->bad = 1; /* not base64, or data after the padding */
            break;
        }
        d->acc = d->acc << 6 | (uint32_t)v;
        if (++d->k == 4) wsc__b64_group(d, out);
    }
}

/* Does the line [p, p+n) start with "-----" and word (any case, as BearSSL
   reads it)? */
static int wsc__pem_armour(const char *p, size_t n, const char *word) {
    size_t w = strlen(word), i;
    if (n < 5 + w || memcmp(p, "-----", 5) != 0) return 0;
    for (i = 0; i < w; i++)
        if (wsc__lower((wsc__u8)p[5 + i]) != wsc__lower((wsc__u8)word[i])) return 0;
    return 1;
}

/* The label of a "-----BEGIN label-----" line: its length, or -1 when the
   closing dashes are missing or followed by more than white space. */
static long wsc__pem_label(const char *label, size_t n) {
    size_t i, end;
    for (i = 0; i + 5 <= n && memcmp(label + i, "-----", 5) != 0; i++) {}
    if (i + 5 > n) return -1;
    for (end = i + 5; end < n; end++)
        if ((wsc__u8)label[end] > ' ') return -1;
    return (long)i;
}

static int wsc__pem_is_cert(const char *label, size_t n) {
    static const char *const certs[] = {"CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"};
    size_t i;
    for (i = 0; i < sizeof certs / sizeof certs[0]; i++)
        if (strlen(certs[i]) == n && memcmp(label, certs[i], n) == 0) return 1;
    return 0;
}

/* What a PEM reader keeps of each object: kind() names the kind of a label
   (0: drop the object), take() gets each kept object's DER. */
typedef struct wsc__pem_reader {
    int (*kind)(const char *label, size_t n);
    int secret;  /* the kind whose bytes are a secret: held in one block, wiped */
    void (*take)(void *ctx, int kind, const wsc__u8 *der, size_t len);
    void *ctx;
    int *oom;
    wsc__mem *mem;
} wsc__pem_reader;

/* Decodes the objects of a PEM text (RFC 7468: base64 between a "-----BEGIN
   label-----" and an "-----END" line; text outside objects is ignored). Our
   own decoder: BearSSL's runs ~1400 instructions a byte, 50 ms of CPU for
   Debian's bundle, four times its X.509 decoding. Returns 0 on bad armour or
   base64, and on an object cut off before its END line; 1 when the
   allocator failed, with *r->oom set. */
static int wsc__pem_read(const wsc__pem_reader *r, const char *pem, size_t len) {
    const char *end = pem + len;
    wsc__buf der;
    wsc__b64 d;
    int in_obj = 0, kind = 0;
    wsc__buf_init(&der, r->mem);
    memset(&d, 0, sizeof d);
    while (pem < end) {
        const char *nl = (const char *)memchr(pem, '\n', (size_t)(end - pem)), *line = pem;
        size_t n = (size_t)((nl ? nl : end) - line);
        pem = nl ? nl + 1 : end;
        if (!in_obj) {
            if (wsc__pem_armour(line, n, "BEGIN ")) {
                long label = wsc__pem_label(line + 11, n - 11);
                if (label < 0) { d.bad = 1; break; }
                in_obj = 1;
                kind = r->kind(line + 11, (size_t)label);
                der.len = der.off = 0;
                memset(&d, 0, sizeof d);
                /* room for all of it now: no realloc leaves a copy of a key behind */
                if (kind && kind == r->secret && !wsc__buf_reserve(&der, (size_t)(end - pem) / 4 * 3 + 3)) { *r->oom = 1; break; }
            }
        } else if (wsc__pem_armour(line, n, "END")) {
            if (d.k) { /* padding left out */
                if (!wsc__buf_reserve(&der, 3)) { *r->oom = 1; break; }
                wsc__b64_group(&d, &der);
            }
            if (d.bad) break;
            if (kind) r->take(r->ctx, kind, der.data, der.len);
            in_obj = 0;
        } else { /* other objects are checked too, then dropped */
            if (!kind) der.len = 0;
            if (!wsc__buf_reserve(&der, n / 4 * 3 + 3)) { *r->oom = 1; break; }
            wsc__b64_line(&d, line, n, &der);
            if (d.bad) break;
        }
    }
    if (der.data) wsc__wipe(der.data, der.cap); /* it may have held a private key */
    wsc__buf_free(&der);
    return *r->oom || (!d.bad && !in_obj); /* out of memory is not a PEM error: *oom says it */
}

static void wsc__anchors_take(void *ctx, int kind, const wsc__u8 *der, size_t len) {
    (void)kind;
    wsc__anchors_add_der((wsc__anchors *)ctx, der, len);
}

/* Adds every CERTIFICATE object of a PEM text as a trust anchor. */
static int wsc__anchors_add_pem(wsc__anchors *a, const char *pem, size_t len) {
    wsc__pem_reader r;
    r.kind = wsc__pem_is_cert;
    r.secret = 0;
    r.take = wsc__anchors_take;
    r.ctx = a;
    r.oom = &a->oom;
    r.mem = a->mem;
    return wsc__pem_read(&r, pem, len);
}

/* Reads a whole file; NULL if it cannot be read. */
static char *wsc__read_file(wsc__mem *mem, const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    wsc__buf b;
    if (!f) return NULL;
    wsc__buf_init(&b, mem);
    for (;;) {
        size_t k;
        if (!wsc__buf_reserve(&b, 65536)) { wsc__buf_free(&b); fclose(f); errno = ENOMEM; return NULL; }
        k = fread(b.data + b.len, 1, 65536, f);
        b.len += k;
        if (k < 65536) break;
    }
    if (ferror(f)) { wsc__buf_free(&b); fclose(f); return NULL; }
    fclose(f);
    *len = b.len;
    return (char *)b.data;
}

static int wsc__anchors_add_file(wsc__anchors *a, const char *path) {
    size_t len = 0;
    char *text;
    int ok;
    errno = 0;
    if (!(text = wsc__read_file(a->mem, path, &len))) {
        a->oom = errno == ENOMEM;
        return 0;
    }
    errno = 0; /* a PEM error below is not the system's: no stale errno in its words */
    ok = wsc__anchors_add_pem(a, text, len);
    wsc__free(a->mem, text);
    return ok;
}

/* Trust sources, in order of precedence: trust_anchors (compiled in),
   ca_pem, ca_file, then the system's: SSL_CERT_FILE, SSL_CERT_DIR, the
   usual bundle files of each OS, the usual certificate directories. */
#include <sys/stat.h> /* CA file stamps */
#if !defined(_WIN32) && (defined(__unix__) || defined(__unix) || defined(__APPLE__)) /* not bare metal */
#include <dirent.h>   /* SSL_CERT_DIR */
#define WSC__HAVE_DIRS 1
#endif
#ifndef S_ISDIR
#define S_ISDIR(m) (((m) & S_IFMT) == S_IFDIR)
#endif

/* Are two anchors the same CA (same name and key)? */
static int wsc__same_anchor(const br_x509_trust_anchor *a, const br_x509_trust_anchor *b) {
    if (a->pkey.key_type != b->pkey.key_type || a->dn.len != b->dn.len || memcmp(a->dn.data, b->dn.data, a->dn.len) != 0)
        return 0;
    if (a->pkey.key_type == BR_KEYTYPE_RSA)
        return a->pkey.key.rsa.nlen == b->pkey.key.rsa.nlen && a->pkey.key.rsa.elen == b->pkey.key.rsa.elen &&
               memcmp(a->pkey.key.rsa.n, b->pkey.key.rsa.n, a->pkey.key.rsa.nlen) == 0 &&
               memcmp(a->pkey.key.rsa.e, b->pkey.key.rsa.e, a->pkey.key.rsa.elen) == 0;
    return a->pkey.key.ec.curve == b->pkey.key.ec.curve && a->pkey.key.ec.qlen == b->pkey.key.ec.qlen &&
           memcmp(a->pkey.key.ec.q, b->pkey.key.ec.q, a->pkey.key.ec.qlen) == 0;
}

/* Drops anchors that repeat an earlier one: a certificate directory holds
   each CA as a file, as hashed links, and often in a bundle of them all. */
static void wsc__anchors_dedupe(wsc__anchors *a) {
    size_t i, j, n = 0;
    for (i = 0; i < a->n; i++) {
        br_x509_trust_anchor *t = &a->ta[i];
        for (j = 0; j < n && !wsc__same_anchor(&a->ta[j], t); j++) {}
        if (j == n) { a->ta[n++] = *t; continue; }
        wsc__free(a->mem, t->dn.data);
        wsc__free(a->mem, t->pkey.key_type == BR_KEYTYPE_RSA ? t->pkey.key.rsa.n : t->pkey.key.ec.q);
    }
    a->n = n;
}

/* Calls fn for every regular file (links followed) in the directories of
   list, separated by ':' as in SSL_CERT_DIR. Returns 0 if none could be read,
   or if a listing broke off: a partial list of CAs must not pass for the whole
   (a 32-bit program built without _FILE_OFFSET_BITS=64 gets EOVERFLOW from
   readdir on file systems with 64-bit directory offsets). */
static int wsc__each_file(const char *list, void (*fn)(void *ctx, const char *path, const struct stat *st), void *ctx) {
    int opened = 0, broken = 0;
#ifdef WSC__HAVE_DIRS
    while (*list) {
        const char *end = strchr(list, ':');
        size_t n = end ? (size_t)(end - list) : strlen(list);
        char dir[1024], path[2048];
        DIR *d;
        struct dirent *e;
        if (n > 0 && n < sizeof dir) {
            memcpy(dir, list, n);
            dir[n] = 0;
            if ((d = opendir(dir)) != NULL) {
                opened = 1;
                for (;;) {
                    struct stat st;
                    errno = 0;
                    if ((e = readdir(d)) == NULL) break;
                    if (e->d_name[0] == '.') continue;
                    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
                    if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) fn(ctx, path, &st);
                }
                broken |= errno != 0;
                closedir(d);
            }
        }
        list += n + (end != NULL);
    }
#else
    (void)list; (void)fn; (void)ctx;
#endif
    return opened && !broken;
}

/* The nanoseconds of a file's times, where stat has them (POSIX 2008). */
#if defined(st_mtime) && (defined(__linux__) || defined(__FreeBSD__))
#define WSC__NSEC(st, t) ((long long)(st)->st_##t##im.tv_nsec)
#else
#define WSC__NSEC(st, t) 0LL
#endif

typedef struct wsc__stamp_ctx {
    br_sha256_context h;
    long long newest; /* the latest change of a file, in seconds since 1970 */
} wsc__stamp_ctx;

/* The stamp of a trust source: its path and each file's size, times and
   inode, so that a changed CA file is read again. The change time (ctime)
   catches a rewrite that keeps the modification time (cp -p, touch -d). */
static void wsc__stamp_file(void *ctx, const char *path, const struct stat *st) {
    wsc__stamp_ctx *c = (wsc__stamp_ctx *)ctx;
    long long v[7];
    v[0] = (long long)st->st_size;
    v[1] = (long long)st->st_mtime;
    v[2] = WSC__NSEC(st, mt);
    v[3] = (long long)st->st_ctime;
    v[4] = WSC__NSEC(st, ct);
    v[5] = (long long)st->st_ino;
    v[6] = (long long)st->st_dev;
    if (v[1] > c->newest) c->newest = v[1];
    if (v[3] > c->newest) c->newest = v[3];
    br_sha256_update(&c->h, path, strlen(path) + 1);
    br_sha256_update(&c->h, v, sizeof v);
}

/* Sets *newest to the latest change of its files. */
static int wsc__stamp(const char *path, int is_dir, wsc__u8 out[32], long long *newest) {
    wsc__stamp_ctx c;
    struct stat st;
    br_sha256_init(&c.h);
    c.newest = 0;
    br_sha256_update(&c.h, is_dir ? "dir" : "file", is_dir ? 4 : 5);
    if (is_dir) {
        br_sha256_update(&c.h, path, strlen(path) + 1);
        if (!wsc__each_file(path, wsc__stamp_file, &c)) return 0;
    } else {
        if (stat(path, &st) != 0) return 0;
        wsc__stamp_file(&c, path, &st);
    }
    br_sha256_out(&c.h, out);
    *newest = c.newest;
    return 1;
}

/* A directory's files: each that holds PEM certificates adds them; others
   (CRLs, READMEs) are skipped. */
static void wsc__anchors_add_dir_file(void *ctx, const char *path, const struct stat *st) {
    (void)st;
    wsc__anchors_add_file((wsc__anchors *)ctx, path);
}

static int wsc__anchors_add_source(wsc__anchors *a, const char *path, int is_dir) {
    if (!is_dir) return wsc__anchors_add_file(a, path);
    if (!wsc__each_file(path, wsc__anchors_add_dir_file, a)) return 0;
    wsc__anchors_dedupe(a);
    return 1;
}

/* Loads a CA file or directory list into a. Returns 0 with the error set. */
static int wsc__anchors_load(wsc__anchors *a, const char *path, int is_dir) {
    int ok;
    errno = 0;
    ok = wsc__anchors_add_source(a, path, is_dir);
    if (a->oom) return wsc__set_error(WSC_ERR_NO_MEMORY, "out of memory loading trust anchors");
    if (!ok && is_dir)
        return wsc__set_error(WSC_ERR_CERTIFICATE, "cannot read the certificate directories '%s'%s%s", path,
                              errno ? ": " : "", errno ? strerror(errno) : "");
    if (!ok)
        return wsc__set_error(WSC_ERR_CERTIFICATE, "cannot read CA file '%s': %s", path, errno ? strerror(errno) : "not valid PEM");
    if (a->n == 0) return wsc__set_error(WSC_ERR_CERTIFICATE, "no usable certificate in '%s'", path);
    return 1;
}

/* The system's CA certificates: SSL_CERT_FILE, SSL_CERT_DIR, then the usual
   places of each OS. Sets *is_dir; NULL when none is found. */
static const char *wsc__system_bundle(int *is_dir) {
    static const char *const files[] = {
        "/etc/ssl/certs/ca-certificates.crt",                /* Debian, Ubuntu, Arch, Gentoo */
        "/etc/pki/tls/certs/ca-bundle.crt",                  /* Fedora, RHEL, CentOS */
        "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", /* Fedora, RHEL (newer) */
        "/etc/ssl/ca-bundle.pem",                            /* openSUSE */
        "/etc/ssl/cert.pem",                                 /* Alpine, macOS, OpenBSD */
        "/usr/local/share/certs/ca-root-nss.crt",            /* FreeBSD */
        "/usr/local/etc/ssl/cert.pem",                       /* FreeBSD (alternative) */
        "/etc/certs/ca-certificates.crt",                    /* Solaris, illumos */
        "/opt/homebrew/etc/openssl@3/cert.pem",              /* macOS with Homebrew */
    };
    static const char *const dirs[] = {
        "/etc/ssl/certs",                                    /* OpenSSL's default */
        "/system/etc/security/cacerts",                      /* Android */
    };
    const char *env = getenv("SSL_CERT_FILE");
    size_t i;
    *is_dir = 0;
    if (env && env[0]) return env;
    env = getenv("SSL_CERT_DIR");
    if (env && env[0]) { *is_dir = 1; return env; }
    for (i = 0; i < sizeof files / sizeof files[0]; i++)
        if (access(files[i], R_OK) == 0) return files[i];
    *is_dir = 1;
    for (i = 0; i < sizeof dirs / sizeof dirs[0]; i++)
        if (access(dirs[i], R_OK) == 0) return dirs[i];
    return NULL;
}

#ifndef WSCLIENT_NO_HEAP
/* Heap builds keep the anchors of the last CA files read, shared by the
   sockets that use them: decoding a system bundle of ~140 CAs on every
   connect would cost milliseconds. A set goes when its last user does. */
typedef struct wsc__ta_set {
    struct wsc__ta_set *next;
    unsigned refs;    /* sockets using it, plus one while in the cache */
    wsc__u8 path[32]; /* SHA-256 of the path                           */
    wsc__u8 stamp[32];/* wsc__stamp of the files when they were read   */
    wsc__u8 digest[32];/* wsc__anchors_hash of a, made once for session keys */
    int hashed;
    int racy;         /* a file changed as it was read: read it again next time */
    wsc__anchors a;
} wsc__ta_set;

#define WSC__TA_CACHE 4 /* CA sources kept at once */

static wsc__ta_set *wsc__ta_sets;

static void wsc__ta_release(wsc__ta_set *set) {
    if (!set || --set->refs > 0) return;
    wsc__anchors_free(&set->a);
    wsc__free(&wsc__g.mem, set);
}

/* Takes set out of the cache list (its users keep it alive). */
static void wsc__ta_uncache(wsc__ta_set **link) {
    wsc__ta_set *set = *link;
    *link = set->next;
    wsc__ta_release(set);
}

/* A file's times have a granularity (a kernel tick, or seconds, or two on
   FAT): a change right after a read could leave the same stamp. A set read
   within this many seconds of its files' last change is read again at the
   next connect, as git does with "racily clean" files. */
#define WSC__RACY_SECONDS 3

/* The cached anchors of a CA file or directory list, read again when its
   stamp changed. Returns a reference, or NULL with the error set. */
static wsc__ta_set *wsc__ta_get(const char *path, int is_dir, const wsc__u8 stamp[32], long long newest) {
    wsc__ta_set **link, *set;
    wsc__u8 id[32];
    int n = 0;
    br_sha256_context h;
    br_sha256_init(&h);
    br_sha256_update(&h, path, strlen(path) + 1);
    br_sha256_update(&h, &is_dir, sizeof is_dir);
    br_sha256_out(&h, id);
    for (link = &wsc__ta_sets; (set = *link) != NULL; link = &set->next) {
        if (memcmp(set->path, id, sizeof id) != 0) continue;
        if (set->racy || memcmp(set->stamp, stamp, 32) != 0) { wsc__ta_uncache(link); break; }
        *link = set->next; /* move to the front */
        set->next = wsc__ta_sets;
        wsc__ta_sets = set;
        set->refs++;
        return set;
    }
    set = (wsc__ta_set *)wsc__alloc(&wsc__g.mem, sizeof *set);
    if (!set) { wsc__set_error(WSC_ERR_NO_MEMORY, "out of memory loading trust anchors"); return NULL; }
    memset(set, 0, sizeof *set);
    wsc__anchors_init(&set->a, &wsc__g.mem);
    memcpy(set->path, id, sizeof id);
    memcpy(set->stamp, stamp, 32);
    set->racy = newest >= (long long)time(NULL) - WSC__RACY_SECONDS;
    set->refs = 1;
    if (!wsc__anchors_load(&set->a, path, is_dir)) {
        wsc__ta_release(set);
        return NULL;
    }
    set->next = wsc__ta_sets;
    wsc__ta_sets = set;
    for (link = &wsc__ta_sets; *link; n++) { /* keep the newest few */
        if (n >= WSC__TA_CACHE) wsc__ta_uncache(link);
        else link = &(*link)->next;
    }
    set->refs++; /* the caller's */
    return set;
}
#endif

/* Days from 1970-01-01 to a date of the Gregorian calendar. */
static long long wsc__days_since_1970(int y, int m, int d) {
    static const int before[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
    long long prev = y - 1; /* leap days before year y, less those before 1970 */
    long long days = 365LL * (y - 1970) + (prev / 4 - prev / 100 + prev / 400) - 477;
    days += before[m - 1] + d - 1;
    if (m > 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) days++;
    return days;
}

/* An X.509 time (UTCTime or GeneralizedTime, RFC 5280 §4.1.2.5) in seconds
   since 1970. Returns 0 if malformed. */
static int wsc__x509_time(unsigned tag, const wsc__u8 *p, size_t n, long long *out) {
    int f[6], i, k = 0, year;
    size_t want = tag == 0x17 ? 13 : tag == 0x18 ? 15 : 0;
    if (!want || n != want || p[n - 1] != 'Z') return 0;
    for (i = 0; i < (int)n - 1; i++)
        if (p[i] < '0' || p[i] > '9') return 0;
    if (tag == 0x17) { year = (p[0] - '0') * 10 + (p[1] - '0'); year += year >= 50 ? 1900 : 2000; k = 2; }
    else { year = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0'); k = 4; }
    for (i = 0; i < 5; i++, k += 2) f[i] = (p[k] - '0') * 10 + (p[k + 1] - '0');
    if (f[0] < 1 || f[0] > 12 || f[1] < 1 || f[1] > 31 || f[2] > 23 || f[3] > 59 || f[4] > 60) return 0;
    *out = wsc__days_since_1970(year, f[0], f[1]) * 86400 + f[2] * 3600LL + f[3] * 60 + f[4];
    return 1;
}

/* Seconds since 1970 as a UTC date, by arithmetic: a 32-bit time_t (i386,
   older ARM) would wrap past 2038, and gmtime/strftime bring some 5 KB of a
   device's C library with them. Years run from March, so that the leap day
   ends a year; an era is 400 years (146097 days). */
static void wsc__format_time(char *out, size_t cap, long long t) {
    long long days = t / 86400, sec = t % 86400, era, y;
    long doe, yoe, doy, mp, m, d;
    if (sec < 0) { sec += 86400; days--; }
    days += 719468; /* from 0000-03-01 */
    era = (days >= 0 ? days : days - 146096) / 146097;
    doe = (long)(days - era * 146097);                                 /* [0, 146096] */
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;        /* [0, 399] */
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                      /* [0, 365] */
    mp = (5 * doy + 2) / 153;                                           /* March = 0 */
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y = yoe + era * 400 + (m <= 2);
    if (y < 0 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31) { /* beyond what a certificate says */
        snprintf(out, cap, "%lld s after 1970", t);
        return;
    }
    snprintf(out, cap, "%04d-%02d-%02d %02d:%02d:%02d UTC", (int)y, (int)m, (int)d, (int)(sec / 3600),
             (int)(sec / 60 % 60), (int)(sec % 60));
}

/* A certificate's notBefore and notAfter in seconds since 1970. Returns 0 if unreadable. */
static int wsc__validity(const wsc__cert_view *c, long long *from, long long *until) {
    const wsc__u8 *p = c->validity, *end = c->validity + c->validity_len, *v;
    size_t n;
    unsigned tag;
    return wsc__der_next(&p, end, &tag, &v, &n) && wsc__x509_time(tag, v, n, from) &&
           wsc__der_next(&p, end, &tag, &v, &n) && wsc__x509_time(tag, v, n, until);
}

/* Words when a certificate valid from..until is outside it at time now, else "". */
static void wsc__check_validity(long long from, long long until, long long now, unsigned depth, char *out, size_t cap) {
    char when[40], at[40];
    const char *who = depth == 0 ? "the server certificate" : "an issuing certificate of the chain";
    wsc__format_time(at, sizeof at, now);
    if (now < from) {
        wsc__format_time(when, sizeof when, from);
        snprintf(out, cap, "%s is not valid before %s (the time now: %s)", who, when, at);
    } else if (now > until) {
        wsc__format_time(when, sizeof when, until);
        snprintf(out, cap, "%s expired on %s (the time now: %s)", who, when, at);
    }
}

/* The contents of a certificate's subjectAltName (GeneralNames, RFC 5280
   §4.2.1.6) in *names. Returns 0 if it has no such extension. */
static int wsc__cert_san(const wsc__cert_view *c, const wsc__u8 **names, size_t *len) {
    static const wsc__u8 san_oid[] = {0x55, 0x1D, 0x11};
    const wsc__u8 *p;
    size_t n;
    return wsc__cert_ext(c, san_oid, sizeof san_oid, &p, &n) && wsc__der_want(&p, p + n, 0x30, names, len);
}

/* Does the certificate carry an iPAddress subjectAltName equal to ip? (RFC 5280 §4.2.1.6) */
static int wsc__cert_has_ip(const wsc__u8 *der, size_t len, const wsc__u8 *ip, size_t iplen) {
    wsc__cert_view c;
    const wsc__u8 *p, *end, *v;
    size_t n;
    unsigned tag;
    if (!wsc__cert_parse(der, len, &c) || !wsc__cert_san(&c, &p, &n)) return 0;
    for (end = p + n; wsc__der_next(&p, end, &tag, &v, &n);)
        if (tag == 0x87 && n == iplen && memcmp(v, ip, iplen) == 0) return 1;
    return 0;
}

/* Does a DNS name of a certificate match host name (without empty labels)?
   Equal but for case, or "*." then the name less its first label, where
   that rest has two labels or more: no wildcard directly on a top-level
   domain ("*.com"), as browsers (we have no public-suffix list: "*.co.uk"
   is matched). BearSSL's matcher takes "*.com" for "example.com". */
static int wsc__name_match(const wsc__u8 *pattern, size_t n, const char *name) {
    const char *p = (const char *)pattern, *rest = strchr(name, '.');
    if (wsc__ieq(p, n, name)) return 1;
    return n > 2 && p[0] == '*' && p[1] == '.' && memchr(p + 2, '.', n - 2) && rest && wsc__ieq(p + 2, n - 2, rest + 1);
}

/* Is the certificate for host name? Its subjectAltName dNSNames, or, only
   when it has no such extension, the common names of its subject (what
   BearSSL's minimal engine reads, RFC 6125 §6.4.4). */
static int wsc__cert_has_name(const wsc__cert_view *c, const char *name) {
    static const wsc__u8 cn_oid[] = {0x55, 0x04, 0x03};
    const wsc__u8 *p, *end, *v, *q, *qend;
    size_t n;
    unsigned tag;
    if (wsc__cert_san(c, &p, &n)) {
        for (end = p + n; wsc__der_next(&p, end, &tag, &v, &n);)
            if (tag == 0x82 && wsc__name_match(v, n, name)) return 1;
        return 0;
    }
    for (p = c->subject, end = p + c->subject_len; wsc__der_next(&p, end, &tag, &q, &n);) /* SET */
        for (qend = q + n; wsc__der_next(&q, qend, &tag, &v, &n);) { /* AttributeTypeAndValue */
            const wsc__u8 *a = v, *aend = v + n, *oid;
            size_t oidn;
            if (tag == 0x30 && wsc__der_next(&a, aend, &tag, &oid, &oidn) && tag == 0x06 && oidn == sizeof cn_oid &&
                memcmp(oid, cn_oid, oidn) == 0 && wsc__der_next(&a, aend, &tag, &v, &n) && wsc__name_match(v, n, name))
                return 1;
        }
    return 0;
}

/* The DNS and IP names of a certificate's subjectAltName, for error words. */
static void wsc__cert_names(const wsc__cert_view *c, char *out, size_t cap) {
    const wsc__u8 *x, *xend, *v;
    size_t n, len = 0;
    unsigned tag;
    out[0] = 0;
    if (!wsc__cert_san(c, &x, &n)) return;
    for (xend = x + n; wsc__der_next(&x, xend, &tag, &v, &n) && len + 48 < cap;) {
        if (tag == 0x82 && n < 40) { /* the certificate's bytes: escaped */
            snprintf(out + len, cap - len, "%s", len ? ", " : "");
            wsc__escape(out, cap, (const char *)v, n, 40);
            len = strlen(out);
        } else if (tag == 0x87 && n == 4) len += (size_t)snprintf(out + len, cap - len, "%s%u.%u.%u.%u", len ? ", " : "", v[0], v[1], v[2], v[3]);
        else if (tag == 0x87 && n == 16) {
            int i;
            for (i = 0; i < 16; i += 2)
                len += (size_t)snprintf(out + len, cap - len, "%s%x", i ? ":" : len ? ", " : "", (unsigned)(v[i] << 8 | v[i + 1]));
        }
    }
}

/* SHA-256 of the certificate's key (SubjectPublicKeyInfo DER), the value of
   a pin (RFC 7469 §2.4, curl's --pinnedpubkey). */
static void wsc__spki_pin(const wsc__cert_view *c, wsc__u8 out[32]) {
    br_sha256_context h;
    br_sha256_init(&h);
    br_sha256_update(&h, c->spki, c->spki_len);
    br_sha256_out(&h, out);
}

/* Our X.509 engine: BearSSL's minimal engine plus what it lacks: the check
   of an IP address against iPAddress SANs, wildcards refused on a top-level
   domain, key pinning, a clock hook, words
   that say which certificate failed and why, and the two modes that trust
   without a CA chain (pin_only, and the explicit insecure mode). */
enum { WSC__X509_VERIFY, WSC__X509_PIN_ONLY, WSC__X509_INSECURE };

#define WSC__FOREVER 0x7FFFFFFFFFFFFFFFLL /* a validity window without an end */

#define WSC__MAX_CERT 65536 /* no sane certificate is larger */

typedef struct wsc__x509 {
    const br_x509_class *vtable;
    union {
        br_x509_minimal_context minimal; /* VERIFY                              */
        br_x509_decoder_context decoder; /* PIN_ONLY, INSECURE: the key, as is  */
    } u;
    int mode;
    wsc__u8 ip[16];
    size_t ip_len;                   /* 0: a DNS name, server_name                */
    const char *server_name;         /* the DNS name checked; NULL: none          */
    const wsc__u8 *pins;             /* npins SHA-256 digests                     */
    size_t npins;
    long long (*unix_time)(void *user);
    void *user;
    long long now;                   /* validation time; < 0: unknown             */
    long long valid_from, valid_until; /* when every certificate of the chain is valid */
    int undated;                     /* a certificate's dates could not be read   */
    unsigned depth;
    wsc__buf cert;                   /* the certificate being received            */
    int ee_seen, name_ok, pin_ok, pin_failed; /* the server certificate: read whole, results */
    wsc__u8 ee_pin[32];
    const br_x509_trust_anchor *ta;  /* the anchors, to explain a NOT_TRUSTED     */
    size_t ta_n;
    wsc__u8 issuers[4][32];          /* SHA-256 of the issuer names of the chain  */
    unsigned nissuers;
    int forged;                      /* an issuer is a trusted CA's name, yet the chain failed */
    int oom;                         /* a certificate could not be kept: out of memory */
    int chain_seen;                  /* the server's Certificate message came     */
    char names[112];                 /* its subjectAltNames, for error words      */
    char dates[160];                 /* the first validity problem seen           */
} wsc__x509;

#define WSC__X509(ctx) ((wsc__x509 *)(void *)(ctx))

static void wsc__sha256(const void *p, size_t n, wsc__u8 out[32]) {
    br_sha256_context h;
    br_sha256_init(&h);
    br_sha256_update(&h, p, n);
    br_sha256_out(&h, out);
}

/* Does a certificate of the chain name a trust anchor as its issuer? Then
   a chain that is not trusted has a signature that does not verify. */
static int wsc__issued_by_anchor(const wsc__x509 *x) {
    size_t i;
    unsigned k;
    wsc__u8 h[32];
    for (i = 0; i < x->ta_n; i++) {
        wsc__sha256(x->ta[i].dn.data, x->ta[i].dn.len, h);
        for (k = 0; k < x->nissuers; k++)
            if (memcmp(h, x->issuers[k], 32) == 0) return 1;
    }
    return 0;
}

static void wsc__x509_start_chain(const br_x509_class **ctx, const char *server_name) {
    wsc__x509 *x = WSC__X509(ctx);
    x->depth = x->nissuers = 0;
    x->ee_seen = x->name_ok = x->pin_ok = x->pin_failed = x->forged = x->oom = 0;
    x->chain_seen = 1;
    x->server_name = server_name && server_name[0] ? server_name : NULL;
    x->names[0] = x->dates[0] = 0;
    x->valid_from = -WSC__FOREVER;
    x->valid_until = WSC__FOREVER;
    x->undated = 0;
    wsc__buf_free(&x->cert);
    x->now = x->unix_time ? x->unix_time(x->user) : (long long)time(NULL);
    if (x->mode != WSC__X509_VERIFY) return;
    if (x->unix_time && x->now >= 0) /* days since 0000-01-01, seconds of the day */
        br_x509_minimal_set_time(&x->u.minimal, (uint32_t)(x->now / 86400 + 719528), (uint32_t)(x->now % 86400));
    x->u.minimal.vtable->start_chain(&x->u.minimal.vtable, server_name);
}

static void wsc__x509_start_cert(const br_x509_class **ctx, uint32_t length) {
    wsc__x509 *x = WSC__X509(ctx);
    if (x->cert.cap == (size_t)-1) x->cert.cap = 0; /* the last one was too big; its data is gone */
    x->cert.len = x->cert.off = 0;
    if (x->mode != WSC__X509_VERIFY) {
        if (x->depth == 0) br_x509_decoder_init(&x->u.decoder, 0, 0);
        return;
    }
    x->u.minimal.vtable->start_cert(&x->u.minimal.vtable, length);
}

static void wsc__x509_append(const br_x509_class **ctx, const unsigned char *buf, size_t len) {
    wsc__x509 *x = WSC__X509(ctx);
    if (x->cert.cap != (size_t)-1 && (x->depth == 0 || x->mode == WSC__X509_VERIFY)) {
        if (x->cert.len + len > WSC__MAX_CERT) { wsc__buf_free(&x->cert); x->cert.cap = (size_t)-1; }
        else {
            wsc__buf_sink(&x->cert, buf, len);
            x->oom |= x->cert.cap == (size_t)-1;
        }
    }
    if (x->mode != WSC__X509_VERIFY) {
        if (x->depth == 0) br_x509_decoder_push(&x->u.decoder, buf, len);
        return;
    }
    x->u.minimal.vtable->append(&x->u.minimal.vtable, buf, len);
}

/* Looks at each certificate as it ends: the dates of every one, and the
   names, IP and key of the server's own (the first). */
static void wsc__x509_end_cert(const br_x509_class **ctx) {
    wsc__x509 *x = WSC__X509(ctx);
    wsc__cert_view c;
    size_t i;
    long long from, until;
    int dated = 0;
    if (x->mode == WSC__X509_VERIFY) x->u.minimal.vtable->end_cert(&x->u.minimal.vtable);
    if (x->cert.cap != (size_t)-1 && (x->depth == 0 || x->mode == WSC__X509_VERIFY) &&
        wsc__cert_parse(x->cert.data, x->cert.len, &c)) {
        if ((dated = wsc__validity(&c, &from, &until)) != 0) { /* the chain's window, for resumption */
            if (from > x->valid_from) x->valid_from = from;
            if (until < x->valid_until) x->valid_until = until;
            if (!x->dates[0] && x->now >= 0) wsc__check_validity(from, until, x->now, x->depth, x->dates, sizeof x->dates);
        }
        if (x->nissuers < 4) wsc__sha256(c.issuer, c.issuer_len, x->issuers[x->nissuers++]);
        if (x->depth == 0) {
            x->ee_seen = 1;
            wsc__cert_names(&c, x->names, sizeof x->names);
            x->name_ok = x->ip_len ? wsc__cert_has_ip(x->cert.data, x->cert.len, x->ip, x->ip_len)
                                   : x->server_name && wsc__cert_has_name(&c, x->server_name);
            wsc__spki_pin(&c, x->ee_pin);
            for (i = 0; i < x->npins && !x->pin_ok; i++) x->pin_ok = memcmp(x->pins + 32 * i, x->ee_pin, 32) == 0;
        }
    }
    x->undated |= !dated;
    x->depth++;
}

static unsigned wsc__x509_end_chain(const br_x509_class **ctx) {
    wsc__x509 *x = WSC__X509(ctx);
    unsigned err = 0;
    wsc__buf_free(&x->cert);
    if (x->mode == WSC__X509_INSECURE) /* the caller chose to trust any certificate */
        return br_x509_decoder_get_pkey(&x->u.decoder) ? 0 : BR_ERR_X509_INVALID_VALUE;
    if (x->mode == WSC__X509_PIN_ONLY) {
        if (!br_x509_decoder_get_pkey(&x->u.decoder)) return BR_ERR_X509_INVALID_VALUE;
    } else {
        if (x->now < 0) return BR_ERR_X509_TIME_UNKNOWN; /* the hook knows no time */
        if ((err = x->u.minimal.vtable->end_chain(&x->u.minimal.vtable)) != 0) {
            if (err == BR_ERR_X509_NOT_TRUSTED) x->forged = wsc__issued_by_anchor(x);
            return err;
        }
        /* the minimal engine checked a DNS name too, with BearSSL's looser wildcards */
        if ((x->ip_len || x->server_name) && !x->ee_seen) return BR_ERR_X509_LIMIT_EXCEEDED;
        if ((x->ip_len || x->server_name) && !x->name_ok) return BR_ERR_X509_BAD_SERVER_NAME;
    }
    if ((x->npins || x->mode == WSC__X509_PIN_ONLY) && !x->pin_ok) { /* pin_only with no pin fails closed */
        x->pin_failed = 1;
        return x->ee_seen ? BR_ERR_X509_NOT_TRUSTED : BR_ERR_X509_LIMIT_EXCEEDED;
    }
    return 0;
}

static const br_x509_pkey *wsc__x509_get_pkey(const br_x509_class *const *ctx, unsigned *usages) {
    /* BearSSL hands get_pkey a const context, yet its own
       br_x509_decoder_get_pkey takes one that is not (it only reads). */
    wsc__x509 *x = WSC__X509((uintptr_t)ctx);
    if (x->mode != WSC__X509_VERIFY) {
        if (usages) *usages = BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN;
        return br_x509_decoder_get_pkey(&x->u.decoder);
    }
    return x->u.minimal.vtable->get_pkey(&x->u.minimal.vtable, usages);
}

static const br_x509_class wsc__x509_vtable = {
    sizeof(wsc__x509), wsc__x509_start_chain, wsc__x509_start_cert, wsc__x509_append,
    wsc__x509_end_cert, wsc__x509_end_chain, wsc__x509_get_pkey
};

static const char *wsc__alert_name(int alert) {
    switch (alert) {
    case 0: return "close_notify";
    case 10: return "unexpected_message";
    case 20: return "bad_record_mac";
    case 22: return "record_overflow";
    case 40: return "handshake_failure";
    case 42: return "bad_certificate";
    case 43: return "unsupported_certificate";
    case 44: return "certificate_revoked";
    case 45: return "certificate_expired";
    case 46: return "certificate_unknown";
    case 47: return "illegal_parameter";
    case 48: return "unknown_ca";
    case 49: return "access_denied";
    case 50: return "decode_error";
    case 51: return "decrypt_error";
    case 70: return "protocol_version";
    case 71: return "insufficient_security";
    case 80: return "internal_error";
    case 86: return "inappropriate_fallback";
    case 90: return "user_canceled";
    case 100: return "no_renegotiation";
    case 109: return "missing_extension";
    case 110: return "unsupported_extension";
    case 112: return "unrecognized_name";
    case 116: return "certificate_required";
    case 120: return "no_application_protocol";
    default: return "unknown alert";
    }
}

#endif /* WSCLIENT_SMALL */

static const char *wsc__version_name(unsigned v) {
    switch (v) {
    case BR_SSL30: return "SSL 3.0";
    case BR_TLS10: return "TLS 1.0";
    case BR_TLS11: return "TLS 1.1";
    case BR_TLS12: return "TLS 1.2";
    case 0x0304: return "TLS 1.3";
    default: return "an unknown version";
    }
}

#ifndef WSCLIENT_TLS_OPENSSL /* OpenSSL names its own suites */
/* The cipher suites we offer: BearSSL's full client profile in its order of
   preference, less 3DES (64-bit blocks, Sweet32). wsc_tls_info reports the
   chosen one by its IANA name. */
#define WSC__SUITES(X) \
    X(TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256) \
    X(TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256) \
    X(TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256) \
    X(TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256) \
    X(TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384) \
    X(TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) \
    X(TLS_ECDHE_ECDSA_WITH_AES_128_CCM) \
    X(TLS_ECDHE_ECDSA_WITH_AES_256_CCM) \
    X(TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8) \
    X(TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8) \
    X(TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256) \
    X(TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256) \
    X(TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384) \
    X(TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384) \
    X(TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA) \
    X(TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA) \
    X(TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA) \
    X(TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA) \
    X(TLS_ECDH_ECDSA_WITH_AES_128_GCM_SHA256) \
    X(TLS_ECDH_RSA_WITH_AES_128_GCM_SHA256) \
    X(TLS_ECDH_ECDSA_WITH_AES_256_GCM_SHA384) \
    X(TLS_ECDH_RSA_WITH_AES_256_GCM_SHA384) \
    X(TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA256) \
    X(TLS_ECDH_RSA_WITH_AES_128_CBC_SHA256) \
    X(TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA384) \
    X(TLS_ECDH_RSA_WITH_AES_256_CBC_SHA384) \
    X(TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA) \
    X(TLS_ECDH_RSA_WITH_AES_128_CBC_SHA) \
    X(TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA) \
    X(TLS_ECDH_RSA_WITH_AES_256_CBC_SHA) \
    X(TLS_RSA_WITH_AES_128_GCM_SHA256) \
    X(TLS_RSA_WITH_AES_256_GCM_SHA384) \
    X(TLS_RSA_WITH_AES_128_CCM) \
    X(TLS_RSA_WITH_AES_256_CCM) \
    X(TLS_RSA_WITH_AES_128_CCM_8) \
    X(TLS_RSA_WITH_AES_256_CCM_8) \
    X(TLS_RSA_WITH_AES_128_CBC_SHA256) \
    X(TLS_RSA_WITH_AES_256_CBC_SHA256) \
    X(TLS_RSA_WITH_AES_128_CBC_SHA) \
    X(TLS_RSA_WITH_AES_256_CBC_SHA)
#define WSC__SUITE_ID(s) BR_##s,
#define WSC__SUITE_NAME(s) #s,
static const uint16_t wsc__suite_ids[] = {WSC__SUITES(WSC__SUITE_ID)};
static const char *const wsc__suite_names[] = {WSC__SUITES(WSC__SUITE_NAME)};
#undef WSC__SUITE_ID
#undef WSC__SUITE_NAME
#define WSC__NSUITES (sizeof wsc__suite_ids / sizeof wsc__suite_ids[0])

static const char *wsc__suite_name(unsigned id) {
    size_t i;
    for (i = 0; i < WSC__NSUITES; i++)
        if (wsc__suite_ids[i] == id) return wsc__suite_names[i];
    return "unknown";
}
#endif

/* Session resumption (RFC 5246 §7.3): the library keeps the last session of
   each server, keyed by everything that decided whether to trust it (server
   name, address, port, versions, the contents of the trust anchors, pins),
   so that a resumed connect, which sees no certificate, is only made where a
   full one would have been trusted. The time is the one input a key cannot
   hold (the same clock hook answers differently later): a session keeps
   when its chain is valid, and is offered only while the time now, asked as
   a full handshake would ask it, is inside. Sessions of the insecure mode
   are never kept. */
#ifdef WSCLIENT_SMALL /* no session cache in the smallest build */
#undef WSCLIENT_TLS_SESSIONS
#define WSCLIENT_TLS_SESSIONS 0
#endif
#ifndef WSCLIENT_TLS_SESSIONS
#define WSCLIENT_TLS_SESSIONS 8
#endif
#if WSCLIENT_TLS_SESSIONS > 0
typedef struct wsc__session {
    wsc__u8 key[32];
    unsigned long used; /* 0: empty; else the time of last use */
    long long from, until; /* when every certificate of its chain is valid */
#ifdef WSCLIENT_TLS_OPENSSL
    SSL_SESSION *p;        /* one reference of ours */
#else
    br_ssl_session_parameters p;
#endif
} wsc__session;

static wsc__session wsc__sessions[WSCLIENT_TLS_SESSIONS];
static unsigned long wsc__session_clock;

static wsc__session *wsc__session_find(const wsc__u8 key[32]) {
    int i;
    for (i = 0; i < WSCLIENT_TLS_SESSIONS; i++)
        if (wsc__sessions[i].used && memcmp(wsc__sessions[i].key, key, 32) == 0) {
            wsc__sessions[i].used = ++wsc__session_clock;
            return &wsc__sessions[i];
        }
    return NULL;
}

/* Empties slot k (an OpenSSL session is freed: its secrets go with it). */
static void wsc__session_drop(wsc__session *k) {
#ifdef WSCLIENT_TLS_OPENSSL
    if (k->p) SSL_SESSION_free(k->p);
#endif
    wsc__wipe(k, sizeof *k);
}

/* The slot of key, else an empty one, else the one used longest ago, emptied. */
static wsc__session *wsc__session_slot(const wsc__u8 key[32], long long from, long long until) {
    wsc__session *k = wsc__session_find(key);
    int i;
    if (!k) {
        k = &wsc__sessions[0];
        for (i = 1; i < WSCLIENT_TLS_SESSIONS && k->used; i++)
            if (wsc__sessions[i].used < k->used) k = &wsc__sessions[i];
    }
    wsc__session_drop(k);
    memcpy(k->key, key, 32);
    k->from = from;
    k->until = until;
    k->used = ++wsc__session_clock;
    return k;
}

/* RFC 5246 §7.2.2: a session that ended in a fatal error is not resumed. */
static void wsc__session_forget(const wsc__u8 key[32]) {
    wsc__session *k = wsc__session_find(key);
    if (k) wsc__session_drop(k);
}
#endif

/* ------------------------------------------------------------------------ */
/* TLS: the client certificate (mutual TLS)                                 */
/* ------------------------------------------------------------------------ */

#ifndef WSCLIENT_TLS_OPENSSL
/* Sets the chain and key in the engine; the key type decides the signing. */
static void wsc__client_set(br_ssl_client_context *cc, const br_x509_certificate *chain, size_t n, const void *key, int type) {
    if (type == BR_KEYTYPE_RSA)
        br_ssl_client_set_single_rsa(cc, chain, n, (const br_rsa_private_key *)key, br_rsa_pkcs1_sign_get_default());
    else /* ECDSA only: a static ECDH key is for servers of the 1990s */
        br_ssl_client_set_single_ec(cc, chain, n, (const br_ec_private_key *)key, BR_KEYTYPE_SIGN, BR_KEYTYPE_EC,
                                    br_ec_get_default(), br_ecdsa_sign_asn1_get_default());
}
#endif

#ifndef WSCLIENT_SMALL
/* The client identity of a connection, and our client-authentication class
   over BearSSL's: it notes that the server asked (a CertificateRequest), so
   that a refusal can be told from other failures, then lets BearSSL's
   answer, or answers with no certificate when there is none. */
typedef struct wsc__client {
    const br_ssl_client_certificate_class *vtable;
    const br_ssl_client_certificate_class **inner; /* BearSSL's; NULL: none to send */
    int asked;                       /* the server sent a CertificateRequest      */
    const br_x509_certificate *chain; /* leaf first: ours (read) or the caller's */
    size_t n;
    int key_type;                    /* 0: no key                                 */
    const void *key;                 /* &own_key, or the caller's                 */
    union { br_rsa_private_key rsa; br_ec_private_key ec; } own_key;
    wsc__u8 *key_mem;                /* the key's bytes (wiped when freed)        */
    size_t key_len;
    br_x509_certificate *own;        /* the chain read from PEM                   */
    size_t cap;
    int keys, encrypted, key_err, oom; /* what reading found                      */
    wsc__u8 id[32];                  /* SHA-256 of the leaf: keys the sessions    */
    wsc__mem *mem;
} wsc__client;

#ifndef WSCLIENT_TLS_OPENSSL /* BearSSL's client-certificate class, wrapped (OpenSSL: wsc__ossl_asked) */
#define WSC__CLIENT(ctx) ((wsc__client *)(void *)(ctx))

static void wsc__auth_start_names(const br_ssl_client_certificate_class **ctx) {
    wsc__client *c = WSC__CLIENT(ctx);
    c->asked = 1;
    if (c->inner) (*c->inner)->start_name_list(c->inner);
}

static void wsc__auth_start_name(const br_ssl_client_certificate_class **ctx, size_t len) {
    wsc__client *c = WSC__CLIENT(ctx);
    if (c->inner) (*c->inner)->start_name(c->inner, len);
}

static void wsc__auth_append_name(const br_ssl_client_certificate_class **ctx, const unsigned char *data, size_t len) {
    wsc__client *c = WSC__CLIENT(ctx);
    if (c->inner) (*c->inner)->append_name(c->inner, data, len);
}

static void wsc__auth_end_name(const br_ssl_client_certificate_class **ctx) {
    wsc__client *c = WSC__CLIENT(ctx);
    if (c->inner) (*c->inner)->end_name(c->inner);
}

static void wsc__auth_end_names(const br_ssl_client_certificate_class **ctx) {
    wsc__client *c = WSC__CLIENT(ctx);
    if (c->inner) (*c->inner)->end_name_list(c->inner);
}

static void wsc__auth_choose(const br_ssl_client_certificate_class **ctx, const br_ssl_client_context *cc,
                             uint32_t auth_types, br_ssl_client_certificate *choices) {
    wsc__client *c = WSC__CLIENT(ctx);
    if (c->inner) (*c->inner)->choose(c->inner, cc, auth_types, choices);
    else memset(choices, 0, sizeof *choices); /* an empty Certificate message */
}

static uint32_t wsc__auth_do_keyx(const br_ssl_client_certificate_class **ctx, unsigned char *data, size_t *len) {
    wsc__client *c = WSC__CLIENT(ctx);
    return (*c->inner)->do_keyx(c->inner, data, len);
}

static size_t wsc__auth_do_sign(const br_ssl_client_certificate_class **ctx, int hash_id, size_t hv_len,
                                unsigned char *data, size_t len) {
    wsc__client *c = WSC__CLIENT(ctx);
    return (*c->inner)->do_sign(c->inner, hash_id, hv_len, data, len);
}

static const br_ssl_client_certificate_class wsc__auth_vtable = {
    sizeof(wsc__client), wsc__auth_start_names, wsc__auth_start_name, wsc__auth_append_name,
    wsc__auth_end_name, wsc__auth_end_names, wsc__auth_choose, wsc__auth_do_keyx, wsc__auth_do_sign
};
#endif

static void wsc__client_free(wsc__client *c) {
    size_t i;
    for (i = 0; c->own && i < c->n; i++) wsc__free(c->mem, c->own[i].data);
    if (c->own) wsc__free(c->mem, c->own);
    if (c->key_mem) { wsc__wipe(c->key_mem, c->key_len); wsc__free(c->mem, c->key_mem); }
    wsc__wipe(&c->own_key, sizeof c->own_key);
    c->own = NULL;
    c->key_mem = NULL;
}

enum { WSC__PEM_CERT = 1, WSC__PEM_KEY, WSC__PEM_ENCRYPTED };

static int wsc__pem_client_kind(const char *label, size_t n) {
    static const char *const keys[] = {"PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"};
    size_t i;
    if (wsc__pem_is_cert(label, n)) return WSC__PEM_CERT;
    for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strlen(keys[i]) == n && memcmp(label, keys[i], n) == 0) return WSC__PEM_KEY;
    return n == 21 && memcmp(label, "ENCRYPTED PRIVATE KEY", n) == 0 ? WSC__PEM_ENCRYPTED : 0;
}

/* Keeps a copy of a decoded private key in one block of c->mem. */
static void wsc__client_keep_key(wsc__client *c, const br_skey_decoder_context *dc) {
    const br_rsa_private_key *r = br_skey_decoder_get_rsa(dc);
    const br_ec_private_key *e = br_skey_decoder_get_ec(dc);
    wsc__u8 *m;
    size_t len = r ? r->plen + r->qlen + r->dplen + r->dqlen + r->iqlen : e->xlen;
    if (!(m = (wsc__u8 *)wsc__alloc(c->mem, len))) { c->oom = 1; return; }
    c->key_mem = m;
    c->key_len = len;
    c->key = &c->own_key;
    if (r) {
        c->key_type = BR_KEYTYPE_RSA;
        c->own_key.rsa = *r;
        memcpy(m, r->p, r->plen); c->own_key.rsa.p = m; m += r->plen;
        memcpy(m, r->q, r->qlen); c->own_key.rsa.q = m; m += r->qlen;
        memcpy(m, r->dp, r->dplen); c->own_key.rsa.dp = m; m += r->dplen;
        memcpy(m, r->dq, r->dqlen); c->own_key.rsa.dq = m; m += r->dqlen;
        memcpy(m, r->iq, r->iqlen); c->own_key.rsa.iq = m;
    } else {
        c->key_type = BR_KEYTYPE_EC;
        c->own_key.ec = *e;
        memcpy(m, e->x, e->xlen);
        c->own_key.ec.x = m;
    }
}

static void wsc__client_take(void *ctx, int kind, const wsc__u8 *der, size_t len) {
    wsc__client *c = (wsc__client *)ctx;
    if (kind == WSC__PEM_ENCRYPTED) { c->encrypted = 1; return; }
    if (kind == WSC__PEM_KEY) {
        br_skey_decoder_context dc;
        if (c->keys++ || c->oom) return; /* a second key is refused by the caller */
        br_skey_decoder_init(&dc);
        br_skey_decoder_push(&dc, der, len);
        if ((c->key_err = br_skey_decoder_last_error(&dc)) == 0 && !br_skey_decoder_key_type(&dc))
            c->key_err = BR_ERR_X509_TRUNCATED;
        if (!c->key_err) wsc__client_keep_key(c, &dc);
        wsc__wipe(&dc, sizeof dc);
        return;
    }
    if (c->oom) return;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 4;
        br_x509_certificate *t = (br_x509_certificate *)wsc__realloc(c->mem, c->own, cap * sizeof *t);
        if (!t) { c->oom = 1; return; }
        c->own = t;
        c->cap = cap;
    }
    if (!(c->own[c->n].data = (unsigned char *)wsc__alloc(c->mem, len ? len : 1))) { c->oom = 1; return; }
    memcpy(c->own[c->n].data, der, len);
    c->own[c->n++].data_len = len;
    c->chain = c->own;
}

/* Reads PEM text, or the file path when text is NULL, into c. what names it
   in the words. Returns 0 with the error set. */
static int wsc__client_read(wsc__client *c, const char *text, size_t len, const char *path, const char *what) {
    wsc__pem_reader r;
    char *file = NULL;
    int ok;
    if (!text) {
        errno = 0;
        if (!(file = wsc__read_file(c->mem, path, &len)))
            return errno == ENOMEM ? wsc__set_error(WSC_ERR_NO_MEMORY, "out of memory reading %s '%s'", what, path)
                                   : wsc__set_error(WSC_ERR_CERTIFICATE, "cannot read %s '%s': %s", what, path, strerror(errno));
        text = file;
    }
    r.kind = wsc__pem_client_kind;
    r.secret = WSC__PEM_KEY;
    r.take = wsc__client_take;
    r.ctx = c;
    r.oom = &c->oom;
    r.mem = c->mem;
    ok = wsc__pem_read(&r, text, len);
    if (file) { wsc__wipe(file, len); wsc__free(c->mem, file); }
    if (c->oom) return wsc__set_error(WSC_ERR_NO_MEMORY, "out of memory reading %s", what);
    if (!ok) return wsc__set_error(WSC_ERR_CERTIFICATE, "%s is not valid PEM", what);
    if (c->keys > 1) return wsc__set_error(WSC_ERR_CERTIFICATE, "%s holds more than one private key", what);
    if (c->key_err)
        return wsc__set_error(WSC_ERR_CERTIFICATE, "the private key in %s is of a type BearSSL cannot use (it signs with "
                              "RSA and ECDSA keys only; not Ed25519, DSA, ...) or is malformed (BearSSL error %d)", what, c->key_err);
    if (c->encrypted && !c->key_type)
        return wsc__set_error(WSC_ERR_CERTIFICATE, "the private key in %s is encrypted: decrypt it first "
                              "(openssl pkey -in KEY -out PLAIN.key)", what);
    return 1;
}

/* Strips leading zero bytes of a big-endian integer. */
static const wsc__u8 *wsc__unsigned(const wsc__u8 *p, size_t *n) {
    while (*n > 0 && *p == 0) { p++; (*n)--; }
    return p;
}

/* Is the key usable, and the private half of the leaf's public key? NULL if
   so, else the words. */
static const char *wsc__client_mismatch(const br_x509_certificate *leaf, int type, const void *key, char *buf, size_t cap) {
    br_x509_decoder_context dc;
    const br_x509_pkey *pk;
    wsc__u8 v[BR_EC_KBUF_PUB_MAX_SIZE > 512 ? BR_EC_KBUF_PUB_MAX_SIZE : 512];
    const wsc__u8 *a, *b;
    size_t an, bn;
    br_x509_decoder_init(&dc, 0, 0);
    br_x509_decoder_push(&dc, leaf->data, leaf->data_len);
    if (!(pk = br_x509_decoder_get_pkey(&dc))) {
        snprintf(buf, cap, "the client certificate cannot be decoded, or its key type is not RSA or EC (BearSSL error %d)",
                 br_x509_decoder_last_error(&dc));
        return buf;
    }
    if (type != BR_KEYTYPE_RSA && type != BR_KEYTYPE_EC) return "client_key_type is not BR_KEYTYPE_RSA or BR_KEYTYPE_EC";
    if ((int)pk->key_type != type) {
        snprintf(buf, cap, "the private key is %s but the client certificate's key is %s: they do not belong together",
                 type == BR_KEYTYPE_RSA ? "RSA" : "EC", pk->key_type == BR_KEYTYPE_RSA ? "RSA" : "EC");
        return buf;
    }
    if (type == BR_KEYTYPE_RSA) {
        const br_rsa_private_key *sk = (const br_rsa_private_key *)key;
        if (sk->n_bitlen > 4096 || sk->n_bitlen < 1024) { /* 4096: BearSSL's largest (BR_MAX_RSA_SIZE) */
            snprintf(buf, cap, "the client RSA key has %u bits: 1024 to 4096 are taken (BearSSL signs with 4096 at most, "
                     "and less than 1024 no server accepts)", (unsigned)sk->n_bitlen);
            return buf;
        }
        /* the modulus p * q is the key: the exponents follow from it */
        an = br_rsa_compute_modulus_get_default()(v, sk);
        a = wsc__unsigned(v, &an);
        bn = pk->key.rsa.nlen;
        b = wsc__unsigned(pk->key.rsa.n, &bn);
        if (an == 0 || an != bn || memcmp(a, b, an) != 0)
            return "the client private key does not match the client certificate (another RSA key)";
    } else {
        const br_ec_private_key *sk = (const br_ec_private_key *)key;
        br_ec_public_key pub;
        if (sk->curve != BR_EC_secp256r1 && sk->curve != BR_EC_secp384r1 && sk->curve != BR_EC_secp521r1) {
            snprintf(buf, cap, "the client EC key is on curve %d: BearSSL signs with P-256, P-384 and P-521 only", sk->curve);
            return buf;
        }
        if (!br_ec_compute_pub(br_ec_get_default(), &pub, v, sk) || pub.curve != pk->key.ec.curve ||
            pub.qlen != pk->key.ec.qlen || memcmp(pub.q, pk->key.ec.q, pub.qlen) != 0)
            return "the client private key does not match the client certificate (another EC key)";
    }
    return NULL;
}

#endif

/* One connection's TLS. The engine above the seam reads frag, half_duplex,
   buf_len, established, resumed, close_started and the read-ahead; the rest
   is the BearSSL backend's (docs/internals-tls-seam.md). */
struct wsc__tls {
#ifdef WSCLIENT_TLS_OPENSSL
    SSL *ssl;                       /* over a BIO on the transport (wsc__ossl_bio) */
    wsc__u8 *in, *out;              /* application bytes: read / to write     */
    size_t in_off, in_len, out_len;
    int unasked;                    /* in emptied, OpenSSL not asked since: records it
                                       read ahead may wait there (wsc__tls_app_used) */
    int hs_done, peer_closed, dead; /* handshake over; close_notify came; failed */
    int wpending;                   /* OpenSSL holds record bytes the transport did not take */
    int hold;                       /* the connect is not up: records wait     */
    int moved, io_failed;           /* of the BIO: bytes went through; the transport failed */
    int app_seen;                   /* an application byte came from the server */
    int err;                        /* the seam's error number (wsc__ossl_failed) */
    int unsupported_version;        /* OpenSSL refused the server's version */
    char why[120];                  /* OpenSSL's words for it                */
    char sni[256];                  /* the name checked; "" for an IP address */
#else
    br_ssl_client_context cc;
#endif
#ifdef WSCLIENT_SMALL
    br_x509_minimal_context x509;
#else
    wsc__x509 x509;
    wsc__anchors own;               /* anchors this socket read itself      */
#ifndef WSCLIENT_NO_HEAP
    wsc__ta_set *shared;            /* or anchors of the library's cache   */
#endif
    wsc__u8 *pins;                  /* x509.npins SHA-256 digests           */
    wsc__client client;             /* our certificate, if any              */
#endif
    const br_x509_trust_anchor *ta; /* what the chain is checked against   */
    size_t ta_n;
    unsigned vmin, vmax;            /* versions the mask allows             */
    unsigned mask;                  /* the mask itself, for its holes       */
    unsigned frag;                  /* largest record payload               */
    int half_duplex;
    size_t buf_len;
    wsc__u8 *iobuf;                 /* buf_len bytes, right after the struct */
    int close_started, established, resumed, resumable;
    wsc__u8 session_key[32];
    wsc__u8 offered_id[32];         /* the session ID we asked to resume    */
    size_t offered_len;
#if WSC__AHEAD
    size_t ahead_off, ahead_len;    /* read, not yet handed to the engine   */
    wsc__u8 ahead[WSC__AHEAD];
#endif
};

static void wsc__tls_free(wsc__mem *mem, wsc__tls *t) {
    if (!t) return;
#ifndef WSCLIENT_SMALL
    wsc__buf_free(&t->x509.cert);
    wsc__anchors_free(&t->own);
#ifndef WSCLIENT_NO_HEAP
    wsc__ta_release(t->shared);
#endif
    if (t->pins) wsc__free(mem, t->pins);
    wsc__client_free(&t->client);
#endif
#ifdef WSCLIENT_TLS_OPENSSL
    if (t->ssl) SSL_free(t->ssl); /* its BIO, and its secrets */
    if (t->in) wsc__wipe(t->in, t->buf_len);
#else
    wsc__wipe(&t->cc, sizeof t->cc); /* keys and the master secret */
#endif
    wsc__free(mem, t);
}

/* A TLS failure: the session is not to be resumed (RFC 5246 §7.2.2). */
static void wsc__tls_failed(wsc__tls *t) {
#if WSCLIENT_TLS_SESSIONS > 0
    if (t->resumable) wsc__session_forget(t->session_key);
#else
    (void)t;
#endif
}

#ifdef WSCLIENT_TLS_OPENSSL
#if WSCLIENT_TLS_SESSIONS > 0
/* May the session of this connection be kept? Not when a certificate's
   dates could not be read: a resumed connect could not check them again. */
static int wsc__session_keepable(const wsc__tls *t) {
    return t->resumable && !(t->x509.mode == WSC__X509_VERIFY && t->x509.undated);
}
#endif

/* The handshake is done: note whether it resumed. Its session is kept as
   OpenSSL hands it over (wsc__ossl_new_session): TLS 1.3 tickets come later. */
static void wsc__tls_established(wsc__tls *t) {
    if (t->established) return;
    t->established = 1;
    t->resumed = SSL_session_reused(t->ssl) == 1;
}
#else
/* The handshake is done: note whether it resumed, and keep the session. */
static void wsc__tls_established(wsc__tls *t) {
#if WSCLIENT_TLS_SESSIONS > 0
    br_ssl_session_parameters p;
#endif
    if (t->established) return;
    t->established = 1;
#if WSCLIENT_TLS_SESSIONS > 0 /* else nothing was offered, nothing is kept */
    br_ssl_engine_get_session_parameters(&t->cc.eng, &p);
    t->resumed = t->offered_len > 0 && p.session_id_len == t->offered_len &&
                 memcmp(p.session_id, t->offered_id, t->offered_len) == 0;
    /* a chain whose dates we could not read cannot be checked again later */
    if (t->resumable && p.session_id_len > 0 && !(t->x509.mode == WSC__X509_VERIFY && t->x509.undated))
        wsc__session_slot(t->session_key, t->x509.valid_from, t->x509.valid_until)->p = p;
    wsc__wipe(&p, sizeof p);
#endif
}
#endif

/* The result code of a BearSSL error: the certificate's fault (a failed
   check, or the server's alert about ours: 42 to 48), else TLS's. */
static wsc_result wsc__tls_error_code(int err) {
    int received = err - BR_ERR_RECV_FATAL_ALERT; /* the alert, when in [0, 256) */
    return (err >= 32 && err < 64) || (received >= 42 && received <= 48) ? WSC_ERR_CERTIFICATE : WSC_ERR_TLS;
}

#ifndef WSCLIENT_SMALL
static const char *wsc__br_error_text(int err) {
    switch (err) {
    case BR_ERR_X509_NOT_TRUSTED: return "certificate not trusted: unknown issuer, self-signed, or the server did not send its intermediate certificates";
    case BR_ERR_X509_EXPIRED: return "a certificate of the chain expired or is not yet valid";
    case BR_ERR_X509_BAD_SERVER_NAME: return "certificate does not match the host name";
    case BR_ERR_X509_NOT_CA: return "bad certificate chain: an issuing certificate is not a CA";
    case BR_ERR_X509_BAD_SIGNATURE: return "bad certificate chain: a signature does not verify";
    case BR_ERR_X509_DN_MISMATCH: return "bad certificate chain: a certificate's issuer is not the certificate sent after it";
    case BR_ERR_X509_EMPTY_CHAIN: return "server sent no certificate";
    case BR_ERR_X509_TIME_UNKNOWN: return "no clock to check the certificate dates";
    case BR_ERR_X509_CRITICAL_EXTENSION: return "certificate has an unsupported critical extension";
    case BR_ERR_X509_FORBIDDEN_KEY_USAGE: return "certificate key usage forbids a TLS server";
    case BR_ERR_X509_WEAK_PUBLIC_KEY: return "certificate public key is too weak";
    case BR_ERR_X509_WRONG_KEY_TYPE: return "certificate key type does not fit the cipher suite";
    case BR_ERR_X509_UNSUPPORTED: return "certificate uses an unsupported algorithm";
    case BR_ERR_X509_LIMIT_EXCEEDED: return "certificate chain exceeds an internal limit";
    case BR_ERR_UNSUPPORTED_VERSION: return "server chose a TLS version the mask does not allow";
    case BR_ERR_BAD_VERSION: return "server changed the TLS version during the handshake";
    case BR_ERR_BAD_LENGTH: return "TLS record has a bad length";
    case BR_ERR_BAD_CIPHER_SUITE: return "server chose a cipher suite we did not offer";
    case BR_ERR_BAD_COMPRESSION: return "server chose compression (not allowed)";
    case BR_ERR_BAD_FRAGLEN: return "server answered max_fragment_length with another length";
    case BR_ERR_BAD_SECRENEG: return "server broke secure renegotiation (RFC 5746)";
    case BR_ERR_EXTRA_EXTENSION: return "server sent an extension we did not offer";
    case BR_ERR_BAD_SNI: return "server answered the server name with a non-empty extension";
    case BR_ERR_OVERSIZED_ID: return "server session ID is over 32 bytes";
    case BR_ERR_RESUME_MISMATCH: return "server resumed a session with other parameters";
    case BR_ERR_INVALID_ALGORITHM: return "server used an algorithm we do not support";
    case BR_ERR_LIMIT_EXCEEDED: return "server key or signature exceeds an internal limit";
    case BR_ERR_BAD_FINISHED: return "handshake Finished message does not verify";
    case BR_ERR_BAD_CCS: return "malformed ChangeCipherSpec";
    case BR_ERR_BAD_ALERT: return "malformed TLS alert";
    case BR_ERR_BAD_HELLO_DONE: return "malformed ServerHelloDone";
    case BR_ERR_UNKNOWN_TYPE: return "TLS record of an unknown type";
    case BR_ERR_BAD_MAC: return "TLS record failed its integrity check";
    case BR_ERR_NO_RANDOM: return "no system source of randomness for TLS";
    case BR_ERR_BAD_HANDSHAKE: return "malformed TLS handshake message";
    case BR_ERR_BAD_SIGNATURE: return "server key exchange signature does not verify";
    case BR_ERR_WRONG_KEY_USAGE: return "server key usage does not allow this cipher suite";
    case BR_ERR_UNEXPECTED: return "unexpected TLS message";
    case BR_ERR_TOO_LARGE: return "TLS record too large";
    case BR_ERR_IO: return "I/O error under TLS";
    default: return err >= 32 && err < 64 ? "certificate could not be decoded" : "TLS protocol error";
    }
}

/* The name the certificate was checked against ("" for an IP address). */
#ifdef WSCLIENT_TLS_OPENSSL
#define wsc__tls_checked_name(t) ((t)->sni)
#else
#define wsc__tls_checked_name(t) ((t)->cc.eng.server_name)
#endif

/* Did the backend refuse the version the server chose? (BearSSL says so
   by its own error number, not by the alert it sent.) */
#ifdef WSCLIENT_TLS_OPENSSL
#define wsc__tls_version_refused(t) ((t)->unsupported_version)
#else
#define wsc__tls_version_refused(t) 0
#endif

/* The version agreed (0x0303: TLS 1.2), once the handshake is done. */
#ifdef WSCLIENT_TLS_OPENSSL
#define wsc__tls_agreed(t) ((unsigned)SSL_version((t)->ssl))
#else
#define wsc__tls_agreed(t) ((unsigned)br_ssl_engine_get_version(&(t)->cc.eng))
#endif

/* Can the server still be refusing our certificate? Until the handshake
   ends on BearSSL; on OpenSSL until it sends application data: a TLS 1.3
   server checks our certificate after our Finished (RFC 8446 §4.4.2.4). */
#ifdef WSCLIENT_TLS_OPENSSL
#define wsc__tls_judging_us(t) (!(t)->app_seen)
#else
#define wsc__tls_judging_us(t) (!(t)->established)
#endif

/* What the words of a failure end with: the backend's own number or words. */
static void wsc__tls_error_tag(const wsc__tls *t, int err, char *out, size_t cap) {
#ifdef WSCLIENT_TLS_OPENSSL
    if (t->why[0]) snprintf(out, cap, "OpenSSL: %s", t->why);
    else snprintf(out, cap, "OpenSSL backend error %d", err);
#else
    (void)t;
    snprintf(out, cap, "BearSSL error %d", err);
#endif
}

/* Words for a failed certificate check, from what our engine saw. */
static void wsc__x509_words(const wsc__socket *s, int err, char *out, size_t cap) {
    const wsc__tls *t = s->tls;
    const wsc__x509 *x = &t->x509;
    const char *name = wsc__tls_checked_name(t)[0] ? wsc__tls_checked_name(t) : s->host;
    char pin[48];
    if (err == BR_ERR_X509_NOT_TRUSTED && x->pin_failed) {
        wsc__base64(pin, x->ee_pin, sizeof x->ee_pin);
        snprintf(out, cap, "the server key matches none of the pinned keys (its pin is sha256//%s)", pin);
    } else if (err == BR_ERR_X509_NOT_TRUSTED && x->forged) {
        snprintf(out, cap, "bad certificate chain: a certificate names a trusted CA as its issuer, but its signature "
                 "does not verify with that CA's key");
    } else if (err == BR_ERR_X509_EXPIRED && x->dates[0]) {
        snprintf(out, cap, "%s", x->dates);
    } else if (err == BR_ERR_X509_BAD_SERVER_NAME) {
        snprintf(out, cap, "certificate does not match the host name: %s %.64s (it is for %.64s)",
                 x->ip_len ? "it has no IP address entry for" : "it is not for", name, x->names[0] ? x->names : "no name in subjectAltName");
    } else if (err == BR_ERR_X509_TIME_UNKNOWN && x->unix_time) {
        snprintf(out, cap, "the unix_time hook knows no time, so the certificate dates cannot be checked");
    } else {
        snprintf(out, cap, "%s", wsc__br_error_text(err));
    }
}

/* Words for an alert the server sent after it asked for our certificate:
   it wants one we do not have, or refused ours. 1 if they apply. */
static int wsc__client_words(const wsc__tls *t, int alert, wsc_result *code, char *out, size_t cap) {
    const wsc__client *c = &t->client;
    if (!c->asked || !wsc__tls_judging_us(t)) return 0;
    if (!c->n && (alert == 40 || (alert >= 42 && alert <= 49) || alert == 116)) {
        snprintf(out, cap, ": the server requires a client certificate (set client_cert_pem, client_cert_file or client_chain)");
    } else if (c->n && (alert == 40 || (alert >= 42 && alert <= 49) || alert == 51 || alert == 116)) {
        snprintf(out, cap, ": the server refused our client certificate%s", alert == 48 ? " (it does not trust its issuer)"
                 : alert == 45 ? " (expired, or not yet valid)" : "");
    } else {
        return 0;
    }
    *code = WSC_ERR_CERTIFICATE;
    return 1;
}

#ifndef WSCLIENT_TLS_OPENSSL
/* Did the handshake fail between the ServerHello's random and the server's
   certificate? That is where BearSSL refuses an ALPN name we did not offer,
   as an "unexpected" message (BR_OPT_FAIL_ON_ALPN_MISMATCH). */
static int wsc__in_server_hello(const wsc__tls *t) {
    size_t i;
    if (t->x509.chain_seen) return 0;
    for (i = 0; i < sizeof t->cc.eng.server_random; i++)
        if (t->cc.eng.server_random[i]) return 1;
    return 0;
}
#endif

/* The socket's error words and code from a BearSSL engine error code; the
   number is kept at the end of the words. */
static void wsc__tls_error_words(const wsc__socket *s, int err, wsc_result *code, char *out, size_t cap) {
    const wsc__tls *t = s->tls;
    char range[48], words[224], tag[136];
    *code = wsc__tls_error_code(err);
    wsc__tls_error_tag(t, err, tag, sizeof tag);
    if (t->vmin == t->vmax) snprintf(range, sizeof range, "%s only", wsc__version_name(t->vmin));
    else snprintf(range, sizeof range, "%s to %s", wsc__version_name(t->vmin), wsc__version_name(t->vmax));
    if (err >= BR_ERR_SEND_FATAL_ALERT) {
        int alert = err - BR_ERR_SEND_FATAL_ALERT;
        if (wsc__tls_version_refused(t))
            snprintf(words, sizeof words, ": the server chose a TLS version outside the mask's %s", range);
        else if (WSC__TLS_VERSIONS == 4 && (alert == 47 || alert == 50) && !t->x509.chain_seen && !t->established)
            snprintf(words, sizeof words, ": the server answered our hello with an extension we cannot take, such as "
                     "a protocol by ALPN that we did not offer (we offer http/1.1 only; RFC 7301 §3.2)");
        else words[0] = 0;
        snprintf(out, cap, "TLS failed: we sent alert %d (%s)%.190s (%.120s)", alert, wsc__alert_name(alert), words, tag);
    } else if (err >= BR_ERR_RECV_FATAL_ALERT) {
        int alert = err - BR_ERR_RECV_FATAL_ALERT;
        words[0] = 0;
        if (alert == 70)
            snprintf(words, sizeof words, ": it supports no TLS version the mask allows (%s%s)", range,
                     WSC__TLS_VERSIONS < 4 ? "; BearSSL has no TLS 1.3" : "");
        else if (!wsc__client_words(t, alert, code, words, sizeof words) && alert == 40 && t->established &&
                 wsc__tls_agreed(t) <= 0x0303) /* OpenSSL's servers end a refused renegotiation so */
            snprintf(words, sizeof words, ": after the handshake, as a TLS 1.2 server does when we refuse its "
                     "request to renegotiate (wsclient.h never renegotiates)");
        snprintf(out, cap, "TLS failed: server sent alert %d (%s)%.150s (%.100s)", alert, wsc__alert_name(alert), words, tag);
    } else if (err >= 32 && err < 64) {
        wsc__x509_words(s, err, words, sizeof words);
        snprintf(out, cap, "TLS certificate check failed: %.190s (%.100s)", words, tag);
    } else {
#ifdef WSCLIENT_TLS_OPENSSL
        snprintf(out, cap, "TLS failed: %.190s", t->why[0] ? t->why : "OpenSSL gave no reason");
#else
        if (err == BR_ERR_UNSUPPORTED_VERSION)
            snprintf(words, sizeof words, "server chose a TLS version outside the mask's %s", range);
        else if (err == BR_ERR_UNEXPECTED && wsc__in_server_hello(t))
            snprintf(words, sizeof words, "the server selected a protocol by ALPN that we did not offer (we offer "
                     "http/1.1 only; RFC 7301 §3.2), or sent an unexpected message after its ServerHello");
        else if (err == BR_ERR_TOO_LARGE && t->frag < 16384)
            snprintf(words, sizeof words, "server sent a TLS record over %u bytes: it ignored max_fragment_length "
                     "(raise tls_max_fragment, or 0)", t->frag);
        else snprintf(words, sizeof words, "%s", wsc__br_error_text(err));
        snprintf(out, cap, "TLS failed: %.190s (%s)", words, tag);
#endif
    }
}
#endif

/* The mask bit of each TLS version, 0x0301 (TLS 1.0) on; the backend
   implements the first WSC__TLS_VERSIONS of them. */
static const unsigned wsc__version_bits[4] = {WSC_TLS1, WSC_TLS1_1, WSC_TLS1_2, WSC_TLS1_3};

/* Maps WinDev's mask to the range of versions offered (0x0301 ...); a
   version in a hole of it is refused once the server chose it
   (wsc__tls_version_check). Returns 0 with the error set. */
static int wsc__tls_versions(unsigned mask, unsigned *vmin, unsigned *vmax) {
    int i;
    if (mask == 0) mask = WSC_TLS_DEFAULT;
    if (mask & ~(WSC_SSL2 | WSC_SSL3 | WSC_TLS1 | WSC_TLS1_1 | WSC_TLS1_2 | WSC_TLS1_3))
        return wsc__set_error(WSC_ERR_ARGUMENT, "unknown bits 0x%x in the SSL option mask", mask);
    *vmin = *vmax = 0;
    for (i = 0; i < WSC__TLS_VERSIONS; i++) {
        if (!(mask & wsc__version_bits[i])) continue;
        if (!*vmin) *vmin = 0x0301u + (unsigned)i;
        *vmax = 0x0301u + (unsigned)i;
    }
    if (!*vmin)
#ifdef WSCLIENT_TLS_OPENSSL
        return wsc__set_error(WSC_ERR_TLS_VERSION, "the SSL option mask 0x%x allows no TLS version (SSL 2 and SSL 3 are "
                              "never used: they are broken)", mask);
#else
        return wsc__set_error(WSC_ERR_TLS_VERSION, "the SSL option mask 0x%x allows no version BearSSL implements "
                              "(it does TLS 1.0 to 1.2; TLS 1.3, SSL 2 and SSL 3 are not available)", mask);
#endif
    return 1;
}

#if !defined(WSCLIENT_SMALL) || !defined(WSCLIENT_NO_SOCKETS) /* for the certificate check, and for DNS */
/* Dotted-quad IPv4 in p[0..n): four decimal parts of 0..255, no leading zeros. */
static int wsc__parse_ipv4(const char *p, size_t n, wsc__u8 out[4]) {
    const char *end = p + n;
    int part;
    for (part = 0; part < 4; part++) {
        unsigned v = 0, digits = 0;
        for (; p < end && *p >= '0' && *p <= '9'; p++, digits++) {
            if (digits && v == 0) return 0;
            if ((v = v * 10 + (unsigned)(*p - '0')) > 255) return 0;
        }
        if (!digits) return 0;
        out[part] = (wsc__u8)v;
        if (part < 3 && (p == end || *p++ != '.')) return 0;
    }
    return p == end;
}

static int wsc__hex(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    c = wsc__lower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* IPv6 text (RFC 4291 §2.2: groups, one "::", a dotted quad at the end). */
static int wsc__parse_ipv6(const char *p, wsc__u8 out[16]) {
    wsc__u8 b[16];
    size_t n = 0;
    int gap = -1;
    if (p[0] == ':') {
        if (p[1] != ':') return 0;
        p += 2;
        gap = 0;
    }
    while (*p) {
        const char *start = p;
        unsigned v = 0, digits = 0;
        for (; digits < 4 && wsc__hex(*p) >= 0; p++, digits++) v = v * 16 + (unsigned)wsc__hex(*p);
        if (*p == '.') { /* the last 32 bits as IPv4 */
            if (n > 12 || !wsc__parse_ipv4(start, strlen(start), b + n)) return 0;
            n += 4;
            break;
        }
        if (!digits || n > 14) return 0;
        b[n++] = (wsc__u8)(v >> 8);
        b[n++] = (wsc__u8)v;
        if (!*p) break;
        if (*p++ != ':' || !*p) return 0;
        if (*p == ':') {
            if (gap >= 0) return 0;
            gap = (int)n;
            p++;
        }
    }
    if (gap < 0 && n != 16) return 0;
    if (gap >= 0) {
        size_t tail = n - (size_t)gap;
        if (n == 16) return 0; /* "::" stands for at least one group */
        memmove(b + 16 - tail, b + gap, tail);
        memset(b + gap, 0, 16 - n);
    }
    memcpy(out, b, 16);
    return 1;
}

/* Parses an IP literal (no brackets); returns its length in bytes, 0 if a name. */
static size_t wsc__parse_ip(const char *host, wsc__u8 out[16]) {
    if (wsc__parse_ipv4(host, strlen(host), out)) return 4;
    if (wsc__parse_ipv6(host, out)) return 16;
    return 0;
}
#endif

#ifndef WSCLIENT_SMALL
/* One pin: "sha256//" (optional) and the base64 of 32 bytes. */
static int wsc__pin_decode(const char *p, size_t n, wsc__u8 out[32]) {
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t i, k = 0;
    if (n >= 8 && wsc__lower(p[0]) == 's' && strncmp(p + 1, "ha256//", 7) == 0) { p += 8; n -= 8; }
    if (n == 44 && p[43] == '=') n--;
    if (n != 43) return 0;
    for (i = 0; i < n; i++) {
        int v = wsc__b64_value(p[i]);
        if (v < 0) return 0;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (k < 32) out[k++] = (wsc__u8)(acc >> bits);
        }
    }
    return k == 32 && (acc & ((1u << bits) - 1)) == 0;
}

static int wsc__pin_sep(int c) { return c == ';' || c == ',' || c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* Reads pinned_keys and pinned_keys_raw. Returns 0 with the error set. */
static int wsc__tls_pins(wsc__mem *mem, wsc__tls *t, const wsc_config *cfg) {
    const char *p = cfg->pinned_keys ? cfg->pinned_keys : "";
    size_t raw = cfg->pinned_keys_raw_count, n = 0, i;
    if (raw && !cfg->pinned_keys_raw) return wsc__set_error(WSC_ERR_ARGUMENT, "pinned_keys_raw_count is set but pinned_keys_raw is NULL");
    for (i = 0; p[i]; i++) n += !wsc__pin_sep(p[i]) && (i == 0 || wsc__pin_sep(p[i - 1]));
    /* pin_only trusts a pin match alone: with no pin it would trust any key */
    if (n + raw == 0)
        return !cfg->pin_only || wsc__set_error(WSC_ERR_ARGUMENT, "pin_only needs at least one pin in pinned_keys or pinned_keys_raw");
    if (!(t->pins = (wsc__u8 *)wsc__alloc(mem, (n + raw) * 32)))
        return wsc__set_error(WSC_ERR_NO_MEMORY, "out of memory for the pinned keys");
    for (n = 0; *p; ) {
        size_t len = 0;
        if (wsc__pin_sep(*p)) { p++; continue; }
        while (p[len] && !wsc__pin_sep(p[len])) len++;
        if (!wsc__pin_decode(p, len, t->pins + 32 * n++))
            return wsc__set_error(WSC_ERR_ARGUMENT, "pinned_keys: '%.*s' is not a SHA-256 pin (sha256// and 44 base64 "
                                  "characters)", (int)(len > 60 ? 60 : len), p);
        p += len;
    }
    if (raw) memcpy(t->pins + 32 * n, cfg->pinned_keys_raw, raw * 32);
    t->x509.pins = t->pins;
    t->x509.npins = n + raw;
    return 1;
}

/* Chooses what the server's chain is checked against (see "Trust sources"
   above). Returns 0 with the error set. */
static int wsc__tls_trust(wsc__tls *t, const wsc_config *cfg) {
    const char *path;
    int is_dir = 0;
    wsc__u8 stamp[32];
    long long newest;
    struct stat st;
    if (t->x509.mode != WSC__X509_VERIFY) return 1;
    if (cfg->trust_anchors) {
        if (!cfg->trust_anchor_count) return wsc__set_error(WSC_ERR_ARGUMENT, "trust_anchors is set but trust_anchor_count is 0");
        t->ta = (const br_x509_trust_anchor *)cfg->trust_anchors;
        t->ta_n = cfg->trust_anchor_count;
        return 1;
    }
    if (cfg->ca_pem) {
        size_t n = cfg->ca_pem_len ? cfg->ca_pem_len : strlen(cfg->ca_pem);
        if (!wsc__anchors_add_pem(&t->own, cfg->ca_pem, n)) return wsc__set_error(WSC_ERR_CERTIFICATE, "ca_pem is not valid PEM");
        if (t->own.oom) return wsc__set_error(WSC_ERR_NO_MEMORY, "out of memory loading trust anchors");
        if (t->own.n == 0) return wsc__set_error(WSC_ERR_CERTIFICATE, "no usable certificate in ca_pem");
        t->ta = t->own.ta;
        t->ta_n = t->own.n;
        return 1;
    }
    if (cfg->ca_file) { /* a file, or a directory of them */
        path = cfg->ca_file;
        is_dir = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
    } else if (!(path = wsc__system_bundle(&is_dir))) {
        return wsc__set_error(WSC_ERR_CERTIFICATE, "no system CA certificates found (set SSL_CERT_FILE, SSL_CERT_DIR or wsc_config.ca_file)");
    }
    errno = 0;
    if (!wsc__stamp(path, is_dir, stamp, &newest)) {
        if (is_dir) return wsc__set_error(WSC_ERR_CERTIFICATE, "cannot read the certificate directories '%s'", path);
        return wsc__set_error(WSC_ERR_CERTIFICATE, "cannot read CA file '%s': %s", path, strerror(errno));
    }
#ifndef WSCLIENT_NO_HEAP
    if (!(t->shared = wsc__ta_get(path, is_dir, stamp, newest))) return 0;
    t->ta = t->shared->a.ta;
    t->ta_n = t->shared->a.n;
#else
    if (!wsc__anchors_load(&t->own, path, is_dir)) return 0;
    t->ta = t->own.ta;
    t->ta_n = t->own.n;
#endif
    return 1;
}

/* Names in the chain are matched to anchors by a hash of each, and BearSSL's
   minimal engine hashes every anchor's name again at each look-up: with the
   system's bundle (~145 anchors) SHA-256 cost 1.2 M instructions a connect.
   SipHash-2-4 under a random key of the process does it in a tenth. A match
   only picks a candidate: the anchor's key must still check the signature
   (or equal the server's key), and the secret key keeps a server from
   choosing names that collide with an anchor's. */
typedef struct {
    const br_hash_class *vtable; /* first: BearSSL calls through it */
    uint64_t v[4];
    wsc__u8 tail[8];
    uint64_t count;
} wsc__sip;

#define WSC__ROTL64(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static void wsc__sip_rounds(uint64_t *v, int n) {
    while (n--) {
        v[0] += v[1]; v[1] = WSC__ROTL64(v[1], 13); v[1] ^= v[0]; v[0] = WSC__ROTL64(v[0], 32);
        v[2] += v[3]; v[3] = WSC__ROTL64(v[3], 16); v[3] ^= v[2];
        v[0] += v[3]; v[3] = WSC__ROTL64(v[3], 21); v[3] ^= v[0];
        v[2] += v[1]; v[1] = WSC__ROTL64(v[1], 17); v[1] ^= v[2]; v[2] = WSC__ROTL64(v[2], 32);
    }
}

static uint64_t wsc__le64(const wsc__u8 *p) {
    uint64_t x = 0;
    int i;
    for (i = 7; i >= 0; i--) x = x << 8 | p[i];
    return x;
}

static void wsc__sip_block(wsc__sip *h, uint64_t m) {
    h->v[3] ^= m;
    wsc__sip_rounds(h->v, 2);
    h->v[0] ^= m;
}

/* Starts a hash under the 16-byte key k. */
static void wsc__sip_start(wsc__sip *h, const wsc__u8 k[16]) {
    uint64_t k0 = wsc__le64(k), k1 = wsc__le64(k + 8);
    h->v[0] = k0 ^ 0x736f6d6570736575u;
    h->v[1] = k1 ^ 0x646f72616e646f6du;
    h->v[2] = k0 ^ 0x6c7967656e657261u;
    h->v[3] = k1 ^ 0x7465646279746573u;
    h->count = 0;
}

static void wsc__sip_update(const br_hash_class **ctx, const void *data, size_t len) {
    wsc__sip *h = (wsc__sip *)(void *)ctx;
    const wsc__u8 *p = (const wsc__u8 *)data;
    size_t have = (size_t)(h->count & 7);
    h->count += len;
    while (len) {
        if (have == 0 && len >= 8) {
            wsc__sip_block(h, wsc__le64(p));
            p += 8, len -= 8;
            continue;
        }
        h->tail[have++] = *p++, len--;
        if (have == 8) { wsc__sip_block(h, wsc__le64(h->tail)); have = 0; }
    }
}

/* The 8-byte hash, little-endian; the context stays usable. */
static void wsc__sip_out(const br_hash_class *const *ctx, void *dst) {
    const wsc__sip *h = (const wsc__sip *)(const void *)ctx;
    wsc__sip e = *h;
    uint64_t b = (uint64_t)(h->count & 0xFF) << 56, r;
    int i;
    for (i = (int)(h->count & 7) - 1; i >= 0; i--) b |= (uint64_t)h->tail[i] << (8 * i);
    wsc__sip_block(&e, b);
    e.v[2] ^= 0xFF;
    wsc__sip_rounds(e.v, 4);
    r = e.v[0] ^ e.v[1] ^ e.v[2] ^ e.v[3];
    for (i = 0; i < 8; i++) ((wsc__u8 *)dst)[i] = (wsc__u8)(r >> (8 * i));
}

static void wsc__sip_init(const br_hash_class **ctx) {
    wsc__sip_start((wsc__sip *)(void *)ctx, wsc__g.dn_key);
}

/* The state between whole blocks, as BearSSL's hashes give theirs. */
static uint64_t wsc__sip_state(const br_hash_class *const *ctx, void *dst) {
    const wsc__sip *h = (const wsc__sip *)(const void *)ctx;
    memcpy(dst, h->v, sizeof h->v);
    return h->count;
}

static void wsc__sip_set_state(const br_hash_class **ctx, const void *stb, uint64_t count) {
    wsc__sip *h = (wsc__sip *)(void *)ctx;
    memcpy(h->v, stb, sizeof h->v);
    h->count = count;
}

static const br_hash_class wsc__sip_vtable = {
    sizeof(wsc__sip),
    BR_HASHDESC_OUT(8) | BR_HASHDESC_STATE(32) | BR_HASHDESC_LBLEN(3),
    wsc__sip_init, wsc__sip_update, wsc__sip_out, wsc__sip_state, wsc__sip_set_state
};

/* BearSSL's minimal engine with every hash and signature of init_full, but
   names matched by SipHash (above). Returns 0 with the error set. */
static int wsc__minimal_init(br_x509_minimal_context *m, const br_x509_trust_anchor *ta, size_t n) {
    if (!wsc__g.dn_keyed && !wsc__random(wsc__g.dn_key, sizeof wsc__g.dn_key)) return 0;
    wsc__g.dn_keyed = 1;
    br_x509_minimal_init(m, &wsc__sip_vtable, ta, n);
    br_x509_minimal_set_hash(m, br_sha1_ID, &br_sha1_vtable);
    br_x509_minimal_set_hash(m, br_sha224_ID, &br_sha224_vtable);
    br_x509_minimal_set_hash(m, br_sha256_ID, &br_sha256_vtable);
    br_x509_minimal_set_hash(m, br_sha384_ID, &br_sha384_vtable);
    br_x509_minimal_set_hash(m, br_sha512_ID, &br_sha512_vtable);
    br_x509_minimal_set_rsa(m, br_rsa_pkcs1_vrfy_get_default());
    br_x509_minimal_set_ecdsa(m, br_ec_get_default(), br_ecdsa_vrfy_asn1_get_default());
    return 1;
}

#ifdef WSCLIENT_TLS_OPENSSL
/* BearSSL's id of the hash a certificate's signature is over, from its
   outer signatureAlgorithm (the one the minimal engine reads): RSA
   PKCS#1 v1.5 or ECDSA with SHA-1 or SHA-2; 0 for anything else. */
static int wsc__sig_hash(const wsc__u8 *der, size_t len) {
    static const wsc__u8 rsa[8] = {0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01}; /* 1.2.840.113549.1.1 */
    static const wsc__u8 ec[6] = {0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04};              /* 1.2.840.10045.4 */
    const wsc__u8 *p = der, *end = der + len, *v;
    size_t n;
    if (!wsc__der_want(&p, end, 0x30, &v, &n)) return 0; /* Certificate */
    p = v;
    end = v + n;
    if (!wsc__der_want(&p, end, 0x30, &v, &n) || !wsc__der_want(&p, end, 0x30, &v, &n)) return 0; /* tbs, algorithm */
    p = v;
    if (!wsc__der_want(&p, v + n, 0x06, &v, &n)) return 0;
    if (n == 9 && memcmp(v, rsa, 8) == 0)
        switch (v[8]) {
        case 5: return br_sha1_ID;
        case 14: return br_sha224_ID;
        case 11: return br_sha256_ID;
        case 12: return br_sha384_ID;
        case 13: return br_sha512_ID;
        default: return 0;
        }
    if (n == 7 && memcmp(v, ec, 6) == 0 && v[6] == 1) return br_sha1_ID;
    if (n == 8 && memcmp(v, ec, 6) == 0 && v[6] == 3 && v[7] >= 1 && v[7] <= 4) return br_sha224_ID + v[7] - 1;
    return 0;
}

/* The minimal engine computes every hash it has over each certificate
   as it reads it (SHA-1, -224, -256, -384 and -512: 0.1 M instructions),
   though one is used: only that one, id, or all when id is 0. Had id been
   wrong, the engine would find no hash and refuse the certificate. */
static void wsc__minimal_hashes(br_x509_minimal_context *m, int id) {
    static const br_hash_class *const h[] = {&br_sha1_vtable, &br_sha224_vtable, &br_sha256_vtable, &br_sha384_vtable,
                                             &br_sha512_vtable};
    int i;
    for (i = 0; i < 5; i++) br_x509_minimal_set_hash(m, br_sha1_ID + i, (!id || id == br_sha1_ID + i) ? h[i] : NULL);
}

/* OpenSSL's verify contexts for the issuer keys met lately, kept for the
   process as its SSL_CTX is: making one from a key's point costs a quarter
   of a million instructions, a fifth of the chain check, and a client meets
   the same few CAs at every connect. Found by the whole point, so one key
   never stands for another; used under the library's lock. */
#define WSC__OSSL_KEYS 4
static struct wsc__ossl_key {
    int curve;
    size_t qlen;
    unsigned char q[133]; /* an uncompressed P-521 point */
    EVP_PKEY_CTX *vc;
} wsc__ossl_keys[WSC__OSSL_KEYS];
static unsigned wsc__ossl_keys_next;

static EVP_PKEY_CTX *wsc__ossl_key_find(const br_ec_public_key *pk) {
    unsigned i;
    for (i = 0; i < WSC__OSSL_KEYS; i++) {
        const struct wsc__ossl_key *k = &wsc__ossl_keys[i];
        if (k->vc && k->curve == pk->curve && k->qlen == pk->qlen && memcmp(k->q, pk->q, pk->qlen) == 0) return k->vc;
    }
    return NULL;
}

/* wsc_tls_clear_cache: the process keeps none of them. */
static void wsc__ossl_keys_clear(void) {
    unsigned i;
    for (i = 0; i < WSC__OSSL_KEYS; i++) {
        EVP_PKEY_CTX_free(wsc__ossl_keys[i].vc);
        wsc__ossl_keys[i].vc = NULL;
    }
}

/* A verify context for pk (curve "P-" bits), kept in place of the oldest;
   NULL if OpenSSL refuses the point. */
static EVP_PKEY_CTX *wsc__ossl_key_make(const br_ec_public_key *pk, const char *bits) {
    char group[6] = "P-"; /* OSSL_PARAM wants it writable */
    OSSL_PARAM params[3];
    EVP_PKEY_CTX *pc, *vc = NULL;
    EVP_PKEY *key = NULL;
    struct wsc__ossl_key *k;
    if (pk->qlen > sizeof k->q) return NULL;
    memcpy(group + 2, bits, 4);
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pk->q, pk->qlen);
    params[2] = OSSL_PARAM_construct_end();
    pc = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    if (pc && EVP_PKEY_fromdata_init(pc) == 1 && EVP_PKEY_fromdata(pc, &key, EVP_PKEY_PUBLIC_KEY, params) == 1)
        vc = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
    EVP_PKEY_free(key); /* vc holds a reference of its own */
    EVP_PKEY_CTX_free(pc);
    if (!vc) return NULL;
    k = &wsc__ossl_keys[wsc__ossl_keys_next++ % WSC__OSSL_KEYS];
    EVP_PKEY_CTX_free(k->vc);
    k->curve = pk->curve;
    k->qlen = pk->qlen;
    memcpy(k->q, pk->q, pk->qlen);
    k->vc = vc;
    return vc;
}

/* ECDSA signatures of the chain, for BearSSL's X.509 engine, by OpenSSL's
   assembly: a tenth of the work of BearSSL's portable P-256 code, which
   made a full handshake cost twice OpenSSL's own. Same answer: 1 if the
   ASN.1 signature sig of hash is pk's. */
static uint32_t wsc__ossl_ecdsa(const br_ec_impl *impl, const void *hash, size_t hash_len, const br_ec_public_key *pk,
                                const void *sig, size_t sig_len) {
    const char *bits = pk->curve == BR_EC_secp256r1 ? "256" : pk->curve == BR_EC_secp384r1 ? "384"
                     : pk->curve == BR_EC_secp521r1 ? "521" : NULL;
    EVP_PKEY_CTX *vc;
    int ok;
    if (!bits) return br_ecdsa_vrfy_asn1_get_default()(impl, hash, hash_len, pk, sig, sig_len);
    vc = wsc__ossl_key_find(pk);
    if (!vc) vc = wsc__ossl_key_make(pk, bits);
    ok = vc && EVP_PKEY_verify_init(vc) == 1 &&
         EVP_PKEY_verify(vc, (const unsigned char *)sig, sig_len, (const unsigned char *)hash, hash_len) == 1;
    ERR_clear_error(); /* a bad signature is our engine's failure, not OpenSSL's */
    return (uint32_t)ok;
}
#endif

#ifndef WSCLIENT_TLS_OPENSSL
/* The symmetric implementations BearSSL's defaults picked (AES-NI, PCLMUL
   or the portable ones), with their record layers. Each pick asks the CPU
   (cpuid), and in a virtual machine every question traps to the host: the
   five of br_ssl_client_init_full took 37 us, 1.5% of a connect's CPU. */
static struct {
    int ready;
    const br_block_cbcenc_class *cbcenc;
    const br_block_cbcdec_class *cbcdec;
    const br_block_ctr_class *ctr;
    const br_block_ctrcbc_class *ctrcbc;
    br_ghash ghash;
    const br_sslrec_in_cbc_class *cbc_in;
    const br_sslrec_out_cbc_class *cbc_out;
    const br_sslrec_in_gcm_class *gcm_in;
    const br_sslrec_out_gcm_class *gcm_out;
    const br_sslrec_in_ccm_class *ccm_in;
    const br_sslrec_out_ccm_class *ccm_out;
} wsc__sym;

/* br_ssl_client_init_full, the CPU asked once a process: the engine set up
   as that function does, with the implementations its first run chose. The
   minimal engine xc is set up only the first time (the caller sets it up
   anew, and the suites, as it would after init_full). */
static void wsc__client_init(br_ssl_client_context *cc, br_x509_minimal_context *xc, const br_x509_trust_anchor *ta, size_t n) {
    static const br_hash_class *const hashes[] = {&br_md5_vtable, &br_sha1_vtable, &br_sha224_vtable, &br_sha256_vtable,
                                                  &br_sha384_vtable, &br_sha512_vtable};
    br_ssl_engine_context *e = &cc->eng;
    int id;
    if (!wsc__sym.ready) {
        br_ssl_client_init_full(cc, xc, ta, n);
        wsc__sym.cbcenc = e->iaes_cbcenc, wsc__sym.cbcdec = e->iaes_cbcdec, wsc__sym.ctr = e->iaes_ctr;
        wsc__sym.ctrcbc = e->iaes_ctrcbc, wsc__sym.ghash = e->ighash;
        wsc__sym.cbc_in = e->icbc_in, wsc__sym.cbc_out = e->icbc_out, wsc__sym.gcm_in = e->igcm_in;
        wsc__sym.gcm_out = e->igcm_out, wsc__sym.ccm_in = e->iccm_in, wsc__sym.ccm_out = e->iccm_out;
        wsc__sym.ready = 1;
        return;
    }
    br_ssl_client_zero(cc);
    br_ssl_engine_set_versions(e, BR_TLS10, BR_TLS12);
    br_ssl_client_set_default_rsapub(cc);
    br_ssl_engine_set_default_rsavrfy(e);
    br_ssl_engine_set_default_ecdsa(e);
    for (id = br_md5_ID; id <= br_sha512_ID; id++) br_ssl_engine_set_hash(e, id, hashes[id - 1]);
    br_ssl_engine_set_x509(e, &xc->vtable);
    br_ssl_engine_set_prf10(e, &br_tls10_prf);
    br_ssl_engine_set_prf_sha256(e, &br_tls12_sha256_prf);
    br_ssl_engine_set_prf_sha384(e, &br_tls12_sha384_prf);
    br_ssl_engine_set_cbc(e, wsc__sym.cbc_in, wsc__sym.cbc_out);
    br_ssl_engine_set_aes_cbc(e, wsc__sym.cbcenc, wsc__sym.cbcdec);
    br_ssl_engine_set_ccm(e, wsc__sym.ccm_in, wsc__sym.ccm_out);
    br_ssl_engine_set_aes_ctrcbc(e, wsc__sym.ctrcbc);
    br_ssl_engine_set_gcm(e, wsc__sym.gcm_in, wsc__sym.gcm_out);
    br_ssl_engine_set_aes_ctr(e, wsc__sym.ctr);
    br_ssl_engine_set_ghash(e, wsc__sym.ghash);
    br_ssl_engine_set_default_des_cbc(e); /* (these two ask the CPU nothing) */
    br_ssl_engine_set_default_chapol(e);
}
#endif

/* Sets up the check of the server's chain: our engine (above) over
   BearSSL's minimal one. Returns 0 with the error set. */
static int wsc__tls_chain(wsc__socket *s, wsc__tls *t, const wsc_config *cfg, const char *name) {
    wsc__x509 *x = &t->x509;
    wsc__anchors_init(&t->own, s->mem);
    wsc__buf_init(&x->cert, s->mem);
    x->mode = cfg->dangerous_no_certificate_check ? WSC__X509_INSECURE : cfg->pin_only ? WSC__X509_PIN_ONLY : WSC__X509_VERIFY;
    x->unix_time = cfg->unix_time;
    x->user = cfg->user;
    x->ip_len = wsc__parse_ip(name, x->ip);
    if (x->mode != WSC__X509_INSECURE && !wsc__tls_pins(s->mem, t, cfg)) return 0;
    if (!wsc__tls_trust(t, cfg)) return 0;
#ifndef WSCLIENT_TLS_OPENSSL
    wsc__client_init(&t->cc, &x->u.minimal, t->ta, t->ta_n); /* then ours replaces its minimal engine */
#endif
    if (!wsc__minimal_init(&x->u.minimal, t->ta, t->ta_n)) return 0;
#ifdef WSCLIENT_TLS_OPENSSL /* our engine runs in OpenSSL's verify callback */
    br_x509_minimal_set_ecdsa(&x->u.minimal, br_ec_get_default(), wsc__ossl_ecdsa);
#endif
    x->ta = t->ta;
    x->ta_n = t->ta_n;
    x->vtable = &wsc__x509_vtable;
#ifndef WSCLIENT_TLS_OPENSSL
    br_ssl_engine_set_x509(&t->cc.eng, &x->vtable);
#endif
    return 1;
}

/* The name for SNI and the certificate check: the one given (server_name,
   else the address), less a final dot: the FQDN form "localhost." is
   resolved as given, and SNI (RFC 6066 §3) and certificates carry no dot.
   An empty label (".example.com", "a..b") is refused: BearSSL's wildcard
   would match it. Returns 0 with the error set. */
static int wsc__tls_name(const char *given, char out[256]) {
    size_t n = strlen(given), i;
    n -= n > 1 && given[n - 1] == '.';
    if (n > 255) return wsc__set_error(WSC_ERR_ARGUMENT, "host name '%.64s...' is over 255 characters", given);
    for (i = 0; i < n; i++)
        if (given[i] == '.' && (i == 0 || i == n - 1 || given[i - 1] == '.'))
            return wsc__set_error(WSC_ERR_ARGUMENT, "host name '%.64s' has an empty label", given);
    memcpy(out, given, n);
    out[n] = 0;
    return 1;
}

/* An IP address is neither sent as SNI (RFC 6066 §3) nor matched as a DNS name. */
static const char *wsc__tls_sni(const wsc__tls *t, const char *name) {
    return t->x509.ip_len ? NULL : name;
}
#else
/* The options the small build cannot honour, refused by name: the pointers
   by a table (less code than a test each), then the flags. */
static const char *wsc__small_refused(const wsc_config *cfg) {
#define WSC__REFUSE(X) X(ca_file) X(ca_pem) X(pinned_keys) X(pinned_keys_raw) X(client_cert_pem) X(client_cert_file) \
                       X(client_key_pem) X(client_key_file)
#define WSC__REFUSE_AT(f) (unsigned short)offsetof(wsc_config, f),
#define WSC__REFUSE_NAME(f) #f,
    static const unsigned short at[] = {WSC__REFUSE(WSC__REFUSE_AT)};
    static const char *const names[] = {WSC__REFUSE(WSC__REFUSE_NAME)};
    const void *p;
    size_t i;
    for (i = 0; i < sizeof at / sizeof at[0]; i++) {
        memcpy(&p, (const char *)cfg + at[i], sizeof p); /* each a pointer */
        if (p) return names[i];
    }
    if (cfg->pin_only) return "pin_only";
    if (cfg->dangerous_no_certificate_check) return "dangerous_no_certificate_check";
    return NULL;
#undef WSC__REFUSE
#undef WSC__REFUSE_AT
#undef WSC__REFUSE_NAME
}

/* The small build's check: BearSSL's minimal engine against compiled-in
   anchors, with the time of the clock hook taken once, at the connect. */
static int wsc__tls_chain(wsc__socket *s, wsc__tls *t, const wsc_config *cfg, const char *name) {
    const char *no = wsc__small_refused(cfg);
    long long now;
    (void)s;
    if (no) return wsc__set_error(WSC_ERR_ARGUMENT, "%s is not in this build (WSCLIENT_SMALL takes trust_anchors and "
                                  "client_chain, compiled in)", no);
    if (!cfg->trust_anchors || !cfg->trust_anchor_count)
        return wsc__set_error(WSC_ERR_ARGUMENT, "TLS needs trust_anchors and trust_anchor_count (WSCLIENT_SMALL reads no CA files)");
    /* Only DNS names are checked: the minimal engine would match an IP as one. */
    if (strchr(name, ':') || name[strspn(name, "0123456789.")] == 0)
        return wsc__set_error(WSC_ERR_ARGUMENT, "'%.64s' is an IP address: give server_name, a DNS name of its certificate "
                              "(WSCLIENT_SMALL has no IP address check)", name);
    t->ta = (const br_x509_trust_anchor *)cfg->trust_anchors;
    t->ta_n = cfg->trust_anchor_count;
    br_ssl_client_init_full(&t->cc, &t->x509, t->ta, t->ta_n);
    if (cfg->unix_time) {
        if ((now = cfg->unix_time(cfg->user)) < 0)
            return wsc__set_error(WSC_ERR_CERTIFICATE, "the unix_time hook knows no time, so the certificate dates cannot be checked");
        br_x509_minimal_set_time(&t->x509, (uint32_t)(now / 86400 + 719528), (uint32_t)(now % 86400));
    }
    return 1;
}

static const char *wsc__tls_sni(const wsc__tls *t, const char *name) {
    (void)t;
    return name;
}
#endif

#if WSCLIENT_TLS_SESSIONS > 0 || defined(WSCLIENT_TLS_OPENSSL)
/* One length-prefixed part of a hash, so that parts cannot run together. */
static void wsc__hash_part(br_sha256_context *h, const void *p, size_t n) {
    br_sha256_update(h, &n, sizeof n);
    br_sha256_update(h, p, n);
}

/* SHA-256 of what trust anchors are (name, flags, key), not where they are:
   part of the session key, so that other anchors are another session. */
static void wsc__anchors_hash(const br_x509_trust_anchor *ta, size_t n, wsc__u8 out[32]) {
    br_sha256_context h;
    size_t i;
    br_sha256_init(&h);
    for (i = 0; i < n; i++) {
        const br_x509_pkey *k = &ta[i].pkey;
        unsigned v[3];
        v[0] = ta[i].flags;
        v[1] = k->key_type;
        v[2] = k->key_type == BR_KEYTYPE_RSA ? 0 : (unsigned)k->key.ec.curve;
        br_sha256_update(&h, v, sizeof v);
        wsc__hash_part(&h, ta[i].dn.data, ta[i].dn.len);
        if (k->key_type == BR_KEYTYPE_RSA) {
            wsc__hash_part(&h, k->key.rsa.n, k->key.rsa.nlen);
            wsc__hash_part(&h, k->key.rsa.e, k->key.rsa.elen);
        } else {
            wsc__hash_part(&h, k->key.ec.q, k->key.ec.qlen);
        }
    }
    br_sha256_out(&h, out);
}

#ifndef WSCLIENT_NO_HEAP
/* wsc__anchors_hash of a CA cache set, made at its first use: a part of
   session keys and of kept chain verdicts. */
static const wsc__u8 *wsc__ta_digest(wsc__ta_set *set) {
    if (!set->hashed) wsc__anchors_hash(set->a.ta, set->a.n, set->digest);
    set->hashed = 1;
    return set->digest;
}
#endif
#endif

#if WSCLIENT_TLS_SESSIONS > 0
/* The session key: everything that decides whether to trust the server,
   but the time (see "Session resumption" above). */
static void wsc__session_key(const wsc__socket *s, wsc__tls *t, const char *name, wsc__u8 key[32]) {
    br_sha256_context h;
    unsigned v[6];
    br_sha256_init(&h);
    if (t->x509.mode == WSC__X509_VERIFY) { /* the anchors' contents, not their address */
#ifndef WSCLIENT_NO_HEAP
        if (t->shared) { /* a CA file's anchors, hashed once */
            br_sha256_update(&h, wsc__ta_digest(t->shared), 32);
        } else
#endif
        {
            wsc__u8 d[32];
            wsc__anchors_hash(t->ta, t->ta_n, d);
            br_sha256_update(&h, d, 32);
        }
    }
    v[0] = (unsigned)s->port;
    v[1] = (unsigned)t->x509.mode;
    v[2] = t->vmin;
    v[3] = t->vmax;
    v[4] = t->frag; /* a resumed session keeps its max_fragment_length (RFC 6066 §4) */
    v[5] = t->mask;
    br_sha256_update(&h, name, strlen(name) + 1);
    br_sha256_update(&h, s->host, strlen(s->host) + 1);
    br_sha256_update(&h, v, sizeof v);
    br_sha256_update(&h, &s->tp, sizeof s->tp);
    if (t->pins) br_sha256_update(&h, t->pins, 32 * t->x509.npins);
    br_sha256_update(&h, t->client.id, 32); /* our identity: the server keeps it with the session */
    br_sha256_out(&h, key);
}

/* Would a full handshake find the kept chain in its dates now? The time is
   asked as the certificate check asks it: the hook, else the system's. */
static int wsc__session_in_time(const wsc__tls *t, const wsc_config *cfg, const wsc__session *k) {
    long long now;
    if (t->x509.mode != WSC__X509_VERIFY) return 1; /* pin_only checks no dates */
    now = cfg->unix_time ? cfg->unix_time(cfg->user) : (long long)time(NULL);
    return now >= 0 && now >= k->from && now <= k->until;
}
#endif

/* Finds the session to resume; returns 1 if one was set in the engine. */
static int wsc__tls_session(const wsc__socket *s, wsc__tls *t, const wsc_config *cfg, const char *name) {
#if WSCLIENT_TLS_SESSIONS > 0
    wsc__session *k;
    if (cfg->tls_no_resume || t->x509.mode == WSC__X509_INSECURE) return 0;
    wsc__session_key(s, t, name, t->session_key);
    t->resumable = 1;
    if (!(k = wsc__session_find(t->session_key)) || !wsc__session_in_time(t, cfg, k)) return 0;
    t->x509.valid_from = k->from; /* kept again with the session if it resumes */
    t->x509.valid_until = k->until;
#ifdef WSCLIENT_TLS_OPENSSL
    return SSL_set_session(t->ssl, k->p) == 1;
#else
    br_ssl_engine_set_session_parameters(&t->cc.eng, &k->p);
    memcpy(t->offered_id, k->p.session_id, k->p.session_id_len);
    t->offered_len = k->p.session_id_len;
    return 1;
#endif
#else
    (void)s; (void)t; (void)cfg; (void)name;
    return 0;
#endif
}

#ifndef WSCLIENT_SMALL
/* Reads the client identity of the config into c (c->mem set, the rest
   zero) and checks that its key is the leaf's. Returns 0 with the error
   set; 1 also when the config has none (c->n is then 0). */
static int wsc__client_load(wsc__client *c, const wsc_config *cfg) {
    const char *why;
    char buf[160];
    size_t n;
    int has_cert = cfg->client_chain || cfg->client_cert_pem || cfg->client_cert_file;
    if (!has_cert && (cfg->client_key || cfg->client_key_pem || cfg->client_key_file))
        return wsc__set_error(WSC_ERR_ARGUMENT, "a client key without its certificate: set client_cert_pem, client_cert_file "
                              "or client_chain too");
    if (!has_cert) return 1;
    if (cfg->client_chain) {
        if (!cfg->client_chain_count) return wsc__set_error(WSC_ERR_ARGUMENT, "client_chain is set but client_chain_count is 0");
        if (!cfg->client_key)
            return wsc__set_error(WSC_ERR_ARGUMENT, "client_chain needs client_key and client_key_type (make client-cert "
                                  "writes all of them)");
        c->chain = (const br_x509_certificate *)cfg->client_chain;
        c->n = cfg->client_chain_count;
        c->key = cfg->client_key;
        c->key_type = cfg->client_key_type;
    } else {
        const char *what = cfg->client_cert_pem ? "client_cert_pem" : "client_cert_file";
        n = cfg->client_cert_pem_len ? cfg->client_cert_pem_len : cfg->client_cert_pem ? strlen(cfg->client_cert_pem) : 0;
        if (!wsc__client_read(c, cfg->client_cert_pem, n, cfg->client_cert_file, what)) return 0;
        if (!c->n) return wsc__set_error(WSC_ERR_CERTIFICATE, "no certificate in %s", what);
        if (cfg->client_key_pem || cfg->client_key_file) { /* the key given apart wins over one in the chain's PEM */
            size_t certs = c->n;
            what = cfg->client_key_pem ? "client_key_pem" : "client_key_file";
            if (c->key_mem) { wsc__wipe(c->key_mem, c->key_len); wsc__free(c->mem, c->key_mem); c->key_mem = NULL; }
            c->key_type = c->keys = 0;
            n = cfg->client_key_pem_len ? cfg->client_key_pem_len : cfg->client_key_pem ? strlen(cfg->client_key_pem) : 0;
            if (!wsc__client_read(c, cfg->client_key_pem, n, cfg->client_key_file, what)) return 0;
            while (c->n > certs) wsc__free(c->mem, c->own[--c->n].data); /* the key's file may hold the chain too */
        }
        if (!c->key_type)
            return wsc__set_error(WSC_ERR_ARGUMENT, "a client certificate without its private key: set client_key_pem or "
                                  "client_key_file (or put the key in the certificate's PEM)");
    }
    if ((why = wsc__client_mismatch(&c->chain[0], c->key_type, c->key, buf, sizeof buf)) != NULL)
        return wsc__set_error(WSC_ERR_CERTIFICATE, "client certificate refused before connecting: %s", why);
    wsc__sha256(c->chain[0].data, c->chain[0].data_len, c->id);
    return 1;
}

#ifndef WSCLIENT_TLS_OPENSSL
/* Sets the client identity of the config in the engine; with none, our
   class still answers a CertificateRequest (with no certificate) and notes
   that it came. Returns 0 with the error set. */
static int wsc__tls_client(wsc__socket *s, wsc__tls *t, const wsc_config *cfg) {
    wsc__client *c = &t->client;
    c->mem = s->mem;
    c->vtable = &wsc__auth_vtable;
    br_ssl_client_set_client_certificate(&t->cc, &c->vtable);
    if (!wsc__client_load(c, cfg)) return 0;
    if (!c->n) return 1;
    wsc__client_set(&t->cc, c->chain, c->n, c->key, c->key_type);
    c->inner = t->cc.client_auth_vtable; /* BearSSL's, now behind ours */
    br_ssl_client_set_client_certificate(&t->cc, &c->vtable);
    return 1;
}
#endif

#else
/* The small build's client identity: compiled in, as made by make
   client-cert (which checked that the key is the leaf's). */
static int wsc__tls_client(wsc__socket *s, wsc__tls *t, const wsc_config *cfg) {
    (void)s;
    if (cfg->client_chain && cfg->client_key)
        wsc__client_set(&t->cc, (const br_x509_certificate *)cfg->client_chain, cfg->client_chain_count, cfg->client_key,
                        cfg->client_key_type);
    return 1;
}
#endif

#ifndef WSCLIENT_TLS_OPENSSL
#ifndef WSCLIENT_SMALL
static const char *wsc__alpn[1] = {"http/1.1"}; /* what a WebSocket upgrade speaks */
#endif

/* BearSSL's largest record overheads: what a buffer needs on top of the payload. */
#define WSC__TLS_IN_EXTRA (BR_SSL_BUFSIZE_INPUT - 16384)
#define WSC__TLS_OUT_EXTRA (BR_SSL_BUFSIZE_OUTPUT - 16384)

/* Prepares the BearSSL client for one connection, its handshake ready to
   run as the engine pumps records (the seam's start). Returns 0 with the
   error set. */
static int wsc__tls_start(wsc__socket *s, const wsc_config *cfg) {
    wsc__tls *t;
    unsigned vmin = 0, vmax = 0, frag = cfg->tls_max_fragment ? cfg->tls_max_fragment : 16384; /* gcc -O1 cannot see them set */
    int half = cfg->tls_half_duplex != 0, resume;
    const char *name = cfg->server_name && cfg->server_name[0] ? cfg->server_name : s->host;
    size_t head = (sizeof *t + 15) & ~(size_t)15, buf_len;
#ifndef WSCLIENT_SMALL
    char name_buf[256];
#endif
    wsc__u8 seed[32];
    if (!wsc__tls_versions(cfg->ssl_options, &vmin, &vmax)) return 0;
#ifndef WSCLIENT_SMALL /* the small build takes the name as is (docs/platforms.md "WSCLIENT_SMALL") */
    if (!wsc__tls_name(name, name_buf)) return 0;
    name = name_buf;
#endif
    if ((frag & (frag - 1)) || frag < 512 || frag > 16384 || frag == 8192) /* the lengths of RFC 6066 §4 */
        return wsc__set_error(WSC_ERR_ARGUMENT, "tls_max_fragment %u is not 0, 512, 1024, 2048, 4096 or 16384 (RFC 6066 §4)", frag);
    /* Full duplex: an input and an output buffer; half duplex: one for both. */
    buf_len = half ? frag + WSC__TLS_IN_EXTRA : 2 * frag + WSC__TLS_IN_EXTRA + WSC__TLS_OUT_EXTRA;
    t = (wsc__tls *)wsc__alloc(s->mem, head + buf_len);
    if (!t) return wsc__set_error(WSC_ERR_NO_MEMORY, "out of memory for the TLS context and its %lu-byte buffer", (unsigned long)buf_len);
    memset(t, 0, sizeof *t);
    t->iobuf = (wsc__u8 *)t + head;
    t->buf_len = buf_len;
    t->frag = frag;
    t->half_duplex = half;
    t->vmin = vmin;
    t->vmax = vmax;
    t->mask = cfg->ssl_options ? cfg->ssl_options : WSC_TLS_DEFAULT;
    s->tls = t;
    if (!wsc__tls_chain(s, t, cfg, name)) return 0; /* runs br_ssl_client_init_full */
    if (!wsc__tls_client(s, t, cfg)) return 0;
    br_ssl_engine_set_suites(&t->cc.eng, wsc__suite_ids, WSC__NSUITES);
#ifdef WSCLIENT_SMALL
    br_ssl_engine_add_flags(&t->cc.eng, BR_OPT_NO_RENEGOTIATION); /* a WebSocket never needs it */
#else
    /* ALPN (RFC 7301): some TLS front ends route by it; a server that picks
       a protocol we did not offer is refused */
    br_ssl_engine_set_protocol_names(&t->cc.eng, wsc__alpn, 1);
    br_ssl_engine_add_flags(&t->cc.eng, BR_OPT_NO_RENEGOTIATION | BR_OPT_FAIL_ON_ALPN_MISMATCH);
#endif
    br_ssl_engine_set_versions(&t->cc.eng, vmin, vmax);
    /* A buffer under 16 KiB of payload makes BearSSL ask for max_fragment_length. */
    if (half) br_ssl_engine_set_buffer(&t->cc.eng, t->iobuf, buf_len, 0);
    else br_ssl_engine_set_buffers_bidi(&t->cc.eng, t->iobuf, frag + WSC__TLS_IN_EXTRA, t->iobuf + frag + WSC__TLS_IN_EXTRA,
                                        frag + WSC__TLS_OUT_EXTRA);
    resume = wsc__tls_session(s, t, cfg, name);
    if (!wsc__random(seed, sizeof seed)) return 0;
    br_ssl_engine_inject_entropy(&t->cc.eng, seed, sizeof seed);
    wsc__wipe(seed, sizeof seed);
    if (!br_ssl_client_reset(&t->cc, wsc__tls_sni(t, name), resume))
        return wsc__set_error(WSC_ERR_TLS, "cannot start TLS (BearSSL error %d)", br_ssl_engine_last_error(&t->cc.eng));
    return 1;
}

/* ------------------------------------------------------------------------ */
/* TLS seam: the BearSSL backend. The engine above reaches the TLS library   */
/* only through these (docs/internals-tls-seam.md); each one inlines.        */
/* ------------------------------------------------------------------------ */

/* The state word, read once per turn of the pump (BearSSL's own bits). */
#define WSC__TLS_CLOSED BR_SSL_CLOSED   /* ended: wsc__tls_error says how       */
#define WSC__TLS_SENDREC BR_SSL_SENDREC /* records wait for the transport       */
#define WSC__TLS_RECVREC BR_SSL_RECVREC /* takes records from the transport     */
#define WSC__TLS_SENDAPP BR_SSL_SENDAPP /* takes app bytes: the handshake is done */
#define WSC__TLS_RECVAPP BR_SSL_RECVAPP /* app bytes wait to be read            */

static unsigned wsc__tls_state(const wsc__tls *t) { return br_ssl_engine_current_state(&t->cc.eng); }

/* Why the engine ended, 0: it did not fail. */
static int wsc__tls_error(const wsc__tls *t) { return br_ssl_engine_last_error(&t->cc.eng); }

/* Records: read or fill the engine's own buffer in place, then say how much. */
static wsc__u8 *wsc__tls_rec_out(wsc__tls *t, size_t *n) { return br_ssl_engine_sendrec_buf(&t->cc.eng, n); }
static void wsc__tls_rec_sent(wsc__tls *t, size_t k) { br_ssl_engine_sendrec_ack(&t->cc.eng, k); }
static wsc__u8 *wsc__tls_rec_in(wsc__tls *t, size_t *n) { return br_ssl_engine_recvrec_buf(&t->cc.eng, n); }
static void wsc__tls_rec_got(wsc__tls *t, size_t k) { br_ssl_engine_recvrec_ack(&t->cc.eng, k); }

/* Application bytes, in place too: frames are masked into app_out and
   parsed out of app_in, with no copy of ours. */
static wsc__u8 *wsc__tls_app_out(wsc__tls *t, size_t *n) { return br_ssl_engine_sendapp_buf(&t->cc.eng, n); }
static void wsc__tls_app_sent(wsc__tls *t, size_t k) { br_ssl_engine_sendapp_ack(&t->cc.eng, k); }
/* No more to come for now: make the record without waiting to fill it. */
static void wsc__tls_seal(wsc__tls *t) { br_ssl_engine_flush(&t->cc.eng, 0); }
static wsc__u8 *wsc__tls_app_in(wsc__tls *t, size_t *n) { return br_ssl_engine_recvapp_buf(&t->cc.eng, n); }
static void wsc__tls_app_taken(wsc__tls *t, size_t k) { br_ssl_engine_recvapp_ack(&t->cc.eng, k); }
#define wsc__tls_app_used wsc__tls_app_taken
/* BearSSL works in its own record buffer: bytes go there (app_out) and
   come from there (app_in), never straight. */
#define WSC__TLS_READ_NOW 0
#define wsc__tls_write_now(t, p, n) ((void)(t), (void)(p), (void)(n), (size_t)0)
#define wsc__tls_read_now(t, p, n) ((void)(t), (void)(p), (void)(n), (size_t)0)

/* Queues close_notify; the state turns CLOSED when the server's comes. */
static void wsc__tls_begin_close(wsc__tls *t) { br_ssl_engine_close(&t->cc.eng); }

/* What the finished handshake agreed, for wsc_tls_get_info. */
static void wsc__tls_info(wsc__tls *t, wsc_tls_info *info) {
    br_ssl_session_parameters p;
    br_ssl_engine_get_session_parameters(&t->cc.eng, &p);
    info->version = p.version;
    info->version_name = wsc__version_name(p.version);
    info->cipher_suite = p.cipher_suite;
    info->cipher_name = wsc__suite_name(p.cipher_suite);
#ifndef WSCLIENT_SMALL
    info->alpn = br_ssl_engine_get_selected_protocol(&t->cc.eng);
    info->client_cert = t->client.asked && t->client.inner;
#endif
    wsc__wipe(&p, sizeof p); /* it holds the master secret */
}

#else /* WSCLIENT_TLS_OPENSSL */
/* ------------------------------------------------------------------------ */
/* TLS seam: the OpenSSL backend. OpenSSL runs the protocol over a BIO of   */
/* ours that reads and writes the transport (no copy of the records); our   */
/* X.509 engine checks the chain in its verify callback, so every trust     */
/* source, pin and failure word is the BearSSL build's                      */
/* (docs/internals-tls-seam.md).                                             */
/* ------------------------------------------------------------------------ */

#define WSC__TLS_CLOSED 1u  /* ended: wsc__tls_error says how       */
#define WSC__TLS_SENDREC 2u /* records wait for the transport       */
#define WSC__TLS_RECVREC 4u /* takes records from the transport     */
#define WSC__TLS_SENDAPP 8u /* takes app bytes: the handshake is done */
#define WSC__TLS_RECVAPP 16u /* app bytes wait to be read           */

#define WSC__OSSL_FAILED 1   /* an error of OpenSSL's own: t->why names it */
#define WSC__OSSL_IN 16384   /* application bytes read, not yet taken: a record's */
#define WSC__OSSL_OUT 16384  /* application bytes for the next record(s) */

/* One context for every connection: each SSL gets its own versions, names,
   certificate and session, and the callbacks find their socket through it. */
static SSL_CTX *wsc__ossl_ctx;
static BIO_METHOD *wsc__ossl_bio_method;

static long wsc__io_send(wsc__socket *s, const wsc__u8 *p, size_t n);
static long wsc__tls_recv(wsc__socket *s, wsc__u8 *buf, size_t n);

/* The BIO under OpenSSL: its records go between its own buffers and the
   transport (our TCP, or the user's), where a BIO pair copied each one
   once more each way. "None now" is a retry; a failure is the socket's
   already (wsc__io_send, wsc__tls_recv set its words), so OpenSSL's own
   reason for it is not asked. */
static int wsc__ossl_bio_write(BIO *b, const char *p, int n) {
    wsc__socket *s = (wsc__socket *)BIO_get_data(b);
    wsc__tls *t = s->tls;
    long k = t->hold ? 0 : wsc__io_send(s, (const wsc__u8 *)p, (size_t)n);
    BIO_clear_retry_flags(b);
    if (k < 0) { t->io_failed = 1; return -1; }
    t->wpending = k == 0;
    if (k == 0) { BIO_set_retry_write(b); return -1; }
    t->moved = 1;
    return (int)k;
}

static int wsc__ossl_bio_read(BIO *b, char *p, int n) {
    wsc__socket *s = (wsc__socket *)BIO_get_data(b);
    wsc__tls *t = s->tls;
    long k = t->hold || s->eof ? 0 : wsc__tls_recv(s, (wsc__u8 *)p, (size_t)n);
    BIO_clear_retry_flags(b);
    if (k < 0) { t->io_failed = 1; return -1; }
    /* none now, or the end of the stream: the engine judges that (s->eof) */
    if (k == 0) { BIO_set_retry_read(b); return -1; }
    t->moved = 1;
    return (int)k;
}

static long wsc__ossl_bio_ctrl(BIO *b, int cmd, long num, void *ptr) {
    (void)b, (void)num, (void)ptr;
    return cmd == BIO_CTRL_FLUSH; /* nothing held back: each write went to the transport */
}

/* A BIO of that method on s's transport, NULL if out of memory. */
static BIO *wsc__ossl_bio(wsc__socket *s) {
    BIO_METHOD *m = wsc__ossl_bio_method;
    BIO *b;
    if (!m) {
        if (!(m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "wsclient transport"))) return NULL;
        if (!BIO_meth_set_write(m, wsc__ossl_bio_write) || !BIO_meth_set_read(m, wsc__ossl_bio_read) ||
            !BIO_meth_set_ctrl(m, wsc__ossl_bio_ctrl)) {
            BIO_meth_free(m);
            return NULL;
        }
        wsc__ossl_bio_method = m;
    }
    if (!(b = BIO_new(m))) return NULL;
    BIO_set_data(b, s);
    BIO_set_init(b, 1);
    return b;
}

/* The connection ended in a failure of OpenSSL's; the first reason wins. */
static void wsc__ossl_failed(wsc__tls *t) {
    unsigned long e = ERR_peek_error();
    const char *r = e ? ERR_reason_error_string(e) : NULL;
    if (!t->err) t->err = WSC__OSSL_FAILED;
    if (!t->why[0]) snprintf(t->why, sizeof t->why, "%s", r ? r : "a failure OpenSSL gave no reason for");
    t->unsupported_version |= ERR_GET_REASON(e) == SSL_R_UNSUPPORTED_PROTOCOL;
    ERR_clear_error();
    t->dead = 1;
}

/* Empties this thread's OpenSSL error queue before an SSL call, whose
   SSL_get_error reads it: only ours may be in it. Clearing walks all its
   slots (about 800 instructions, a fifth of a 1 KiB message's cost in a
   stream), looking is cheap, and the queue is nearly always empty. */
static void wsc__ossl_errors_off(void) {
    if (ERR_peek_error()) ERR_clear_error();
}

/* What an SSL call that returned r means for us: 1 if it did its work. */
static int wsc__ossl_check(wsc__tls *t, int r) {
    switch (SSL_get_error(t->ssl, r)) {
    case SSL_ERROR_NONE: return 1;
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE: return 0;
    case SSL_ERROR_ZERO_RETURN: t->peer_closed = 1; return 0; /* the server's close_notify */
    default:
        if (t->io_failed) snprintf(t->why, sizeof t->why, "the transport failed"); /* its words are the socket's */
        wsc__ossl_failed(t);
        return 0;
    }
}

/* Hands the application bytes gathered in out to OpenSSL: records to the transport. */
static void wsc__ossl_push(wsc__tls *t) {
    while (t->out_len && !t->dead) {
        int r = SSL_write(t->ssl, t->out, (int)t->out_len); /* partial writes on: what fits */
        if (r <= 0) { (void)wsc__ossl_check(t, r); return; }
        memmove(t->out, t->out + r, t->out_len - (size_t)r);
        t->out_len -= (size_t)r;
    }
}

/* Sends our close_notify, once: again only to finish writing it. */
static void wsc__ossl_shutdown(wsc__tls *t) {
    int r;
    if (!t->dead && (!(SSL_get_shutdown(t->ssl) & SSL_SENT_SHUTDOWN) || t->wpending) && (r = SSL_shutdown(t->ssl)) < 0)
        (void)wsc__ossl_check(t, r);
}

/* One SSL_read into p[0..n): how many bytes came, 0 for none now or an
   end (then OpenSSL holds no whole record: not unasked any more). */
static size_t wsc__ossl_read(wsc__tls *t, wsc__u8 *p, size_t n) {
    int r = SSL_read(t->ssl, p, (int)n);
    if (r > 0) {
        t->app_seen = 1;
        return (size_t)r;
    }
    (void)wsc__ossl_check(t, r);
    t->unasked = 0;
    return 0;
}

/* Runs OpenSSL on the transport: the handshake, then the bytes to write,
   the close_notify asked for, and the records read while in has room. */
static void wsc__ossl_run(wsc__tls *t) {
    int r;
    if (t->dead) return;
    wsc__ossl_errors_off();
    if (!t->hs_done) {
        if ((r = SSL_do_handshake(t->ssl)) != 1) {
            (void)wsc__ossl_check(t, r);
            if (t->peer_closed) t->dead = 1; /* closed in the handshake: no error of ours */
            return;
        }
        t->hs_done = 1;
    }
    wsc__ossl_push(t);
    if (t->close_started && !t->out_len) wsc__ossl_shutdown(t);
    while (!t->dead && !t->peer_closed && t->in_len < WSC__OSSL_IN) {
        size_t k = wsc__ossl_read(t, t->in + t->in_len, WSC__OSSL_IN - t->in_len);
        if (!k) break;
        t->in_len += k;
    }
    if (t->peer_closed) wsc__ossl_shutdown(t); /* answered, as BearSSL does */
}

/* The state word, from OpenSSL's and our two buffers. Records are read
   while in has room (OpenSSL keeps what it read ahead for later). */
static unsigned wsc__tls_state(const wsc__tls *t) {
    unsigned st = 0;
    if (t->dead) return WSC__TLS_CLOSED;
    if (t->wpending) st |= WSC__TLS_SENDREC;
    else if (t->peer_closed && t->in_off == t->in_len && (SSL_get_shutdown(t->ssl) & SSL_SENT_SHUTDOWN)) return WSC__TLS_CLOSED;
    if (!t->peer_closed && t->in_len < WSC__OSSL_IN) st |= WSC__TLS_RECVREC;
    if (t->hs_done && !t->close_started && !t->peer_closed && t->out_len < WSC__OSSL_OUT) st |= WSC__TLS_SENDAPP;
    if (t->in_off < t->in_len || (t->unasked && !t->peer_closed)) st |= WSC__TLS_RECVAPP; /* (unasked: read on, do not wait) */
    return st;
}

/* Why the connection ended, 0: it did not fail. */
static int wsc__tls_error(const wsc__tls *t) { return t->dead ? t->err : 0; }

/* Records: OpenSSL moves them itself, through its BIO. Returns whether
   bytes went through, -1 if the transport failed (its words are s's). */
static int wsc__tls_move(wsc__socket *s, unsigned st) {
    wsc__tls *t = s->tls;
    (void)st;
    t->moved = 0;
    wsc__ossl_run(t);
    return t->io_failed ? -1 : t->moved;
}

/* Application bytes: frames are masked into out and parsed out of in. */
static wsc__u8 *wsc__tls_app_out(wsc__tls *t, size_t *n) {
    if (!(wsc__tls_state(t) & WSC__TLS_SENDAPP)) { *n = 0; return NULL; }
    *n = WSC__OSSL_OUT - t->out_len;
    return t->out + t->out_len;
}
static void wsc__tls_seal(wsc__tls *t) { wsc__ossl_errors_off(); wsc__ossl_push(t); }
static void wsc__tls_app_sent(wsc__tls *t, size_t k) {
    t->out_len += k;
    if (t->out_len == WSC__OSSL_OUT) wsc__tls_seal(t); /* a full buffer goes at once */
}
static wsc__u8 *wsc__tls_app_in(wsc__tls *t, size_t *n) {
    *n = t->in_len - t->in_off;
    return *n ? t->in + t->in_off : NULL;
}
/* Bytes given to OpenSSL where they lie, when none of ours waits in out:
   no copy into out (a 1 KiB message's copy costs about what its framing
   does). Returns how many it took, 0 when that way is closed now (the
   caller then fills app_out). If the transport refused the record,
   OpenSSL keeps it and wants the same bytes again at the retry: they go
   into out, as if written there, and the push that sends out retries. */
static size_t wsc__tls_write_now(wsc__tls *t, const wsc__u8 *p, size_t n) {
    int r;
    if (t->out_len || t->wpending || !(wsc__tls_state(t) & WSC__TLS_SENDAPP)) return 0;
    if (n > WSC__OSSL_OUT) n = WSC__OSSL_OUT;
    wsc__ossl_errors_off();
    if ((r = SSL_write(t->ssl, p, (int)n)) > 0) return (size_t)r;
    (void)wsc__ossl_check(t, r);
    if (t->dead) return 0;
    memcpy(t->out, p, n);
    t->out_len = n;
    return n;
}
/* k bytes of in used, and in not refilled yet: the next read of the
   engine above may go straight into a large frame's room
   (wsc__tls_read_now). Until OpenSSL is asked again, the state says
   RECVAPP, so nothing waits on poll() for records it holds already. */
static void wsc__tls_app_used(wsc__tls *t, size_t k) {
    t->in_off += k;
    if (t->in_off < t->in_len) return;
    t->in_off = t->in_len = 0;
    t->unasked = 1;
}
static void wsc__tls_app_taken(wsc__tls *t, size_t k) {
    wsc__tls_app_used(t, k);
    if (!t->in_len) wsc__ossl_run(t); /* records that waited for room */
}
/* Application bytes decrypted straight into p[0..n) when none wait in
   in: a large message's bytes are not copied out of in (a copy of each
   byte is about a twentieth of its cost). Returns how many; 0: none now,
   or the connection ended (the state says how). */
#define WSC__TLS_READ_NOW 1
static size_t wsc__tls_read_now(wsc__tls *t, wsc__u8 *p, size_t n) {
    size_t k;
    if (t->in_len || t->dead || t->peer_closed) return 0;
    wsc__ossl_errors_off();
    if ((k = wsc__ossl_read(t, p, n < 0x40000000u ? n : 0x40000000u)) == 0 && t->peer_closed)
        wsc__ossl_shutdown(t); /* answered, as wsc__ossl_run does */
    return k;
}

/* Queues close_notify after what is still to be written. */
static void wsc__tls_begin_close(wsc__tls *t) {
    t->close_started = 1;
    if (!t->hs_done) { t->dead = 1; return; } /* nothing to close cleanly yet */
    wsc__ossl_run(t);
}

/* What the finished handshake agreed, for wsc_tls_get_info. */
static void wsc__tls_info(wsc__tls *t, wsc_tls_info *info) {
    const SSL_CIPHER *c = SSL_get_current_cipher(t->ssl);
    const unsigned char *p = NULL;
    unsigned len = 0;
    info->version = (unsigned)SSL_version(t->ssl);
    info->version_name = wsc__version_name(info->version);
    info->cipher_suite = c ? (unsigned)(SSL_CIPHER_get_protocol_id(c) & 0xFFFF) : 0;
    info->cipher_name = c && SSL_CIPHER_standard_name(c) ? SSL_CIPHER_standard_name(c) : "unknown";
    SSL_get0_alpn_selected(t->ssl, &p, &len);
    info->alpn = len == 8 && memcmp(p, "http/1.1", 8) == 0 ? "http/1.1" : "";
    info->client_cert = t->client.asked && t->client.n > 0;
}

/* Chains that passed the whole check lately, for the process: a server
   sends the same chain at every full handshake, and checking it again is a
   fifth of a connect (the minimal engine's decoding, the CA's signature).
   The verdict depends only on what the key holds (the trusted anchors'
   contents, the name or IP address checked, the pins, the chain's bytes)
   and on the time, checked again at each use against the window where
   every certificate of the chain is valid. Kept only for anchors of the CA
   cache (a CA file, a directory, the system's), whose contents are hashed
   once; used under the library's lock. */
#define WSC__CHAINS 8
static struct wsc__chain {
    wsc__u8 key[32];
    long long from, until;
    int used;
} wsc__chains[WSC__CHAINS];
static unsigned wsc__chains_next;

/* n as four big-endian bytes, hashed. */
static void wsc__sha256_u32(br_sha256_context *h, uint32_t n) {
    wsc__u8 v[4];
    v[0] = (wsc__u8)(n >> 24), v[1] = (wsc__u8)(n >> 16), v[2] = (wsc__u8)(n >> 8), v[3] = (wsc__u8)n;
    br_sha256_update(h, v, 4);
}

/* The key of t's check of chain; 0 if its verdict is not kept. */
static int wsc__chain_key(wsc__tls *t, STACK_OF(X509) *chain, wsc__u8 key[32]) {
#ifndef WSCLIENT_NO_HEAP
    br_sha256_context h;
    int i, n = chain ? sk_X509_num(chain) : 0;
    if (t->x509.mode != WSC__X509_VERIFY || !t->shared || n <= 0) return 0;
    br_sha256_init(&h);
    br_sha256_update(&h, "wsclient chain", 15);
    br_sha256_update(&h, wsc__ta_digest(t->shared), 32);
    br_sha256_update(&h, t->sni, strlen(t->sni) + 1);
    wsc__sha256_u32(&h, (uint32_t)t->x509.ip_len);
    br_sha256_update(&h, t->x509.ip, t->x509.ip_len);
    wsc__sha256_u32(&h, (uint32_t)t->x509.npins);
    if (t->x509.npins) br_sha256_update(&h, t->x509.pins, 32 * t->x509.npins);
    for (i = 0; i < n; i++) { /* each certificate with its length: no two chains read the same */
        unsigned char *der = NULL;
        int len = i2d_X509(sk_X509_value(chain, i), &der);
        if (len <= 0) return 0;
        wsc__sha256_u32(&h, (uint32_t)len);
        br_sha256_update(&h, der, (size_t)len);
        OPENSSL_free(der);
    }
    br_sha256_out(&h, key);
    return 1;
#else
    (void)t, (void)chain, (void)key;
    return 0;
#endif
}

/* The check of key passed lately and the time is still in its chain's
   window: t's engine is left as that check left it. */
static int wsc__chain_known(wsc__tls *t, const wsc__u8 key[32], int n) {
    wsc__x509 *x = &t->x509;
    unsigned i;
    for (i = 0; i < WSC__CHAINS; i++) {
        struct wsc__chain *c = &wsc__chains[i];
        if (!c->used || memcmp(c->key, key, 32) != 0) continue;
        x->now = x->unix_time ? x->unix_time(x->user) : (long long)time(NULL);
        if (x->now < 0 || x->now < c->from || x->now > c->until) { c->used = 0; return 0; } /* the full check says why */
        x->chain_seen = x->ee_seen = x->name_ok = 1;
        x->pin_ok = x->npins > 0;
        x->undated = x->forged = x->oom = 0;
        x->valid_from = c->from;
        x->valid_until = c->until;
        x->depth = (unsigned)n;
        return 1;
    }
    return 0;
}

/* Keeps the verdict of a check that passed, in place of the oldest. */
static void wsc__chain_keep(const wsc__tls *t, const wsc__u8 key[32]) {
    struct wsc__chain *c;
    if (t->x509.undated) return; /* no window to check the time against */
    c = &wsc__chains[wsc__chains_next++ % WSC__CHAINS];
    memcpy(c->key, key, 32);
    c->from = t->x509.valid_from;
    c->until = t->x509.valid_until;
    c->used = 1;
}

/* OpenSSL's verify step: our X.509 engine on the chain as the server sent
   it, so trust, pins, dates, names and their words are the BearSSL build's
   (or the verdict of the same check on the same chain, wsc__chain_known). */
static int wsc__ossl_verify(X509_STORE_CTX *xs, void *arg) {
    SSL *ssl = (SSL *)X509_STORE_CTX_get_ex_data(xs, SSL_get_ex_data_X509_STORE_CTX_idx());
    wsc__tls *t = ssl ? (wsc__tls *)SSL_get_app_data(ssl) : NULL;
    STACK_OF(X509) *chain = X509_STORE_CTX_get0_untrusted(xs);
    const br_x509_class **x;
    unsigned err;
    int i, n = chain ? sk_X509_num(chain) : 0, keyed;
    wsc__u8 key[32];
    (void)arg;
    if (!t) return 0;
    if ((keyed = wsc__chain_key(t, chain, key)) != 0 && wsc__chain_known(t, key, n)) return 1;
    x = &t->x509.vtable;
    (*x)->start_chain(x, t->sni);
    for (i = 0; i < n; i++) {
        unsigned char *der = NULL;
        int len = i2d_X509(sk_X509_value(chain, i), &der);
        if (len <= 0) { t->x509.oom = 1; break; }
        if (t->x509.mode == WSC__X509_VERIFY) wsc__minimal_hashes(&t->x509.u.minimal, wsc__sig_hash(der, (size_t)len));
        (*x)->start_cert(x, (uint32_t)len);
        (*x)->append(x, der, (size_t)len);
        (*x)->end_cert(x);
        OPENSSL_free(der);
    }
    err = (*x)->end_chain(x);
    if (!err && !t->x509.oom) {
        if (keyed) wsc__chain_keep(t, key);
        return 1;
    }
    t->err = err ? (int)err : BR_ERR_X509_LIMIT_EXCEEDED;
    X509_STORE_CTX_set_error(xs, err == BR_ERR_X509_EXPIRED ? X509_V_ERR_CERT_HAS_EXPIRED
                                 : err == BR_ERR_X509_BAD_SERVER_NAME ? X509_V_ERR_HOSTNAME_MISMATCH
                                 : X509_V_ERR_CERT_UNTRUSTED); /* what the alert to the server says */
    return 0;
}

/* Fatal alerts either way, for the failure words. */
static void wsc__ossl_alert(const SSL *ssl, int where, int ret) {
    wsc__tls *t;
    if (!(where & SSL_CB_ALERT) || (ret >> 8) != SSL3_AL_FATAL) return;
    if ((t = (wsc__tls *)SSL_get_app_data(ssl)) != NULL && !t->err)
        t->err = ((where & SSL_CB_READ) ? BR_ERR_RECV_FATAL_ALERT : BR_ERR_SEND_FATAL_ALERT) + (ret & 255);
}

/* A session to keep: after a TLS 1.2 handshake, or a TLS 1.3 ticket later. */
static int wsc__ossl_new_session(SSL *ssl, SSL_SESSION *sess) {
#if WSCLIENT_TLS_SESSIONS > 0
    wsc__tls *t = (wsc__tls *)SSL_get_app_data(ssl);
    if (!t || t->dead || !wsc__session_keepable(t)) return 0;
    wsc__session_slot(t->session_key, t->x509.valid_from, t->x509.valid_until)->p = sess;
    return 1; /* the reference is the cache's now */
#else
    (void)ssl; (void)sess;
    return 0;
#endif
}

/* The server asked for our certificate (what wsc__tls_hangup tells). */
static int wsc__ossl_asked(SSL *ssl, void *arg) {
    (void)ssl;
    ((wsc__tls *)arg)->client.asked = 1;
    return 1;
}

static SSL_CTX *wsc__ossl_context(void) {
    SSL_CTX *c;
    if (wsc__ossl_ctx || !(c = SSL_CTX_new(TLS_client_method()))) return wsc__ossl_ctx;
    SSL_CTX_set_verify(c, SSL_VERIFY_PEER, NULL);
    SSL_CTX_set_cert_verify_callback(c, wsc__ossl_verify, NULL);
    SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(c, wsc__ossl_new_session);
    SSL_CTX_set_info_callback(c, wsc__ossl_alert);
    SSL_CTX_set_mode(c, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_options(c, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION); /* a WebSocket needs neither */
    return wsc__ossl_ctx = c;
}

/* The RSA client key for OpenSSL from BearSSL's form (p, q and the CRT
   values) and the leaf's public key (n, e): d = e^-1 mod (p-1)(q-1).
   BearSSL's own recomputation needs p and q equal to 3 modulo 4, which
   most keys made elsewhere are not. NULL if that fails. */
static EVP_PKEY *wsc__ossl_rsa(const br_rsa_private_key *sk, EVP_PKEY *pub) {
    BIGNUM *n = NULL, *e = NULL, *d = BN_secure_new(), *phi = BN_secure_new(), *p1 = NULL, *q1 = NULL;
    BIGNUM *p = BN_bin2bn(sk->p, (int)sk->plen, NULL), *q = BN_bin2bn(sk->q, (int)sk->qlen, NULL);
    BIGNUM *dp = BN_bin2bn(sk->dp, (int)sk->dplen, NULL), *dq = BN_bin2bn(sk->dq, (int)sk->dqlen, NULL);
    BIGNUM *iq = BN_bin2bn(sk->iq, (int)sk->iqlen, NULL);
    BN_CTX *bc = BN_CTX_secure_new();
    OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *pc = NULL;
    EVP_PKEY *key = NULL;
    int ok = pub && EVP_PKEY_get_bn_param(pub, OSSL_PKEY_PARAM_RSA_N, &n) == 1 &&
             EVP_PKEY_get_bn_param(pub, OSSL_PKEY_PARAM_RSA_E, &e) == 1 && d && phi && p && q && dp && dq && iq && bc &&
             b && (p1 = BN_dup(p)) != NULL && (q1 = BN_dup(q)) != NULL && BN_sub_word(p1, 1) && BN_sub_word(q1, 1) &&
             BN_mul(phi, p1, q1, bc) && BN_mod_inverse(d, e, phi, bc) != NULL &&
             OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, n) && OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, e) &&
             OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_D, d) && OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_FACTOR1, p) &&
             OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_FACTOR2, q) &&
             OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_EXPONENT1, dp) &&
             OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_EXPONENT2, dq) &&
             OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, iq) &&
             (params = OSSL_PARAM_BLD_to_param(b)) != NULL && (pc = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) != NULL &&
             EVP_PKEY_fromdata_init(pc) == 1 && EVP_PKEY_fromdata(pc, &key, EVP_PKEY_KEYPAIR, params) == 1;
    OSSL_PARAM_free(params); /* (OSSL_PARAM_clear_free is 3.2's) */
    OSSL_PARAM_BLD_free(b);
    EVP_PKEY_CTX_free(pc);
    BN_CTX_free(bc);
    BN_free(n); BN_free(e);
    BN_clear_free(d); BN_clear_free(phi); BN_clear_free(p1); BN_clear_free(q1);
    BN_clear_free(p); BN_clear_free(q); BN_clear_free(dp); BN_clear_free(dq); BN_clear_free(iq);
    if (!ok) { EVP_PKEY_free(key); key = NULL; }
    return key;
}

/* The client key as OpenSSL takes it, from BearSSL's form (what
   wsc__client_load read and checked); pub: the leaf's public key. An EC key
   is re-encoded to DER by BearSSL. NULL if that fails. */
static EVP_PKEY *wsc__ossl_key(const wsc__client *c, EVP_PKEY *pub) {
    wsc__u8 q[BR_EC_KBUF_PUB_MAX_SIZE], *der;
    const unsigned char *p;
    const br_ec_private_key *sk = (const br_ec_private_key *)c->key;
    br_ec_public_key pk;
    EVP_PKEY *key;
    size_t len;
    if (c->key_type == BR_KEYTYPE_RSA) return wsc__ossl_rsa((const br_rsa_private_key *)c->key, pub);
    if (!br_ec_compute_pub(br_ec_get_default(), &pk, q, sk)) return NULL;
    len = br_encode_ec_raw_der(NULL, sk, &pk);
    if (!(der = (wsc__u8 *)wsc__alloc(c->mem, len))) return NULL;
    br_encode_ec_raw_der(der, sk, &pk);
    p = der;
    key = d2i_PrivateKey(EVP_PKEY_EC, NULL, &p, (long)len);
    wsc__wipe(der, len);
    wsc__free(c->mem, der);
    return key;
}

/* Sets the client identity of the config (read and checked by
   wsc__client_load, as the BearSSL build does). 0 with the error set. */
static int wsc__tls_client(wsc__socket *s, wsc__tls *t, const wsc_config *cfg) {
    wsc__client *c = &t->client;
    EVP_PKEY *key;
    size_t i;
    int ok;
    c->mem = s->mem;
    SSL_set_cert_cb(t->ssl, wsc__ossl_asked, t);
    if (!wsc__client_load(c, cfg)) return 0;
    if (!c->n) return 1;
    for (i = 0; i < c->n; i++) {
        const unsigned char *p = c->chain[i].data;
        X509 *x = d2i_X509(NULL, &p, (long)c->chain[i].data_len);
        ok = x && (i == 0 ? SSL_use_certificate(t->ssl, x) == 1 : SSL_add0_chain_cert(t->ssl, x) == 1);
        if (i == 0 || !ok) X509_free(x); /* add0 keeps it on success */
        if (!ok) return wsc__set_error(WSC_ERR_CERTIFICATE, "OpenSSL cannot use certificate %u of the client chain",
                                       (unsigned)i + 1);
    }
    key = wsc__ossl_key(c, X509_get0_pubkey(SSL_get_certificate(t->ssl)));
    ok = key && SSL_use_PrivateKey(t->ssl, key) == 1 && SSL_check_private_key(t->ssl) == 1;
    EVP_PKEY_free(key);
    ERR_clear_error();
    return ok || wsc__set_error(WSC_ERR_CERTIFICATE, "OpenSSL cannot use the client key");
}

/* max_fragment_length (RFC 6066 §4) in OpenSSL's codes: 512 is 1 ... 4096 is 4. */
static uint8_t wsc__ossl_frag_code(unsigned frag) {
    uint8_t code = 1;
    while (frag > 512) { frag >>= 1; code++; }
    return code;
}

/* Prepares OpenSSL for one connection, its ClientHello ready to send (the
   seam's start). Returns 0 with the error set. */
static int wsc__tls_start(wsc__socket *s, const wsc_config *cfg) {
    wsc__tls *t;
    SSL_CTX *ctx;
    BIO *bio = NULL;
    unsigned vmin = 0, vmax = 0, frag = cfg->tls_max_fragment ? cfg->tls_max_fragment : 16384;
    const char *name = cfg->server_name && cfg->server_name[0] ? cfg->server_name : s->host;
    size_t head = (sizeof *t + 15) & ~(size_t)15;
    char name_buf[256];
    if (!wsc__tls_versions(cfg->ssl_options, &vmin, &vmax)) return 0;
    if (!wsc__tls_name(name, name_buf)) return 0;
    name = name_buf;
    if ((frag & (frag - 1)) || frag < 512 || frag > 16384 || frag == 8192) /* the lengths of RFC 6066 §4 */
        return wsc__set_error(WSC_ERR_ARGUMENT, "tls_max_fragment %u is not 0, 512, 1024, 2048, 4096 or 16384 (RFC 6066 §4)", frag);
    if (cfg->tls_half_duplex)
        return wsc__set_error(WSC_ERR_ARGUMENT, "tls_half_duplex is BearSSL's one-buffer mode: the OpenSSL backend "
                              "(WSCLIENT_TLS_OPENSSL) has none; leave it 0");
    t = (wsc__tls *)wsc__alloc(s->mem, head + WSC__OSSL_IN + WSC__OSSL_OUT);
    if (!t) return wsc__set_error(WSC_ERR_NO_MEMORY, "out of memory for the TLS context");
    memset(t, 0, sizeof *t);
    t->in = (wsc__u8 *)t + head;
    t->out = t->in + WSC__OSSL_IN;
    t->buf_len = WSC__OSSL_IN + WSC__OSSL_OUT;
    t->frag = frag;
    t->vmin = vmin;
    t->vmax = vmax;
    t->mask = cfg->ssl_options ? cfg->ssl_options : WSC_TLS_DEFAULT;
    s->tls = t;
    ERR_clear_error();
    if (!(ctx = wsc__ossl_context()) || !(t->ssl = SSL_new(ctx)) || !(bio = wsc__ossl_bio(s))) {
        wsc__ossl_failed(t);
        return wsc__set_error(WSC_ERR_NO_MEMORY, "cannot start TLS (OpenSSL: %s)", t->why);
    }
    SSL_set_bio(t->ssl, bio, bio);
    SSL_set_app_data(t->ssl, t);
    SSL_set_connect_state(t->ssl);
    SSL_set_read_ahead(t->ssl, 1); /* many records a read of the transport */
    if (!wsc__tls_chain(s, t, cfg, name)) return 0;
    snprintf(t->sni, sizeof t->sni, "%s", wsc__tls_sni(t, name) ? name : "");
    if (!wsc__tls_client(s, t, cfg)) return 0;
    SSL_set_min_proto_version(t->ssl, (int)vmin);
    SSL_set_max_proto_version(t->ssl, (int)vmax);
    if (vmin < 0x0303) SSL_set_security_level(t->ssl, 0); /* OpenSSL 3 refuses TLS 1.0 and 1.1 above level 0 */
    /* ALPN (RFC 7301): some TLS front ends route by it; OpenSSL refuses a
       protocol we did not offer */
    if ((t->sni[0] && SSL_set_tlsext_host_name(t->ssl, t->sni) != 1) ||
        SSL_set_alpn_protos(t->ssl, (const unsigned char *)"\x08http/1.1", 9) != 0 ||
        (frag < 16384 && SSL_set_tlsext_max_fragment_length(t->ssl, wsc__ossl_frag_code(frag)) != 1)) {
        wsc__ossl_failed(t);
        return wsc__set_error(WSC_ERR_TLS, "cannot start TLS (OpenSSL: %s)", t->why);
    }
    (void)wsc__tls_session(s, t, cfg, name);
    t->hold = 1; /* the ClientHello is made now, and waits in OpenSSL for the connect */
    wsc__ossl_run(t);
    t->hold = 0;
    if (t->dead) return wsc__set_error(WSC_ERR_TLS, "cannot start TLS (OpenSSL: %s)", t->why);
    return 1;
}
#endif /* WSCLIENT_TLS_OPENSSL */

/* Failure words: only the backend knows what its error numbers mean. */
static void wsc__fail(wsc__socket *s, wsc_result code, int close_code, const char *fmt, ...);

#ifdef WSCLIENT_SMALL
#define wsc__tls_hangup(s) (-1)
#else
/* The connection failed in the handshake with no alert to say why, after
   the server asked for our certificate (Python's asyncio servers close so
   when they refuse one): the words say what that means. Returns -1. */
static int wsc__tls_hangup(wsc__socket *s) {
    const wsc__client *c = &s->tls->client;
    char io[WSC__ERRLEN];
    if (!wsc__tls_judging_us(s->tls) || s->state != WSC__FAILED) return -1;
    snprintf(io, sizeof io, "%s", s->err);
    if (!c->asked) return -1;
    s->err_code = WSC_ERR_CERTIFICATE;
    if (!c->n)
        snprintf(s->err, sizeof s->err, "the server requires a client certificate: it asked for one, and ended the "
                 "connection when none came (set client_cert_pem, client_cert_file or client_chain) (%.90s)", io);
    else
        snprintf(s->err, sizeof s->err, "the server refused our client certificate: it ended the connection when it got "
                 "it, with no TLS alert to say why (not issued by a CA it trusts? expired?) (%.90s)", io);
    return -1;
}
#endif

#ifdef WSCLIENT_SMALL
/* Fails s for the engine's error err in the small build's words: the three
   failures a device meets most, and for the rest BearSSL's number (its
   headers name each one). Straight into the socket's error, no copy. */
static void wsc__tls_fail(wsc__socket *s, int err) {
    wsc_result code = wsc__tls_error_code(err);
    const char *what = err >= BR_ERR_SEND_FATAL_ALERT ? "we sent alert" : "server sent alert";
    if (err >= BR_ERR_RECV_FATAL_ALERT) {
        wsc__fail(s, code, 0, "TLS failed: %s %d (BearSSL error %d)", what, err & 255, err);
        return;
    }
    what = err == BR_ERR_X509_NOT_TRUSTED ? "certificate check failed: not trusted (unknown issuer, or an intermediate missing)"
         : err == BR_ERR_X509_EXPIRED ? "certificate check failed: a certificate of the chain is expired or not yet valid"
         : err == BR_ERR_X509_BAD_SERVER_NAME ? "certificate check failed: the certificate does not match the host name"
         : code == WSC_ERR_CERTIFICATE ? "certificate check failed: see bearssl_x509.h" : "failed: see bearssl_ssl.h";
    wsc__fail(s, code, 0, "TLS %s (BearSSL error %d)", what, err);
}
#else
/* Fails s for the engine's error err, in words. */
static void wsc__tls_fail(wsc__socket *s, int err) {
    wsc_result code;
    char words[WSC__ERRLEN];
    wsc__tls_error_words(s, err, &code, words, sizeof words);
    if (s->first_len == 5 && memcmp(s->first, "HTTP/", 5) == 0) /* wss:// to a ws:// server */
        wsc__fail(s, WSC_ERR_TLS, 0, "TLS failed: the server answered in plain HTTP, not TLS (a ws:// server? BearSSL error %d)", err);
    else if (s->tls->x509.oom) /* not the certificate's fault */
        wsc__fail(s, WSC_ERR_NO_MEMORY, 0, "out of memory checking the server certificate (BearSSL error %d)", err);
    else
        wsc__fail(s, code, 0, "%s", words);
}
#endif

/* ------------------------------------------------------------------------ */
/* Transport: the seam under TLS and framing. The built-in TCP (unless       */
/* WSCLIENT_NO_SOCKETS) or a user transport; nothing above knows which.      */
/* ------------------------------------------------------------------------ */

static void wsc__advance(wsc__socket *s);
#ifdef WSC__PROXY
static void wsc__proxy_start(wsc__socket *s);
static int wsc__proxy_step(wsc__socket *s);
static int wsc__proxy_interest(const wsc__socket *s);
#endif
#ifndef WSCLIENT_NO_SOCKETS
static void wsc__dns_abandon(wsc__dns *job);
#endif

/* The reason a user transport gives for a failure, or a generic one. */
static const char *wsc__tp_error(const wsc_transport *tp, void *conn) {
    const char *e = tp->error ? tp->error(tp->user, conn) : NULL;
    return e && e[0] ? e : "the transport reported a failure";
}

#if WSC__WORDS || !defined(WSCLIENT_NO_SOCKETS) /* (the small build's user transport words have no stage) */
/* Where in its life a connection failed, for the error words. */
static const char *wsc__stage(const wsc__socket *s) {
    if (!WSC__WORDS) return "";
    switch (s->state) {
    case WSC__CONNECTING: return " while connecting";
    case WSC__PROXYING: return " in the proxy's CONNECT";
    case WSC__TLS_HANDSHAKE: return " in the TLS handshake";
    case WSC__UPGRADING: return " in the upgrade (HTTP request and 101 answer)";
    case WSC__CLOSING: case WSC__SHUTDOWN: return " in the close handshake";
    default: return "";
    }
}
#endif

#ifndef WSCLIENT_NO_SOCKETS
/* The few places where Winsock and BSD sockets differ: error numbers and
   their words, closing, non-blocking mode, and waiting. */
#ifdef _WIN32
#define WSC__EINPROGRESS WSAEWOULDBLOCK /* a non-blocking connect under way */
#define WSC__ECONNREFUSED WSAECONNREFUSED
/* One wait may watch every attempt of every socket's connect race: Winsock's
   FD_SET quietly drops what passes FD_SETSIZE, and the wait would miss it. */
#if WSCLIENT_MAX_SOCKETS * (WSC__RACE + 1) > FD_SETSIZE
#error "WSCLIENT_MAX_SOCKETS times 4 (a connect races up to 4 addresses) is over Winsock's FD_SETSIZE: define FD_SETSIZE larger before including this file"
#endif
typedef int wsc__ssize;
static int wsc__sock_errno(void) { return WSAGetLastError(); }
static int wsc__would_block(void) {
    int e = WSAGetLastError();
    return e == WSAEWOULDBLOCK || e == WSAEINTR;
}
static void wsc__sock_close(wsc__sock fd) { closesocket(fd); }

/* The system's words for a Winsock error, without the trailing line break. */
static const char *wsc__sock_strerror(int err) {
    static char text[160];
    DWORD n = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, (DWORD)err,
                             0, text, sizeof text, NULL);
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == ' ' || text[n - 1] == '.')) n--;
    if (n == 0) return "Winsock error";
    text[n] = 0;
    return text;
}

/* Not inherited by child processes (FD_CLOEXEC). */
static void wsc__sock_noinherit(wsc__sock fd) { SetHandleInformation((HANDLE)fd, HANDLE_FLAG_INHERIT, 0); }

/* Non-blocking, and not inherited. */
static void wsc__sock_setup(wsc__sock fd) {
    u_long on = 1;
    ioctlsocket(fd, FIONBIO, &on);
    wsc__sock_noinherit(fd);
}

/* Winsock needs WSAStartup before its first call; once is enough (it is
   reference counted, and the process end releases it). */
static int wsc__net_init(void) {
    static int ready;
    WSADATA wsa;
    if (!ready && WSAStartup(MAKEWORD(2, 2), &wsa) == 0) ready = 1;
    return ready;
}

/* poll() through select(): WSAPoll misses failed connects before Windows 10
   2004, where select reports them in the exception set. */
static int wsc__poll(struct pollfd *p, int n, int timeout_ms) {
    fd_set r, w, e;
    struct timeval tv;
    int i, k;
    if (n == 0) { /* select() on no socket fails at once: sleep instead */
        if (timeout_ms > 0) Sleep((DWORD)timeout_ms);
        return 0;
    }
    FD_ZERO(&r);
    FD_ZERO(&w);
    FD_ZERO(&e);
    for (i = 0; i < n; i++) {
        if (p[i].events & POLLIN) FD_SET(p[i].fd, &r);
        if (p[i].events & POLLOUT) FD_SET(p[i].fd, &w);
        FD_SET(p[i].fd, &e);
    }
    tv.tv_sec = timeout_ms / 1000;
    tv.tv_usec = (timeout_ms % 1000) * 1000;
    k = select(0, &r, &w, &e, timeout_ms < 0 ? NULL : &tv);
    for (i = 0; i < n; i++)
        p[i].revents = (short)((k > 0 && FD_ISSET(p[i].fd, &r) ? POLLIN : 0) |
                               (k > 0 && FD_ISSET(p[i].fd, &w) ? POLLOUT : 0) |
                               (k > 0 && FD_ISSET(p[i].fd, &e) ? POLLERR : 0));
    return k;
}
#else
#define WSC__EINPROGRESS EINPROGRESS
#define WSC__ECONNREFUSED ECONNREFUSED
typedef ssize_t wsc__ssize;
static int wsc__sock_errno(void) { return errno; }
static int wsc__would_block(void) {
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}
static void wsc__sock_close(wsc__sock fd) { close(fd); }
static const char *wsc__sock_strerror(int err) { return strerror(err); }
static void wsc__sock_noinherit(wsc__sock fd) { fcntl(fd, F_SETFD, FD_CLOEXEC); }
static void wsc__sock_setup(wsc__sock fd) {
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL, 0) | O_NONBLOCK);
    wsc__sock_noinherit(fd);
}
static int wsc__net_init(void) { return 1; }
static int wsc__poll(struct pollfd *p, int n, int timeout_ms) { return poll(p, (nfds_t)n, timeout_ms); }
#endif

/* A TCP socket, non-blocking and not inherited: in the one call where the
   system can (Linux, the BSDs: three fewer system calls a connect). */
static wsc__sock wsc__sock_open(int family) {
    wsc__sock fd;
#if defined(SOCK_NONBLOCK) && defined(SOCK_CLOEXEC)
    fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd != WSC__NO_SOCK || errno != EINVAL) return fd; /* EINVAL: a kernel older than the flags */
#endif
    fd = socket(family, SOCK_STREAM, 0);
    if (fd != WSC__NO_SOCK) wsc__sock_setup(fd);
    return fd;
}

static void wsc__tcp_close(wsc__socket *s) {
    if (s->fd != WSC__NO_SOCK) wsc__sock_close(s->fd);
    s->fd = WSC__NO_SOCK;
}

/* The proxy a connection goes through, for the words of its failures
   (two printf arguments: " through " and its name, or two empty strings). */
#ifdef WSC__PROXY
#define WSC__VIA(s) (s)->proxy ? " through " : "", (s)->proxy ? (s)->proxy->what : ""
#else
#define WSC__VIA(s) "", ""
#endif

/* Returns bytes sent (0: the kernel buffer is full), -1: failed. */
static long wsc__tcp_send(wsc__socket *s, const wsc__u8 *p, size_t n) {
    wsc__ssize k;
    if (n > 0x40000000u) n = 0x40000000u; /* Winsock takes an int */
    k = send(s->fd, (const char *)p, n, MSG_NOSIGNAL);
    if (k >= 0) return (long)k;
    if (wsc__would_block()) return 0;
    wsc__fail(s, WSC_ERR_IO, 0, "send to %s%s%s failed%s: %s", s->host, WSC__VIA(s), wsc__stage(s),
              wsc__sock_strerror(wsc__sock_errno()));
    return -1;
}

/* Returns bytes received (0: none now, or end of stream with s->eof set), -1: failed. */
static long wsc__tcp_recv(wsc__socket *s, wsc__u8 *p, size_t n) {
    wsc__ssize k;
    if (n > 0x40000000u) n = 0x40000000u;
    k = recv(s->fd, (char *)p, n, 0);
    if (k > 0) return (long)k;
    if (k == 0) { s->eof = 1; return 0; }
    if (wsc__would_block()) return 0;
    wsc__fail(s, WSC_ERR_IO, 0, "receive from %s%s%s failed%s: %s", s->host, WSC__VIA(s), wsc__stage(s),
              wsc__sock_strerror(wsc__sock_errno()));
    return -1;
}
#endif

static int wsc__io_live(const wsc__socket *s) {
#ifndef WSCLIENT_NO_SOCKETS
    if (!s->tp) return s->fd != WSC__NO_SOCK;
#endif
    return s->conn != NULL;
}

static void wsc__io_close(wsc__socket *s) {
#ifndef WSCLIENT_NO_SOCKETS
    if (!s->tp) {
        while (s->nrace) wsc__sock_close(s->race[--s->nrace]);
        wsc__tcp_close(s);
        return;
    }
#endif
    if (s->conn) {
#if WSC__THREADS
        if (wsc__g.tp_waits && wsc__g.ndoomed < WSCLIENT_MAX_SOCKETS) { /* a wait() in another thread may hold it */
            wsc__g.doomed[wsc__g.ndoomed].tp = s->tp;
            wsc__g.doomed[wsc__g.ndoomed++].conn = s->conn;
        } else
#endif
        s->tp->close(s->tp->user, s->conn);
    }
    s->conn = NULL;
}

/* A user transport failed. Its connect may return before the connection is
   up (a non-blocking TCP connect), so a failure before any byte went
   through is reported as the connect's: refused, unreachable. */
static void wsc__tp_failed(wsc__socket *s, const char *op) {
    const char *words = wsc__tp_error(s->tp, s->conn);
    if (!s->moved)
        wsc__fail(s, WSC_ERR_CONNECT, 0, "cannot connect to %s port %d: %s", s->host, s->port, words);
    else
#ifndef WSCLIENT_SMALL
        wsc__fail(s, WSC_ERR_IO, 0, "%s %s failed%s: %s", op, s->host, wsc__stage(s), words);
#else /* no stage (docs/platforms.md "WSCLIENT_SMALL") */
        wsc__fail(s, WSC_ERR_IO, 0, "%s %s failed: %s", op, s->host, words);
#endif
}

/* What a user transport's send (dir WSC_IO_WRITE) or recv returned, checked:
   the bytes moved, 0, or -1 with the socket failed. */
static long wsc__tp_result(wsc__socket *s, long k, size_t n, unsigned dir) {
    if (WSC__FAST && k == 0) s->dry |= dir; /* only the speed paths look */
    if (k >= 0 && (size_t)k <= n) {
        s->moved |= k > 0;
        return k;
    }
    if (k == WSC_IO_EOF && dir == WSC_IO_READ) { s->eof = 1; return 0; }
    if (k > 0)
        wsc__fail(s, WSC_ERR_IO, 0, "transport %s claimed %ld bytes of %lu", dir == WSC_IO_READ ? "recv" : "send", k, (unsigned long)n);
    else
        wsc__tp_failed(s, dir == WSC_IO_READ ? "receive from" : "send to");
    return -1;
}

/* A flush that just sent the last of a request the server must answer (the
   upgrade, our close frame): the answer is a round trip away, so no recv in
   this advance (it would only say "nothing yet"); the wait asks the kernel. */
static void wsc__asked(wsc__socket *s, int moved) {
    if (WSC__FAST && moved && !wsc__buf_pending(&s->out)) s->dry |= WSC_IO_READ;
}

/* Hands bytes to the connection: how many it took (0: none now), -1: failed. */
static long wsc__io_send(wsc__socket *s, const wsc__u8 *p, size_t n) {
    if (WSC__FAST && (s->dry & WSC_IO_WRITE)) return 0; /* it said "full" in this advance already */
#ifndef WSCLIENT_NO_SOCKETS
    if (!s->tp) {
        long k = wsc__tcp_send(s, p, n);
        if (k == 0) s->dry |= WSC_IO_WRITE;
        return k;
    }
#endif
    return wsc__tp_result(s, s->tp->send(s->tp->user, s->conn, p, n), n, WSC_IO_WRITE);
}

/* Takes bytes from the connection: how many (0: none now, or end of stream
   with s->eof set), -1: failed. */
static long wsc__io_recv(wsc__socket *s, wsc__u8 *p, size_t n) {
    if (WSC__FAST && (s->dry & WSC_IO_READ)) return 0; /* it said "nothing" in this advance already */
#ifndef WSCLIENT_NO_SOCKETS
    if (!s->tp) {
        long k = wsc__tcp_recv(s, p, n);
        /* less than asked: the kernel had no more, so the next try would
           only say so (a system call a message); the wait asks again */
        if ((k == 0 && !s->eof) || (k > 0 && (size_t)k < n)) s->dry |= WSC_IO_READ;
        return k;
    }
#endif
    return wsc__tp_result(s, s->tp->recv(s->tp->user, s->conn, p, n), n, WSC_IO_READ);
}

/* Takes up to n bytes of the record the engine reads into buf. A piece
   smaller than the read-ahead comes through it: a record of a small
   message is a few dozen bytes, and several of them then cost one system
   call, where BearSSL alone reads a header and a body for each. */
static long wsc__tls_read(wsc__socket *s, wsc__u8 *buf, size_t n) {
#if WSC__AHEAD
    wsc__tls *t = s->tls;
    if (t->ahead_off == t->ahead_len && n < WSC__AHEAD) {
        long k = wsc__io_recv(s, t->ahead, WSC__AHEAD);
        if (k <= 0) return k;
        t->ahead_off = 0;
        t->ahead_len = (size_t)k;
    }
    if (t->ahead_off < t->ahead_len) {
        size_t k = t->ahead_len - t->ahead_off < n ? t->ahead_len - t->ahead_off : n;
        memcpy(buf, t->ahead + t->ahead_off, k);
        t->ahead_off += k;
        return (long)k;
    }
#endif
    return wsc__io_recv(s, buf, n);
}

/* wsc__tls_read, keeping the first 5 bytes the server sent for the failure
   words ("HTTP/": a ws:// server answered). Both backends read through it. */
static long wsc__tls_recv(wsc__socket *s, wsc__u8 *buf, size_t n) {
    long k = wsc__tls_read(s, buf, n), i;
    for (i = 0; WSC__WORDS && i < k && s->first_len < 5; i++) s->first[s->first_len++] = buf[i];
    return k;
}

/* Bytes read ahead that the engine has not taken: no poll() announces them. */
#if WSC__AHEAD
static int wsc__tls_ahead(const wsc__socket *s) { return s->tls && s->tls->ahead_off < s->tls->ahead_len; }
#else
#define wsc__tls_ahead(s) 0
#endif

#ifndef WSCLIENT_TLS_OPENSSL
/* Records between BearSSL's buffers and the transport, as the state st
   allows: whether bytes went through, -1 if the transport failed. */
static int wsc__tls_move(wsc__socket *s, unsigned st) {
    wsc__tls *t = s->tls;
    int moved = 0;
    size_t len;
    wsc__u8 *buf;
    long k;
    if (st & WSC__TLS_SENDREC) {
        buf = wsc__tls_rec_out(t, &len);
        if ((k = wsc__io_send(s, buf, len)) < 0) return -1;
        if (k > 0) { wsc__tls_rec_sent(t, (size_t)k); moved = 1; }
    }
    if ((st & WSC__TLS_RECVREC) && !s->eof) {
        buf = wsc__tls_rec_in(t, &len);
        if ((k = wsc__tls_recv(s, buf, len)) < 0) return -1;
        if (k > 0) { wsc__tls_rec_got(t, (size_t)k); moved = 1; }
    }
    return moved;
}
#endif

/* Moves TLS records between the engine and the socket until neither side
   can move, or the advance's slice is over: bytes that move need not carry
   anything (BearSSL takes any number of empty records), so only the clock
   bounds this loop. Returns -1 when the connection failed (error set). */
static int wsc__tls_io(wsc__socket *s) {
    wsc__tls *t = s->tls;
    for (;;) {
        unsigned st = wsc__tls_state(t);
        int moved;
        if (st & WSC__TLS_CLOSED) {
            int err = wsc__tls_error(t);
#ifdef WSCLIENT_TLS_OPENSSL
            if (t->io_failed) return wsc__tls_hangup(s); /* failed outside this loop: s has the transport's words */
#endif
            if (err != 0) {
                wsc__tls_failed(t);
                wsc__tls_fail(s, err);
                return -1;
            }
            return 0;
        }
        if ((moved = wsc__tls_move(s, st)) < 0) return wsc__tls_hangup(s);
        if (!moved) return 0;
        /* the rest at the next advance, but a failure now: the caller would
           take a closed engine for the server closing the connection */
        if (wsc__slice_over(s->slice) && !(wsc__tls_state(t) & WSC__TLS_CLOSED)) return 0;
    }
}

/* Bytes of a sync write's payload still in the caller's memory (never any
   in the small build, which copies every frame into out). */
static size_t wsc__tx_pending(const wsc__socket *s) {
    return WSC__FAST ? s->tx_left : 0;
}

/* The seam between framing and the wire: framing sees only these three. */

/* Hands bytes to the transport; returns how many it took (0: full), -1: failed. */
static long wsc__stream_write(wsc__socket *s, const wsc__u8 *p, size_t n) {
    wsc__u8 *buf;
    size_t avail = 0, k = 0;
    if (!s->tls) return wsc__io_send(s, p, n);
    if (!wsc__tx_pending(s) && (k = wsc__tls_write_now(s->tls, p, n)) != 0) /* (nothing to join it: made a record now) */
        return wsc__tls_io(s) < 0 ? -1 : (long)k;
    buf = wsc__tls_app_out(s->tls, &avail);
    if (buf && avail) {
        k = n < avail ? n : avail;
        memcpy(buf, p, k);
        wsc__tls_app_sent(s->tls, k);
        if (k == n && !wsc__tx_pending(s)) wsc__tls_seal(s->tls); /* all we have: seal the record now */
    }
    if (wsc__tls_io(s) < 0) return -1;
    return (long)k;
}

/* Points *p at received bytes (*n may be 0). Returns -1 when failed. */
static int wsc__stream_peek(wsc__socket *s, const wsc__u8 **p, size_t *n) {
    *p = NULL;
    *n = 0;
    if (!s->tls) {
        if (s->plain_off == s->plain_len && !s->eof) {
            long k = wsc__io_recv(s, s->plain_rx, WSC__PLAIN_RX);
            if (k < 0) return -1;
            s->plain_off = 0;
            s->plain_len = (size_t)k;
        }
        *p = s->plain_rx + s->plain_off;
        *n = s->plain_len - s->plain_off;
        return 0;
    }
    /* plaintext still there: no engine round trip (and no system call) per frame */
    if (WSC__FAST && (*p = wsc__tls_app_in(s->tls, n)) != NULL && *n) return 0;
    if (wsc__tls_io(s) < 0) return -1;
    *p = wsc__tls_app_in(s->tls, n);
    if (!*p) *n = 0;
    return 0;
}

static void wsc__stream_consume(wsc__socket *s, size_t n) {
    if (!s->tls) s->plain_off += n;
    else if (n) wsc__tls_app_taken(s->tls, n);
}

/* wsc__stream_consume by a caller that peeks again at once (wsc__receive):
   the TLS engine is asked for more only then (wsc__tls_app_used). */
static void wsc__stream_used(wsc__socket *s, size_t n) {
    if (!s->tls) s->plain_off += n;
    else if (n) wsc__tls_app_used(s->tls, n);
}

/* No more bytes will come: TCP end of stream, or TLS closed. */
static int wsc__stream_ended(wsc__socket *s) {
    if (s->tls && (wsc__tls_state(s->tls) & WSC__TLS_CLOSED)) return 1;
    if (!s->eof) return 0;
    if (!s->tls) return s->plain_off == s->plain_len;
    return !(wsc__tls_state(s->tls) & WSC__TLS_RECVAPP);
}

/* What this socket waits for in its present state: WSC_IO_READ, WSC_IO_WRITE. */
static int wsc__interest(const wsc__socket *s) {
    int ev = 0;
    if (!wsc__io_live(s)) return 0; /* (a connect race is wsc__waitset_race's) */
#ifdef WSC__PROXY
    if (s->state == WSC__PROXYING) return wsc__proxy_interest(s);
#endif
    if (s->tls) {
        unsigned st = wsc__tls_state(s->tls);
        if (st & WSC__TLS_SENDREC) ev |= WSC_IO_WRITE;
        /* Bytes of ours wait for an engine that has room for them: frames in
           out (a callback wrote or closed in wsc_pump(0); a sync write in
           the small build), or the rest of a sync write's payload (the
           record before them can leave in the advance's receive, after the
           slice ran out). The socket is writable, so the wait returns at
           once and the next advance hands them on, rather than sleeping on
           reading alone to the write's bound; a host loop polling
           wsc_watches comes back to wsc_pump(0) at once for them. */
        if ((st & WSC__TLS_SENDAPP) && (wsc__buf_pending(&s->out) || wsc__tx_pending(s))) ev |= WSC_IO_WRITE;
        if ((st & WSC__TLS_RECVREC) && !s->eof) ev |= WSC_IO_READ;
        return ev;
    }
    if (wsc__buf_pending(&s->out) || wsc__tx_pending(s)) ev |= WSC_IO_WRITE;
    if (!s->eof && !(s->state == WSC__OPEN && s->queued_bytes >= WSCLIENT_MAX_MESSAGE)) ev |= WSC_IO_READ;
    return ev;
}

/* ------------------------------------------------------------------------ */
/* Outgoing frames                                                          */
/* ------------------------------------------------------------------------ */

/* Turns a mask key by n bytes: key[0] then masks the byte n further on. */
static void wsc__key_turn(wsc__u8 key[4], size_t n) {
    wsc__u8 k[4];
    size_t i;
    for (i = 0; i < 4; i++) k[i] = key[(i + n) & 3];
    memcpy(key, k, 4);
}

/* Moves what is left of a sync write's payload into out, masked, so that it
   no longer needs the caller's memory (the write returns, or another frame
   must follow it). Returns 0 when memory ran out. */
static int wsc__tx_spill(wsc__socket *s) {
    if (!wsc__tx_pending(s)) return 1;
    if (!wsc__buf_reserve(&s->out, s->tx_left)) return 0;
    wsc__mask_copy(s->out.data + s->out.len, s->tx_src, s->tx_left, s->tx_key);
    s->out.len += s->tx_left;
    s->tx_src = NULL;
    s->tx_left = 0;
    return 1;
}

/* Writes one frame masked with key at the end of out, which has the room. */
static void wsc__frame_put(wsc__buf *out, unsigned opcode, int fin, const void *payload, size_t len, const wsc__u8 key[4]) {
    wsc__u8 *dst = out->data + out->len;
    dst += wsc__frame_header(dst, opcode, fin, len, key);
    wsc__mask_copy(dst, (const wsc__u8 *)payload, len, key);
    out->len = (size_t)(dst - out->data) + len;
}

/* Queues one masked frame. Returns 0 when memory ran out. */
static int wsc__queue_frame(wsc__socket *s, unsigned opcode, int fin, const void *payload, size_t len) {
    wsc__u8 key[4];
    if (!wsc__tx_spill(s) || !wsc__mask_key(key)) return 0;
    if (!wsc__buf_reserve(&s->out, 14 + len)) return 0;
    wsc__frame_put(&s->out, opcode, fin, payload, len, key);
    return 1;
}

#ifndef WSCLIENT_SMALL
/* wsc__queue_frame for a whole frame with nothing of a sync write pending,
   when out has the room already: no spill, no reserve (else the general way). */
static int wsc__queue_short_frame(wsc__socket *s, unsigned opcode, const void *payload, size_t len) {
    wsc__u8 key[4];
    if (s->out.off == s->out.len) s->out.off = s->out.len = 0; /* all sent: from the start again */
    if (s->out.off || s->out.cap - s->out.len < 14 + len) /* (a tail left by a flush: moved to the front there, while short) */
        return wsc__queue_frame(s, opcode, 1, payload, len);
    if (!wsc__mask_key(key)) return 0;
    wsc__frame_put(&s->out, opcode, 1, payload, len, key);
    return 1;
}
#endif

/* Queues a close frame with its code and no reason (1005: no code at all). */
static int wsc__queue_close(wsc__socket *s, int code) {
    wsc__u8 p[2];
    p[0] = (wsc__u8)(code >> 8);
    p[1] = (wsc__u8)code;
    return wsc__queue_frame(s, WSC__OP_CLOSE, 1, p, code && code != 1005 ? 2 : 0);
}

/* Queues a frame whose payload stays in the caller's memory until the
   transport has it: a sync write waits for that, and its payload is then
   masked once, straight into the TLS record (or a small chunk over plain
   TCP), instead of first into out. Small payloads, and those of an async
   write (which does not wait), are simply copied. */
static int wsc__queue_frame_direct(wsc__socket *s, unsigned opcode, int fin, const void *payload, size_t len) {
    wsc__u8 key[4];
    if (!WSC__FAST || len < 4096 || s->callback) return wsc__queue_frame(s, opcode, fin, payload, len);
    if (!wsc__tx_spill(s) || !wsc__mask_key(key) || !wsc__buf_reserve(&s->out, 14)) return 0;
    s->out.len += wsc__frame_header(s->out.data + s->out.len, opcode, fin, len, key);
    s->tx_src = (const wsc__u8 *)payload;
    s->tx_left = len;
    memcpy(s->tx_key, key, 4);
    return 1;
}

#if WSC__TX_TCP > WSC__TX_PART
/* The size of a sync write's next part: over plain TCP, out then holds
   WSC__TX_TCP with what waits in it already (a header). */
static size_t wsc__tx_part(const wsc__socket *s) {
    size_t queued = wsc__buf_pending(&s->out);
    size_t k = !s->tls && queued + WSC__TX_PART < WSC__TX_TCP ? WSC__TX_TCP - queued : WSC__TX_PART;
    return k < s->tx_left ? k : s->tx_left;
}
#else
#define wsc__tx_part(s) ((s)->tx_left < WSC__TX_PART ? (s)->tx_left : WSC__TX_PART)
#endif

/* Masks the next part of a sync write's payload toward the transport: into
   the TLS engine's record buffer, or into out over plain TCP.
   Returns 1 if it moved some, 0 if the transport is full, -1 failed. */
static int wsc__tx_next(wsc__socket *s) {
    size_t k = wsc__tx_part(s);
    wsc__u8 *dst;
    if (s->tls) {
        if (!(dst = wsc__tls_app_out(s->tls, &k)) || !k) {
            if (wsc__tls_io(s) < 0) return -1;
            if (!(dst = wsc__tls_app_out(s->tls, &k)) || !k) return 0;
        }
        if (k > s->tx_left) k = s->tx_left;
        wsc__mask_copy(dst, s->tx_src, k, s->tx_key);
        wsc__tls_app_sent(s->tls, k);
        if (k == s->tx_left) wsc__tls_seal(s->tls); /* all of it: seal the record now */
    } else {
        if (!wsc__buf_reserve(&s->out, k)) {
            wsc__fail(s, WSC_ERR_NO_MEMORY, 0, "out of memory sending a message");
            return -1;
        }
        wsc__mask_copy(s->out.data + s->out.len, s->tx_src, k, s->tx_key);
        s->out.len += k;
    }
    s->tx_src += k;
    s->tx_left -= k;
    wsc__key_turn(s->tx_key, k);
    if (!s->tx_left) s->tx_src = NULL;
    if (s->tls && wsc__tls_io(s) < 0) return -1;
    return 1;
}

#ifndef WSCLIENT_SMALL
/* A batch is handed on once this much of it waits: a TLS record's worth;
   over plain TCP a sync write's part, unless WSCLIENT_MAX_MESSAGE (a
   batch's bound) leaves too little room above it for the batch to go on
   growing while the transport takes it. */
static size_t wsc__batch_bytes(const wsc__socket *s) {
    return !s->tls && WSCLIENT_MAX_MESSAGE >= 4u * WSC__TX_TCP ? WSC__TX_TCP : WSC__BATCH_BYTES;
}

/* Bytes of out a flush hands on now: all, or while a batch is still being
   written (wsc__defer) whole records only, so that its tail goes out with
   the frames after it rather than sealed alone into a small record. */
static size_t wsc__flushable(const wsc__socket *s) {
    size_t n = wsc__buf_pending(&s->out);
    return s->whole_records ? n - n % wsc__batch_bytes(s) : n;
}
#else
#define wsc__flushable(s) wsc__buf_pending(&(s)->out)
#endif

/* Writes queued bytes, then a sync write's payload, to the transport.
   Returns 1 if any moved, 0 if none, -1 failed. */
static int wsc__flush(wsc__socket *s) {
    int moved = 0;
    for (;;) {
        int r;
        /* over plain TCP a sync write's header leaves with the first part of
           its payload, not alone in a send (and a TCP segment) of its own */
        if (!s->tls && wsc__tx_pending(s) && wsc__buf_pending(&s->out) < WSC__TX_PART && wsc__tx_next(s) < 0) return -1;
        while (wsc__buf_pending(&s->out) > 0) {
            size_t n = wsc__flushable(s);
            long k = n ? wsc__stream_write(s, s->out.data + s->out.off, n) : 0;
            if (k < 0) return -1;
            if (k == 0) return moved;
            s->out.off += (size_t)k;
            moved = 1;
        }
        s->out.off = s->out.len = 0;
        if (!wsc__tx_pending(s)) return moved;
        if ((r = wsc__tx_next(s)) <= 0) return r < 0 ? -1 : moved;
        moved = 1;
    }
}

/* ------------------------------------------------------------------------ */
/* The state machine, in the order a connection lives                       */
/* ------------------------------------------------------------------------ */

#ifndef WSCLIENT_SMALL
/* Frees a queue record (its data apart), or, in a run, the run's block with
   the last of them: kept in rx for the next run, when rx is given (a malloc
   and free of 8 KiB a run cost 2% of a stream of 1 KiB messages). */
static void wsc__msg_free(wsc__mem *mem, wsc__rx *rx, wsc__msg *m) {
    if (!m->run) wsc__free(mem, m);
    else if (--m->run[0]) return;
    else if (rx) wsc__rx_recycle(rx, (wsc__u8 *)m->run, m->run[1]);
    else wsc__free(mem, m->run);
}
#else
#define wsc__msg_free(mem, rx, m) wsc__free(mem, m)
#endif

static void wsc__free_queue(wsc__socket *s) {
    while (s->queue) {
        wsc__msg *m = s->queue;
        s->queue = m->next;
        if (!(WSC__FAST && m->direct) && !WSC__INLINED(m)) wsc__free(s->mem, m->data);
        wsc__msg_free(s->mem, NULL, m);
    }
    s->queue_tail = NULL;
    s->queued_bytes = 0;
}

static void wsc__socket_free(wsc__socket *s) {
    wsc__mem *mem;
    if (!s) return;
    mem = s->mem;
    wsc__io_close(s);
#ifndef WSCLIENT_NO_SOCKETS
    if (s->addrs) freeaddrinfo(s->addrs);
    if (s->dns) wsc__dns_abandon(s->dns); /* its thread may still be at work */
#endif
    wsc__tls_free(mem, s->tls);
    if (s->out.data) wsc__free(mem, s->out.data); /* going: no wsc__buf_free to reset them */
    if (s->req.data) wsc__free(mem, s->req.data);
    if (s->head.data) wsc__free(mem, s->head.data);
    wsc__rx_free(&s->rx);
    wsc__free_queue(s);
    if (s->plain_rx) wsc__free(mem, s->plain_rx);
    if (s->host) wsc__free(mem, s->host);
#ifdef WSC__PROXY
    if (s->proxy) {
        wsc__wipe(s->proxy, sizeof *s->proxy); /* the credentials */
        wsc__free(mem, s->proxy);
    }
#endif
    if (s->offered) wsc__free(mem, s->offered);
#ifndef WSCLIENT_SMALL
    if (s->path) wsc__free(mem, s->path);
#endif
    wsc__free(mem, s);
}

static int wsc__is_final(const wsc__socket *s) {
    return s->state == WSC__CLOSED || s->state == WSC__FAILED;
}

/* Ends the connection cleanly. */
static void wsc__finish(wsc__socket *s) {
    wsc__io_close(s);
    s->state = WSC__CLOSED;
    s->final_pending = 1;
}

/* Fails the connection (RFC 6455 §7.1.7): where the socket is open and a close
   code is given, one try to send that close frame, then the TCP close. The
   first error is the one kept. */
static void wsc__fail(wsc__socket *s, wsc_result code, int close_code, const char *fmt, ...) {
    va_list ap;
    int was_open = s->state == WSC__OPEN || s->state == WSC__CLOSING, ours_queued = s->state == WSC__CLOSING;
    if (wsc__is_final(s)) return;
    /* Both close frames have crossed (ours has left): the connection is
       closed cleanly (RFC 6455 §7.1.4) whatever the transport does next, a
       reset from a server that did not wait for our TCP close among them. */
    if (s->state == WSC__SHUTDOWN && code == WSC_ERR_IO && !wsc__buf_pending(&s->out)) {
        wsc__finish(s);
        return;
    }
    s->state = WSC__FAILED;
    s->final_pending = 1;
    s->err_code = code;
    va_start(ap, fmt);
    vsnprintf(s->err, sizeof s->err, fmt, ap);
    va_end(ap);
    /* The close frame goes out behind what is queued, in one try: a frame
       half on the wire is finished first, so the stream stays whole, and the
       frames queued behind it (the caller was told they would go) go too.
       Not behind a sync write's payload of more than a record still in the
       caller's memory (no write passes WSCLIENT_MAX_MESSAGE: a device's
       build skips the test), and never a second time: in WSC__CLOSING ours
       is queued or gone (§5.5.1). */
    if (was_open && close_code && (WSCLIENT_MAX_MESSAGE <= WSC__TX_PART || s->tx_left <= WSC__TX_PART) && wsc__io_live(s)) {
#ifndef WSCLIENT_SMALL
        s->whole_records = 0;
#endif
        if (ours_queued || wsc__queue_close(s, close_code)) wsc__flush(s);
    }
    s->out.len = s->out.off = 0;
    s->tx_src = NULL;
    s->tx_left = 0;
    wsc__io_close(s);
}

#ifndef WSCLIENT_SMALL
static const char *const wsc__refusal_names[] = {"WWW-Authenticate", "Retry-After", "Location"};

/* The words of a refused upgrade: status, reason, the headers that say what
   to do (RFC 9110 §11.6.1, §10.2.3, §10.2.2), and the start of the body,
   each bounded and escaped. */
static void wsc__refusal_words(const wsc__socket *s, int at_deadline, char *out, size_t cap) {
    const char *h = (const char *)s->head.data, *v;
    size_t got = s->head.len - s->body_at, n;
    int i, k;
    snprintf(out, cap, "server refused the upgrade: HTTP %d", s->http_status);
    if ((n = strlen(h)) > 13) { strcat(out, " "); wsc__escape(out, cap, h + 13, n - 13, 80); }
    for (i = 0; i < 3; i++)
        for (k = 0; (v = wsc__head_find(h, wsc__refusal_names[i], k)) != NULL; k++) {
            snprintf(out + strlen(out), cap - strlen(out), "; %s: ", wsc__refusal_names[i]);
            wsc__escape(out, cap, v, strlen(v), 120);
        }
    if (got) {
        snprintf(out + strlen(out), cap - strlen(out), "; body: \"");
        wsc__escape(out, cap, h + s->body_at, got, 100);
        snprintf(out + strlen(out), cap - strlen(out), "\"");
    }
    if (s->body_total >= 0 && (long long)got < s->body_total && got < s->body_want)
        snprintf(out + strlen(out), cap - strlen(out), " (%lu of its %lld bytes came before %s)", (unsigned long)got,
                 s->body_total, at_deadline ? "the connect deadline" : "the server closed");
    else if (got && got == s->body_want && (long long)got < s->body_total)
        snprintf(out + strlen(out), cap - strlen(out), " (cut: the first %lu of its %lld bytes)", (unsigned long)got, s->body_total);
    else if (got && got == s->body_want && s->body_total < 0)
        snprintf(out + strlen(out), cap - strlen(out), " (cut after %lu bytes)", (unsigned long)got);
}

/* Ends a refused upgrade: the refusal is the error, even when reading its
   body failed or the connect deadline came first. */
static void wsc__refused(wsc__socket *s, int at_deadline) {
    char words[WSC__ERRLEN];
    wsc__refusal_words(s, at_deadline, words, sizeof words);
    s->refused = 0;
    if (wsc__is_final(s)) s->state = WSC__UPGRADING; /* a failed read ended the body */
    wsc__fail(s, WSC_ERR_HTTP_STATUS, 0, "%s", words);
}
#endif

static void wsc__check_deadlines(wsc__socket *s) {
    wsc__ms now = wsc__now_ms();
#ifndef WSCLIENT_SMALL
    static const char *const stage[] = {"resolving the address", "waiting for another connection to the same server",
                                        "connecting", "waiting for the proxy's answer to CONNECT", "in the TLS handshake",
                                        "waiting for the upgrade answer"};
#endif
#ifndef WSCLIENT_SMALL
    if (s->refused && wsc__due(now, s->connect_deadline)) wsc__refused(s, 1); /* the status came: it is what to report */
    else
#endif
#ifdef WSC__PROXY
    if (s->proxy && s->state <= WSC__PROXYING && wsc__due(now, s->connect_deadline))
        wsc__fail(s, WSC_ERR_TIMEOUT, 0, "connect to %s port %d through %s timed out %s%s", s->host, s->port, s->proxy->what,
                  stage[s->state], s->hops ? " (after a redirect)" : "");
    else
#endif
    if (s->state <= WSC__UPGRADING && wsc__due(now, s->connect_deadline))
#ifndef WSCLIENT_SMALL
        wsc__fail(s, WSC_ERR_TIMEOUT, 0, "connect to %s port %d timed out %s%s", s->host, s->port, stage[s->state],
                  s->hops ? " (after a redirect)" : "");
#else /* without the stage: shorter words (docs/platforms.md "WSCLIENT_SMALL") */
        wsc__fail(s, WSC_ERR_TIMEOUT, 0, "connect to %s port %d timed out", s->host, s->port);
#endif
    else if (s->state == WSC__CLOSING && wsc__due(now, s->close_deadline))
        wsc__fail(s, WSC_ERR_TIMEOUT, 0, "server did not answer our close frame within %d ms", s->close_timeout_ms);
    else if (s->state == WSC__SHUTDOWN && wsc__due(now, s->close_deadline))
        wsc__finish(s); /* the close handshake is done; stop waiting for the TCP close */
}

static void wsc__connected(wsc__socket *s) {
#ifdef WSC__PROXY
    if (s->proxy) { wsc__proxy_start(s); return; }
#endif
    s->state = s->tls ? WSC__TLS_HANDSHAKE : WSC__UPGRADING;
}

/* RFC 6455 §4.1 item 2: "There MUST be no more than one connection in a
   CONNECTING state" per server. The server is its address and port where we
   know them (built-in TCP), else its host name and port. */
static int wsc__same_server(const wsc__socket *s, const wsc__socket *o) {
    if (s->tp != o->tp) return 0;
#ifndef WSCLIENT_NO_SOCKETS
#ifdef WSC__PROXY
    if (s->proxy || o->proxy) /* RFC 6455 §4.1: through a proxy, each host name is a server */
        return s->port == o->port && wsc__ieq(s->host, strlen(s->host), o->host);
#endif
    if (!s->tp) {
        const struct addrinfo *a = s->next_addr, *b = o->addr;
        return a && b && a->ai_family == b->ai_family && a->ai_addrlen == b->ai_addrlen &&
               memcmp(a->ai_addr, b->ai_addr, a->ai_addrlen) == 0;
    }
#endif
    return s->port == o->port && wsc__ieq(s->host, strlen(s->host), o->host);
}

/* The socket s must wait for, or NULL when it may connect now. */
static wsc__socket *wsc__connecting_to(const wsc__socket *s) {
    int i;
    for (i = 0; i < WSCLIENT_MAX_SOCKETS; i++) {
        wsc__socket *o = wsc__g.slots[i];
        if (o && o != s && o->state > WSC__WAITING && o->state < WSC__OPEN && wsc__same_server(s, o)) return o;
    }
    return NULL;
}

#ifndef WSCLIENT_NO_SOCKETS
/* What the TCP connect goes to: the proxy when there is one, else the server. */
static const char *wsc__dial_host(const wsc__socket *s) {
#ifdef WSC__PROXY
    if (s->proxy) return s->proxy->host;
#endif
    return s->host;
}

static int wsc__dial_port(const wsc__socket *s) {
#ifdef WSC__PROXY
    if (s->proxy) return s->proxy->port;
#endif
    return s->port;
}

/* "proxy " when the connect goes to one: the error words say which failed. */
static const char *wsc__dial_what(const wsc__socket *s) {
#ifdef WSC__PROXY
    if (s->proxy) return "proxy ";
#endif
    (void)s;
    return "";
}

/* Moves the attempt under way into the race, to keep it running while the
   next address starts; the oldest is dropped when WSC__RACE are running. */
static void wsc__race_keep(wsc__socket *s) {
    if (s->fd == WSC__NO_SOCK) return;
    if (s->nrace == WSC__RACE) {
        wsc__sock_close(s->race[0]);
        memmove(s->race, s->race + 1, sizeof s->race[0] * (WSC__RACE - 1));
        memmove(s->race_addr, s->race_addr + 1, sizeof s->race_addr[0] * (WSC__RACE - 1));
        s->nrace--;
    }
    s->race[s->nrace] = s->fd;
    s->race_addr[s->nrace++] = s->addr;
    s->fd = WSC__NO_SOCK;
}

/* Takes attempt i out of the race: i == s->nrace is the newest (s->fd). */
static wsc__sock wsc__race_take(wsc__socket *s, int i, const struct addrinfo **addr) {
    wsc__sock fd = s->fd;
    *addr = s->addr;
    if (i == s->nrace) { s->fd = WSC__NO_SOCK; return fd; }
    fd = s->race[i];
    *addr = s->race_addr[i];
    s->nrace--;
    memmove(s->race + i, s->race + i + 1, sizeof s->race[0] * (size_t)(s->nrace - i));
    memmove(s->race_addr + i, s->race_addr + i + 1, sizeof s->race_addr[0] * (size_t)(s->nrace - i));
    return fd;
}

#ifndef WSCLIENT_SMALL
/* TCP keepalive on the connection (wsc_config.tcp_keepalive_*): the kernel
   probes an idle connection and ends one whose peer is gone, a second line
   under the WebSocket pings. Each option where the platform has it;
   failures are ignored (the connection works without). */
static void wsc__tcp_keepalive(const wsc__socket *s, wsc__sock fd) {
    int on = 1;
    if (s->tcp_ka[0] < 0) return;
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, (const char *)&on, sizeof on);
#if defined(_WIN32) && defined(SIO_KEEPALIVE_VALS)
    { /* every Windows: idle time and interval in ms (the count is the system's, 10, unless TCP_KEEPCNT below) */
        struct tcp_keepalive ka;
        DWORD got = 0;
        ka.onoff = 1;
        ka.keepalivetime = (ULONG)s->tcp_ka[0] * 1000u;
        ka.keepaliveinterval = (ULONG)s->tcp_ka[1] * 1000u;
        WSAIoctl(fd, SIO_KEEPALIVE_VALS, &ka, sizeof ka, NULL, 0, &got, NULL, NULL);
    }
#elif defined(TCP_KEEPIDLE)
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, (const char *)&s->tcp_ka[0], sizeof(int));
#elif defined(TCP_KEEPALIVE) /* macOS names the idle time so */
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPALIVE, (const char *)&s->tcp_ka[0], sizeof(int));
#endif
#if defined(TCP_KEEPINTVL) && !defined(_WIN32)
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, (const char *)&s->tcp_ka[1], sizeof(int));
#endif
#ifdef TCP_KEEPCNT
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, (const char *)&s->tcp_ka[2], sizeof(int));
#endif
}
#else
#define wsc__tcp_keepalive(s, fd) ((void)0)
#endif

/* The attempt fd to addr connected: it is the connection, the others end. */
static void wsc__race_won(wsc__socket *s, wsc__sock fd, const struct addrinfo *addr) {
    while (s->nrace) wsc__sock_close(s->race[--s->nrace]);
    if (s->fd != fd) wsc__tcp_close(s);
    s->fd = fd;
    s->addr = addr;
    wsc__tcp_keepalive(s, fd);
    wsc__connected(s);
}

static void wsc__connect_failed(wsc__socket *s, int err) {
    wsc__fail(s, WSC_ERR_CONNECT, 0, "cannot connect to %s%s port %d: %s", wsc__dial_what(s), wsc__dial_host(s), wsc__dial_port(s),
              err == WSC__ECONNREFUSED ? "connection refused" : wsc__sock_strerror(err));
}

/* Starts a non-blocking connect to the next address, keeping the attempts
   under way running; 1 when one is under way. */
static int wsc__connect_next(wsc__socket *s) {
    int err = 0, one = 1;
    while (s->next_addr) {
        struct addrinfo *ai = s->next_addr;
        if (wsc__connecting_to(s)) { /* RFC 6455 §4.1: its turn comes later */
            s->next_try = wsc__after(WSC__ATTEMPT_DELAY_MS);
            if (s->nrace || s->fd != WSC__NO_SOCK) return 0;
            s->state = WSC__WAITING;
            return 0;
        }
        s->next_addr = ai->ai_next;
        wsc__race_keep(s);
        s->addr = ai;
        s->next_try = wsc__after(WSC__ATTEMPT_DELAY_MS);
        s->fd = wsc__sock_open(ai->ai_family);
        if (s->fd == WSC__NO_SOCK) { err = wsc__sock_errno(); continue; }
        setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, (const char *)&one, sizeof one); /* frames go out whole */
#ifdef SO_NOSIGPIPE
        setsockopt(s->fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one);
#endif
        if (connect(s->fd, ai->ai_addr, (socklen_t)ai->ai_addrlen) == 0) { wsc__race_won(s, s->fd, ai); return 1; }
        err = wsc__sock_errno();
        if (err == WSC__EINPROGRESS || err == EINTR) { s->state = WSC__CONNECTING; return 1; }
        wsc__tcp_close(s);
    }
    if (s->nrace) return 0; /* older attempts still run */
    wsc__connect_failed(s, err);
    return 0;
}

/* Why the attempt that poll flagged ended, 0: it connected. Linux marks a
   failed connect POLLERR, so a bare POLLOUT there needs no system call to
   ask (one of the few a connect makes); elsewhere SO_ERROR says. */
static int wsc__connect_error(const struct pollfd *p) {
    int err = 0;
    socklen_t len = sizeof err;
#ifdef __linux__
    if (!(p->revents & (POLLERR | POLLHUP))) return 0;
#endif
    if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, (char *)&err, &len) != 0) err = wsc__sock_errno();
    return err;
}

/* Looks at every attempt under way: the first connected one wins; a failed
   one ends, and the next address starts at once, as it does when the
   attempt delay has passed. */
static int wsc__connect_step(wsc__socket *s) {
    struct pollfd p[WSC__RACE + 1];
    int i, n = s->nrace + 1, err = 0;
    for (i = 0; i < n; i++) {
        p[i].fd = i < s->nrace ? s->race[i] : s->fd;
        p[i].events = POLLOUT;
        p[i].revents = 0;
    }
    if (s->fd == WSC__NO_SOCK) n--; /* the newest failed: only older ones run */
    if (wsc__poll(p, n, 0) > 0) {
        for (i = n - 1; i >= 0; i--) { /* from the end: taking i leaves the others' places */
            const struct addrinfo *ai;
            wsc__sock fd;
            if (!p[i].revents) continue;
            err = wsc__connect_error(&p[i]);
            fd = wsc__race_take(s, i, &ai);
            if (err == 0) { wsc__race_won(s, fd, ai); return 1; }
            wsc__sock_close(fd);
        }
    }
    if (s->next_addr && (s->fd == WSC__NO_SOCK || wsc__due(wsc__now_ms(), s->next_try))) return wsc__connect_next(s);
    if (s->fd == WSC__NO_SOCK && !s->nrace) wsc__connect_failed(s, err);
    return 0;
}

/* Host names resolve on a thread of their own, so that wsc_pump keeps every
   other socket moving; the answer comes back through a socket pair that poll
   waits on. Numeric addresses never touch DNS. */
#ifndef WSCLIENT_GETADDRINFO
#define WSCLIENT_GETADDRINFO(host, port, hints, res) getaddrinfo(host, port, hints, res)
#endif

#if defined(WSC__THREADED_DNS) || WSC__THREADS
#ifdef _WIN32
/* Windows has no socketpair(): two loopback UDP sockets connected to each
   other (a connected UDP socket takes datagrams from its peer only). */
static int wsc__dgram_pair(wsc__sock fd[2]) {
    struct sockaddr_in a[2];
    int i, len;
    fd[0] = fd[1] = WSC__NO_SOCK;
    for (i = 0; i < 2; i++) {
        memset(&a[i], 0, sizeof a[i]);
        a[i].sin_family = AF_INET;
        a[i].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        len = (int)sizeof a[i];
        if ((fd[i] = socket(AF_INET, SOCK_DGRAM, 0)) == WSC__NO_SOCK ||
            bind(fd[i], (struct sockaddr *)&a[i], (int)sizeof a[i]) != 0 ||
            getsockname(fd[i], (struct sockaddr *)&a[i], &len) != 0)
            break;
    }
    if (i == 2 && connect(fd[0], (struct sockaddr *)&a[1], (int)sizeof a[1]) == 0 &&
        connect(fd[1], (struct sockaddr *)&a[0], (int)sizeof a[0]) == 0)
        return 1;
    for (i = 0; i < 2; i++)
        if (fd[i] != WSC__NO_SOCK) closesocket(fd[i]);
    return 0;
}

#else
static int wsc__dgram_pair(wsc__sock fd[2]) { return socketpair(AF_UNIX, SOCK_DGRAM, 0, fd) == 0; }
#endif
#endif

#ifdef WSC__THREADED_DNS
typedef struct wsc__dns_answer {
    int rc;
    struct addrinfo *res;
} wsc__dns_answer;

struct wsc__dns {
    struct wsc__dns *next; /* on the orphan list once its socket is gone */
    wsc__sock fd[2];       /* datagram pair: the answer arrives on fd[0]  */
    struct addrinfo hints;
    char port[8];
    char *host;
};

static void wsc__dns_free(wsc__dns *job) {
    wsc__sock_close(job->fd[0]);
    wsc__sock_close(job->fd[1]);
    wsc__free(&wsc__g.mem, job->host);
    wsc__free(&wsc__g.mem, job);
}

/* The answer, if it has come: 1 and *a filled, else 0. */
static int wsc__dns_answered(wsc__dns *job, wsc__dns_answer *a) {
    return recv(job->fd[0], (char *)a, sizeof *a, 0) == (wsc__ssize)sizeof *a; /* fd[0] does not block */
}

/* Frees the lookups whose sockets went away, once their threads have answered. */
static void wsc__dns_reap(void) {
    wsc__dns **p = &wsc__g.dns_orphans;
    while (*p) {
        wsc__dns *job = *p;
        wsc__dns_answer a;
        if (!wsc__dns_answered(job, &a)) { p = &job->next; continue; }
        if (a.res) freeaddrinfo(a.res);
        *p = job->next;
        wsc__dns_free(job);
    }
}

static void wsc__dns_abandon(wsc__dns *job) {
    job->next = wsc__g.dns_orphans;
    wsc__g.dns_orphans = job;
    wsc__dns_reap();
}

/* Waits (bounded) for the lookups of closed sockets to end, and frees them:
   wsc_close_all leaves nothing behind that a leak checker would count. */
static void wsc__dns_settle(int timeout_ms) {
    wsc__ms deadline = wsc__after(timeout_ms), now;
    while (wsc__g.dns_orphans && !wsc__due(now = wsc__now_ms(), deadline)) {
        struct pollfd p;
        p.fd = wsc__g.dns_orphans->fd[0];
        p.events = POLLIN;
        p.revents = 0;
        WSC__UNLOCK();
        wsc__poll(&p, 1, wsc__left(now, deadline));
        WSC__LOCK();
        wsc__dns_reap();
    }
}

static void wsc__dns_run(wsc__dns *job) {
    wsc__dns_answer a;
    wsc__sock fd = job->fd[1];
    memset(&a, 0, sizeof a); /* its padding goes through the socket too */
    a.rc = WSCLIENT_GETADDRINFO(job->host, job->port, &job->hints, &a.res);
    send(fd, (const char *)&a, sizeof a, MSG_NOSIGNAL); /* from here on the job is the caller's */
}

#ifdef _WIN32
static DWORD WINAPI wsc__dns_thread(LPVOID arg) {
    wsc__dns_run((wsc__dns *)arg);
    return 0;
}

/* Starts a thread that ends on its own (nobody joins it). */
static int wsc__dns_spawn(wsc__dns *job) {
    HANDLE h = CreateThread(NULL, 0, wsc__dns_thread, job, 0, NULL);
    if (!h) return 0;
    CloseHandle(h);
    return 1;
}
#else
static void *wsc__dns_thread(void *arg) {
    wsc__dns_run((wsc__dns *)arg);
    return NULL;
}

static int wsc__dns_spawn(wsc__dns *job) {
    pthread_attr_t attr;
    pthread_t tid;
    int ok = pthread_attr_init(&attr) == 0;
    ok = ok && pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED) == 0 &&
         pthread_create(&tid, &attr, wsc__dns_thread, job) == 0;
    pthread_attr_destroy(&attr);
    return ok;
}
#endif

/* Starts the lookup on a thread; 0 when that cannot be done (resolve inline). */
static int wsc__dns_start(wsc__socket *s, const struct addrinfo *hints, const char *port) {
    wsc__dns *job = (wsc__dns *)wsc__alloc(&wsc__g.mem, sizeof *job);
    if (!job) return 0;
    memset(job, 0, sizeof *job);
    job->hints = *hints;
    memcpy(job->port, port, sizeof job->port);
    job->host = wsc__strdup(&wsc__g.mem, wsc__dial_host(s), strlen(wsc__dial_host(s)));
    if (!job->host || !wsc__dgram_pair(job->fd)) {
        if (job->host) wsc__free(&wsc__g.mem, job->host);
        wsc__free(&wsc__g.mem, job);
        return 0;
    }
    wsc__sock_setup(job->fd[0]); /* non-blocking: polled for the answer */
    wsc__sock_noinherit(job->fd[1]);
    if (!wsc__dns_spawn(job)) { wsc__dns_free(job); return 0; }
    s->dns = job;
    return 1;
}
#else /* lookups inline: no threads, or no heap to give a lookup outliving its socket */
struct wsc__dns { wsc__sock fd[2]; };
typedef struct wsc__dns_answer { int rc; struct addrinfo *res; } wsc__dns_answer;
static int wsc__dns_answered(wsc__dns *job, wsc__dns_answer *a) { (void)job; (void)a; return 0; }
static void wsc__dns_free(wsc__dns *job) { (void)job; }
static void wsc__dns_reap(void) {}
static void wsc__dns_abandon(wsc__dns *job) { (void)job; }
static void wsc__dns_settle(int timeout_ms) { (void)timeout_ms; }
static int wsc__dns_start(wsc__socket *s, const struct addrinfo *hints, const char *port) {
    (void)s; (void)hints; (void)port;
    return 0;
}
#endif

/* Resolves s's host on this thread. Where other threads may call in, the
   lock is let go meanwhile (a lookup can take seconds): s is held by
   wsc__advance, and no other call starts a second lookup. 0 when the
   answer is of no use any more: s closed or failed meanwhile, or its
   connect's deadline passed (the lookup itself cannot be cut short). */
static int wsc__lookup_inline(wsc__socket *s, const struct addrinfo *hints, const char *port, wsc__dns_answer *a) {
    a->res = NULL;
#if WSC__THREADS
    if (s->looking_up) return 0; /* another call's lookup: its answer comes */
    s->looking_up = 1;
    WSC__UNLOCK();
#endif
    a->rc = WSCLIENT_GETADDRINFO(wsc__dial_host(s), port, hints, &a->res);
#if WSC__THREADS
    WSC__LOCK();
    s->looking_up = 0;
    wsc__g.moved = 1; /* calls waiting on s look again */
    if (s->dropped) {
        if (a->res) freeaddrinfo(a->res);
        return 0;
    }
#endif
    wsc__check_deadlines(s); /* nothing bounded the lookup: a connect past its deadline ends here */
    if (s->state != WSC__RESOLVING) {
        if (a->res) freeaddrinfo(a->res);
        return 0;
    }
    return 1;
}

/* Resolves the host (a thread's answer, or inline), then connects. */
static int wsc__resolve(wsc__socket *s) {
    struct addrinfo hints;
    wsc__dns_answer a;
    char port[8];
    wsc__u8 ip[16];
    if (!wsc__net_init()) {
        wsc__fail(s, WSC_ERR_IO, 0, "the socket layer did not start (WSAStartup failed)");
        return 0;
    }
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | (wsc__parse_ip(wsc__dial_host(s), ip) ? AI_NUMERICHOST : 0);
    snprintf(port, sizeof port, "%d", wsc__dial_port(s));
    if (s->dns) {
        if (!wsc__dns_answered(s->dns, &a)) return 0;
        wsc__dns_free(s->dns);
        s->dns = NULL;
    } else if (!(hints.ai_flags & AI_NUMERICHOST) && wsc__dns_start(s, &hints, port)) {
        return 0;
    } else if (hints.ai_flags & AI_NUMERICHOST) {
        a.res = NULL;
        a.rc = getaddrinfo(wsc__dial_host(s), port, &hints, &a.res);
    } else if (!wsc__lookup_inline(s, &hints, port, &a)) {
        return 0;
    }
    s->addrs = a.res;
    if (a.rc != 0 || !s->addrs) {
        wsc__fail(s, WSC_ERR_DNS, 0, "cannot resolve %s'%s': %s", wsc__dial_what(s), wsc__dial_host(s), a.rc ? gai_strerror(a.rc) : "no address");
        return 0;
    }
    s->next_addr = s->addrs;
    s->state = WSC__WAITING;
    return 1;
}
#endif /* WSCLIENT_NO_SOCKETS */

/* Connects once no other connection to the same server is in its opening
   handshake. Meanwhile it drives that one: a sync connect may be waiting on
   an async socket that only wsc_pump would otherwise move. */
static int wsc__waiting_step(wsc__socket *s) {
    wsc__socket *o = wsc__connecting_to(s);
    if (o) wsc__advance(o);
    if (wsc__connecting_to(s)) return 0;
#ifndef WSCLIENT_NO_SOCKETS
    if (!s->tp) return wsc__connect_next(s);
#endif
    s->conn = s->tp->connect(s->tp->user, s->host, s->port);
    if (!s->conn) {
        wsc__fail(s, WSC_ERR_CONNECT, 0, "cannot connect to %s port %d: %s", s->host, s->port, wsc__tp_error(s->tp, NULL));
        return 0;
    }
    wsc__connected(s);
    return 1;
}

/* Where the connect starts: a user transport needs no resolving here. */
static int wsc__start_step(wsc__socket *s) {
#ifndef WSCLIENT_NO_SOCKETS
    if (!s->tp) return wsc__resolve(s);
#endif
    s->state = WSC__WAITING;
    return 1;
}

#ifndef WSCLIENT_SMALL
/* The versions offered are a range: one in a hole of the mask (TLS1 |
   TLS1_2 against a TLS 1.1 server) is refused once chosen, before any byte
   of the upgrade. The small build takes the mask as its range. */
static int wsc__tls_version_check(wsc__socket *s) {
    wsc_tls_info info;
    unsigned v;
    memset(&info, 0, sizeof info);
    wsc__tls_info(s->tls, &info);
    v = info.version;
    if (v >= 0x0301 && v <= 0x0304 && (s->tls->mask & wsc__version_bits[v - 0x0301])) return 1;
    wsc__tls_failed(s->tls);
    wsc__fail(s, WSC_ERR_TLS_VERSION, 0, "TLS failed: the server chose %s, which the SSL option mask 0x%x leaves out",
              wsc__version_name(v), s->tls->mask);
    return 0;
}
#else
#define wsc__tls_version_check(s) 1
#endif

static int wsc__tls_step(wsc__socket *s) {
    unsigned st;
    if (wsc__tls_io(s) < 0) return 0;
    st = wsc__tls_state(s->tls);
    if (st & WSC__TLS_SENDAPP) {
        if (!wsc__tls_version_check(s)) return 0;
        wsc__tls_established(s->tls);
        s->state = WSC__UPGRADING;
        return 1;
    }
    if (s->eof || (st & WSC__TLS_CLOSED)) {
        wsc__fail(s, WSC_ERR_TLS, 0, "server closed the connection during the TLS handshake");
        (void)wsc__tls_hangup(s);
    }
    return 0;
}

#ifndef WSCLIENT_SMALL
static int wsc__redirect(wsc__socket *s);
static void wsc__retry(wsc__socket *s);

/* Reads a refusal's body into head behind it, up to body_want bytes or the
   end of the stream; the connect deadline ends it too (wsc__check_deadlines). */
static int wsc__body_step(wsc__socket *s) {
    const wsc__u8 *p;
    size_t n = 0, got = s->head.len - s->body_at;
    if (got < s->body_want) {
        if (wsc__stream_peek(s, &p, &n) < 0) { wsc__refused(s, 0); return 0; }
        if (n > s->body_want - got) n = s->body_want - got;
        if (n && !wsc__buf_reserve(&s->head, n)) { s->body_want = got; n = 0; } /* no memory: what came is enough */
        if (n) memcpy(s->head.data + s->head.len, p, n);
        s->head.len += n;
        wsc__stream_consume(s, n);
        if (got + n < s->body_want && !wsc__stream_ended(s)) return n > 0;
    }
    wsc__refused(s, 0);
    return 0;
}

/* A refusal's head is in: follow it when it is a redirect we may follow,
   else read (a bounded start of) its body: its Content-Length, or up to the
   end of the stream when none (RFC 9112 §6.3). */
static int wsc__refusal_start(wsc__socket *s) {
    const char *h, *cl;
    int st = s->http_status;
    s->head.len = wsc__head_compact((char *)s->head.data, s->head.len);
    h = (const char *)s->head.data;
    if (s->max_redirects && (st == 301 || st == 302 || st == 303 || st == 307 || st == 308) &&
        wsc__head_find(h, "Location", 0))
        return wsc__redirect(s);
    s->refused = 1;
    s->body_at = s->head.len;
    s->body_total = -1;
    s->body_want = WSC__BODY_MAX;
    if ((cl = wsc__head_find(h, "Content-Length", 0)) != NULL) {
        s->body_total = 0;
        for (; *cl >= '0' && *cl <= '9' && s->body_total < 1000000000000LL; cl++) s->body_total = s->body_total * 10 + (*cl - '0');
        if (s->body_total < (long long)s->body_want) s->body_want = (size_t)s->body_total;
    } else if (wsc__head_find(h, "Transfer-Encoding", 0) || st < 200 || st == 204 || st == 304) {
        s->body_want = 0; /* chunked (not decoded here), or no body at all */
    }
    return wsc__body_step(s);
}

/* Keeps the 101 answer's head for wsc_response_header, compacted. */
static void wsc__head_keep(wsc__socket *s) {
    wsc__u8 *p;
    s->head.len = wsc__head_compact((char *)s->head.data, s->head.len);
    if ((p = (wsc__u8 *)wsc__realloc(s->mem, s->head.data, s->head.len)) != NULL) {
        s->head.data = p;
        s->head.cap = s->head.len;
    }
}
#endif

/* ------------------------------------------------------------------------ */
/* Pings of ours and their pongs, keepalive, counts (wsc_ping, wsc_get_stats) */
/* ------------------------------------------------------------------------ */

#ifndef WSCLIENT_SMALL
#define WSC__COUNT(s, field) ((s)->stats.field++)
static wsc__msg *wsc__msg_inline(wsc__socket *s, const wsc__u8 *p, size_t n);
static void wsc__queue_append(wsc__socket *s, wsc__msg *m);

/* n messages received, of bytes bytes in all. */
static void wsc__count_in_n(wsc__socket *s, int n, size_t bytes) {
    s->stats.bytes_in += (long long)bytes;
    s->stats.messages_in += n;
}
#define wsc__count_in(s, len) wsc__count_in_n(s, 1, len)

/* A frame we queued: a ping, or a message's part (a message counts once). */
static void wsc__count_out(wsc__socket *s, unsigned opcode, int fin, size_t len) {
    if (opcode == WSC__OP_PING) { s->stats.pings_sent++; return; }
    s->stats.bytes_out += (long long)len;
    s->stats.messages_out += fin != 0;
}

/* The oldest ping of ours not yet answered bounds the wait for a pong. */
static void wsc__pong_deadline_reset(wsc__socket *s) {
    s->pong_deadline = s->npings && s->pong_timeout_ms ? s->pings[0].sent + s->pong_timeout_ms : -1;
}

/* Remembers a ping of ours, to know its pong. A fifth one forgets the
   oldest, whose deadline stays until a later pong comes. */
static void wsc__ping_remember(wsc__socket *s, const void *p, size_t n) {
    wsc__ping *pg;
    if (s->npings == WSC__PINGS) memmove(s->pings, s->pings + 1, sizeof s->pings[0] * (size_t)--s->npings);
    pg = &s->pings[s->npings++];
    pg->sent = wsc__now_ms();
    pg->len = n;
    if (n) memcpy(pg->data, p, n);
    if (s->pong_deadline < 0) wsc__pong_deadline_reset(s);
}

/* The round trip of the ping of ours a pong answers (same payload), or -1
   for one that answers none (unsolicited pongs are allowed, RFC 6455
   §5.5.3). The older pings are answered with it: a server may answer only
   the latest of several. */
static int wsc__pong_match(wsc__socket *s, const wsc__u8 *p, size_t n) {
    int i, rtt;
    for (i = 0; i < s->npings; i++)
        if (s->pings[i].len == n && (!n || memcmp(s->pings[i].data, p, n) == 0)) break;
    if (i == s->npings) return -1;
    rtt = (int)(wsc__now_ms() - s->pings[i].sent);
    s->npings -= i + 1;
    memmove(s->pings, s->pings + i + 1, sizeof s->pings[0] * (size_t)s->npings);
    s->stats.last_rtt_ms = rtt;
    wsc__pong_deadline_reset(s);
    return rtt;
}

/* A pong came: counted, matched, and for an asynchronous socket queued as
   WSC_EVENT_PONG in order with its messages. Returns 0 when memory ran out. */
static int wsc__pong_arrived(wsc__socket *s) {
    int rtt = wsc__pong_match(s, s->rx.ctrl, s->rx.ctrl_len);
    wsc__msg *m;
    s->stats.pongs_received++;
    if (!s->callback || s->state != WSC__OPEN) return 1;
    if (!(m = wsc__msg_inline(s, s->rx.ctrl, s->rx.ctrl_len))) {
        wsc__fail(s, WSC_ERR_NO_MEMORY, 1011, "out of memory for a pong event");
        return 0;
    }
    m->pong = 1;
    m->rtt = rtt;
    wsc__queue_append(s, m);
    return 1;
}

static int wsc__msg_event(const wsc__msg *m) { return m->pong ? WSC_EVENT_PONG : WSC_EVENT_MESSAGE; }
static int wsc__msg_code(const wsc__msg *m) { return m->pong ? m->rtt : 0; }

/* The upgrade succeeded: the clocks of the counts and keepalive start. */
static void wsc__keepalive_start(wsc__socket *s) {
    s->opened_at = wsc__now_ms();
    s->next_ping = s->opened_at + s->ping_interval_ms;
}

/* A reader that is behind (its queue full) stops the reading: a pong
   cannot be seen then, so its deadline waits. */
static int wsc__rx_stalled(const wsc__socket *s) {
    return s->state == WSC__OPEN && s->queued_bytes >= WSCLIENT_MAX_MESSAGE;
}

/* Bytes already read and not yet parsed, and the reader no longer behind:
   wsc__receive left them when the queue filled, and its draining (the
   callbacks) does not parse them. They can move s now: no new byte need
   ever come to make its descriptor readable. */
static int wsc__rx_pending(const wsc__socket *s) {
    if (s->state < WSC__OPEN || s->state > WSC__SHUTDOWN || wsc__rx_stalled(s)) return 0; /* (only these parse frames) */
    if (s->tls) return (wsc__tls_state(s->tls) & WSC__TLS_RECVAPP) != 0;
    return s->plain_off < s->plain_len;
}

/* When the keepalive next needs the socket's attention, -1: never. */
static int64_t wsc__keepalive_deadline(const wsc__socket *s) {
    if (s->state != WSC__OPEN && s->state != WSC__CLOSING) return -1;
    if (s->pong_deadline >= 0) return wsc__rx_stalled(s) ? -1 : s->pong_deadline;
    return s->state == WSC__OPEN && s->ping_interval_ms && !s->npings ? s->next_ping : -1;
}


/* After an advance: fails a socket whose ping went unanswered past
   pong_timeout_ms, else sends the keepalive ping that is due (one at a
   time: the next is due ping_interval_ms after this one, once it is
   answered). Only once the advance read all that had come (not busy): a
   pong may wait behind it. */
static void wsc__keepalive(wsc__socket *s) {
    int64_t now;
    wsc__u8 p[4];
    if ((s->state != WSC__OPEN && s->state != WSC__CLOSING) || s->busy) return;
    now = wsc__now_ms();
    if (s->pong_deadline >= 0 && now >= s->pong_deadline && !wsc__rx_stalled(s)) {
        wsc__fail(s, WSC_ERR_TIMEOUT, 1011, "no pong within %d ms (pong_timeout_ms): the server or the path is gone",
                  s->pong_timeout_ms);
        return;
    }
    if (s->state != WSC__OPEN || !s->ping_interval_ms || s->npings || now < s->next_ping) return;
    s->ping_seq++;
    p[0] = (wsc__u8)(s->ping_seq >> 24);
    p[1] = (wsc__u8)(s->ping_seq >> 16);
    p[2] = (wsc__u8)(s->ping_seq >> 8);
    p[3] = (wsc__u8)s->ping_seq;
    if (!wsc__queue_frame(s, WSC__OP_PING, 1, p, sizeof p)) {
        wsc__fail(s, WSC_ERR_NO_MEMORY, 0, "out of memory for a keepalive ping");
        return;
    }
    wsc__ping_remember(s, p, sizeof p);
    wsc__count_out(s, WSC__OP_PING, 1, sizeof p);
    s->next_ping = now + s->ping_interval_ms;
    wsc__flush(s);
}
#else /* WSCLIENT_SMALL: no pings of ours, no counts */
#define WSC__COUNT(s, field) ((void)0)
#define wsc__count_in(s, len) ((void)0)
#define wsc__count_out(s, opcode, fin, len) ((void)0)
#define wsc__pong_arrived(s) 1
#define wsc__msg_event(m) WSC_EVENT_MESSAGE
#define wsc__msg_code(m) 0
#define wsc__keepalive_start(s) ((void)0)
#define wsc__keepalive(s) ((void)0)
#endif

/* Collects the HTTP answer head byte by byte up to the blank line, so that
   frames sent right behind it stay in the stream for the frame parser. */
static int wsc__upgrade_step(wsc__socket *s) {
    const wsc__u8 *p;
    size_t n, i = 0;
    int moved;
    wsc__upgrade u;
    wsc_result rc;
#ifndef WSCLIENT_SMALL
    if (s->refused) return wsc__body_step(s);
#endif
    if ((moved = wsc__flush(s)) < 0) return 0;
    wsc__asked(s, moved);
    if (wsc__stream_peek(s, &p, &n) < 0) return 0;
    while (i < n) {
        const wsc__u8 *h;
        if (s->head.len >= WSCLIENT_MAX_HEADER) {
            wsc__fail(s, WSC_ERR_HANDSHAKE, 0, "server answer head is over WSCLIENT_MAX_HEADER (%d bytes)", WSCLIENT_MAX_HEADER);
            return 0;
        }
        if (!wsc__buf_reserve(&s->head, 1)) {
            wsc__fail(s, WSC_ERR_NO_MEMORY, 0, "out of memory for the upgrade answer");
            return 0;
        }
        s->head.data[s->head.len++] = p[i++];
        h = s->head.data + s->head.len;
        if (s->head.len >= 4 && h[-1] == '\n' && h[-2] == '\r' && h[-3] == '\n' && h[-4] == '\r') break;
    }
    wsc__stream_consume(s, i);
    if (s->head.len < 4 || memcmp(s->head.data + s->head.len - 4, "\r\n\r\n", 4) != 0) {
        if (wsc__stream_ended(s)) {
            wsc__fail(s, WSC_ERR_HANDSHAKE, 0, "server closed the connection before answering the upgrade");
            if (s->tls) (void)wsc__tls_hangup(s); /* a TLS 1.3 server refusing our certificate */
            return 0;
        }
        return moved || i > 0;
    }
    rc = wsc__parse_upgrade((const char *)s->head.data, s->head.len, s->key, s->offered, &u);
#ifndef WSCLIENT_SMALL
    if (rc == WSC_ERR_HTTP_STATUS) {
        s->http_status = u.status;
        return wsc__refusal_start(s);
    }
#else
    wsc__buf_free(&s->head);
#endif
    if (rc != WSC_OK) { wsc__fail(s, rc, 0, "%s", u.error); return 0; }
#ifndef WSCLIENT_SMALL
    wsc__head_keep(s);
#endif
    memcpy(s->protocol, u.protocol, sizeof s->protocol);
    s->state = WSC__OPEN;
    s->opened = 1;
    wsc__keepalive_start(s);
    s->open_pending = s->callback != NULL;
    return 1;
}

/* What a queued message holds: its buffer and its record, each with an
   allocator's header and padding. Payload bytes alone made empty messages
   free, and a reader that is behind could then queue gigabytes of them. */
#define WSC__MSG_COST(cap) ((cap) + sizeof(wsc__msg) + 64u)
static size_t wsc__msg_cost(const wsc__msg *m) { return WSC__MSG_COST(m->cap); }

/* Queues the records first to last, linked already, which cost cost bytes.
   The buffers kept for later give way to the queue: together they stay
   under WSCLIENT_MAX_MESSAGE (docs/guarantees.md, what a socket holds). */
static void wsc__queue_chain(wsc__socket *s, wsc__msg *first, wsc__msg *last, size_t cost) {
    if (s->queue_tail) s->queue_tail->next = first;
    else s->queue = first;
    s->queue_tail = last;
    s->queued_bytes += cost;
    if (WSC__FAST && s->queued_bytes > s->rx.spare_peak) s->rx.spare_peak = s->queued_bytes;
    if (WSC__FAST && s->rx.spare)
        wsc__rx_spares_trim(&s->rx, s->queued_bytes < WSCLIENT_MAX_MESSAGE ? WSCLIENT_MAX_MESSAGE - s->queued_bytes : 0);
}

static void wsc__queue_append(wsc__socket *s, wsc__msg *m) { wsc__queue_chain(s, m, m, wsc__msg_cost(m)); }

#ifndef WSCLIENT_SMALL
/* Makes m, with room for n payload bytes behind it, a zeroed record
   holding a copy of them (WSC__INLINE). */
static void wsc__msg_fill(wsc__msg *m, const wsc__u8 *p, size_t n) {
    memset(m, 0, sizeof *m);
    m->data = WSC__INLINE_AT(m);
    if (n) memcpy(m->data, p, n);
    m->data[n] = 0;
    m->len = n;
    m->cap = n + 1;
}

/* A queue record holding a copy of n payload bytes, or NULL. */
static wsc__msg *wsc__msg_inline(wsc__socket *s, const wsc__u8 *p, size_t n) {
    wsc__msg *m = (wsc__msg *)wsc__alloc(s->mem, sizeof *m + n + 1);
    if (m) wsc__msg_fill(m, p, n);
    return m;
}
#endif

/* The message just parsed, queued: a small one copied into its record (its
   buffer kept for the next), a larger one's buffer taken as it is. */
static wsc__msg *wsc__msg_take(wsc__socket *s) {
    wsc__msg *m;
#ifndef WSCLIENT_SMALL
    if (!s->rx.msg_direct && s->rx.msg_len <= WSC__INLINE) {
        size_t cap = s->rx.msg_cap, n;
        if ((m = wsc__msg_inline(s, s->rx.msg, s->rx.msg_len)) != NULL)
            wsc__rx_recycle(&s->rx, wsc__rx_take_message(&s->rx, &n), cap);
        return m;
    }
#endif
    if (!(m = (wsc__msg *)wsc__alloc(s->mem, sizeof *m))) return NULL;
    m->cap = s->rx.msg_cap;
    m->direct = WSC__FAST && s->rx.msg_direct;
    m->data = wsc__rx_take_message(&s->rx, &m->len);
    m->next = NULL;
#ifndef WSCLIENT_SMALL
    m->pong = 0; /* a message, not a pong event (wsc__pong_arrived) */
    m->run = NULL;
#endif
    return m;
}

#ifndef WSCLIENT_SMALL
/* A run's block: the count of its records not yet read and its capacity,
   then its records, each with its payload, at multiples of 8 bytes (a
   record's alignment). */
#define WSC__RUN_HEAD (2 * sizeof(size_t))
#define WSC__RUN_REC(len) ((sizeof(wsc__msg) + (len) + 1 + 7) & ~(size_t)7)
#define WSC__RUN_MAX 8192 /* about a block's bytes at most: read in order, it goes with its last */

/* Makes m (room for it and its payload) the record of the whole small
   frame at p (wsc__rx_small took it), in the block run or alone (NULL).
   Returns the frame's length. */
static size_t wsc__msg_small(wsc__msg *m, const wsc__u8 *p, size_t *run) {
    size_t hdr, len = wsc__small_len(p, &hdr);
    wsc__msg_fill(m, p + hdr, len);
    m->binary = p[0] == 0x82;
    m->run = run;
    return hdr + len;
}

/* Queues record m of the whole small frame at p alone; returns the frame's length. */
static size_t wsc__queue_small(wsc__socket *s, wsc__msg *m, const wsc__u8 *p) {
    size_t n = wsc__msg_small(m, p, NULL);
    wsc__queue_append(s, m);
    wsc__count_in(s, m->len);
    return n;
}

/* A block for a run of size bytes, its capacity into *cap: a buffer kept
   (wsc__rx_recycle) that is that big and at most half as big again,
   else a new one, rounded up to 2 KiB from 4 KiB on so that a stream's runs
   fit the blocks of the runs before; either way at most room bytes more
   than size (the queue's count takes them, and stays under its bound).
   NULL: out of memory. */
static size_t *wsc__run_block(wsc__socket *s, size_t size, size_t room, size_t *cap) {
    size_t over = size / 2 < room ? size / 2 : room, round = (size + 2047) & ~(size_t)2047;
    wsc__u8 *kept = wsc__rx_spare_find(&s->rx, size, size + over, cap);
    if (kept) return (size_t *)(void *)kept;
    *cap = size >= WSC__RUN_MAX / 2 && round - size <= room ? round : size;
    return (size_t *)wsc__alloc(s->mem, *cap);
}

/* Queues the k whole small messages at p in block (of capacity cap), which
   they share: linked there, then queued and counted at once. The block's
   bytes past the records count with the first (its cap), so the queue's
   cost is what it holds. */
static void wsc__queue_run(wsc__socket *s, const wsc__u8 *p, int k, size_t *block, size_t cap) {
    wsc__u8 *q = (wsc__u8 *)block + WSC__RUN_HEAD;
    wsc__msg *first = (wsc__msg *)q, *m = first;
    size_t cost = 0, bytes = 0, slack;
    int i;
    block[0] = (size_t)k;
    block[1] = cap;
    for (i = 1;; i++) {
        p += wsc__msg_small(m, p, block);
        cost += wsc__msg_cost(m);
        bytes += m->len;
        q += WSC__RUN_REC(m->len);
        if (i == k) break;
        m->next = (wsc__msg *)q;
        m = m->next;
    }
    slack = cap - (size_t)(q - (wsc__u8 *)block);
    first->cap += slack;
    wsc__queue_chain(s, first, m, cost + slack);
    wsc__count_in_n(s, k, bytes);
}

/* The whole small messages at p[0..n) (wsc__rx_small), queued straight
   from the stream while the queue has room and the bytes taken are under
   budget: one copy each, no parser's buffer; a run of them in one block
   (a stream of small ones then costs no malloc and free each). A reader
   waiting with its buffer has the first message parsed straight into it
   instead, unless it is tiny. Returns the bytes taken; the rest is the
   parser's (which says "out of memory" too, the same way). */
static size_t wsc__receive_small(wsc__socket *s, const wsc__u8 *p, size_t n, size_t budget) {
    size_t off = 0, queued = s->queued_bytes, size = WSC__RUN_HEAD, *block, hdr, cap;
    long len;
    int k = 0;
    wsc__msg *m;
    if (s->state != WSC__OPEN) return 0;
    while (off < budget && queued < WSCLIENT_MAX_MESSAGE && size < WSC__RUN_MAX && (len = wsc__rx_small(&s->rx, p + off, n - off, &hdr)) >= 0) {
        if (WSC__FAST && !k && len > 125 && s->rx.direct) return 0;
        queued += WSC__MSG_COST((size_t)len + 1);
        size += WSC__RUN_REC((size_t)len);
        off += hdr + (size_t)len;
        k++;
    }
    if (k > 1 && (block = wsc__run_block(s, size, queued < WSCLIENT_MAX_MESSAGE ? WSCLIENT_MAX_MESSAGE - queued : 0, &cap)) != NULL) {
        wsc__queue_run(s, p, k, block, cap);
    } else {
        for (off = 0; k--; off += wsc__queue_small(s, m, p + off)) { /* one at a time */
            if (!(m = (wsc__msg *)wsc__alloc(s->mem, sizeof *m + wsc__small_len(p + off, &hdr) + 1))) break;
        }
    }
    if (off && WSC__FAST) s->rx.direct = NULL; /* a reader's buffer is for the first message to start: that one */
    return off;
}
#endif

static int wsc__enqueue_message(wsc__socket *s) {
    wsc__msg *m = wsc__msg_take(s);
    if (!m) return 0;
    m->binary = s->rx.msg_opcode == WSC__OP_BINARY; /* (taking the message leaves its opcode) */
    wsc__queue_append(s, m);
    wsc__count_in(s, m->len);
    return 1;
}

/* Queues the pong of the latest ping if there is room for it (else it
   waits, and a later ping replaces it). Returns 0 when memory ran out. */
static int wsc__queue_pong(wsc__socket *s) {
    if (!s->pong_pending || s->state != WSC__OPEN || wsc__buf_pending(&s->out) >= WSC__PONG_ROOM) return 1;
    if (!wsc__queue_frame(s, WSC__OP_PONG, 1, s->pong, s->pong_len)) {
        wsc__fail(s, WSC_ERR_NO_MEMORY, 0, "out of memory for a pong");
        return 0;
    }
    s->pong_pending = 0;
    WSC__COUNT(s, pongs_sent);
    return 1;
}

/* Acts on one parsed frame. Returns 0 when the connection failed. */
static int wsc__on_frame(wsc__socket *s, int ev) {
    switch (ev) {
    case WSC__RX_MESSAGE:
        if (s->state != WSC__OPEN) { /* after our close: dropped (RFC 6455 §5.5.1) */
            int direct = WSC__FAST && s->rx.msg_direct;
            size_t n;
            wsc__u8 *dropped = wsc__rx_take_message(&s->rx, &n);
            if (!direct) wsc__free(s->mem, dropped);
            return 1;
        }
        if (!wsc__enqueue_message(s)) { wsc__fail(s, WSC_ERR_NO_MEMORY, 1011, "out of memory for an incoming message"); return 0; }
        return 1;
    case WSC__RX_PING: /* RFC 6455 §5.5.2: answer with the same payload */
        WSC__COUNT(s, pings_received);
        if (s->state != WSC__OPEN) return 1;
        memcpy(s->pong, s->rx.ctrl, s->rx.ctrl_len);
        s->pong_len = s->rx.ctrl_len;
        s->pong_pending = 1;
        return wsc__queue_pong(s);
    case WSC__RX_PONG: /* ours are matched; unsolicited ones are allowed (§5.5.3) */
        return wsc__pong_arrived(s);
    case WSC__RX_CLOSE: {
        size_t rl = s->rx.ctrl_len > 2 ? s->rx.ctrl_len - 2 : 0;
        s->close_received = 1;
        s->close_code = s->rx.close_code;
        memcpy(s->close_reason, s->rx.ctrl + 2, rl);
        s->close_reason[rl] = 0;
        if (s->state == WSC__OPEN && !wsc__queue_close(s, s->close_code)) { /* §5.5.1: echo the code */
            wsc__fail(s, WSC_ERR_NO_MEMORY, 0, "out of memory for the close frame");
            return 0;
        }
        if (s->state == WSC__OPEN) s->close_deadline = wsc__after(s->close_timeout_ms);
        else if (WSC__FAST) s->dry &= ~(unsigned)WSC_IO_READ; /* the answer to ours: the server's end of TCP
                                                                 (§7.1.1) most likely came with it; a read finds it, no wait */
        s->state = WSC__SHUTDOWN;
        return 1;
    }
    default: /* 1011 is ours: the allocator failed while storing a message */
        wsc__fail(s, s->rx.fail_code == 1009 ? WSC_ERR_MESSAGE_TOO_BIG : s->rx.fail_code == 1011 ? WSC_ERR_NO_MEMORY : WSC_ERR_PROTOCOL,
                  s->rx.fail_code, "%s", s->rx.fail_text);
        return 0;
    }
}

#ifndef WSCLIENT_SMALL
/* The rest of a large frame's payload read straight into the message:
   on plain TCP as much as the kernel has in one call, where the receive
   buffer would take it 16 KiB a call and copy it once more; over TLS a
   record at a time, where the backend can (wsc__tls_read_now). Returns
   the bytes taken (0: none, or no such frame now), -1 failed. */
static long wsc__receive_payload(wsc__socket *s) {
    wsc__u8 *room;
    size_t n;
    long k;
    int ev;
    if (s->close_received) return 0;
    if (s->tls ? !WSC__TLS_READ_NOW || wsc__tls_app_in(s->tls, &n) : s->plain_off < s->plain_len || s->eof) return 0; /* bytes wait in a buffer */
    if (!(room = wsc__rx_room(&s->rx, WSC__PLAIN_RX, &n))) return 0;
    if (s->tls) k = (long)wsc__tls_read_now(s->tls, room, n);
    else k = wsc__io_recv(s, room, n < WSC__RX_STRAIGHT ? n : WSC__RX_STRAIGHT);
    if (k <= 0) return k;
    ev = wsc__rx_landed(&s->rx, (size_t)k);
    return ev == WSC__RX_MORE || wsc__on_frame(s, ev) ? k : -1;
}
#endif

/* Parses what has arrived. Returns 1 if bytes were consumed, 0 if none, -1 failed. */
static int wsc__receive(wsc__socket *s) {
    int moved = 0;
    size_t taken = 0;
    for (;;) {
        const wsc__u8 *p;
        size_t n, used;
        int ev;
#ifndef WSCLIENT_SMALL
        long k;
#endif
        if (s->state == WSC__OPEN && s->queued_bytes >= WSCLIENT_MAX_MESSAGE) return moved; /* reader is behind */
        if (taken >= WSC__RX_BUDGET) return moved; /* more next step, after a look at the clock */
#ifndef WSCLIENT_SMALL
        if ((k = wsc__receive_payload(s)) < 0) return -1;
        if (k > 0) { taken += (size_t)k; moved = 1; continue; }
#endif
        if (wsc__stream_peek(s, &p, &n) < 0) return -1;
        if (n == 0) break;
        if (s->close_received) { wsc__stream_used(s, n); taken += n; moved = 1; continue; } /* §5.5.1: nothing after close */
#ifndef WSCLIENT_SMALL
        if ((used = wsc__receive_small(s, p, n, WSC__RX_BUDGET - taken)) != 0) { wsc__stream_used(s, used); taken += used; moved = 1; continue; }
#endif
        ev = wsc__rx_feed(&s->rx, p, n, &used);
        wsc__stream_used(s, used);
        taken += used;
        moved = 1;
        if (ev != WSC__RX_MORE && !wsc__on_frame(s, ev)) return -1;
    }
    if (wsc__stream_ended(s)) {
        if (s->state == WSC__SHUTDOWN) { wsc__finish(s); return 1; }
#ifndef WSCLIENT_SMALL
        wsc__fail(s, WSC_ERR_CLOSED, 0, "server closed the connection without a close frame (1006)%s",
                  s->tls && !(wsc__tls_state(s->tls) & WSC__TLS_CLOSED) ? " and without TLS close_notify" : "");
#else
        wsc__fail(s, WSC_ERR_CLOSED, 0, "server closed the connection without a close frame (1006)");
#endif
        return -1;
    }
    return moved;
}

static int wsc__transfer_step(wsc__socket *s) {
    int a, b;
    if (!wsc__queue_pong(s) || (a = wsc__flush(s)) < 0) return 0;
    if (s->state == WSC__CLOSING) wsc__asked(s, a); /* our close frame: its answer is a round trip away */
    if ((b = wsc__receive(s)) < 0) return 0;
    if (wsc__buf_pending(&s->out) && wsc__flush(s) < 0) return 0; /* pongs just queued */
    return a || b;
}

/* After the close frames crossed: our close goes out, then close_notify,
   then we wait (bounded) for the server to end TCP (RFC 6455 §7.1.1). */
static int wsc__shutdown_step(wsc__socket *s) {
    int moved;
    if ((moved = wsc__flush(s)) < 0) return 0;
    if (wsc__buf_pending(&s->out)) return moved;
    if (s->tls && !s->tls->close_started) {
        s->tls->close_started = 1;
        wsc__tls_begin_close(s->tls);
        moved = 1;
    }
    if (wsc__receive(s) < 0) return 0;
    return moved || wsc__is_final(s);
}

static int wsc__step(wsc__socket *s) {
    switch (s->state) {
    case WSC__RESOLVING: return wsc__start_step(s);
    case WSC__WAITING: return wsc__waiting_step(s);
#ifndef WSCLIENT_NO_SOCKETS
    case WSC__CONNECTING: return wsc__connect_step(s); /* built-in TCP only */
#endif
#ifdef WSC__PROXY
    case WSC__PROXYING: return wsc__proxy_step(s);
#endif
    case WSC__TLS_HANDSHAKE: return wsc__tls_step(s);
    case WSC__UPGRADING: return wsc__upgrade_step(s);
    case WSC__OPEN: case WSC__CLOSING: return wsc__transfer_step(s);
    case WSC__SHUTDOWN: return wsc__shutdown_step(s) && !wsc__is_final(s);
    default: return 0;
    }
}

#if WSC__THREADS
static void wsc__hold(wsc__socket *s);
static void wsc__release(wsc__socket *s);
#endif

/* Runs the machine as far as it goes without waiting, for one time slice
   at most; s->busy tells the waits that it has more to do at once. */
static void wsc__advance(wsc__socket *s) {
#if WSC__THREADS
    int state = s->state;
    wsc__msg *tail = s->queue_tail;
    wsc__hold(s); /* an inline lookup lets go of the lock (wsc__lookup_inline) */
#endif
    s->slice = (unsigned)wsc__now_ms();
    if (WSC__FAST && s->rx.spare) wsc__rx_spares_age(&s->rx, s->slice, s->queued_bytes);
#ifndef WSCLIENT_SMALL
    if (WSC__RETRYING(s) && wsc__now_ms() >= s->retry_at) wsc__retry(s); /* (slice is cut to 32 bits) */
#endif
    wsc__check_deadlines(s);
    s->busy = 0;
    if (WSC__FAST) s->dry = 0;
    while (wsc__step(s))
        if (wsc__slice_over(s->slice)) { s->busy = 1; break; } /* (a final socket is never waited on) */
    wsc__keepalive(s);
#if WSC__THREADS
    /* What a call in another thread, waiting, must see: an event to deliver,
       a message to read, or a wait set of its that no longer holds. */
    if (state != s->state || tail != s->queue_tail || s->open_pending || s->busy || wsc__interest(s) != s->waited_for)
        wsc__g.moved = 1;
    wsc__release(s); /* a socket closed meanwhile goes now, unless its caller holds it too */
#endif
}

static const wsc__ms *wsc__socket_deadline(const wsc__socket *s) {
    if (s->state <= WSC__UPGRADING) return &s->connect_deadline;
#ifndef WSCLIENT_SMALL
    if (WSC__RETRYING(s)) return &s->retry_at; /* the wait sleeps until the next attempt */
#endif
    if (s->state == WSC__CLOSING || s->state == WSC__SHUTDOWN) return &s->close_deadline;
    return NULL;
}

#if WSC__THREADS
/* ------------------------------------------------------------------------ */
/* Threads: a call that waits lets go of the lock, and takes a waker that   */
/* other threads' calls set off when they move a socket.                     */
/* ------------------------------------------------------------------------ */

#ifndef WSCLIENT_NO_SOCKETS
/* A waker's pair, non-blocking and not inherited: where the flags exist,
   in the one call (six fcntl calls fewer, once a connect when it is the
   only socket: wsc__wakers_trim). */
static int wsc__waker_ready(wsc__waker *k) {
    if (k->made || !wsc__net_init()) return k->made;
#if defined(SOCK_NONBLOCK) && defined(SOCK_CLOEXEC) && !defined(_WIN32)
    if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, k->fd) == 0) return k->made = 1;
#endif
    if (wsc__dgram_pair(k->fd)) {
        wsc__sock_setup(k->fd[0]);
        wsc__sock_setup(k->fd[1]);
        k->made = 1;
    }
    return k->made;
}
#endif

static void wsc__waker_close(wsc__waker *k) {
#ifndef WSCLIENT_NO_SOCKETS
    if (k->made) {
        wsc__sock_close(k->fd[0]);
        wsc__sock_close(k->fd[1]);
    }
#endif
    k->made = k->signalled = 0;
}

static void wsc__waker_signal(wsc__waker *k) {
    if (k->signalled) return; /* its byte is there already */
    k->signalled = 1;
#ifndef WSCLIENT_NO_SOCKETS
    if (k->made) send(k->fd[1], "", 1, MSG_NOSIGNAL);
#endif
    if (k->tp && k->tp->wake) k->tp->wake(k->tp->user);
}

static void wsc__waker_drain(wsc__waker *k) {
#ifndef WSCLIENT_NO_SOCKETS
    char b[16];
    if (k->signalled && k->made)
        while (recv(k->fd[0], b, sizeof b, 0) > 0) {}
#endif
    k->signalled = 0;
}

/* Wakes every waiting call, and the host loop unless this thread is the
   one pumping (it looks again anyway). */
static WSCLIENT_THREAD_LOCAL int wsc__pumping;
static void wsc__wake_all(void) {
    int i;
    wsc__g.moved = 0;
    for (i = 0; i < WSCLIENT_MAX_WAITERS; i++)
        if (wsc__g.wakers[i].used) wsc__waker_signal(&wsc__g.wakers[i]);
    if (wsc__g.host.made && !wsc__pumping) wsc__waker_signal(&wsc__g.host);
}

/* Before the lock goes: what this call moved, the waiting calls see. */
static void wsc__settle(void) {
    if (wsc__g.moved) wsc__wake_all();
}

static int wsc__count_locked(void);

/* The descriptors of wakers nobody uses, once no socket is left: a program
   that closed every socket holds none of the library's descriptors. */
static void wsc__wakers_trim(void) {
    int i;
    if (wsc__count_locked()) return;
    for (i = 0; i < WSCLIENT_MAX_WAITERS; i++)
        if (!wsc__g.wakers[i].used) wsc__waker_close(&wsc__g.wakers[i]);
}

/* The user transports' connections closed while a wait() may have had them. */
static void wsc__close_doomed(void) {
    while (wsc__g.ndoomed > 0) {
        int i = --wsc__g.ndoomed;
        wsc__g.doomed[i].tp->close(wsc__g.doomed[i].tp->user, wsc__g.doomed[i].conn);
    }
}

static void wsc__hold(wsc__socket *s) { s->holds++; }

/* Ends a hold; a socket dropped meanwhile goes with the last. */
static void wsc__release(wsc__socket *s) {
    if (!--s->holds && s->dropped) wsc__socket_free(s);
}
#define WSC__GONE(s) ((s)->dropped)
#else
#define wsc__settle() ((void)0)
#define wsc__hold(s) ((void)0)
#define wsc__release(s) ((void)0)
#define WSC__GONE(s) 0
#endif

#ifndef WSCLIENT_SMALL
/* A pump turn visits slot i's socket: it may have something to do. */
static void wsc__visit_mark(int i) { /* (unsigned: shifts, not a signed division) */
    wsc__g.visit[(unsigned)i / (unsigned)WSC__LBITS] |= 1UL << ((unsigned)i % (unsigned)WSC__LBITS);
}

/* The first slot from i on that a pump turn visits, WSCLIENT_MAX_SOCKETS
   when none; emptied slots leave the set on the way. */
static int wsc__visit_next(int i) {
    while (i < WSCLIENT_MAX_SOCKETS) {
        unsigned long w = wsc__g.visit[i / WSC__LBITS] >> (i % WSC__LBITS);
        if (!w) { i = (i / WSC__LBITS + 1) * WSC__LBITS; continue; }
        for (; !(w & 1); w >>= 1) i++;
        if (wsc__g.slots[i]) return i;
        wsc__g.visit[i / WSC__LBITS] &= ~(1UL << (i % WSC__LBITS));
        i++;
    }
    return WSCLIENT_MAX_SOCKETS;
}

/* The pump's wait list: the sockets its turns visit. */
static int wsc__visit_list(void) {
    int i, n = 0;
    for (i = wsc__visit_next(0); i < WSCLIENT_MAX_SOCKETS; i = wsc__visit_next(i + 1)) wsc__g.visiting[n++] = wsc__g.slots[i];
    return n;
}
#define WSC__VISITING wsc__g.visiting

#ifdef WSC__EPOLL
/* Only new bytes on its descriptor can move s: open, no timer (keepalive),
   nothing to send, no event to deliver, nothing read and not yet taken. */
static int wsc__quiet(const wsc__socket *s) {
    return !s->tp && s->state == WSC__OPEN && !s->busy && !s->open_pending && !s->queue && !s->final_pending &&
           !s->deferred && !wsc__rx_pending(s) && !wsc__tls_ahead(s) && wsc__interest(s) == WSC_IO_READ && wsc__keepalive_deadline(s) < 0;
}

/* Hands slot i's socket to the epoll set until its descriptor is readable
   (once: EPOLLONESHOT); 1 when it is there. */
static int wsc__epoll_park(int i) {
    struct epoll_event e;
    int fd = wsc__g.slots[i]->fd;
    if (!wsc__g.ep) wsc__g.ep = epoll_create1(EPOLL_CLOEXEC) + 1;
    if (!wsc__g.ep) return 0;
    memset(&e, 0, sizeof e);
    e.events = EPOLLIN | EPOLLONESHOT;
    e.data.u32 = (uint32_t)i; /* (a stale one only makes a turn visit a slot: harmless) */
    return epoll_ctl(wsc__g.ep - 1, EPOLL_CTL_MOD, fd, &e) == 0 ||
           (errno == ENOENT && epoll_ctl(wsc__g.ep - 1, EPOLL_CTL_ADD, fd, &e) == 0);
}
#endif

/* After a turn: the sockets that wait for nothing but bytes leave the
   turns for the epoll set, so that a turn costs what the active sockets
   cost, not the table. Elsewhere (no epoll) every socket is visited. */
static void wsc__visit_settle(void) {
#ifdef WSC__EPOLL
    int i;
    for (i = wsc__visit_next(0); i < WSCLIENT_MAX_SOCKETS; i = wsc__visit_next(i + 1))
        if (wsc__quiet(wsc__g.slots[i]) && wsc__epoll_park(i))
            wsc__g.visit[i / WSC__LBITS] &= ~(1UL << (i % WSC__LBITS));
#endif
}

/* Before a turn: the settled sockets whose descriptors became readable
   are visited again. What does not fit here stays ready for the next turn
   (the epoll descriptor stays readable: the wait does not sleep). */
static void wsc__visit_ready(void) {
#ifdef WSC__EPOLL
    struct epoll_event e[64];
    int n, k;
    if (!wsc__g.ep) return;
    n = epoll_wait(wsc__g.ep - 1, e, 64, 0);
    for (k = 0; k < n; k++) wsc__visit_mark((int)e[k].data.u32);
#endif
}
#else /* a handful of slots: every turn visits all */
#define wsc__visit_next(i) (i)
#define wsc__visit_ready()
#define wsc__visit_settle()
#define wsc__visit_list() WSCLIENT_MAX_SOCKETS
#define WSC__VISITING wsc__g.slots
#endif

/* What one wait covers: poll() for built-in sockets, each user transport's
   own wait() for its connections. */
typedef struct wsc__waitset { /* (in a room: WSC__ROOM) */
#ifdef WSCLIENT_SMALL /* a handful of sockets: the set is its own room, on the stack */
#ifndef WSCLIENT_NO_SOCKETS
    struct pollfd pfd[WSCLIENT_MAX_SOCKETS * (WSC__RACE + 1) + 1]; /* and a waker */
#endif
    wsc_io_wait items[WSCLIENT_MAX_SOCKETS], mine[WSCLIENT_MAX_SOCKETS];
    const wsc_transport *tps[WSCLIENT_MAX_SOCKETS];
#else
#ifndef WSCLIENT_NO_SOCKETS
    struct pollfd *pfd;
#endif
    wsc_io_wait *items, *mine;
    const wsc_transport **tps;
#endif
    int npfd, nitems;
    wsc__ms now;           /* when the wait began                       */
    int timeout;           /* ms from now to the first deadline, -1: none */
} wsc__waitset;

/* Ends the wait by deadline *d at the latest (NULL: no bound). Each
   deadline is taken from the one now: two times compare right only through
   their distance from a third (wsc__ms). */
static void wsc__wait_until(wsc__waitset *w, const wsc__ms *d) {
    int left;
    if (!d) return;
    left = wsc__left(w->now, *d);
    if (w->timeout < 0 || left < w->timeout) w->timeout = left;
}

#ifndef WSCLIENT_NO_SOCKETS
/* A connect race waits for any of its attempts, and for the time the next
   address is due. */
static int wsc__waitset_race(wsc__waitset *w, const wsc__socket *s) {
    int i;
    if (s->next_addr) wsc__wait_until(w, &s->next_try);
    for (i = 0; i <= s->nrace; i++) {
        wsc__sock fd = i < s->nrace ? s->race[i] : s->fd;
        if (fd == WSC__NO_SOCK) continue;
        w->pfd[w->npfd].fd = fd;
        w->pfd[w->npfd].events = POLLOUT;
        w->pfd[w->npfd++].revents = 0;
    }
    return 1;
}
#endif

/* Adds what s waits for; 0 when s can move now (no wait at all). */
static int wsc__waitset_add(wsc__waitset *w, wsc__socket *s) {
    int ev;
#if WSC__THREADS
    s->waited_for = wsc__interest(s); /* what a move in another thread is measured against */
#endif
    wsc__wait_until(w, wsc__socket_deadline(s));
#ifndef WSCLIENT_SMALL
    {
        wsc__ms k = wsc__keepalive_deadline(s); /* a ping due, or a pong's deadline; -1: none */
        if (k >= 0) wsc__wait_until(w, &k);
    }
    if (WSC__RETRYING(s)) return 1; /* no connection: only its time */
#endif
    if (s->busy) return 0; /* bytes already read wait for it: no sleep */
    if (s->state == WSC__WAITING && !(s = wsc__connecting_to(s))) return 0; /* its turn has come */
    if (s->state == WSC__RESOLVING) {
#ifndef WSCLIENT_NO_SOCKETS
        if (!s->tp && s->dns) { /* the lookup thread's answer wakes us */
            w->pfd[w->npfd].fd = s->dns->fd[0];
            w->pfd[w->npfd].events = POLLIN;
            w->pfd[w->npfd++].revents = 0;
            return 1;
        }
#endif
        return 0;
    }
#ifndef WSCLIENT_NO_SOCKETS
    if (s->state == WSC__CONNECTING) return wsc__waitset_race(w, s);
#endif
    if (!(ev = wsc__interest(s))) return 1;
#if WSC__AHEAD
    if ((ev & WSC_IO_READ) && wsc__tls_ahead(s) && !wsc__rx_stalled(s)) return 0; /* read already: no sleep */
#endif
#ifndef WSCLIENT_NO_SOCKETS
    if (!s->tp) {
        w->pfd[w->npfd].fd = s->fd;
        w->pfd[w->npfd].events = (short)(((ev & WSC_IO_READ) ? POLLIN : 0) | ((ev & WSC_IO_WRITE) ? POLLOUT : 0));
        w->pfd[w->npfd++].revents = 0;
        return 1;
    }
#endif
    w->items[w->nitems].conn = s->conn;
    w->items[w->nitems].events = ev;
    w->items[w->nitems].revents = 0;
    w->tps[w->nitems++] = s->tp;
    return 1;
}

/* Calls tp's wait() on its own connections of the set. */
static void wsc__waitset_user(wsc__waitset *w, const wsc_transport *tp, int timeout) {
    int i, k = 0;
    for (i = 0; i < w->nitems; i++)
        if (w->tps[i] == tp) w->mine[k++] = w->items[i];
    tp->wait(tp->user, w->mine, k, timeout);
}

#ifndef WSCLIENT_NO_SOCKETS
#define WSC__ROOM_USE(w, r) ((w)->pfd = (r)->pfd, (w)->items = (r)->items, (w)->mine = (r)->mine, (w)->tps = (r)->tps)
#else
#define WSC__ROOM_USE(w, r) ((w)->items = (r)->items, (w)->mine = (r)->mine, (w)->tps = (r)->tps)
#endif

/* Fills w with what the sockets of list wait for, and when; 0 when one of
   them can move now. The pump's list (wsc__visit_list) waits in the
   library's room, with the epoll set of the settled sockets; a single
   socket's wait fits in *one, on the stack of its thread. */
static int wsc__waitset_build(wsc__waitset *w, void *one, wsc__socket *const *list, int count, const wsc__ms *deadline) {
    int i;
#ifdef WSCLIENT_SMALL
    (void)one;
#else
    typedef WSC__ROOM(1) wsc__room1;
    if (list == wsc__g.visiting) WSC__ROOM_USE(w, &wsc__g.room);
    else WSC__ROOM_USE(w, (wsc__room1 *)one); /* (count 1: the other waits are a socket's own) */
#endif
    w->npfd = w->nitems = 0;
    w->now = wsc__now_ms();
    w->timeout = -1;
    wsc__wait_until(w, deadline);
#ifdef WSC__EPOLL
    if (list == wsc__g.visiting && wsc__g.ep) {
        w->pfd[0].fd = wsc__g.ep - 1;
        w->pfd[0].events = POLLIN;
        w->pfd[w->npfd++].revents = 0;
    }
#endif
    for (i = 0; i < count; i++)
        if (list[i] && !wsc__is_final(list[i]) && !wsc__waitset_add(w, list[i])) return 0;
    return 1;
}

#if WSC__THREADS
/* Lets go of the lock for a wait, with a waker whose descriptor joins the
   poll set; without one (all in use) the wait goes in slices. */
static wsc__waker *wsc__wait_begin(wsc__waitset *w, const wsc_transport *tp, int *timeout) {
    wsc__waker *k = NULL;
    int i;
    wsc__settle();
    for (i = 0; i < WSCLIENT_MAX_WAITERS && !k; i++)
        if (!wsc__g.wakers[i].used) k = &wsc__g.wakers[i];
    if (k) {
        k->used = 1;
        k->tp = tp;
#ifndef WSCLIENT_NO_SOCKETS
        if (wsc__waker_ready(k)) {
            w->pfd[w->npfd].fd = k->fd[0];
            w->pfd[w->npfd].events = POLLIN;
            w->pfd[w->npfd++].revents = 0;
        }
#endif
    }
    if ((!k || (!k->made && !(tp && tp->wake))) && (*timeout < 0 || *timeout > WSC__SLICE_MS)) *timeout = WSC__SLICE_MS;
    wsc__g.waiting++;
    wsc__g.tp_waits += w->nitems > 0;
    WSC__UNLOCK();
    return k;
}

static void wsc__wait_end(wsc__waitset *w, wsc__waker *k) {
    WSC__LOCK();
    wsc__g.waiting--;
    if (w->nitems > 0 && !--wsc__g.tp_waits) wsc__close_doomed();
    if (k) {
        wsc__waker_drain(k);
        k->used = 0;
        k->tp = NULL;
    }
}
#endif

/* Waits until one of the sockets can move, one of their deadlines, or
   *deadline (NULL: none of its own). With threads, also until another
   thread's call moves a socket or wsc_wake(). */
/* The wait itself, on the set w built. */
static void wsc__wait_io(wsc__waitset *w, int single, int timeout, const wsc_transport *sleeper) {
    int i;
    const wsc_transport *seen = NULL; /* (not tps[i - 1]: gcc's -Warray-bounds when it holds one) */
    if (single && w->nitems > 0) { wsc__waitset_user(w, w->tps[0], timeout); return; }
    if (!single) { /* several kinds of wait: look at each, then sleep a slice */
        for (i = 0; i < w->nitems; seen = w->tps[i++])
            if (w->tps[i] != seen) wsc__waitset_user(w, w->tps[i], 0);
        if (timeout < 0 || timeout > 10) timeout = 10;
    }
#ifndef WSCLIENT_NO_SOCKETS
    (void)sleeper;
    if (w->npfd == 0 && timeout < 0) return; /* nothing could ever wake us */
    wsc__poll(w->pfd, w->npfd, timeout);
#else
    if (timeout < 0) return;
    if (sleeper) sleeper->wait(sleeper->user, w->items, 0, timeout);
#endif
}

#ifndef WSCLIENT_SMALL
/* Hands on every deferred batch (wsc__defer). Returns 1 if there were any. */
static int wsc__flush_deferred(void) {
    int i;
    if (!wsc__g.ndeferred) return 0;
    wsc__g.ndeferred = 0;
    for (i = 0; i < WSCLIENT_MAX_SOCKETS; i++) {
        wsc__socket *s = wsc__g.slots[i];
        if (s && s->deferred) {
            s->deferred = 0;
            wsc__advance(s);
            wsc__visit_mark(i); /* the next turn sees what came of it (a failure, a full transport) */
        }
    }
    return 1;
}
#endif

static void wsc__wait(wsc__socket *const *list, int count, const wsc__ms *deadline) {
#ifdef WSCLIENT_SMALL
    char one; /* (the set has its room) */
#else
    WSC__ROOM(1) one;
#endif
    wsc__waitset w;
    int i, timeout, single;
    const wsc_transport *sleeper = wsc__g.transport; /* without built-in sockets, what sleeps */
#if WSC__THREADS
    wsc__waker *k;
#endif
#ifndef WSCLIENT_SMALL
    if (wsc__flush_deferred()) return; /* batches go out before anyone sleeps; the caller looks again */
#endif
    if (!wsc__waitset_build(&w, &one, list, count, deadline)) return;
    timeout = w.timeout;
#ifndef WSCLIENT_NO_SOCKETS
    single = w.nitems == 0 || w.npfd == 0;
#else
    single = 1; /* no built-in sockets: only the transports' own waits */
#endif
    for (i = 1; single && i < w.nitems; i++) single = w.tps[i] == w.tps[0];
#if WSC__THREADS
#ifdef WSCLIENT_NO_SOCKETS
    k = wsc__wait_begin(&w, single && w.nitems > 0 ? w.tps[0] : sleeper, &timeout);
#else
    k = wsc__wait_begin(&w, single && w.nitems > 0 ? w.tps[0] : NULL, &timeout);
#endif
#endif
    wsc__wait_io(&w, single, timeout, sleeper);
#if WSC__THREADS
    wsc__wait_end(&w, k);
#endif
}

/* ------------------------------------------------------------------------ */
/* Connect: arguments, URL, request                                          */
/* ------------------------------------------------------------------------ */

#ifdef WSCLIENT_SMALL /* a handful of slots: the plain scan is the smallest code */
static int wsc__find(const char *name) {
    int i;
    for (i = 0; i < WSCLIENT_MAX_SOCKETS; i++)
        if (wsc__g.slots[i] && strcmp(wsc__g.slots[i]->name, name) == 0) return i;
    return -1;
}

static int wsc__free_slot(void) {
    int i;
    for (i = 0; i < WSCLIENT_MAX_SOCKETS; i++)
        if (!wsc__g.slots[i]) return i;
    return -1;
}

#define wsc__slot_fill(i, s) (wsc__g.slots[i] = (s))
#define wsc__slot_empty(i) (wsc__g.slots[i] = NULL)
#else
/* Where a name's probe starts in the index (FNV-1a). */
static unsigned wsc__name_home(const char *name) {
    uint32_t h = 2166136261u;
    while (*name) h = (h ^ (wsc__u8)*name++) * 16777619u;
    return (unsigned)h & (WSC__NAMES - 1);
}

#define WSC__NEXT_NAME(k) (((k) + 1) & (WSC__NAMES - 1))

static int wsc__find_hashed(const char *name) {
    unsigned k;
    int v;
    for (k = wsc__name_home(name); (v = wsc__g.names[k]) != 0; k = WSC__NEXT_NAME(k))
        if (strcmp(wsc__g.slots[v - 1]->name, name) == 0) return wsc__g.found = v - 1;
    return -1;
}

/* The socket the last call found, if name is its name: calls come in runs
   on one socket (names are short: a loop is cheaper than a call to strcmp). */
static WSC__INLINE_FN wsc__socket *wsc__found(const char *name) {
    wsc__socket *s = wsc__g.slots[wsc__g.found];
    const char *a = name, *b;
    if (!s || !name) return NULL;
    for (b = s->name; *a && *a == *b; a++, b++) {}
    return *a == *b ? s : NULL;
}

/* The slot found last is looked at first. */
static int wsc__find(const char *name) {
    return wsc__found(name) ? wsc__g.found : wsc__find_hashed(name);
}

/* Takes slot's name out of the index, moving back the entries behind it
   that would no longer be found past the hole (linear probing's deletion,
   Knuth 6.4 algorithm R: no tombstones to pile up under churn). */
static void wsc__names_remove(int slot) {
    unsigned i = wsc__name_home(wsc__g.slots[slot]->name), j, h;
    while (wsc__g.names[i] != slot + 1) i = WSC__NEXT_NAME(i);
    for (j = i;;) {
        wsc__g.names[i] = 0;
        do {
            j = WSC__NEXT_NAME(j);
            if (!wsc__g.names[j]) return;
            h = wsc__name_home(wsc__g.slots[wsc__g.names[j] - 1]->name);
        } while (i <= j ? i < h && h <= j : i < h || h <= j); /* its home is between: it stays */
        wsc__g.names[i] = wsc__g.names[j];
        i = j;
    }
}

/* The slot the next socket takes: the last one emptied, else a fresh one. */
static int wsc__free_slot(void) {
    if (wsc__g.nfree) return wsc__g.free_slots[wsc__g.nfree - 1];
    return wsc__g.fresh < WSCLIENT_MAX_SOCKETS ? wsc__g.fresh : -1;
}

/* Puts s in slot, which wsc__free_slot gave. */
static void wsc__slot_fill(int slot, wsc__socket *s) {
    unsigned k = wsc__name_home(s->name);
    wsc__g.slots[slot] = s;
    if (slot == wsc__g.fresh) wsc__g.fresh++;
    else wsc__g.nfree--;
    wsc__g.count++;
    wsc__g.ncallback += s->callback != NULL;
    while (wsc__g.names[k]) k = WSC__NEXT_NAME(k);
    wsc__g.names[k] = slot + 1;
    wsc__visit_mark(slot);
}

/* Empties slot (its socket is still there, to read its name). */
static void wsc__slot_empty(int slot) {
    wsc__names_remove(slot);
    wsc__g.ncallback -= wsc__g.slots[slot]->callback != NULL;
    wsc__g.slots[slot] = NULL;
    wsc__g.free_slots[wsc__g.nfree++] = slot;
    wsc__g.count--;
#ifdef WSC__EPOLL
    if (!wsc__g.count && wsc__g.ep) { /* (closing a socket takes it out of the set) */
        close(wsc__g.ep - 1);
        wsc__g.ep = 0;
    }
#endif
}
#endif

static wsc__socket *wsc__lookup(const char *name) {
    int i;
    if (!name) { wsc__set_error(WSC_ERR_ARGUMENT, "socket name is NULL"); return NULL; }
    i = wsc__find(name);
    if (i < 0) { wsc__set_error(WSC_ERR_UNKNOWN_SOCKET, "no socket named '%.*s'", WSCLIENT_MAX_NAME, name); return NULL; }
#ifndef WSCLIENT_SMALL
    wsc__visit_mark(i); /* a call on a settled socket (a write, a close) may give it work */
#endif
    return wsc__g.slots[i];
}

#ifndef WSCLIENT_SMALL
#define WSC__URL_MAX 2048 /* a URL's host, path and credentials, decoded */

/* Percent-decodes n bytes of a URL's user information onto the end of
   *out (RFC 3986 §2.1). A control character is refused, decoded or not (RFC
   7617 §2), and so is ':' in the user name (it would end it). No error
   shows the text: it may be the password. */
static int wsc__userinfo_part(char **out, const char *p, size_t n, int colon_ok) {
    size_t i;
    for (i = 0; i < n; i++) {
        int c = (wsc__u8)p[i], hi, lo;
        if (c == '%') {
            hi = i + 2 < n ? wsc__hex(p[i + 1]) : -1;
            lo = hi >= 0 ? wsc__hex(p[i + 2]) : -1;
            if (lo < 0) return wsc__set_error(WSC_ERR_ARGUMENT, "URL user information has a bad %%-escape (RFC 3986 §2.1)");
            c = hi * 16 + lo;
            i += 2;
        }
        if (c < 32 || c == 127 || (c == ':' && !colon_ok))
            return wsc__set_error(WSC_ERR_ARGUMENT, "URL user information has a control character, or ':' in the user name "
                                  "(RFC 7617 §2)");
        *(*out)++ = (char)c;
    }
    return 1;
}

/* "user[:password]" of a URL, decoded, as "user:password" in out (room for n + 2). */
static int wsc__userinfo(char *out, const char *p, size_t n) {
    const char *colon = (const char *)memchr(p, ':', n);
    size_t un = colon ? (size_t)(colon - p) : n;
    if (!wsc__userinfo_part(&out, p, un, 0)) return 0;
    *out++ = ':';
    if (colon && !wsc__userinfo_part(&out, colon + 1, n - un - 1, 1)) return 0;
    *out = 0;
    return 1;
}

/* Splits "ws[s]://[user[:password]@]host[:port][/path]" into cfg fields;
   host, path and the decoded "user:password" (*cred, NULL when the URL has
   none) point into store. */
static int wsc__parse_url(const char *url, wsc_config *cfg, char *store, size_t cap, const char **cred) {
    const char *p = url, *h, *he, *at = NULL;
    size_t hl, al;
    long port = 0;
    *cred = NULL;
    if (strncmp(p, "wss://", 6) == 0 || strncmp(p, "WSS://", 6) == 0) { cfg->tls = 1; p += 6; }
    else if (strncmp(p, "ws://", 5) == 0 || strncmp(p, "WS://", 5) == 0) { cfg->tls = 0; p += 5; }
    else return wsc__set_error(WSC_ERR_ARGUMENT, "URL must start with ws:// or wss://");
    for (h = p; *h && *h != '/' && *h != '?' && *h != '#'; h++)
        if (*h == '@') at = h; /* the last one, as browsers do: "u:p@ss@host" */
    al = at ? (size_t)(at - p) : 0;
    if (al + 2 > cap) return wsc__set_error(WSC_ERR_ARGUMENT, "URL too long");
    if (al) { /* userinfo (RFC 3986 §3.2.1): sent as Basic credentials */
        if (!wsc__userinfo(store, p, al)) return 0;
        *cred = store;
        hl = strlen(store) + 1;
        store += hl;
        cap -= hl;
    }
    if (at) p = at + 1;
    if (*p == '[') {
        h = ++p;
        while (*p && *p != ']') p++;
        if (*p != ']') return wsc__set_error(WSC_ERR_ARGUMENT, "URL has an unclosed '[' in its host");
        he = p++;
    } else {
        h = p;
        while (*p && *p != ':' && *p != '/' && *p != '?' && *p != '#') p++;
        he = p;
    }
    if (he == h) return wsc__set_error(WSC_ERR_ARGUMENT, "URL has no host");
    if (*p == ':') {
        p++;
        if (*p < '0' || *p > '9') return wsc__set_error(WSC_ERR_ARGUMENT, "URL port is not a number");
        while (*p >= '0' && *p <= '9') {
            port = port * 10 + (*p++ - '0');
            if (port > 65535) return wsc__set_error(WSC_ERR_ARGUMENT, "URL port is over 65535");
        }
        if (port == 0) return wsc__set_error(WSC_ERR_ARGUMENT, "URL port 0 is not valid");
    }
    if (*p && *p != '/' && *p != '?') return wsc__set_error(WSC_ERR_ARGUMENT, "URL has junk after the host");
    if (strchr(p, '#')) return wsc__set_error(WSC_ERR_ARGUMENT, "URL must not have a fragment (RFC 6455 §3)");
    hl = (size_t)(he - h);
    if (hl + strlen(p) + 3 > cap) return wsc__set_error(WSC_ERR_ARGUMENT, "URL too long");
    memcpy(store, h, hl);
    store[hl] = 0;
    cfg->address = store;
    store += hl + 1;
    cfg->path = store;
    if (*p == '?') *store++ = '/'; /* "ws://h?q" means "/?q" */
    strcpy(store, p);
    cfg->port = (int)port;
    return 1;
}
#endif


static int wsc__check_text(const char *what, const char *v, int allow_space) {
    for (; *v; v++)
        if ((wsc__u8)*v < 0x21 || *v == 0x7F || (*v == ' ' && !allow_space))
            return wsc__set_error(WSC_ERR_ARGUMENT, "%s contains a space or control character", what);
    return 1;
}

#ifdef WSC__PROXY
/* ------------------------------------------------------------------------ */
/* Proxies: the choice (wsc_config.proxy or the environment, as curl), the   */
/* CONNECT request, the proxy's answer (docs/api.md "Proxies")               */
/* ------------------------------------------------------------------------ */

/* The first n bits of a and b are equal (a CIDR match). */
static int wsc__bits_equal(const wsc__u8 *a, const wsc__u8 *b, unsigned bits) {
    unsigned i = bits / 8, rest = bits % 8;
    if (memcmp(a, b, i) != 0) return 0;
    return !rest || ((a[i] ^ b[i]) >> (8 - rest)) == 0;
}

/* One entry of no_proxy, e[0..n), against the host, as curl: "*" is every
   host; an IP address (with "/bits": a CIDR block) matches an IP host; a
   name matches itself and its subdomains, with or without a leading dot.
   Ports are not looked at (curl: "ample.com" matches "ample.com:80"). */
static int wsc__no_proxy_item(const char *e, size_t n, const char *host) {
    char item[256], *slash;
    wsc__u8 a[16], b[16];
    size_t hl = strlen(host), ha, ib;
    long bits;
    if (n == 1 && e[0] == '*') return 1;
    if (n >= sizeof item) return 0;
    memcpy(item, e, n);
    item[n] = 0;
    if ((ha = wsc__parse_ip(host, a)) != 0) {
        char *ip = item + (item[0] == '['), *close = strchr(ip, ']');
        if ((slash = strchr(ip, '/')) != NULL) *slash = 0;
        if (close) *close = 0;
        if ((ib = wsc__parse_ip(ip, b)) != ha) return 0;
        bits = slash ? strtol(slash + 1, NULL, 10) : (long)ha * 8;
        if (bits < 0 || bits > (long)ha * 8) bits = (long)ha * 8;
        return wsc__bits_equal(a, b, (unsigned)bits);
    }
    e = item + (item[0] == '.');
    n = strlen(e);
    while (n && e[n - 1] == '.') n--;
    while (hl && host[hl - 1] == '.') hl--;
    if (!n || n > hl) return 0;
    item[(size_t)(e - item) + n] = 0;
    return wsc__ieq(host + hl - n, n, e) && (hl == n || host[hl - n - 1] == '.');
}

/* The host is in the no_proxy list (entries split by commas or blanks). */
static int wsc__no_proxy(const char *list, const char *host) {
    while (*list) {
        size_t n = strcspn(list, ", \t");
        if (n && wsc__no_proxy_item(list, n, host)) return 1;
        list += n;
        list += *list != 0;
    }
    return 0;
}

static const char *wsc__env(const char *name, const char **from) {
    const char *v = getenv(name);
    if (!v || !v[0]) return NULL;
    *from = name;
    return v;
}

/* The proxy of the environment for this server, as curl: https_proxy or
   HTTPS_PROXY for wss://, http_proxy for ws:// (never HTTP_PROXY: a CGI
   program gets it from the request's "Proxy:" header), else all_proxy or
   ALL_PROXY; none when no_proxy or NO_PROXY names the host. */
static const char *wsc__proxy_env(const wsc__socket *s, const char **from) {
    const char *v = s->is_tls ? wsc__env("https_proxy", from) : wsc__env("http_proxy", from), *no;
    if (!v && s->is_tls) v = wsc__env("HTTPS_PROXY", from);
    if (!v) v = wsc__env("all_proxy", from);
    if (!v) v = wsc__env("ALL_PROXY", from);
    if (!v) return NULL;
    no = getenv("no_proxy");
    if (!no || !no[0]) no = getenv("NO_PROXY");
    return no && wsc__no_proxy(no, s->host) ? NULL : v;
}

/* "[http://][user[:password]@]host[:port][/]" into px; from names where it
   came from. No error shows the user information. */
static int wsc__proxy_parse(const char *url, wsc__proxy *px, const char *from) {
    const char *p = url, *sep = strstr(url, "://"), *at = NULL, *h, *he, *e;
    long port = 0;
    if (sep) {
        size_t sl = (size_t)(sep - p);
        if (sl != 4 || !wsc__ieq(p, 4, "http"))
            return wsc__set_error(WSC_ERR_ARGUMENT, "%s: the proxy scheme '%.*s://' is not supported (only http://, "
                                  "a proxy that takes CONNECT)", from, (int)(sl > 16 ? 16 : sl), p);
        p = sep + 3;
    }
    for (e = p; *e && *e != '/' && *e != '?' && *e != '#'; e++)
        if (*e == '@') at = e;
    if (at) {
        if ((size_t)(at - p) + 2 > sizeof px->cred) return wsc__set_error(WSC_ERR_ARGUMENT, "%s: the proxy's user information is too long", from);
        if (!wsc__userinfo(px->cred, p, (size_t)(at - p))) return 0;
        p = at + 1;
    }
    if (*p == '[') {
        h = ++p;
        while (*p && *p != ']') p++;
        if (*p != ']') return wsc__set_error(WSC_ERR_ARGUMENT, "%s: the proxy has an unclosed '[' in its host", from);
        he = p++;
    } else {
        for (h = p; *p && *p != ':' && *p != '/'; p++) {}
        he = p;
    }
    if (he == h || (size_t)(he - h) >= sizeof px->host) return wsc__set_error(WSC_ERR_ARGUMENT, "%s: the proxy's host is empty or too long", from);
    if (*p == ':') {
        for (p++; *p >= '0' && *p <= '9' && port <= 65535; p++) port = port * 10 + (*p - '0');
        if (port < 1 || port > 65535) return wsc__set_error(WSC_ERR_ARGUMENT, "%s: the proxy's port is not 1 to 65535", from);
    }
    if (*p == '/') p++;
    if (*p) return wsc__set_error(WSC_ERR_ARGUMENT, "%s: the proxy must be http://[user:password@]host[:port]", from);
    memcpy(px->host, h, (size_t)(he - h));
    px->host[he - h] = 0;
    px->port = port ? (int)port : 1080; /* curl's default for a proxy */
    if (!wsc__check_text("proxy host", px->host, 0)) return 0;
    snprintf(px->what, sizeof px->what, strchr(px->host, ':') ? "proxy [%s]:%d" : "proxy %s:%d", px->host, px->port);
    return 1;
}

/* Chooses the socket's proxy: the one given, else the environment's; "" is
   none. A user transport never uses one. */
static int wsc__proxy_setup(wsc__socket *s, const char *given) {
    const char *url = given, *from = "wsc_config.proxy";
    if (s->tp) {
        if (given && given[0])
            return wsc__set_error(WSC_ERR_ARGUMENT, "proxy is set, but the socket uses a user transport, which never goes through a proxy");
        return 1;
    }
    if (!url) url = wsc__proxy_env(s, &from);
    if (!url || !url[0]) return 1;
    if (!(s->proxy = (wsc__proxy *)wsc__alloc(s->mem, sizeof *s->proxy))) return wsc__set_error(WSC_ERR_NO_MEMORY, "out of memory");
    memset(s->proxy, 0, sizeof *s->proxy);
    return wsc__proxy_parse(url, s->proxy, from);
}

/* The TCP connect to the proxy is up: the CONNECT request goes out, with
   the host in brackets when IPv6 (RFC 9110 §9.3.6, RFC 3986 §3.2.2). */
static void wsc__proxy_start(wsc__socket *s) {
    wsc__proxy *px = s->proxy;
    char auth[sizeof px->cred / 3 * 4 + 8], target[280];
    int n;
    snprintf(target, sizeof target, strchr(s->host, ':') ? "[%s]:%d" : "%s:%d", s->host, s->port);
    auth[0] = 0;
    if (px->cred[0]) wsc__base64(auth, (const wsc__u8 *)px->cred, strlen(px->cred));
    n = snprintf(px->req, sizeof px->req, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n%s%s%s\r\n", target, target,
                 auth[0] ? "Proxy-Authorization: Basic " : "", auth, auth[0] ? "\r\n" : "");
    wsc__wipe(auth, sizeof auth);
    px->req_len = (size_t)n;
    px->req_off = 0;
    s->head.len = 0;
    s->state = WSC__PROXYING;
}

/* The proxy's answer head is in: a 2xx opens the tunnel, where TLS and the
   upgrade run as without a proxy; anything else is its refusal, in words
   with its status, reason and Proxy-Authenticate. */
static int wsc__proxy_answer(wsc__socket *s) {
    const char *h, *v;
    char words[WSC__ERRLEN];
    int status = 0, k;
    s->head.len = wsc__head_compact((char *)s->head.data, s->head.len);
    h = (const char *)s->head.data;
    if (strlen(h) >= 12 && h[8] == ' ' && h[9] >= '1' && h[9] <= '5' && h[10] >= '0' && h[10] <= '9' && h[11] >= '0' && h[11] <= '9')
        status = (h[9] - '0') * 100 + (h[10] - '0') * 10 + (h[11] - '0');
    if (status >= 200 && status < 300) {
        s->head.len = 0;
        s->state = s->tls ? WSC__TLS_HANDSHAKE : WSC__UPGRADING;
        return 1;
    }
    snprintf(words, sizeof words, "%s refused the CONNECT to %s port %d: ", s->proxy->what, s->host, s->port);
    if (status) snprintf(words + strlen(words), sizeof words - strlen(words), "HTTP %d", status);
    else strcat(words, "a bad status line");
    strcat(words, " ");
    wsc__escape(words, sizeof words, h + (status ? 13 : 0), strlen(h) - (status ? 13 : 0), 80);
    for (k = 0; (v = wsc__head_find(h, "Proxy-Authenticate", k)) != NULL; k++) {
        snprintf(words + strlen(words), sizeof words - strlen(words), "; Proxy-Authenticate: ");
        wsc__escape(words, sizeof words, v, strlen(v), 120);
    }
    wsc__fail(s, WSC_ERR_CONNECT, 0, "%s", words);
    return 0;
}

/* Takes the proxy's answer one byte at a time: the bytes behind its head
   are the server's (the tunnel's), and stay in the socket for TLS or the
   upgrade. An answer that does not start as HTTP fails at once. */
static int wsc__proxy_read(wsc__socket *s) {
    int moved = 0;
    for (;;) {
        wsc__u8 c;
        const wsc__u8 *h;
        long k = wsc__io_recv(s, &c, 1);
        if (k < 0) return 0;
        if (k == 0) {
            if (s->eof) wsc__fail(s, WSC_ERR_CONNECT, 0, "%s closed the connection before answering the CONNECT", s->proxy->what);
            return moved;
        }
        if (s->head.len >= WSCLIENT_MAX_HEADER) {
            wsc__fail(s, WSC_ERR_CONNECT, 0, "%s answered the CONNECT with a head over WSCLIENT_MAX_HEADER (%d bytes)", s->proxy->what, WSCLIENT_MAX_HEADER);
            return 0;
        }
        if (!wsc__buf_reserve(&s->head, 1)) {
            wsc__fail(s, WSC_ERR_NO_MEMORY, 0, "out of memory for the proxy's answer");
            return 0;
        }
        s->head.data[s->head.len++] = c;
        moved = 1;
        if (s->head.len <= 5 && c != (wsc__u8)"HTTP/"[s->head.len - 1]) {
            char got[64] = "";
            wsc__escape(got, sizeof got, (const char *)s->head.data, s->head.len, 16);
            wsc__fail(s, WSC_ERR_CONNECT, 0, "%s answered the CONNECT with something other than HTTP: \"%s\" (not an HTTP proxy?)", s->proxy->what, got);
            return 0;
        }
        h = s->head.data + s->head.len;
        if (s->head.len >= 4 && h[-1] == '\n' && h[-2] == '\r' && h[-3] == '\n' && h[-4] == '\r') break;
    }
    if (!wsc__buf_reserve(&s->head, 1)) { /* room for the compacted head's last NUL */
        wsc__fail(s, WSC_ERR_NO_MEMORY, 0, "out of memory for the proxy's answer");
        return 0;
    }
    return wsc__proxy_answer(s);
}

/* Sends the CONNECT request, then reads the answer. */
static int wsc__proxy_step(wsc__socket *s) {
    wsc__proxy *px = s->proxy;
    int moved = 0;
    while (px->req_off < px->req_len) {
        long k = wsc__io_send(s, (const wsc__u8 *)px->req + px->req_off, px->req_len - px->req_off);
        if (k <= 0) return 0;
        px->req_off += (size_t)k;
        moved = 1;
    }
    return wsc__proxy_read(s) || moved;
}

/* What the socket waits for while the tunnel opens. */
static int wsc__proxy_interest(const wsc__socket *s) {
    return s->proxy->req_off < s->proxy->req_len ? WSC_IO_WRITE : WSC_IO_READ;
}
#endif

/* Validates the comma list (tokens, each once: RFC 6455 §4.1) and keeps it
   as given. Returns 0 with the error set. */
static int wsc__set_protocols(wsc__socket *s, const char *list) {
    size_t i = 0, n = strlen(list), st, e, k;
    int more = n > 0;
    while (more) {
        more = wsc__list_item(list, n, &i, &st, &e);
        for (k = st; k < e && wsc__is_tchar((wsc__u8)list[k]); k++) {}
        if (e == st || k < e)
            return wsc__set_error(WSC_ERR_ARGUMENT, "protocol list '%s' has an empty name or a character not allowed in a token (RFC 6455 §4.1)", list);
        if (wsc__has_token(list, st, list + st, e - st, 0))
            return wsc__set_error(WSC_ERR_ARGUMENT, "protocol list '%s' names a protocol twice", list);
    }
    if (n && !(s->offered = wsc__strdup(s->mem, list, n))) return wsc__no_memory();
    return 1;
}

/* Header names the request may not take from the caller: those the library
   sets (RFC 6455 §4.1; Origin and User-Agent have fields of their own), and
   those that would give the GET a body (RFC 9112 §6). Past WSC__CREDENTIALS,
   the ones left out when a redirect goes to another origin. */
static const char *const wsc__header_names[] = {
    "Host", "Upgrade", "Connection", "Sec-WebSocket-Key", "Sec-WebSocket-Version", "Sec-WebSocket-Protocol",
    "Sec-WebSocket-Extensions", "Origin", "User-Agent", "Content-Length", "Transfer-Encoding",
    "Authorization", "Proxy-Authorization", "Cookie"};
#define WSC__CREDENTIALS 11 /* wsc__header_names[11] is Authorization */
#define WSC__HEADER_NAMES 14

/* Appends "name: value\r\n" (a credential's line behind a \1) to the
   socket's header lines, once the value is checked: no control character
   but HTAB, no white space at either end (RFC 9110 §5.5; a CR or LF would
   let it add headers of its own). The error names the header, never shows
   the value (it may be a secret). The lines stay under WSCLIENT_MAX_REQUEST. */
static int wsc__add_header(wsc__socket *s, const char *name, const char *value, int credential) {
    size_t v = strlen(value), i = 0, room = strlen(name) + v + 6;
    while (i < v && ((wsc__u8)value[i] >= 32 || value[i] == '\t') && value[i] != 127) i++;
    if (i < v || (v && ((wsc__u8)value[0] <= ' ' || (wsc__u8)value[v - 1] <= ' ')))
        return wsc__set_error(WSC_ERR_ARGUMENT, "request header '%.64s': its value has a control character, "
                              "or white space at an end (RFC 9110 §5.5)", name);
    if (s->req.len + room > WSCLIENT_MAX_REQUEST)
        return wsc__set_error(WSC_ERR_ARGUMENT, "request headers are over WSCLIENT_MAX_REQUEST (%d bytes)", WSCLIENT_MAX_REQUEST);
    if (!wsc__buf_reserve(&s->req, room)) return wsc__no_memory();
    s->req.len += (size_t)snprintf((char *)s->req.data + s->req.len, room, "%s%s: %s\r\n", credential ? "\1" : "", name, value);
    return 1;
}

/* The socket's own header lines, kept for the life of the socket: Origin,
   User-Agent, the caller's headers in their order (each name a token, RFC
   9110 §5.1, and none of wsc__header_names before the credentials), Basic
   credentials from the URL (RFC 7617: base64 of "user:password"). */
static int wsc__set_headers(wsc__socket *s, const wsc_config *cfg, const char *cred) {
    size_t i, n;
    int k;
    if (cfg->header_count > WSCLIENT_MAX_HEADERS)
        return wsc__set_error(WSC_ERR_ARGUMENT, "%lu request headers: over WSCLIENT_MAX_HEADERS (%d)",
                              (unsigned long)cfg->header_count, WSCLIENT_MAX_HEADERS);
    if (cfg->header_count && !cfg->headers) return wsc__set_error(WSC_ERR_ARGUMENT, "header_count is set but headers is NULL");
    if (cfg->origin && cfg->origin[0] && !wsc__add_header(s, "Origin", cfg->origin, 0)) return 0;
    if ((!cfg->user_agent || cfg->user_agent[0]) &&
        !wsc__add_header(s, "User-Agent", cfg->user_agent ? cfg->user_agent : "wsclient.h/" WSCLIENT_VERSION_STRING, 0))
        return 0;
    for (i = 0; i < cfg->header_count; i++) {
        const char *name = cfg->headers[i].name;
        if (!name || !cfg->headers[i].value) return wsc__set_error(WSC_ERR_ARGUMENT, "request header %lu has a NULL name or value", (unsigned long)i);
        for (n = 0; wsc__is_tchar((wsc__u8)name[n]); n++) {}
        if (!n || name[n]) return wsc__set_error(WSC_ERR_ARGUMENT, "request header name '%.64s' is not a token (RFC 9110 §5.1)", name);
        for (k = 0; k < WSC__HEADER_NAMES && !wsc__ieq(name, n, wsc__header_names[k]); k++) {}
        if (k < WSC__CREDENTIALS)
            return wsc__set_error(WSC_ERR_ARGUMENT, "request header '%s' is the library's own (RFC 6455 §4.1; Origin and "
                                  "User-Agent: wsc_config.origin and user_agent)", name);
        if (k == WSC__CREDENTIALS && cred)
            return wsc__set_error(WSC_ERR_ARGUMENT, "an Authorization header and credentials in the URL: give one, not both");
        if (!wsc__add_header(s, name, cfg->headers[i].value, k < WSC__HEADER_NAMES)) return 0;
    }
#ifndef WSCLIENT_SMALL
    if (cred) {
        char value[6 + (WSC__URL_MAX / 3 + 1) * 4 + 1] = "Basic ";
        wsc__base64(value + 6, (const wsc__u8 *)cred, strlen(cred));
        return wsc__add_header(s, "Authorization", value, 1);
    }
#endif
    return 1;
}

/* Queues the opening handshake (RFC 6455 §4.1), built from what the socket
   keeps (so that a redirect can build it again): the header lines of
   wsc__set_headers, less the credentials when drop_credentials is set. */
static int wsc__queue_request(wsc__socket *s, const char *path) {
    wsc__u8 nonce[16];
    int v6 = strchr(s->host, ':') != NULL, default_port = s->port == (s->tls ? 443 : 80);
    char port[8] = "", *req;
    const char *p = (const char *)s->req.data, *end = p + s->req.len, *e;
    size_t cap, len;
    if (!wsc__nonce(nonce)) return 0;
    wsc__base64(s->key, nonce, sizeof nonce);
    if (!default_port) snprintf(port, sizeof port, ":%d", s->port);
    cap = strlen(path) + strlen(s->host) + (s->offered ? strlen(s->offered) : 0) + s->req.len + 256;
    if (!wsc__buf_reserve(&s->out, cap)) return wsc__no_memory();
    req = (char *)s->out.data + s->out.len;
    len = (size_t)snprintf(req, cap,
                           "GET %s%s HTTP/1.1\r\n"
                           "Host: %s%s%s%s\r\n"
                           "Upgrade: websocket\r\n"
                           "Connection: Upgrade\r\n"
                           "Sec-WebSocket-Key: %s\r\n"
                           "Sec-WebSocket-Version: 13\r\n"
                           "%s%s%s",
                           path[0] == '/' ? "" : "/", path, v6 ? "[" : "", s->host, v6 ? "]" : "", port, s->key,
                           s->offered ? "Sec-WebSocket-Protocol: " : "", s->offered ? s->offered : "", s->offered ? "\r\n" : "");
    for (; p < end; p = e) {
        e = (const char *)memchr(p, '\n', (size_t)(end - p)) + 1;
        if (*p == 1 && (p++, s->drop_credentials)) continue;
        memcpy(req + len, p, (size_t)(e - p));
        len += (size_t)(e - p);
    }
    memcpy(req + len, "\r\n", 2);
    if ((len += 2) > WSCLIENT_MAX_REQUEST)
        return wsc__set_error(WSC_ERR_ARGUMENT, "the upgrade request is %lu bytes, over WSCLIENT_MAX_REQUEST (%d bytes)",
                              (unsigned long)len, WSCLIENT_MAX_REQUEST);
    s->out.len += len;
    return 1;
}

#ifndef WSCLIENT_SMALL
/* ------------------------------------------------------------------------ */
/* Redirects (wsc_config.max_redirects): RFC 9110 §15.4, RFC 3986 §5        */
/* ------------------------------------------------------------------------ */

/* FNV-1a of a URL in one form (scheme, host in lower case, port, path), to
   tell a redirect loop. */
static uint32_t wsc__url_hash(int tls, const char *host, int port, const char *path) {
    uint32_t h = 2166136261u ^ (uint32_t)tls ^ ((uint32_t)port << 1);
    for (; *host; host++) h = (h ^ (uint32_t)wsc__lower((wsc__u8)*host)) * 16777619u;
    h = (h ^ ' ') * 16777619u;
    for (; *path; path++) h = (h ^ (wsc__u8)*path) * 16777619u;
    return h;
}

/* RFC 3986 §5.2.4: takes the "." and ".." segments out of a path that starts
   with '/', in place, up to its query. */
static void wsc__dot_segments(char *p) {
    char *in = p, *out = p, *stop = p + strcspn(p, "?");
    if (*p != '/') return;
    while (in < stop) {
        char *seg = in + 1, *e = seg;
        while (e < stop && *e != '/') e++;
        if ((e - seg == 1 && seg[0] == '.') || (e - seg == 2 && seg[0] == '.' && seg[1] == '.')) {
            if (e - seg == 2) while (out > p && *--out != '/') {}
            if (e == stop) *out++ = '/';
        } else {
            memmove(out, in, (size_t)(e - in));
            out += e - in;
        }
        in = e;
    }
    memmove(out, stop, strlen(stop) + 1);
}

/* The ws:// or wss:// URL a Location leads to, resolved against the URL of
   the request (RFC 9110 §10.2.2, RFC 3986 §5.2): absolute (ws, wss, and http,
   https as servers send them), "//host/path", "/path", "?query", "path".
   The fragment goes. Returns NULL, or why it cannot be followed. */
static const char *wsc__location(const wsc__socket *s, const char *loc, char *out, size_t cap) {
    static const char *const from[] = {"ws://", "wss://", "http://", "https://"};
    const char *scheme = s->is_tls ? "wss" : "ws", *q;
    size_t n = strcspn(loc, "#"), i, k;
    int v6 = strchr(s->host, ':') != NULL;
    if (n == 0) return "the Location is empty";
    if (n + strlen(s->host) + strlen(s->path) + 16 > cap) return "the Location is too long";
    for (i = 0; i < n; i++)
        if ((wsc__u8)loc[i] <= 0x20 || loc[i] == 0x7F) return "the Location has a space or control character";
    for (k = 0; k < 4; k++) {
        size_t fl = strlen(from[k]);
        if (n >= fl && wsc__ieq(loc, fl, from[k])) { /* http(s) becomes ws(s) */
            sprintf(out, "%s://%.*s", k & 1 ? "wss" : "ws", (int)(n - fl), loc + fl);
            return NULL;
        }
    }
    for (i = 0; i < n && loc[i] != ':' && loc[i] != '/' && loc[i] != '?'; i++) {}
    if (i < n && loc[i] == ':') return "only ws, wss, http and https Locations are followed";
    if (n >= 2 && loc[0] == '/' && loc[1] == '/') { sprintf(out, "%s:%.*s", scheme, (int)n, loc); return NULL; }
    k = (size_t)sprintf(out, "%s://%s%s%s:%d", scheme, v6 ? "[" : "", s->host, v6 ? "]" : "", s->port);
    q = s->path + strcspn(s->path, "?");
    if (loc[0] == '?') {
        sprintf(out + k, "%.*s%.*s", (int)(q - s->path), s->path, (int)n, loc);
    } else if (loc[0] == '/') {
        sprintf(out + k, "%.*s", (int)n, loc);
    } else { /* merged with the directory of the request's path (§5.2.3) */
        while (q > s->path && q[-1] != '/') q--;
        sprintf(out + k, "%.*s%.*s", (int)(q - s->path), s->path, (int)n, loc);
    }
    wsc__dot_segments(out + k);
    return NULL;
}

/* Starts the connection over to another URL: new address lookup, TCP, TLS
   (SNI and certificate name of the new host), request. The connect deadline
   stays: every hop shares the one timeout. Returns 0 with the error set. */
static int wsc__hop(wsc__socket *s, const wsc_config *c) {
    char *host = wsc__strdup(s->mem, c->address, strlen(c->address)), *path = wsc__strdup(s->mem, c->path, strlen(c->path));
    if (!host || !path) {
        if (host) wsc__free(s->mem, host);
        if (path) wsc__free(s->mem, path);
        return wsc__set_error(WSC_ERR_NO_MEMORY, "out of memory for a redirect");
    }
    wsc__io_close(s);
#ifndef WSCLIENT_NO_SOCKETS
    if (s->addrs) freeaddrinfo(s->addrs);
    s->addrs = s->next_addr = NULL;
    s->addr = NULL;
#endif
    if (!wsc__ieq(host, strlen(host), s->host)) s->cfg.server_name = NULL; /* it named the first host */
    wsc__tls_free(s->mem, s->tls);
    s->tls = NULL;
    wsc__free(s->mem, s->host);
    wsc__free(s->mem, s->path);
    s->host = host;
    s->path = path;
    s->is_tls = c->tls;
    s->port = c->port ? c->port : (c->tls ? 443 : 80);
    s->eof = s->moved = 0;
    s->dry = 0;
    s->plain_off = s->plain_len = s->first_len = 0;
    s->http_status = 0;
    wsc__buf_free(&s->head);
    s->out.len = s->out.off = 0;
    s->state = WSC__RESOLVING;
    if (s->is_tls) {
        s->cfg.tls = 1;
        if (!wsc__tls_start(s, &s->cfg)) return 0;
    } else if (!s->plain_rx && !(s->plain_rx = (wsc__u8 *)wsc__alloc(s->mem, WSC__PLAIN_RX))) {
        return wsc__no_memory();
    }
    return wsc__queue_request(s, s->path);
}

/* Follows the Location of a 3xx answer (RFC 9110 §15.4), or fails saying why
   not: a Location we cannot resolve, wss:// to ws://, a loop, too many hops. */
static int wsc__redirect(wsc__socket *s) {
    char url[2048], store[2048], why[WSC__ERRLEN], msg[WSC__ERRLEN], saved[WSC__ERRLEN];
    const char *loc = wsc__head_find((const char *)s->head.data, "Location", 0), *bad, *cred = NULL;
    wsc_result saved_code = WSC__E.err_code, code = WSC_ERR_HTTP_STATUS;
    wsc_config c = s->cfg;
    uint32_t h;
    int i, ok = 0;
    memcpy(saved, WSC__E.err, sizeof saved); /* a failure here is the socket's, not a call's */
    snprintf(msg, sizeof msg, "server redirected the upgrade (HTTP %d) to '", s->http_status);
    wsc__escape(msg, sizeof msg, loc, strlen(loc), 160);
    why[0] = 0;
    if ((bad = wsc__location(s, loc, url, sizeof url)) != NULL) {
        snprintf(why, sizeof why, "%s", bad);
    } else if (!wsc__parse_url(url, &c, store, sizeof store, &cred)) {
        snprintf(why, sizeof why, "%s", WSC__E.err);
    } else if (cred) { /* wsc__location refuses them already: never send a server's credentials */
        snprintf(why, sizeof why, "it carries user information");
    } else if (s->is_tls && !c.tls) {
        snprintf(why, sizeof why, "it goes from wss:// to ws://, which would drop TLS");
    } else {
        h = wsc__url_hash(c.tls, c.address, c.port ? c.port : (c.tls ? 443 : 80), c.path[0] ? c.path : "/");
        for (i = 0; i <= s->hops && s->visited[i] != h; i++) {}
        if (i <= s->hops) {
            snprintf(why, sizeof why, "redirect loop: hop %d leads back to a URL asked before", s->hops + 1);
        } else if (s->hops >= s->max_redirects) {
            snprintf(why, sizeof why, "too many redirects: hop %d is over max_redirects (%d)", s->hops + 1, s->max_redirects);
        } else {
            s->visited[++s->hops] = h;
            if (c.tls != s->is_tls || (c.port ? c.port : (c.tls ? 443 : 80)) != s->port ||
                !wsc__ieq(c.address, strlen(c.address), s->host))
                s->drop_credentials = 1;
            if (!c.path[0]) c.path = "/";
            ok = wsc__hop(s, &c); /* loc is gone from here on */
            code = WSC__E.err_code;
            snprintf(why, sizeof why, "%s", WSC__E.err);
        }
    }
    if (!ok) wsc__fail(s, code, 0, "%s': not followed: %s", msg, why);
    WSC__E.err_code = saved_code;
    memcpy(WSC__E.err, saved, sizeof saved);
    return ok;
}
#endif

/* ------------------------------------------------------------------------ */
/* Automatic reconnect (wsc_config.reconnect): docs/api.md                  */
/* ------------------------------------------------------------------------ */

#ifndef WSCLIENT_SMALL
static void wsc__call(wsc__socket *s, int event, const char *msg, size_t len, int binary, int code);
static void wsc__keep_refusal(const wsc__socket *s);

#define WSC__RETRY_MIN_MS 500   /* a restarted server gets time to come back */
#define WSC__RETRY_MAX_MS 30000 /* an outage costs a client at most this much more */

/* Checks and keeps the reconnect options: an asynchronous socket only (a
   synchronous one has no event to say that it dropped, nor a pump to wait). */
static int wsc__retry_setup(wsc__socket *s, const wsc_config *cfg) {
    int lo = cfg->reconnect_min_ms ? cfg->reconnect_min_ms : WSC__RETRY_MIN_MS;
    int hi = cfg->reconnect_max_ms ? cfg->reconnect_max_ms : WSC__RETRY_MAX_MS;
    if (!cfg->reconnect) return 1;
    if (!cfg->callback)
        return wsc__set_error(WSC_ERR_ARGUMENT, "reconnect needs an asynchronous socket (a callback): a synchronous "
                              "one has no event to say it dropped; connect again yourself");
    if (cfg->reconnect_min_ms < 0 || cfg->reconnect_max_ms < 0 || cfg->reconnect_max_attempts < 0)
        return wsc__set_error(WSC_ERR_ARGUMENT, "reconnect_min_ms (%d), reconnect_max_ms (%d) and reconnect_max_attempts "
                              "(%d) must not be negative", cfg->reconnect_min_ms, cfg->reconnect_max_ms, cfg->reconnect_max_attempts);
    if (lo > hi) return wsc__set_error(WSC_ERR_ARGUMENT, "reconnect_min_ms (%d) is over reconnect_max_ms (%d)", lo, hi);
    s->retry_min = lo;
    s->retry_max = hi;
    s->retry_cap = cfg->reconnect_max_attempts;
    return 1;
}

/* Is the ending of s worth another attempt? Yes for what passes: a network
   failure, a server going away, restarting or overloaded (1001, 1011-1014),
   a dropped connection (1006), an HTTP 429 or 5xx. No for what would end the
   same way again or was wanted: a normal close (1000) or any other code, a
   close the application asked for, a certificate or TLS version refusal, a
   TLS handshake alert, a 4xx, a broken protocol (1002), a bad answer. */
static int wsc__retry_worth(const wsc__socket *s) {
    int c = s->close_code, st = s->http_status;
    if (s->app_closed) return 0;
    if (s->close_received) return c == 1001 || (c >= 1011 && c <= 1014);
    switch (s->err_code) {
    case WSC_ERR_DNS: case WSC_ERR_CONNECT: case WSC_ERR_TIMEOUT: case WSC_ERR_IO: case WSC_ERR_CLOSED: return 1;
    case WSC_ERR_TLS: /* a drop, during the handshake or after it; not an alert in the handshake */
        return s->tls && (s->tls->established || wsc__tls_error(s->tls) == 0);
    case WSC_ERR_HANDSHAKE: return s->eof; /* the server closed before its answer was whole */
    case WSC_ERR_HTTP_STATUS: return st == 429 || (st >= 500 && st <= 599);
    default: return 0;
    }
}

/* The time of day in milliseconds since 1970 (-1: unknown), for a
   Retry-After date: time() would cut now to its second, a wait up to a
   second too long, and on Linux it lags the clock by up to a tick more. */
static long long wsc__unix_ms(const wsc__socket *s) {
#if defined(_WIN32)
    FILETIME ft;
#elif defined(CLOCK_REALTIME) && defined(_POSIX_TIMERS) && _POSIX_TIMERS > 0 /* (newlib names the clock only) */
    struct timespec ts;
#endif
    if (s->cfg.unix_time) {
        long long t = s->cfg.unix_time(s->user);
        return t < 0 || t > INT64_MAX / 1000 ? -1 : t * 1000; /* (no overflow from a hook gone wrong) */
    }
#if defined(_WIN32)
    GetSystemTimeAsFileTime(&ft); /* 100 ns steps since 1601 */
    return (long long)((((unsigned long long)ft.dwHighDateTime << 32) | ft.dwLowDateTime) / 10000) - 11644473600000LL;
#elif defined(CLOCK_REALTIME) && defined(_POSIX_TIMERS) && _POSIX_TIMERS > 0
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
#else
    return (long long)time(NULL) * 1000;
#endif
}

/* Retry-After of a 429 or 503 refusal (RFC 9110 §10.2.3): delay-seconds or
   an IMF-fixdate, in milliseconds from now; -1 when absent or unreadable. */
static long long wsc__retry_after(const wsc__socket *s) {
    const char *v = s->head.data ? wsc__head_find((const char *)s->head.data, "Retry-After", 0) : NULL;
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    char mon[4];
    const char *m;
    long long n = 0, now;
    int d, y, h, mi, sec, end = 0;
    if ((s->http_status != 429 && s->http_status != 503) || !v) return -1;
    if (*v >= '0' && *v <= '9') {
        for (; *v >= '0' && *v <= '9' && n < 1000000000LL; v++) n = n * 10 + (*v - '0');
        return *v ? -1 : n * 1000;
    }
    if (sscanf(v, "%*3[A-Za-z], %2d %3[A-Za-z] %4d %2d:%2d:%2d GMT%n", &d, mon, &y, &h, &mi, &sec, &end) != 6 || !end ||
        v[end] || strlen(mon) != 3 || !(m = strstr(months, mon)) || (m - months) % 3 || y < 1970 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return -1;
    if ((now = wsc__unix_ms(s)) < 0) return -1;
    n = (wsc__days_since_1970(y, (int)(m - months) / 3 + 1, d) * 86400 + h * 3600 + mi * 60 + sec) * 1000 - now;
    return n < 0 ? 0 : n;
}

/* The wait before attempt s->retries (1, 2 ...): retry_min doubled each
   time up to retry_max, less up to a quarter at random, so that clients
   dropped together do not all come back at once. */
static int wsc__retry_wait(const wsc__socket *s) {
    long long w = s->retry_min;
    wsc__u8 r[2] = {0, 0};
    int i;
    for (i = 1; i < s->retries && w < s->retry_max; i++) w *= 2;
    if (w > s->retry_max) w = s->retry_max;
    wsc__random(r, sizeof r);
    return (int)(w - (w / 4) * ((r[0] << 8) | r[1]) / 65536);
}

/* Words for a write or close_with while the socket reconnects. */
static int wsc__retry_refusal(const wsc__socket *s) {
    if (!WSC__RETRYING(s))
        return wsc__set_error(WSC_ERR_NOT_OPEN, "socket '%s' is reconnecting: attempt %d is under way", s->name, s->retries);
    return wsc__set_error(WSC_ERR_NOT_OPEN, "socket '%s' is reconnecting: next attempt in %d ms (the connection ended: %s)",
                          s->name, wsc__left(wsc__now_ms(), s->retry_at), s->err);
}

/* In place of the last event of slot i's socket when it reconnects: the
   wait, then the RECONNECTING event. 0 when it does not (the CLOSE or
   ERROR event follows; the cap of attempts says so in its words). */
static int wsc__backoff(int i) {
    wsc__socket *s = wsc__g.slots[i], keep;
    long long after;
    size_t n = strlen(s->err);
    if (!s->retry_min || !s->callback || !wsc__retry_worth(s)) return 0;
    if (s->opened) s->retries = 0;
    if (s->retry_cap && s->retries >= s->retry_cap) {
        snprintf(s->err + n, sizeof s->err - n, " (reconnect: gave up after %d attempts)", s->retries);
        return 0;
    }
    if (s->close_received) { /* a clean close: its code is the why */
        s->err_code = WSC_ERR_CLOSED;
        snprintf(s->err, sizeof s->err, "server closed the connection with %d%s%s", s->close_code,
                 s->close_reason[0] ? ": " : "", s->close_reason);
    }
    s->retries++;
    s->retry_ms = wsc__retry_wait(s);
    if ((after = wsc__retry_after(s)) >= 0) s->retry_ms = after > s->retry_max ? s->retry_max : (int)after;
    s->retry_at = wsc__now_ms() + s->retry_ms;
    s->state = WSC__BACKOFF;
    s->final_pending = 0;
    wsc__io_close(s); /* (already closed: no descriptor waits for the next attempt) */
    keep = *s; /* the callback may close it */
    keep.tls = NULL;
    wsc__keep_refusal(s); /* wsc_error_header("Retry-After", 0) in the event, as in ERROR's */
    wsc__call(&keep, WSC_EVENT_RECONNECTING, keep.err, strlen(keep.err), 0, (int)keep.err_code);
    return 1;
}

/* The wait is over: a new connection to where the last one went, on the
   machinery of a redirect (wsc__hop), with a fresh connect deadline and
   nothing left of the last connection's state. */
static void wsc__retry(wsc__socket *s) {
    wsc_config c = s->cfg;
    char saved[WSC__ERRLEN];
    wsc_result saved_code = WSC__E.err_code;
    memcpy(saved, WSC__E.err, sizeof saved); /* a failure here is the socket's, not a call's */
#ifndef WSCLIENT_NO_SOCKETS
    if (s->dns) wsc__dns_abandon(s->dns);
    s->dns = NULL;
#endif
    wsc__rx_free(&s->rx);
    wsc__rx_init(&s->rx, WSCLIENT_MAX_MESSAGE, s->mem);
    wsc__free_queue(s);
    s->err_code = WSC_OK;
    s->err[0] = 0;
    s->protocol[0] = 0;
    s->close_received = s->close_code = 0;
    s->close_reason[0] = 0;
    s->opened = s->open_pending = s->final_pending = s->busy = 0;
    s->tx_active = s->tx_binary = s->pong_pending = 0;
    s->tx_utf8 = 0;
    s->tx_src = NULL;
    s->tx_left = 0;
    s->refused = 0;
    s->body_at = s->body_want = 0;
    s->hops = 0;
    s->visited[0] = wsc__url_hash(s->is_tls, s->host, s->port, s->path);
    s->connect_deadline = wsc__now_ms() + (c.timeout_ms > 0 ? c.timeout_ms : WSCLIENT_DEFAULT_TIMEOUT_MS);
    c.address = s->host;
    c.path = s->path;
    c.tls = s->is_tls;
    c.port = s->port;
    s->state = WSC__RESOLVING; /* not final, so that a failure below is kept */
    if (!wsc__hop(s, &c)) wsc__fail(s, WSC__E.err_code, 0, "reconnect: %s", WSC__E.err);
    WSC__E.err_code = saved_code;
    memcpy(WSC__E.err, saved, sizeof saved);
}
#endif

/* A transport given by the caller must have every function. */
static int wsc__transport_ok(const wsc_transport *tp) {
    if (!tp) {
#ifdef WSCLIENT_NO_SOCKETS
        return wsc__set_error(WSC_ERR_ARGUMENT, "no transport: this build has WSCLIENT_NO_SOCKETS, so set "
                              "wsc_config.transport or call wsc_set_transport()");
#else
        return 1;
#endif
    }
    if (!tp->connect || !tp->send || !tp->recv || !tp->wait || !tp->close)
        return wsc__set_error(WSC_ERR_ARGUMENT, "transport lacks one of connect, send, recv, wait, close");
    return 1;
}

#ifndef WSCLIENT_SMALL
/* The keepalive fields of the configuration, checked (docs/api.md "Keeping a
   connection alive"). TCP keepalive's limits are Linux's. */
static int wsc__keepalive_config(wsc__socket *s, const wsc_config *c) {
    static const char *const names[3] = {"tcp_keepalive_idle_s", "tcp_keepalive_interval_s", "tcp_keepalive_count"};
    static const int defaults[3] = {60, 10, 6}, limits[3] = {32767, 32767, 127};
    int v[3], i, off = 0;
    v[0] = c->tcp_keepalive_idle_s;
    v[1] = c->tcp_keepalive_interval_s;
    v[2] = c->tcp_keepalive_count;
    if (c->ping_interval_ms < 0) return wsc__set_error(WSC_ERR_ARGUMENT, "ping_interval_ms %d is negative (0: no pings)", c->ping_interval_ms);
    if (c->pong_timeout_ms < 0) return wsc__set_error(WSC_ERR_ARGUMENT, "pong_timeout_ms %d is negative (0: ping_interval_ms)", c->pong_timeout_ms);
    for (i = 0; i < 3; i++) {
        if (v[i] < -1 || v[i] > limits[i])
            return wsc__set_error(WSC_ERR_ARGUMENT, "%s %d refused: 1 to %d, 0 for the default (%d), or -1 for no TCP keepalive",
                                  names[i], v[i], limits[i], defaults[i]);
        off |= v[i] < 0;
        s->tcp_ka[i] = v[i] ? v[i] : defaults[i];
    }
    if (off) s->tcp_ka[0] = -1;
    s->ping_interval_ms = c->ping_interval_ms;
    s->pong_timeout_ms = c->pong_timeout_ms ? c->pong_timeout_ms : c->ping_interval_ms;
    s->pong_deadline = -1;
    s->stats.last_rtt_ms = -1;
    return 1;
}
#define wsc__keepalive_refused(c) 0
#else /* refused by name, before anything is allocated */
static int wsc__keepalive_refused(const wsc_config *c) {
    int v = c->ping_interval_ms | c->pong_timeout_ms;
#ifndef WSCLIENT_NO_SOCKETS /* without the built-in TCP they mean nothing, as for any user transport */
    v |= c->tcp_keepalive_idle_s | c->tcp_keepalive_interval_s | c->tcp_keepalive_count;
#endif
    if (!v) return 0;
    wsc__set_error(WSC_ERR_ARGUMENT, "ping_interval_ms, pong_timeout_ms, tcp_keepalive_* are not in this build (WSCLIENT_SMALL)");
    return 1;
}
#define wsc__keepalive_config(s, c) 1
#endif

/* Builds a socket from the configuration: every check that can fail at once does. */
static wsc__socket *wsc__socket_new(const char *name, const wsc_config *in, wsc__mem *mem) {
    const wsc_config *cfg = in; /* a copy only where a URL fills in fields */
    const wsc_transport *tp = in->transport ? in->transport : wsc__g.transport;
    wsc__socket *s;
    const char *addr, *path;
    size_t alen;
#ifndef WSCLIENT_SMALL
    wsc_config parsed;
    char store[WSC__URL_MAX];
    const char *cred = NULL;
    if (in->url) {
        parsed = *in;
        if (!wsc__parse_url(in->url, &parsed, store, sizeof store, &cred)) return NULL;
        cfg = &parsed;
    }
#else
    const char *cred = NULL; /* no URL, so no credentials from one */
    if (in->url) { wsc__set_error(WSC_ERR_ARGUMENT, "url is not in this build (WSCLIENT_SMALL): set address, port, path and tls"); return NULL; }
    if (in->reconnect) { wsc__set_error(WSC_ERR_ARGUMENT, "reconnect is not in this build (WSCLIENT_SMALL)"); return NULL; }
#endif
    if (!cfg->address || !cfg->address[0]) { wsc__set_error(WSC_ERR_ARGUMENT, "server address is empty"); return NULL; }
    if (cfg->port < 0 || cfg->port > 65535) { wsc__set_error(WSC_ERR_ARGUMENT, "port %d is out of range", cfg->port); return NULL; }
    addr = cfg->address;
    alen = strlen(addr);
    if (addr[0] == '[' && alen > 2 && addr[alen - 1] == ']') { addr++; alen -= 2; }
    path = cfg->path && cfg->path[0] ? cfg->path : "/";
    if (!wsc__check_text("server address", addr, 0) || !wsc__check_text("path", path, 0)) return NULL;
    if (strchr(path, '#')) { wsc__set_error(WSC_ERR_ARGUMENT, "path must not have a fragment (RFC 6455 §3)"); return NULL; }
    if (!wsc__transport_ok(tp) || wsc__keepalive_refused(cfg)) return NULL;
#ifndef WSC__PROXY
    if (cfg->proxy && cfg->proxy[0]) {
        wsc__set_error(WSC_ERR_ARGUMENT, "proxy is not in this build (WSCLIENT_SMALL or WSCLIENT_NO_SOCKETS)");
        return NULL;
    }
#endif
    s = (wsc__socket *)wsc__alloc(mem, sizeof *s);
    if (!s) { wsc__set_error(WSC_ERR_NO_MEMORY, "out of memory for a socket"); return NULL; }
    memset(s, 0, sizeof *s);
    s->mem = mem;
    s->tp = tp;
#ifndef WSCLIENT_NO_SOCKETS
    s->fd = WSC__NO_SOCK;
#endif
    strcpy(s->name, name);
    s->gen = ++wsc__g.next_gen;
    s->callback = cfg->callback;
    s->user = cfg->user;
    s->is_tls = cfg->tls != 0;
    s->port = cfg->port ? cfg->port : (cfg->tls ? 443 : 80);
    s->write_timeout_ms = cfg->write_timeout_ms > 0 ? cfg->write_timeout_ms : WSCLIENT_WRITE_TIMEOUT_MS;
    s->close_timeout_ms = cfg->close_timeout_ms > 0 ? cfg->close_timeout_ms : WSCLIENT_CLOSE_TIMEOUT_MS;
    s->connect_deadline = wsc__after(cfg->timeout_ms > 0 ? cfg->timeout_ms : WSCLIENT_DEFAULT_TIMEOUT_MS);
    wsc__rx_init(&s->rx, WSCLIENT_MAX_MESSAGE, mem);
    if (!wsc__keepalive_config(s, cfg)) goto fail;
    s->out.mem = s->req.mem = s->head.mem = mem; /* the buffers are zero already */
    s->host = wsc__strdup(mem, addr, alen);
    if (!s->host) { wsc__no_memory(); goto fail; }
#ifdef WSC__PROXY
    if (!wsc__proxy_setup(s, cfg->proxy)) goto fail;
#endif
    if (cfg->protocols && !wsc__set_protocols(s, cfg->protocols)) goto fail;
    if (!wsc__set_headers(s, cfg, cred)) goto fail;
    if (!s->is_tls) {
        s->plain_rx = (wsc__u8 *)wsc__alloc(mem, WSC__PLAIN_RX);
        if (!s->plain_rx) { wsc__no_memory(); goto fail; }
    } else if (!wsc__tls_start(s, cfg)) {
        goto fail;
    }
#ifndef WSCLIENT_SMALL /* the small build ignores max_redirects: it parses no URL */
    if (cfg->max_redirects < 0) { wsc__set_error(WSC_ERR_ARGUMENT, "max_redirects %d is negative", cfg->max_redirects); goto fail; }
    if (!wsc__retry_setup(s, cfg)) goto fail;
    if ((s->max_redirects = cfg->max_redirects > WSC__MAX_REDIRECTS ? WSC__MAX_REDIRECTS : cfg->max_redirects) > 0 || s->retry_min) {
        if (!(s->path = wsc__strdup(mem, path, strlen(path)))) { wsc__no_memory(); goto fail; }
        s->cfg = *cfg;
        s->cfg.url = s->cfg.address = s->cfg.path = NULL; /* they may point into store */
        s->visited[0] = wsc__url_hash(s->is_tls, s->host, s->port, path);
    }
#endif
    if (!wsc__queue_request(s, path)) goto fail;
    s->state = WSC__RESOLVING;
    return s;
fail:
    wsc__socket_free(s);
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Public API                                                               */
/* ------------------------------------------------------------------------ */

/* Keeps a socket's refused upgrade with the last error (wsc_error_http_status,
   wsc_error_header, wsc_error_body): the status line, the headers that say
   what to do first, then others while they fit, and the start of the body. */
static void wsc__keep_refusal(const wsc__socket *s) {
#ifndef WSCLIENT_SMALL
    const char *h = (const char *)s->head.data, *e;
    size_t o, n, room = sizeof WSC__E.refusal - 1;
    int pass, i, key;
    WSC__E.refusal_body_len = 0;
    if (!(WSC__E.http_status = s->http_status) || !h) return;
    n = strlen(h) < 127 ? strlen(h) : 127;
    memcpy(WSC__E.refusal, h, n);
    WSC__E.refusal[n] = 0;
    o = n + 1;
    for (pass = 0; pass < 2; pass++)
        for (e = h + strlen(h) + 1; *e; e += n) {
            n = strlen(e) + 1;
            n += strlen(e + n) + 1;
            for (key = 0, i = 0; i < 3; i++) key |= wsc__ieq(e, strlen(e), wsc__refusal_names[i]);
            if (key == !pass && o + n <= room) { memcpy(WSC__E.refusal + o, e, n); o += n; }
        }
    WSC__E.refusal[o] = 0;
    if (s->refused || s->body_at) { /* its body came, in part or whole */
        WSC__E.refusal_body_len = s->head.len - s->body_at;
        memcpy(WSC__E.refusal_body, h + s->body_at, WSC__E.refusal_body_len);
        WSC__E.refusal_body[WSC__E.refusal_body_len] = 0;
    }
#else
    (void)s;
#endif
}

/* Copies a socket's error into the caller-visible one. */
static int wsc__report(const wsc__socket *s) {
    wsc__keep_refusal(s);
    return wsc__set_error(s->err_code, "%s", s->err);
}

/* Where the memory of the socket in a slot comes from. */
static wsc__mem *wsc__slot_mem(int slot) {
#ifdef WSCLIENT_NO_HEAP
    static union { void *p; double d; long long l; wsc__u8 b[WSCLIENT_SOCKET_MEMORY]; } store[WSCLIENT_MAX_SOCKETS];
    wsc__mem *m = &wsc__g.arenas[slot];
    if (!m->base) { m->base = store[slot].b; m->size = sizeof store[slot].b; }
    return m;
#else
    (void)slot;
    return &wsc__g.mem;
#endif
}

/* Takes the socket of slot i out of the table and frees it; with calls in
   other threads holding it, its connection ends now and the last of them
   frees it. */
static void wsc__unlist(int i) {
    wsc__socket *s = wsc__g.slots[i];
    wsc__slot_empty(i);
#if WSC__THREADS
    wsc__g.moved = 1;
    if (s->holds) {
        s->dropped = 1;
        wsc__io_close(s);
        return;
    }
#endif
    wsc__socket_free(s);
#if WSC__THREADS
    wsc__wakers_trim();
#endif
}

/* The error of a call whose socket another thread closed while it waited. */
static int wsc__gone(const wsc__socket *s) {
    return wsc__set_error(WSC_ERR_CLOSED, "socket '%s' was closed by a call in another thread", s->name);
}

/* Puts a new socket in the table; a synchronous one is driven until open or failed. */
static int wsc__start(int slot, wsc__socket *s) {
    int ok, gone;
    wsc__slot_fill(slot, s);
#if WSC__THREADS
    s->slot = slot;
    wsc__g.moved = 1; /* a pump waiting in another thread takes it in */
#endif
    if (s->callback) return 1; /* wsc_pump() drives it from here */
    wsc__hold(s);
    for (;;) {
        wsc__advance(s);
        if (s->opened || wsc__is_final(s) || WSC__GONE(s)) break;
        wsc__wait(&s, 1, &s->connect_deadline);
    }
    /* Open, even if the server closed right behind its 101: what it sent
       before closing stays readable. */
    ok = s->opened;
    gone = WSC__GONE(s);
    if (!ok) {
        if (gone) wsc__gone(s); else wsc__report(s);
    }
    wsc__release(s);
    if (!ok && !gone) wsc__unlist(slot);
    return ok;
}

static int wsc__open_locked(const char *name, const wsc_config *config) {
    int slot;
    wsc__socket *s;
    wsc__clear_error();
    if (!name || !name[0]) return wsc__set_error(WSC_ERR_ARGUMENT, "socket name is empty");
    if (!config) return wsc__set_error(WSC_ERR_ARGUMENT, "config is NULL");
    if (config->transport || config->unix_time) wsc__lock_real(1); /* they run under the lock */
    if (strlen(name) > WSCLIENT_MAX_NAME)
        return wsc__set_error(WSC_ERR_NAME_TOO_LONG, "socket name longer than %d bytes (raise WSCLIENT_MAX_NAME)", WSCLIENT_MAX_NAME);
    if (wsc__find(name) >= 0) return wsc__set_error(WSC_ERR_NAME_IN_USE, "a socket named '%s' exists already", name);
#ifndef WSCLIENT_SMALL
    if (strcmp(WSC__E.last_name, name) == 0) WSC__E.last_name[0] = 0; /* its status is the new socket's now */
#endif
    if ((slot = wsc__free_slot()) < 0)
        return wsc__set_error(WSC_ERR_TABLE_FULL, "socket table full: %d sockets open (raise WSCLIENT_MAX_SOCKETS)", WSCLIENT_MAX_SOCKETS);
#ifndef WSCLIENT_NO_SOCKETS
    wsc__dns_reap();
#endif
    if (!(s = wsc__socket_new(name, config, wsc__slot_mem(slot)))) return 0;
    return wsc__start(slot, s);
}

static int wsc__connect_any(const char *name, wsc_callback cb, const char *address, int port, const char *path,
                            const char *protocols, int tls, unsigned ssl_options, int timeout_ms) {
    wsc_config c;
    memset(&c, 0, sizeof c);
    c.address = address;
    c.port = port;
    c.path = path;
    c.protocols = protocols;
    c.tls = tls;
    c.ssl_options = ssl_options;
    c.timeout_ms = timeout_ms;
    c.callback = cb;
    return wsc_open(name, &c);
}

WSCLIENT_API int wsc_connect_ssl(const char *name, const char *address, int port, const char *path,
                                 const char *protocols, unsigned ssl_options, int timeout_ms) {
    return wsc__connect_any(name, NULL, address, port, path, protocols, 1, ssl_options, timeout_ms);
}

WSCLIENT_API int wsc_connect(const char *name, const char *address, int port, const char *path,
                             const char *protocols, int timeout_ms) {
    return wsc__connect_any(name, NULL, address, port, path, protocols, 0, 0, timeout_ms);
}

WSCLIENT_API int wsc_connect_ssl_async(const char *name, wsc_callback callback, const char *address,
                                       int port, const char *path, const char *protocols, unsigned ssl_options) {
    if (!callback) return wsc__set_error(WSC_ERR_ARGUMENT, "asynchronous connect needs a callback");
    return wsc__connect_any(name, callback, address, port, path, protocols, 1, ssl_options, 0);
}

WSCLIENT_API int wsc_connect_async(const char *name, wsc_callback callback, const char *address,
                                   int port, const char *path, const char *protocols) {
    if (!callback) return wsc__set_error(WSC_ERR_ARGUMENT, "asynchronous connect needs a callback");
    return wsc__connect_any(name, callback, address, port, path, protocols, 0, 0, 0);
}

/* Why a socket that is not open cannot take a call. */
static int wsc__not_open(const wsc__socket *s) {
#ifndef WSCLIENT_SMALL
    if (s->retry_min && (WSC__RETRYING(s) || (s->state < WSC__OPEN && s->retries))) return wsc__retry_refusal(s);
#endif
    if (s->state < WSC__OPEN) return wsc__set_error(WSC_ERR_NOT_OPEN, "socket '%s' is still connecting", s->name);
    if (s->state == WSC__FAILED) return wsc__report(s);
    if (s->close_received)
        return wsc__set_error(WSC_ERR_CLOSED, "server closed socket '%s' (code %d%s%s)", s->name, s->close_code,
                              s->close_reason[0] ? ": " : "", s->close_reason);
    return wsc__set_error(WSC_ERR_CLOSED, "socket '%s' is closing", s->name);
}

/* Queues one frame of an open socket and moves it out. A synchronous write
   returns once the transport has every byte; an asynchronous one lets
   wsc_pump finish unless too much is waiting. What earlier writes left to go
   out (a write that timed out, pongs), with this frame, may not pass
   WSCLIENT_MAX_MESSAGE (a frame alone may be that large): past it the write
   is refused at once and whole. */
static int wsc__push(wsc__socket *s, wsc__ms deadline);
#ifndef WSCLIENT_SMALL
static WSCLIENT_THREAD_LOCAL char wsc__thread_tag;
#define wsc__self() ((const void *)&wsc__thread_tag) /* one address a thread */

/* Whether a frame about to be queued on s waits for the next flush: a
   batch (wsc_write_more), or an async socket written by the thread that
   pumps (its callbacks, or between its pumps: the pump flushes before it
   waits or returns). Other threads' writes go out at once. */
static int wsc__deferring(const wsc__socket *s) {
    return wsc__g.batching || (s->callback && wsc__g.pumper == wsc__self());
}

/* Marks s for the next flush (wsc__flush_deferred). */
static void wsc__defer_mark(wsc__socket *s) {
    if (s->deferred) return;
    s->deferred = 1;
    wsc__g.ndeferred++;
}

/* Leaves a queued frame for the next flush, handing on what the transport
   takes now once a record's worth waits (never waiting for it). */
static int wsc__defer(wsc__socket *s) {
    if (wsc__buf_pending(&s->out) >= wsc__batch_bytes(s)) {
        s->whole_records = 1;
        wsc__advance(s);
        s->whole_records = 0;
        if (s->state == WSC__FAILED) return wsc__report(s);
    }
    if (wsc__buf_pending(&s->out)) wsc__defer_mark(s);
#if WSC__THREADS
    if (s->callback && wsc__g.in_pump && wsc__g.pumper != wsc__self()) wsc__g.moved = 1; /* the pump sends it now */
#endif
    return 1;
}
#else
#define wsc__deferring(s) 0
#define wsc__defer(s) 1
#endif

static int wsc__send_frame(wsc__socket *s, unsigned opcode, int fin, const void *data, size_t len) {
    size_t waiting = wsc__buf_pending(&s->out) + wsc__tx_pending(s);
    int defer = wsc__deferring(s);
    if (waiting && waiting + len + 14 > WSCLIENT_MAX_MESSAGE) /* no overflow: both are in memory */
        return wsc__set_error(WSC_ERR_QUEUE_FULL, "write on '%s' refused: %lu bytes of earlier writes wait to go out (server "
                              "not reading), and this message would pass WSCLIENT_MAX_MESSAGE; nothing of it was queued",
                              s->name, (unsigned long)waiting);
    if (!(defer ? wsc__queue_frame(s, opcode, fin, data, len) : wsc__queue_frame_direct(s, opcode, fin, data, len)))
        return wsc__set_error(WSC_ERR_NO_MEMORY, "out of memory queuing a message");
    wsc__count_out(s, opcode, fin, len);
    if (defer) return wsc__defer(s);
    return wsc__push(s, wsc__after(s->write_timeout_ms));
}

/* Whether a TLS record made of written bytes still waits for the transport
   (it refused the record: a sync write is not done until it took it). */
static int wsc__record_waits(const wsc__socket *s) {
    return s->tls && (wsc__tls_state(s->tls) & WSC__TLS_SENDREC);
}

/* Moves s's queued frames out: a sync socket's until the transport has
   every byte or deadline passes, an async socket's as far as they go now. */
static int wsc__push(wsc__socket *s, wsc__ms deadline) {
    for (;;) {
        int done, late;
        if (WSC__GONE(s)) return wsc__gone(s);
        wsc__advance(s);
        if (s->state == WSC__FAILED) return wsc__report(s);
        done = s->callback ? wsc__buf_pending(&s->out) <= WSCLIENT_MAX_MESSAGE && !wsc__tx_pending(s)
                           : !wsc__buf_pending(&s->out) && !wsc__tx_pending(s) && !wsc__record_waits(s);
        done = done || s->state != WSC__OPEN;
        late = !done && wsc__due(wsc__now_ms(), deadline);
        if ((done || late) && !wsc__tx_spill(s)) { /* the caller's memory is theirs again */
            wsc__fail(s, WSC_ERR_NO_MEMORY, 0, "out of memory keeping the rest of a message");
            return wsc__report(s);
        }
        if (done) return 1;
        if (late) /* it will go out, so a retry would send it twice */
            return wsc__set_error(WSC_ERR_TIMEOUT, "write on '%s' not finished within %d ms (server not reading); the message "
                                  "stays queued and will be sent: do not write it again", s->name, s->write_timeout_ms);
        wsc__wait(&s, 1, &deadline);
    }
}

#if WSC__THREADS
/* wsc__send_frame, with s kept for the call should another thread close it. */
static int wsc__send_held(wsc__socket *s, unsigned opcode, int fin, const void *data, size_t len) {
    int ok;
    wsc__hold(s);
    ok = wsc__send_frame(s, opcode, fin, data, len);
    wsc__release(s);
    return ok;
}
#else
#define wsc__send_held wsc__send_frame
#endif

/* The socket a write may go to, or NULL with the error set. */
static wsc__socket *wsc__writable(const char *name, const void *data, size_t len) {
    wsc__socket *s;
    wsc__clear_error();
    if (!(s = wsc__lookup(name))) return NULL;
    if (!data && len) { wsc__set_error(WSC_ERR_ARGUMENT, "message data is NULL"); return NULL; }
    if (s->state != WSC__OPEN) { wsc__not_open(s); return NULL; }
    return s;
}

static int wsc__send(const char *name, unsigned opcode, const void *data, size_t len) {
    wsc__socket *s = wsc__writable(name, data, len);
    if (!s) return 0;
    if (s->tx_active)
        return wsc__set_error(WSC_ERR_STATE, "socket '%s' is sending a message in parts: end it (last = 1) first", s->name);
    if (len > WSCLIENT_MAX_MESSAGE)
        return wsc__set_error(WSC_ERR_MESSAGE_TOO_BIG, "message of %lu bytes is over WSCLIENT_MAX_MESSAGE (%lu); send it in parts",
                              (unsigned long)len, (unsigned long)WSCLIENT_MAX_MESSAGE);
    if (opcode == WSC__OP_TEXT && wsc__utf8_feed(0, (const wsc__u8 *)data, len) != 0)
        return wsc__set_error(WSC_ERR_ARGUMENT, "text message is not valid UTF-8 (send it as binary)");
    return wsc__send_held(s, opcode, 1, data, len);
}

/* The state of the message moves only with a part that was queued (one that
   timed out was: it will go), so a write refused before leaves nothing
   behind (RFC 6455 §5.4: its retry starts the message, not continues it). */
static int wsc__write_part_locked(const char *name, const void *data, size_t length, int binary, int last) {
    wsc__socket *s = wsc__writable(name, data, length);
    unsigned opcode = WSC__OP_CONT, utf8;
    int ok;
    if (!s) return 0;
    if (!s->tx_active) opcode = binary ? WSC__OP_BINARY : WSC__OP_TEXT;
    else if ((binary != 0) != s->tx_binary)
        return wsc__set_error(WSC_ERR_ARGUMENT, "a part's type must match the message's (%s)", s->tx_binary ? "binary" : "text");
    utf8 = s->tx_active ? s->tx_utf8 : 0;
    if (!binary) { /* a text message must be UTF-8 as a whole; a character may span parts */
        utf8 = wsc__utf8_feed(utf8, (const wsc__u8 *)data, length);
        if (utf8 == WSC__UTF8_REJECT || (last && utf8 != 0))
            return wsc__set_error(WSC_ERR_ARGUMENT, "text part is not valid UTF-8 (nothing of it was sent)");
    }
    wsc__hold(s); /* read below, even if another thread closes it */
    ok = wsc__send_frame(s, opcode, last != 0, data, length);
    if (ok || WSC__E.err_code == WSC_ERR_TIMEOUT) {
        s->tx_active = !last;
        s->tx_binary = binary != 0;
        s->tx_utf8 = utf8;
    }
    wsc__release(s);
    return ok;
}

static int wsc__write_locked(const char *name, const char *text) {
    if (!text) return wsc__set_error(WSC_ERR_ARGUMENT, "message text is NULL");
    return wsc__send(name, WSC__OP_TEXT, text, strlen(text));
}

static int wsc__write_text_locked(const char *name, const char *text, size_t length) {
    return wsc__send(name, WSC__OP_TEXT, text, length);
}

static int wsc__write_binary_locked(const char *name, const void *data, size_t length) {
    return wsc__send(name, WSC__OP_BINARY, data, length);
}

#ifndef WSCLIENT_SMALL
/* A batch's common write in one step: a message to an open sync socket,
   nothing of a message or of a sync write pending, the batch under a
   record (so its length fits 16 bits). It queues the frame as wsc__send would (the same checks, frame,
   counts and flush mark) without its layers: with wsc__message_at_hand, a
   tenth of a 16-byte message's instructions in a stream (docs/benchmarks.md,
   "Small messages"). 0: not that case, nothing done; wsc__send takes it. */
static int wsc__write_small(const char *name, const void *data, size_t len, int binary) {
    wsc__socket *s = wsc__found(name);
    unsigned opcode = binary ? WSC__OP_BINARY : WSC__OP_TEXT;
    size_t waiting;
    if (!s || !data || len > 0xFFFF || WSC__GONE(s) || s->state != WSC__OPEN || s->callback || s->tx_active || wsc__tx_pending(s)) return 0;
    waiting = wsc__buf_pending(&s->out);
    if (waiting + len + 14 > WSCLIENT_MAX_MESSAGE || waiting + len + 14 >= wsc__batch_bytes(s)) return 0;
    if (!binary && wsc__utf8_feed(0, (const wsc__u8 *)data, len) != 0) return 0;
    if (!wsc__queue_short_frame(s, opcode, data, len)) return 0;
    wsc__clear_error();
    wsc__visit_mark(wsc__g.found);
    wsc__count_out(s, opcode, 1, len);
    wsc__defer_mark(s); /* what wsc__defer does under a record, with no callback */
    return 1;
}

static int wsc__write_more_locked(const char *name, const void *data, size_t length, int binary) {
    int ok;
    if (wsc__write_small(name, data, length, binary)) return 1;
    wsc__g.batching = 1;
    ok = wsc__send(name, binary ? WSC__OP_BINARY : WSC__OP_TEXT, data, length);
    wsc__g.batching = 0;
    return ok;
}

static int wsc__flush_locked(const char *name) {
    wsc__socket *s = wsc__writable(name, NULL, 0);
    int ok;
    if (!s) return 0;
    wsc__hold(s);
    ok = wsc__push(s, wsc__after(s->write_timeout_ms));
    wsc__release(s);
    return ok;
}
#endif

#ifndef WSCLIENT_SMALL
static int wsc__ping_locked(const char *name, const void *payload, size_t length) {
    wsc__socket *s = wsc__writable(name, payload, length);
    int ok;
    if (!s) return 0;
    if (length > 125)
        return wsc__set_error(WSC_ERR_ARGUMENT, "ping payload of %lu bytes refused: a control frame carries at most 125 (RFC 6455 §5.5)",
                              (unsigned long)length);
    wsc__ping_remember(s, payload, length); /* first: a sync send may read its pong */
#if WSC__THREADS
    wsc__g.moved = 1; /* a pump waiting elsewhere takes the pong's deadline in */
#endif
    wsc__hold(s); /* read below, even if another thread closes it */
    ok = wsc__send_frame(s, WSC__OP_PING, 1, payload, length);
    if (!ok && WSC__E.err_code != WSC_ERR_TIMEOUT && s->state == WSC__OPEN) { /* refused: it never went */
        s->npings--;
        wsc__pong_deadline_reset(s);
    }
    wsc__release(s);
    return ok;
}

static int wsc__get_stats_locked(const char *name, wsc_stats *stats) {
    wsc__socket *s;
    wsc__clear_error();
    if (!stats) return wsc__set_error(WSC_ERR_ARGUMENT, "stats is NULL");
    if (!(s = wsc__lookup(name))) return 0;
    *stats = s->stats;
    stats->connected_ms = s->opened ? wsc__now_ms() - s->opened_at : 0;
    return 1;
}
#endif

/* The reader leaves: its buffer is no longer the library's to fill. */
static void wsc__reader_leaves(wsc__socket *s) {
    if (!WSC__FAST) return; /* the small build never lends it to the parser */
    s->rx.direct = NULL;
    if (s->rx.msg_direct && !wsc__rx_undirect(&s->rx, s->rx.msg_len + 1)) /* grown as the rest comes (wsc__rx_reserve) */
        wsc__fail(s, WSC_ERR_NO_MEMORY, 1011, "out of memory keeping a message being received");
}

/* May this reader take message m? One received straight into another
   reader's buffer is that reader's. */
#define WSC__MINE(m, buf) (!(WSC__FAST && (m)->direct) || (m)->data == (buf))
#if WSC__THREADS
#define WSC__ALONE(s) ((s)->readers == 1) /* only a lone reader lends its buffer */
#else
#define WSC__ALONE(s) 1
#endif

static wsc__msg *wsc__wait_message(wsc__socket *s, int timeout_ms, void *buf, size_t capacity) {
    wsc__ms deadline;
#if WSC__THREADS
    unsigned wakes = wsc__g.wakes;
#endif
    if (!WSC__GONE(s) && s->queue && WSC__MINE(s->queue, buf)) return s->queue; /* at hand: no look at the clock */
    deadline = wsc__after(timeout_ms); /* timeout_ms < 0: none */
    for (;;) {
        if (WSC__GONE(s)) { wsc__gone(s); return NULL; }
        if (s->queue && WSC__MINE(s->queue, buf)) return s->queue;
        if (s->state != WSC__OPEN) { wsc__not_open(s); return NULL; }
        if (WSC__FAST && buf && WSC__ALONE(s)) wsc__rx_lend(&s->rx, (wsc__u8 *)buf, capacity); /* the next message is this reader's */
        wsc__advance(s);
        if ((s->queue && WSC__MINE(s->queue, buf)) || s->state != WSC__OPEN) continue;
        if (timeout_ms >= 0 && wsc__due(wsc__now_ms(), deadline)) {
            wsc__set_error(WSC_ERR_TIMEOUT, "no message on '%s' within %d ms", s->name, timeout_ms);
            return NULL;
        }
#if WSC__THREADS
        if (wakes != wsc__g.wakes) {
            wsc__set_error(WSC_ERR_INTERRUPTED, "read on '%s' ended by wsc_wake()", s->name);
            return NULL;
        }
#endif
        wsc__wait(&s, 1, timeout_ms >= 0 ? &deadline : NULL);
    }
}

/* Waits for the next message of a synchronous socket; NULL with the error
   set. With buf, the message may be received straight into it. */
static wsc__msg *wsc__next_message(const char *name, int timeout_ms, wsc__socket **out, void *buf, size_t capacity) {
    wsc__socket *s;
    wsc__msg *m;
    wsc__clear_error();
    if (!(s = wsc__lookup(name))) return NULL;
    if (s->callback) {
        wsc__set_error(WSC_ERR_STATE, "socket '%s' delivers its messages to its callback", s->name);
        return NULL;
    }
    *out = s;
    wsc__hold(s); /* the caller releases it after taking m */
#if WSC__THREADS
    s->readers++;
#endif
    m = wsc__wait_message(s, timeout_ms, buf, capacity);
#if WSC__THREADS
    s->readers--;
#endif
    wsc__reader_leaves(s);
    if (!m) wsc__release(s);
    return m;
}

/* Takes the first message off the queue; the caller frees it and its data. */
static wsc__msg *wsc__dequeue(wsc__socket *s) {
    wsc__msg *m = s->queue;
    s->queue = m->next;
    if (!s->queue) s->queue_tail = NULL;
    s->queued_bytes -= wsc__msg_cost(m);
    return m;
}

#ifndef WSCLIENT_SMALL
/* A read's common case in one step: a sync socket's next message is queued
   already, in memory of ours, and fits buf. Returns it, with s found and
   held as wsc__next_message would leave them, without its layers; NULL:
   not that case, nothing done. */
static wsc__msg *wsc__message_at_hand(const char *name, size_t capacity, wsc__socket **out) {
    wsc__socket *s = wsc__found(name);
    wsc__msg *m;
    if (!s || s->callback || WSC__GONE(s) || !(m = s->queue) || m->direct || m->len > capacity || m->len > 0x7fffffffu) return NULL;
    wsc__clear_error();
    wsc__visit_mark(wsc__g.found); /* the queue has room again: the socket may read on */
    wsc__hold(s);
    *out = s;
    return m;
}
#else
#define wsc__message_at_hand(name, capacity, out) (*(out) = NULL, (wsc__msg *)NULL) /* (s is set on every path) */
#endif

static long wsc__read_locked(const char *name, void *buf, size_t capacity, int timeout_ms, int *binary) {
    wsc__socket *s;
    wsc__msg *m;
    long n;
    if (!buf && capacity) return wsc__set_error(WSC_ERR_ARGUMENT, "buffer is NULL") - 1;
    if (!buf || !(m = wsc__message_at_hand(name, capacity, &s))) {
        if (!(m = wsc__next_message(name, timeout_ms, &s, buf, capacity))) return -1;
        if (m->len > capacity || m->len > 0x7fffffffu) {
            wsc__set_error(WSC_ERR_BUFFER_TOO_SMALL, "message of %lu bytes does not fit a buffer of %lu bytes (it stays queued)",
                           (unsigned long)m->len, (unsigned long)capacity);
            wsc__release(s);
            return -1;
        }
    }
    if (!(WSC__FAST && m->direct) && m->len) memcpy(buf, m->data, m->len);
    if (m->len < capacity) ((char *)buf)[m->len] = 0;
    if (binary) *binary = m->binary;
    n = (long)m->len;
    if (!(WSC__FAST && m->direct) && !WSC__INLINED(m)) wsc__rx_recycle(&s->rx, m->data, m->cap);
    wsc__msg_free(s->mem, &s->rx, wsc__dequeue(s));
    wsc__release(s);
    return n;
}

static char *wsc__read_alloc_locked(const char *name, int timeout_ms, size_t *length, int *binary) {
    wsc__socket *s;
    wsc__msg *m = wsc__next_message(name, timeout_ms, &s, NULL, 0);
    char *data;
    if (!m) return NULL;
    data = (char *)m->data; /* handed over as is: no copy */
#ifndef WSCLIENT_SMALL
    if (WSC__INLINED(m)) { /* but a copy of one inside its record */
        if (!(data = (char *)wsc__alloc(s->mem, m->len + 1))) {
            wsc__set_error(WSC_ERR_NO_MEMORY, "out of memory for a message of %lu bytes (it stays queued)", (unsigned long)m->len);
            wsc__release(s);
            return NULL;
        }
        memcpy(data, m->data, m->len + 1);
    }
#endif
    if (length) *length = m->len;
    if (binary) *binary = m->binary;
    wsc__msg_free(s->mem, &s->rx, wsc__dequeue(s));
    wsc__release(s);
    return data;
}

WSCLIENT_API void wsc_free(void *p) {
#ifdef WSCLIENT_NO_HEAP
    WSC__LOCK();
    wsc__arena_free(p); /* the block knows its arena */
    WSC__UNLOCK();
#else
    if (p) WSCLIENT_FREE(p, wsc__g.mem.user);
#endif
}

static void wsc__set_allocator_user_locked(void *user) {
#ifdef WSCLIENT_NO_HEAP
    (void)user;
#else
    wsc__g.mem.user = user;
#endif
}

static void wsc__set_transport_locked(const wsc_transport *transport) {
    if (transport) wsc__lock_real(1); /* its functions run under the lock */
    wsc__g.transport = transport;
}

/* How the connection of s ended (wsc_close_status): the server's close code
   (1005: none in its frame), 1006 when it ended without the server's close
   frame (RFC 6455 §7.1.5), 0 while neither. */
static int wsc__close_status(const wsc__socket *s) {
    if (s->close_received) return s->close_code;
    return wsc__is_final(s) || s->eof ? 1006 : 0;
}

/* Frees the socket of slot i, keeping its close status for wsc_close_status. */
static void wsc__drop_slot(int i) {
#ifndef WSCLIENT_SMALL
    wsc__socket *s = wsc__g.slots[i];
    memcpy(WSC__E.last_name, s->name, sizeof s->name);
    WSC__E.last_code = wsc__close_status(s) ? wsc__close_status(s) : 1006; /* wsc_abort of a live one */
    memcpy(WSC__E.last_reason, s->close_reason, sizeof s->close_reason);
#endif
    wsc__unlist(i);
}

/* Closes and frees slot i; returns 1 when the close handshake completed. */
static int wsc__close_slot(int i) {
    wsc__socket *s = wsc__g.slots[i];
    int ok, gone;
    if (s->state == WSC__OPEN) {
        if (!wsc__queue_close(s, 1000)) {
            wsc__fail(s, WSC_ERR_NO_MEMORY, 0, "out of memory for the close frame");
        } else {
            s->state = WSC__CLOSING;
            s->close_deadline = wsc__after(s->close_timeout_ms);
        }
    }
    if (s->state < WSC__OPEN || WSC__RETRYING(s)) { /* connecting or between connections: nothing to hand shake */
        wsc__io_close(s);
        s->state = WSC__CLOSED;
    }
    wsc__hold(s); /* another thread's close may end it first */
    while (!wsc__is_final(s) && !WSC__GONE(s)) {
        wsc__advance(s);
        if (!wsc__is_final(s)) wsc__wait(&s, 1, &s->close_deadline);
    }
    ok = s->state == WSC__CLOSED;
    gone = WSC__GONE(s);
    if (!ok) wsc__report(s);
#if WSC__THREADS
    i = s->slot;
#endif
    wsc__release(s);
    if (!gone) wsc__drop_slot(i);
    return ok;
}

static int wsc__close_locked(const char *name) {
    wsc__clear_error();
    if (!wsc__lookup(name)) return 0;
    return wsc__close_slot(wsc__find(name));
}

static void wsc__close_all_locked(void) {
    int i;
    for (i = 0; i < WSCLIENT_MAX_SOCKETS; i++)
        if (wsc__g.slots[i]) wsc__close_slot(i);
#ifndef WSCLIENT_NO_SOCKETS
    wsc__dns_settle(WSCLIENT_CLOSE_TIMEOUT_MS);
#endif
#if WSC__THREADS
    if (!wsc__g.in_pump) wsc__waker_close(&wsc__g.host); /* nothing of the library stays open (wsc_watches makes it again) */
#endif
}

/* Why a client may not send close code c, or NULL when it may (RFC 6455 §7.4). */
static const char *wsc__close_refusal(int c) {
    if ((c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1011) || (c >= 3000 && c <= 4999)) return NULL;
    if (c == 1005 || c == 1006 || c == 1015)
        return "it only reports a close without a code, without a close frame, or a failed TLS handshake, and is never sent (RFC 6455 §7.4.1)";
    if (c >= 1012 && c <= 1014) return "IANA registers it for servers (restart, try again later, bad gateway)";
    if (c == 1004 || (c > 1015 && c < 3000)) return "it is reserved (RFC 6455 §7.4.1, §7.4.2)";
    return "close codes run from 1000 to 4999 (RFC 6455 §7.4.2)";
}

static int wsc__close_with_locked(const char *name, int code, const char *reason) {
    wsc__socket *s;
    wsc__u8 p[2 + WSC_CLOSE_REASON_MAX];
    size_t n = reason ? strlen(reason) : 0;
    const char *why = wsc__close_refusal(code);
    wsc__clear_error();
    if (!(s = wsc__lookup(name))) return 0;
    if (why) return wsc__set_error(WSC_ERR_ARGUMENT, "close code %d refused: %s; send 1000-1003, 1007-1011 or 3000-4999", code, why);
    if (n > WSC_CLOSE_REASON_MAX)
        return wsc__set_error(WSC_ERR_ARGUMENT, "close reason of %lu bytes refused: at most %d fit a close frame (RFC 6455 §5.5)",
                              (unsigned long)n, WSC_CLOSE_REASON_MAX);
    if (wsc__utf8_feed(0, (const wsc__u8 *)reason, n) != 0)
        return wsc__set_error(WSC_ERR_ARGUMENT, "close reason refused: it is not valid UTF-8 (RFC 6455 §5.5.1)");
    if (s->callback && s->state != WSC__OPEN) return wsc__not_open(s);
    if (s->state == WSC__OPEN) {
        p[0] = (wsc__u8)(code >> 8);
        p[1] = (wsc__u8)code;
        if (n) memcpy(p + 2, reason, n);
        if (!wsc__queue_frame(s, WSC__OP_CLOSE, 1, p, n + 2))
            return wsc__set_error(WSC_ERR_NO_MEMORY, "out of memory for the close frame of '%s'", s->name);
        s->state = WSC__CLOSING;
        s->close_deadline = wsc__after(s->close_timeout_ms);
#ifndef WSCLIENT_SMALL
        s->app_closed = 1; /* its ending is asked for: no reconnect */
#endif
    }
    return s->callback ? 1 : wsc__close_slot(wsc__find(name));
}

static int wsc__abort_locked(const char *name) {
    wsc__clear_error();
    if (!wsc__lookup(name)) return 0;
    wsc__drop_slot(wsc__find(name));
    return 1;
}

static int wsc__close_status_locked(const char *name, int *code, char *reason, size_t capacity) {
    wsc__socket *s = NULL;
    const char *why;
    int c;
    wsc__clear_error();
    if (code) *code = 0;
#ifndef WSCLIENT_SMALL
    if (name && name[0] && wsc__find(name) < 0 && strcmp(name, WSC__E.last_name) == 0) {
        c = WSC__E.last_code;
        why = WSC__E.last_reason;
    } else
#endif
    {
        if (!(s = wsc__lookup(name))) return 0;
        if (!wsc__is_final(s)) { /* what arrived, without waiting */
            wsc__hold(s);
            wsc__advance(s); /* (a reconnect may resolve, the lock let go) */
            if (WSC__GONE(s)) {
                wsc__gone(s);
                wsc__release(s);
                return 0;
            }
            wsc__release(s);
        }
        c = wsc__close_status(s);
        why = s->close_reason;
        if (!c) return wsc__set_error(WSC_ERR_STATE, "socket '%s' is not closed: the connection is up and the server sent no close frame", s->name);
    }
    if (code) *code = c;
    if (reason && strlen(why) >= capacity)
        return wsc__set_error(WSC_ERR_BUFFER_TOO_SMALL, "close reason of %lu bytes does not fit %lu (WSC_CLOSE_REASON_MAX + 1 always do)",
                              (unsigned long)strlen(why), (unsigned long)capacity);
    if (reason) memcpy(reason, why, strlen(why) + 1);
    return 1;
}

static int wsc__exist_locked(const char *name) {
    return name && wsc__find(name) >= 0;
}

static int wsc__count_locked(void) {
#ifdef WSCLIENT_SMALL
    int i, n = 0;
    for (i = 0; i < WSCLIENT_MAX_SOCKETS; i++) n += wsc__g.slots[i] != NULL;
    return n;
#else
    return wsc__g.count;
#endif
}

static const char *wsc__protocol_locked(const char *name) {
    wsc__socket *s = wsc__lookup(name);
    return s ? s->protocol : NULL;
}

static int wsc__tls_get_info_locked(const char *name, wsc_tls_info *info) {
    wsc__socket *s;
    wsc__tls *t;
    wsc__clear_error();
    if (!info) return wsc__set_error(WSC_ERR_ARGUMENT, "info is NULL");
    memset(info, 0, sizeof *info);
    if (!(s = wsc__lookup(name))) return 0;
    if (!(t = s->tls)) return wsc__set_error(WSC_ERR_STATE, "socket '%s' is not a TLS socket", s->name);
    info->max_fragment = t->frag;
    info->half_duplex = t->half_duplex;
    info->buffer_size = t->buf_len;
    info->context_size = sizeof *t;
    if (!t->established) return wsc__set_error(WSC_ERR_NOT_OPEN, "socket '%s' has not finished its TLS handshake", s->name);
    info->resumed = t->resumed;
    wsc__tls_info(t, info);
    if (!info->alpn) info->alpn = "";
    return 1;
}

static void wsc__tls_clear_cache_locked(void) {
#if WSCLIENT_TLS_SESSIONS > 0
    int i;
    for (i = 0; i < WSCLIENT_TLS_SESSIONS; i++) wsc__session_drop(&wsc__sessions[i]);
#endif
#if !defined(WSCLIENT_NO_HEAP) && !defined(WSCLIENT_SMALL)
    while (wsc__ta_sets) wsc__ta_uncache(&wsc__ta_sets);
#endif
#ifdef WSCLIENT_TLS_OPENSSL
    wsc__ossl_keys_clear();
    memset(wsc__chains, 0, sizeof wsc__chains);
#endif
}

static int wsc__change_transmission_mode_locked(const char *name, int mode) {
    (void)mode; /* a WebSocket always keeps message boundaries (WinDev: "no effect") */
    return wsc__lookup(name) != NULL;
}

#ifdef WSCLIENT_SMALL
/* The status of a refusal from its words, "server refused the upgrade: HTTP 401". */
static int wsc__small_status(wsc_result code, const char *words) {
    return code == WSC_ERR_HTTP_STATUS ? atoi(words + 33) : 0;
}
#endif

static void wsc__call(wsc__socket *s, int event, const char *msg, size_t len, int binary, int code) {
    wsc_event_data ev;
    ev.name = s->name;
    ev.event = event;
    ev.message = msg;
    ev.length = len;
    ev.binary = binary;
    ev.code = code;
    ev.user = s->user;
#ifndef WSCLIENT_SMALL
    ev.http_status = s->http_status;
    ev.reconnect_ms = event == WSC_EVENT_RECONNECTING ? s->retry_ms : 0;
    ev.attempt = event == WSC_EVENT_RECONNECTING ? s->retries : 0;
#else /* the small build keeps no status: wsc_error_http_status() has it */
    ev.http_status = ev.reconnect_ms = ev.attempt = 0;
#endif
    wsc__settle();
    WSC__UNLOCK(); /* s is the caller's copy: the callback may close the socket, here or in another thread */
    s->callback(&ev);
    WSC__LOCK();
}

/* Delivers the pending events of slot i, for one time slice at most: a
   callback's write moves the socket, which may queue more without end. A
   callback may free or reuse the slot. Each callback gets a copy of the
   socket (name, subprotocol, user, close and error words): a callback that
   closes it, and maybe opens a new one under the same name, frees s, yet the
   event's pointers stay valid. */
static int wsc__deliver(int i) {
    wsc__socket *s = wsc__g.slots[i], keep;
    unsigned gen;
    int count = 0;
    unsigned start = (unsigned)wsc__now_ms();
    if (!s || !s->callback) return 0;
    if (WSC__FAST && !s->open_pending && !s->queue && !s->final_pending) return 0; /* no copy for nothing */
    keep = *s;
    gen = s->gen;
#define WSC__STILL_THERE (wsc__g.slots[i] && wsc__g.slots[i]->gen == gen)
    if (s->open_pending) {
        s->open_pending = 0;
        wsc__call(&keep, WSC_EVENT_OPEN, keep.protocol, strlen(keep.protocol), 0, 0);
        count++;
        if (!WSC__STILL_THERE) return count;
    }
    while (s->queue) {
        wsc__mem *mem = s->mem; /* the callback may free s */
        wsc__msg *m;
        if (wsc__slice_over(start)) return count; /* the rest (and the last event) next time */
        m = wsc__dequeue(s);
        wsc__call(&keep, wsc__msg_event(m), (const char *)m->data, m->len, m->binary, wsc__msg_code(m));
        if (!WSC__INLINED(m)) {
            if (WSC__STILL_THERE) wsc__rx_recycle(&s->rx, m->data, m->cap); /* for the next burst */
            else wsc__free(mem, m->data);
        }
        wsc__msg_free(mem, WSC__STILL_THERE ? &s->rx : NULL, m);
        count++;
        if (!WSC__STILL_THERE) return count;
    }
#undef WSC__STILL_THERE
    if (s->final_pending && wsc__is_final(s)) {
#ifndef WSCLIENT_SMALL
        if (wsc__backoff(i)) return count + 1; /* it stays, to connect again */
#endif
        /* The socket goes before its last event, so that the callback finds
           the name and the slot's memory free again. */
        keep = *s;
        keep.tls = NULL; /* nothing below may reach into freed memory */
        wsc__keep_refusal(s); /* for wsc_error_header() in its ERROR event */
        wsc__unlist(i);
        if (keep.state == WSC__CLOSED)
            wsc__call(&keep, WSC_EVENT_CLOSE, keep.close_reason, strlen(keep.close_reason), 0, keep.close_code ? keep.close_code : 1005);
        else
            wsc__call(&keep, WSC_EVENT_ERROR, keep.err, strlen(keep.err), 0, (int)keep.err_code);
        count++;
    }
    return count;
}

/* Is any socket asynchronous, so that an event may yet come? */
static int wsc__any_callback(void) {
#ifdef WSCLIENT_SMALL
    int i;
    for (i = 0; i < WSCLIENT_MAX_SOCKETS; i++)
        if (wsc__g.slots[i] && wsc__g.slots[i]->callback) return 1;
    return 0;
#else
    return wsc__g.ncallback > 0;
#endif
}

static int wsc__pump_locked(int timeout_ms) {
    wsc__ms deadline = wsc__after(timeout_ms); /* timeout_ms < 0: none */
    int i, total = 0;
#if WSC__THREADS
    unsigned wakes = wsc__g.wakes;
#endif
    if (wsc__g.in_pump)
        return wsc__set_error(WSC_ERR_STATE, WSC__THREADS ? "wsc_pump called from a callback, or while another thread pumps"
                                                          : "wsc_pump called from a callback") - 1;
    wsc__g.in_pump = 1;
#ifndef WSCLIENT_SMALL
    wsc__g.pumper = wsc__self();
#endif
#if WSC__THREADS
    wsc__pumping = 1;
    wsc__waker_drain(&wsc__g.host); /* the host loop woke for this pump */
#endif
    for (;;) {
        wsc__visit_ready();
        for (i = wsc__visit_next(0); i < WSCLIENT_MAX_SOCKETS; i = wsc__visit_next(i + 1))
            if (wsc__g.slots[i]) wsc__advance(wsc__g.slots[i]);
        for (i = wsc__visit_next(0); i < WSCLIENT_MAX_SOCKETS; i = wsc__visit_next(i + 1)) total += wsc__deliver(i);
        wsc__visit_settle();
        if (total > 0 || wsc__count_locked() == 0) break;
        if (timeout_ms < 0 && !wsc__any_callback()) break; /* waiting forever for nothing */
        if (timeout_ms >= 0 && wsc__due(wsc__now_ms(), deadline)) break;
#if WSC__THREADS
        if (wakes != wsc__g.wakes) break;
#endif
        wsc__wait(WSC__VISITING, wsc__visit_list(), timeout_ms >= 0 ? &deadline : NULL);
    }
#ifndef WSCLIENT_SMALL
    wsc__flush_deferred(); /* what the callbacks wrote goes out before the pump returns */
#endif
    wsc__g.in_pump = 0;
#if WSC__THREADS
    wsc__pumping = 0;
#endif
    return total;
}

/* ------------------------------------------------------------------------ */
/* Durations for people: "1 min 30 s" (WinDev's readable timeouts)          */
/* ------------------------------------------------------------------------ */

static int wsc__duration_refused(const char *text, const char *why) {
    return wsc__set_error(WSC_ERR_ARGUMENT, "duration '%.40s' refused: %s", text, why);
}

static int wsc__is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

static const char *wsc__skip_blanks(const char *p) {
    while (*p == ' ' || *p == '\t') p++;
    return p;
}

WSCLIENT_API int wsc_duration_ms(const char *text, int *ms) {
    /* From the largest unit down; rank orders them ("s" and "sec" are one). */
    static const struct { const char *name; int rank; long long ms; } units[] = {
        {"h", 0, 3600000}, {"min", 1, 60000}, {"s", 2, 1000}, {"sec", 2, 1000}, {"ms", 3, 1}};
    const char *p, *word;
    long long total = 0, n;
    int last = -1, u;
    wsc__clear_error();
    if (!text || !ms) return wsc__set_error(WSC_ERR_ARGUMENT, "duration text or ms is NULL");
    p = wsc__skip_blanks(text);
    if (!*p) return wsc__duration_refused(text, "it is empty");
    while (*p) {
        if (*p < '0' || *p > '9') return wsc__duration_refused(text, "a number must come first, without a sign");
        for (n = 0; *p >= '0' && *p <= '9'; p++)
            if ((n = n * 10 + (*p - '0')) > 0x7fffffff) return wsc__duration_refused(text, "it passes INT_MAX milliseconds");
        if (*p == '.' || *p == ',') return wsc__duration_refused(text, "no fractions: write 1 s 500 ms, or 1500 ms");
        word = p = wsc__skip_blanks(p);
        while (wsc__is_letter(*p)) p++;
        if (p == word && !*p && last < 0) { total = n; break; } /* a bare number: milliseconds, as WinDev's integer */
        for (u = 0; u < 5 && !wsc__ieq(word, (size_t)(p - word), units[u].name); u++) {}
        if (u == 5) return wsc__duration_refused(text, "a unit must follow each number: h, min, s or sec, ms");
        if (units[u].rank <= last) return wsc__duration_refused(text, "each unit once, from the largest down (1 min 30 s)");
        last = units[u].rank;
        if ((total += n * units[u].ms) > 0x7fffffff) return wsc__duration_refused(text, "it passes INT_MAX milliseconds");
        p = wsc__skip_blanks(p);
    }
    *ms = (int)total;
    return 1;
}

WSCLIENT_API const char *wsc_error_info(void) { return WSC__E.err; }

WSCLIENT_API wsc_result wsc_error_code(void) { return WSC__E.err_code; }

WSCLIENT_API int wsc_error_http_status(void) {
#ifndef WSCLIENT_SMALL
    return WSC__E.http_status;
#else
    return wsc__small_status(WSC__E.err_code, WSC__E.err);
#endif
}

static const char *wsc__response_header_locked(const char *name, const char *header, int index) {
#ifndef WSCLIENT_SMALL
    wsc__socket *s = wsc__lookup(name);
    return s && s->opened ? wsc__head_find((const char *)s->head.data, header, index) : NULL;
#else
    (void)name, (void)header, (void)index;
    return NULL;
#endif
}

static const char *wsc__response_header_at_locked(const char *name, int index, const char **value) {
    const char *none = NULL;
    if (!value) value = &none;
    *value = NULL;
#ifndef WSCLIENT_SMALL
    {
        wsc__socket *s = wsc__lookup(name);
        return s && s->opened ? wsc__head_at((const char *)s->head.data, index, value) : NULL;
    }
#else
    (void)name, (void)index;
    return NULL;
#endif
}

WSCLIENT_API const char *wsc_error_header(const char *header, int index) {
#ifndef WSCLIENT_SMALL
    return WSC__E.http_status ? wsc__head_find(WSC__E.refusal, header, index) : NULL;
#else
    (void)header, (void)index;
    return NULL;
#endif
}

WSCLIENT_API const char *wsc_error_body(size_t *length) {
#ifndef WSCLIENT_SMALL
    size_t n = WSC__E.http_status ? WSC__E.refusal_body_len : 0;
    if (length) *length = n;
    return n ? WSC__E.refusal_body : NULL;
#else
    if (length) *length = 0;
    return NULL;
#endif
}

/* ------------------------------------------------------------------------ */
/* The calls that take the lock (README "Threads")                           */
/* ------------------------------------------------------------------------ */

#if WSC__THREADS
WSCLIENT_API void wsc_wake(void) {
    WSC__LOCK();
    wsc__g.wakes++;
    wsc__wake_all();
    if (wsc__g.host.made) wsc__waker_signal(&wsc__g.host); /* even from the pumping thread */
    WSC__UNLOCK();
}
#elif !defined(WSCLIENT_SMALL)
WSCLIENT_API void wsc_wake(void) {} /* one thread: nobody else waits */
#endif

#ifndef WSCLIENT_SMALL
/* What a host loop polls (wsc_watches): what one wsc_pump would wait on. */
static int wsc__watches_locked(wsc_watch *out, int capacity, int *timeout_ms) {
    wsc__waitset w;
    int i, n = 0, count, now;
    if ((!out && capacity > 0) || !timeout_ms) return wsc__set_error(WSC_ERR_ARGUMENT, "wsc_watches: out or timeout_ms is NULL") - 1;
    if (wsc__g.in_pump) /* its wait set is the one built here */
        return wsc__set_error(WSC_ERR_STATE, "wsc_watches called while wsc_pump runs (from a callback, or in another thread)") - 1;
    count = wsc__visit_list();
    now = !wsc__waitset_build(&w, NULL, WSC__VISITING, count, NULL);
#ifndef WSCLIENT_SMALL
    if (wsc__flush_deferred()) now = 1; /* batches out: then look again at once (the set was built before) */
#endif
    for (i = 0; i < count; i++) {
        const wsc__socket *s = WSC__VISITING[i];
        if (s && s->callback && (s->open_pending || s->queue || s->final_pending)) now = 1; /* events to deliver */
        if (s && wsc__rx_pending(s)) now = 1; /* bytes to parse, which no poll() would announce */
    }
#if WSC__THREADS && !defined(WSCLIENT_NO_SOCKETS)
    if (wsc__waker_ready(&wsc__g.host)) {
        if (n < capacity) {
            out[n].fd = (wsc_fd)wsc__g.host.fd[0];
            out[n].transport = NULL;
            out[n].conn = NULL;
            out[n].events = WSC_IO_READ;
        }
        n++;
    }
#endif
#ifndef WSCLIENT_NO_SOCKETS
    for (i = 0; i < w.npfd; i++, n++) {
        if (n >= capacity) continue;
        out[n].fd = (wsc_fd)w.pfd[i].fd;
        out[n].transport = NULL;
        out[n].conn = NULL;
        out[n].events = ((w.pfd[i].events & POLLIN) ? WSC_IO_READ : 0) | ((w.pfd[i].events & POLLOUT) ? WSC_IO_WRITE : 0);
    }
#endif
    for (i = 0; i < w.nitems; i++, n++) {
        if (n >= capacity) continue;
        out[n].fd = WSC_NO_FD;
        out[n].transport = w.tps[i];
        out[n].conn = w.items[i].conn;
        out[n].events = w.items[i].events;
    }
    *timeout_ms = now ? 0 : w.timeout;
    return n;
}
#endif

#define WSC__LOCKED(type, call) { type r_; WSC__LOCK(); r_ = call; wsc__settle(); WSC__UNLOCK(); return r_; }
#define WSC__LOCKED_VOID(call) { WSC__LOCK(); call; wsc__settle(); WSC__UNLOCK(); }

#ifndef WSCLIENT_SMALL
WSCLIENT_API int wsc_watches(wsc_watch *out, int capacity, int *timeout_ms) WSC__LOCKED(int, wsc__watches_locked(out, capacity, timeout_ms))
#endif
WSCLIENT_API int wsc_open(const char *name, const wsc_config *config) WSC__LOCKED(int, wsc__open_locked(name, config))
WSCLIENT_API int wsc_write_part(const char *name, const void *data, size_t length, int binary, int last) WSC__LOCKED(int, wsc__write_part_locked(name, data, length, binary, last))
WSCLIENT_API int wsc_write(const char *name, const char *text) WSC__LOCKED(int, wsc__write_locked(name, text))
WSCLIENT_API int wsc_write_text(const char *name, const char *text, size_t length) WSC__LOCKED(int, wsc__write_text_locked(name, text, length))
WSCLIENT_API int wsc_write_binary(const char *name, const void *data, size_t length) WSC__LOCKED(int, wsc__write_binary_locked(name, data, length))
#ifndef WSCLIENT_SMALL
WSCLIENT_API int wsc_write_more(const char *name, const void *data, size_t length, int binary) WSC__LOCKED(int, wsc__write_more_locked(name, data, length, binary))
WSCLIENT_API int wsc_flush(const char *name) WSC__LOCKED(int, wsc__flush_locked(name))
#endif
#ifndef WSCLIENT_SMALL
WSCLIENT_API int wsc_ping(const char *name, const void *payload, size_t length) WSC__LOCKED(int, wsc__ping_locked(name, payload, length))
#endif
#ifndef WSCLIENT_SMALL
WSCLIENT_API int wsc_get_stats(const char *name, wsc_stats *stats) WSC__LOCKED(int, wsc__get_stats_locked(name, stats))
#endif
WSCLIENT_API long wsc_read(const char *name, void *buf, size_t capacity, int timeout_ms, int *binary) WSC__LOCKED(long, wsc__read_locked(name, buf, capacity, timeout_ms, binary))
WSCLIENT_API char *wsc_read_alloc(const char *name, int timeout_ms, size_t *length, int *binary) WSC__LOCKED(char *, wsc__read_alloc_locked(name, timeout_ms, length, binary))
WSCLIENT_API void wsc_set_allocator_user(void *user) WSC__LOCKED_VOID(wsc__set_allocator_user_locked(user))
WSCLIENT_API void wsc_set_transport(const wsc_transport *transport) WSC__LOCKED_VOID(wsc__set_transport_locked(transport))
WSCLIENT_API int wsc_close(const char *name) WSC__LOCKED(int, wsc__close_locked(name))
WSCLIENT_API void wsc_close_all(void) WSC__LOCKED_VOID(wsc__close_all_locked())
WSCLIENT_API int wsc_close_with(const char *name, int code, const char *reason) WSC__LOCKED(int, wsc__close_with_locked(name, code, reason))
WSCLIENT_API int wsc_abort(const char *name) WSC__LOCKED(int, wsc__abort_locked(name))
WSCLIENT_API int wsc_close_status(const char *name, int *code, char *reason, size_t capacity) WSC__LOCKED(int, wsc__close_status_locked(name, code, reason, capacity))
WSCLIENT_API int wsc_exist(const char *name) WSC__LOCKED(int, wsc__exist_locked(name))
WSCLIENT_API int wsc_count(void) WSC__LOCKED(int, wsc__count_locked())
WSCLIENT_API const char *wsc_protocol(const char *name) WSC__LOCKED(const char *, wsc__protocol_locked(name))
WSCLIENT_API int wsc_tls_get_info(const char *name, wsc_tls_info *info) WSC__LOCKED(int, wsc__tls_get_info_locked(name, info))
WSCLIENT_API void wsc_tls_clear_cache(void) WSC__LOCKED_VOID(wsc__tls_clear_cache_locked())
WSCLIENT_API int wsc_change_transmission_mode(const char *name, int mode) WSC__LOCKED(int, wsc__change_transmission_mode_locked(name, mode))
WSCLIENT_API int wsc_pump(int timeout_ms) WSC__LOCKED(int, wsc__pump_locked(timeout_ms))
WSCLIENT_API const char *wsc_response_header(const char *name, const char *header, int index) WSC__LOCKED(const char *, wsc__response_header_locked(name, header, index))
WSCLIENT_API const char *wsc_response_header_at(const char *name, int index, const char **value) WSC__LOCKED(const char *, wsc__response_header_at_locked(name, index, value))

#endif /* WSCLIENT_IMPLEMENTATION_DONE */
#endif /* WSCLIENT_IMPLEMENTATION */

/*
------------------------------------------------------------------------------
MIT License

Copyright (c) 2026 the wsclient.h authors

Permission is hereby granted, free of charge, to any person obtaining a copy of
this software and associated documentation files (the "Software"), to deal in
the Software without restriction, including without limitation the rights to
use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies
of the Software, and to permit persons to whom the Software is furnished to do
so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
------------------------------------------------------------------------------
*/
