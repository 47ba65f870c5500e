/* mtls.c - TLS client certificates (mutual TLS) and ALPN, against real
   OpenSSL servers on loopback started by tests/run.sh: tests/ws_server.py
   (python3-websockets over Python's ssl) requiring a certificate of the
   test client CA (WSC_TEST_MTLS_PORT) or selecting a protocol by ALPN
   (WSC_TEST_ALPN_PORT: http/1.1, WSC_TEST_ALPN_H2_PORT: h2 only), and
   openssl s_server -Verify 1 -verify_return_error (WSC_TEST_SSERVER_PORT),
   with certificates made at test time by tests/mkcerts.sh and compiled-in
   identities made by tools/pem2c -c (build/test_client_certs.c).

   Covered: an RSA and an ECDSA identity accepted; from PEM text, files
   (cert and key apart, or in one file) and compiled-in DER; a chain with
   its intermediate; the failures by name: no certificate when the server
   requires one, an untrusted and an expired certificate (the server's
   alert), a key that is not the certificate's, key types BearSSL cannot
   sign with, an encrypted key, a certificate without its key and the
   reverse, unreadable files and PEM; sync and async; resumption never
   crossing identities; ALPN offered and reported. Built three ways: the
   default, WSCLIENT_NO_HEAP and WSCLIENT_SMALL (compiled-in identities only). */
#define WSCLIENT_IMPLEMENTATION
#include "wsclient.h"
#include "test.h"
#include "loopback.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test_anchors.c"      /* the server CA (Makefile: pem2c) */
#include "test_client_certs.c" /* test_client_rsa_*, test_client_chain_* (Makefile: pem2c -c) */

static int mtls_port;

static wsc_config mtls_cfg(int port, const char *path) {
    wsc_config c;
    memset(&c, 0, sizeof c);
    c.address = "localhost";
    c.port = port;
    c.path = path;
    c.tls = 1;
    c.timeout_ms = 5000;
    c.trust_anchors = test_anchors;
    c.trust_anchor_count = test_anchors_count;
    c.tls_no_resume = 1; /* each test but the resumption one does a full handshake */
    return c;
}

static void use_compiled_rsa(wsc_config *c) {
    c->client_chain = test_client_rsa_chain;
    c->client_chain_count = test_client_rsa_chain_count;
    c->client_key = test_client_rsa_key;
    c->client_key_type = test_client_rsa_key_type;
}

/* Fails with code and words; the small build has neither the words nor
   the inference from a hang-up: any failure will do there. */
static int refused(const wsc_config *c, wsc_result code, const char *w1, const char *w2) {
    if (!WSC__WORDS) return !try_open(c);
    return fails_with(c, code, w1, w2);
}

/* Opens, reads what /peer says into out, closes. */
static int peer_says(const wsc_config *c, char *out, size_t cap) {
    long n;
    out[0] = 0;
    if (!wsc_open("m", c)) { printf("  open: %s\n", wsc_error_info()); return 0; }
    n = wsc_read("m", out, cap, 5000, NULL);
    if (n < 0) printf("  read: %s\n", wsc_error_info());
    wsc_close("m");
    return n >= 0;
}

static int peer_is(const wsc_config *c, const char *want) {
    char got[128];
    int ok = peer_says(c, got, sizeof got) && strcmp(got, want) == 0;
    if (!ok) printf("  wanted '%s', got '%s'\n", want, got);
    return ok;
}

TEST(compiled_in_identities) {
    wsc_config c = mtls_cfg(mtls_port, "/peer");
    wsc_tls_info info;
    use_compiled_rsa(&c);
    CHECK(peer_is(&c, "client-rsa new none"));
    /* the EC leaf under an intermediate: the server trusts only the root,
       so it is accepted only when the intermediate is sent with it */
    c.client_chain = test_client_chain_chain;
    c.client_chain_count = test_client_chain_chain_count;
    c.client_key = test_client_chain_key;
    c.client_key_type = test_client_chain_key_type;
    CHECK(test_client_chain_chain_count == 2);
    CHECK(peer_is(&c, "client-chain new none"));
    c.client_chain_count = 1; /* the leaf alone: the server cannot trust it */
    CHECK(refused(&c, WSC_ERR_CERTIFICATE, "refused our client certificate", NULL));
    c.client_chain_count = 2;
    CHECK(wsc_open("m", &c) && wsc_tls_get_info("m", &info) && info.client_cert == !!WSC__WORDS); /* not in SMALL */
    wsc_close("m");
}

/* Python's asyncio server ends the connection with no alert when it
   refuses; the words say what it means all the same. */
TEST(no_certificate_when_the_server_requires_one) {
    wsc_config c = mtls_cfg(mtls_port, "/peer");
    CHECK(refused(&c, WSC_ERR_CERTIFICATE, "server requires a client certificate", NULL));
}

#ifndef WSCLIENT_SMALL
/* A whole file into memory (NUL-terminated), or NULL. */
static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    char *p;
    long n;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    p = (char *)malloc((size_t)n + 1);
    if (p && fread(p, 1, (size_t)n, f) != (size_t)n) { free(p); p = NULL; }
    if (p) p[n] = 0;
    fclose(f);
    return p;
}

static wsc_config with_files(const char *certfile, const char *keyfile) {
    wsc_config c = mtls_cfg(mtls_port, "/peer");
    c.client_cert_file = certfile ? cert(certfile) : NULL;
    c.client_key_file = keyfile ? cert(keyfile) : NULL;
    return c;
}

TEST(rsa_and_ecdsa_from_files) {
    wsc_config c = with_files("client-rsa.pem", "client-rsa.key");
    wsc_tls_info info;
    CHECK(peer_is(&c, "client-rsa new none"));
    c = with_files("client-ec.pem", "client-ec.key");
    CHECK(peer_is(&c, "client-ec new none"));
    c = with_files("client-both.pem", NULL); /* key and certificate in one file */
    CHECK(peer_is(&c, "client-ec new none"));
    c = with_files("client-both.pem", "client-both.pem"); /* the same file named twice */
    CHECK(peer_is(&c, "client-ec new none"));
    c = with_files("client-chain.pem", "client-chain.key");
    CHECK(peer_is(&c, "client-chain new none"));
    CHECK(wsc_open("m", &c) && wsc_tls_get_info("m", &info) && info.client_cert == 1);
    wsc_close("m");
    /* a server that asks for nothing gets nothing */
    c.port = env_port("WSC_TEST_TLS_PORT");
    CHECK(peer_is(&c, "none new none"));
    CHECK(wsc_open("m", &c) && wsc_tls_get_info("m", &info) && info.client_cert == 0);
    wsc_close("m");
}

TEST(from_pem_text) {
    wsc_config c = mtls_cfg(mtls_port, "/peer");
    char *crt = slurp(cert("client-rsa.pem")), *key = slurp(cert("client-rsa.key"));
    CHECK(crt && key);
    if (!crt || !key) return;
    c.client_cert_pem = crt;
    c.client_key_pem = key;
    CHECK(peer_is(&c, "client-rsa new none"));
    c.client_cert_pem_len = strlen(crt); /* with lengths: the text need not end in NUL */
    c.client_key_pem_len = strlen(key);
    CHECK(peer_is(&c, "client-rsa new none"));
    /* the text wins over files, as ca_pem over ca_file */
    c.client_cert_file = cert("client-ec.pem");
    c.client_key_file = cert("client-ec.key");
    CHECK(peer_is(&c, "client-rsa new none"));
    free(crt);
    free(key);
}

/* The refusal: named by the alert OpenSSL's s_server sends, inferred from
   the hang-up of Python's asyncio server. */
TEST(the_server_refusal_is_named) {
    wsc_config c = with_files("client-untrusted.pem", "client-untrusted.key");
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "refused our client certificate", "no TLS alert"));
    c.port = env_port("WSC_TEST_SSERVER_PORT");
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "refused our client certificate", "unknown_ca"));
    c = with_files("client-expired.pem", "client-expired.key");
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "refused our client certificate", NULL));
    c.port = env_port("WSC_TEST_SSERVER_PORT");
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "refused our client certificate", "certificate_expired"));
}

TEST(bad_identities_are_refused_at_connect) {
    wsc_config c = with_files("client-ec.pem", "client-other.key");
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "does not match the client certificate", "another EC key"));
    c = with_files("client-rsa.pem", "server-rsa.key");
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "does not match the client certificate", "another RSA key"));
    c = with_files("client-rsa.pem", "client-ec.key");
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "private key is EC", "certificate's key is RSA"));
    c = with_files("client-ed25519.pem", "client-ed25519.key");
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "type BearSSL cannot use", "Ed25519"));
    c = with_files("client-ec.pem", "client-enc.key");
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "encrypted", "openssl pkey"));
    c = with_files("client-ec.pem", NULL);
    CHECK(fails_with(&c, WSC_ERR_ARGUMENT, "without its private key", NULL));
    c = with_files(NULL, "client-ec.key");
    CHECK(fails_with(&c, WSC_ERR_ARGUMENT, "key without its certificate", NULL));
    c = with_files("no-such-file.pem", "client-ec.key");
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "cannot read client_cert_file", "No such file"));
    c = with_files("client-ec.pem", "client-ec.key");
    c.client_key_file = NULL;
    c.client_key_pem = "-----BEGIN PRIVATE KEY-----\nnot base64!\n-----END PRIVATE KEY-----\n";
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "client_key_pem is not valid PEM", NULL));
    c.client_key_pem = "no PEM here";
    CHECK(fails_with(&c, WSC_ERR_ARGUMENT, "without its private key", NULL));
    c = with_files("client-ec.key", "client-ec.key");
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "no certificate in client_cert_file", NULL));
    c = mtls_cfg(mtls_port, "/peer");
    use_compiled_rsa(&c);
    c.client_key_type = BR_KEYTYPE_EC; /* a compiled-in key of the wrong type is checked too */
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "private key is EC", NULL));
    c.client_key = NULL;
    CHECK(fails_with(&c, WSC_ERR_ARGUMENT, "client_chain needs client_key", NULL));
}

/* A resumed handshake shows no certificate: the server keeps the identity
   of the session, so a session is resumed only with the same identity. */
TEST(resumption_does_not_cross_identities) {
    wsc_config c = with_files("client-rsa.pem", "client-rsa.key"), e = with_files("client-ec.pem", "client-ec.key");
    wsc_config none = mtls_cfg(env_port("WSC_TEST_TLS_PORT"), "/peer"), rsa_elsewhere = c;
    wsc_tls_clear_cache();
    c.tls_no_resume = e.tls_no_resume = none.tls_no_resume = rsa_elsewhere.tls_no_resume = 0;
    rsa_elsewhere.port = none.port;
    CHECK(peer_is(&c, "client-rsa new none"));
    CHECK(peer_is(&c, "client-rsa reused none"));
    CHECK(peer_is(&e, "client-ec new none"));
    CHECK(peer_is(&e, "client-ec reused none"));
    CHECK(peer_is(&c, "client-rsa reused none"));
    c.client_cert_file = NULL; /* no identity now: no session of one */
    c.client_key_file = NULL;
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "server requires a client certificate", NULL));
    /* and the reverse, on a server that asks for none */
    CHECK(peer_is(&none, "none new none"));
    CHECK(peer_is(&none, "none reused none"));
    CHECK(peer_is(&rsa_elsewhere, "none new none"));
    CHECK(peer_is(&rsa_elsewhere, "none reused none"));
    wsc_tls_clear_cache();
}

/* OpenSSL's own server, requiring a certificate: the TLS handshake passes
   with ours, and what fails then is the upgrade (it answers a web page). */
TEST(openssl_s_server_requires_a_certificate) {
    wsc_config c = with_files("client-ec.pem", "client-ec.key");
    c.port = env_port("WSC_TEST_SSERVER_PORT");
    CHECK(!try_open(&c) && wsc_error_code() != WSC_ERR_TLS && wsc_error_code() != WSC_ERR_CERTIFICATE);
    printf("  s_server with our certificate: %s\n", wsc_error_info());
    c.client_cert_file = c.client_key_file = NULL;
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "server requires a client certificate", "alert"));
}

/* ALPN: http/1.1 is offered; the choice shows in wsc_tls_get_info. */
static int alpn_is(int port, const char *peer, const char *want) {
    wsc_config c = mtls_cfg(port, "/peer");
    wsc_tls_info info;
    char got[128];
    long n = -1;
    int ok = 0;
    if (wsc_open("a", &c) && (n = wsc_read("a", got, sizeof got, 5000, NULL)) >= 0 && wsc_tls_get_info("a", &info))
        ok = strcmp(got, peer) == 0 && strcmp(info.alpn, want) == 0;
    if (!ok) printf("  port %d: wanted '%s' / '%s': %s\n", port, peer, want, n >= 0 ? got : wsc_error_info());
    wsc_close("a");
    return ok;
}

/* A TCP transport to 127.0.0.1 that turns "http/1.1" into "http/1.0" in
   what comes in: the ALPN answer of a TLS 1.2 ServerHello is in clear, so
   the server seems to select a protocol we did not offer. */
static void *mitm_connect(void *user, const char *host, int port) {
    struct sockaddr_in a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    (void)user;
    (void)host;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((unsigned short)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0) return (void *)(intptr_t)(fd + 1);
    if (fd >= 0) close(fd);
    return NULL;
}

static long mitm_send(void *user, void *conn, const void *data, size_t len) {
    long k = (long)send((int)(intptr_t)conn - 1, data, len, MSG_NOSIGNAL);
    (void)user;
    return k < 0 ? WSC_IO_ERROR : k;
}

static long mitm_recv(void *user, void *conn, void *buf, size_t len) {
    struct pollfd p;
    unsigned char *b = (unsigned char *)buf;
    long k, i;
    (void)user;
    p.fd = (int)(intptr_t)conn - 1;
    p.events = POLLIN;
    if (poll(&p, 1, 0) <= 0) return WSC_IO_AGAIN;
    if ((k = (long)recv(p.fd, buf, len, 0)) <= 0) return k == 0 ? WSC_IO_EOF : WSC_IO_ERROR;
    for (i = 0; i + 8 <= k; i++)
        if (memcmp(b + i, "http/1.1", 8) == 0) b[i + 7] = '0';
    return k;
}

static int mitm_wait(void *user, wsc_io_wait *items, int count, int timeout_ms) {
    struct pollfd p[4];
    int i;
    (void)user;
    for (i = 0; i < count && i < 4; i++) {
        p[i].fd = (int)(intptr_t)items[i].conn - 1;
        p[i].events = (short)((items[i].events & WSC_IO_READ ? POLLIN : 0) | (items[i].events & WSC_IO_WRITE ? POLLOUT : 0));
    }
    return poll(p, (nfds_t)i, timeout_ms);
}

static void mitm_close(void *user, void *conn) {
    (void)user;
    close((int)(intptr_t)conn - 1);
}

TEST(alpn) {
    static const wsc_transport mitm = {NULL, mitm_connect, mitm_send, mitm_recv, mitm_wait, mitm_close, NULL, NULL};
    wsc_config c = mtls_cfg(env_port("WSC_TEST_ALPN_PORT"), "/peer");
    CHECK(alpn_is(env_port("WSC_TEST_ALPN_PORT"), "none new http/1.1", "http/1.1"));
    CHECK(alpn_is(env_port("WSC_TEST_TLS_PORT"), "none new none", ""));     /* a server without ALPN */
    CHECK(alpn_is(env_port("WSC_TEST_ALPN_H2_PORT"), "none new none", "")); /* no protocol in common */
    c.transport = &mitm; /* the server "selects" http/1.0 */
    CHECK(fails_with(&c, WSC_ERR_TLS, "ALPN", "http/1.1"));
    printf("  %s\n", wsc_error_info());
    c.port = env_port("WSC_TEST_TLS_PORT"); /* the same transport, no ALPN answer: nothing to rewrite */
    CHECK(try_open(&c));
}
#endif

#if defined(WSCLIENT_TLS_OPENSSL) && !defined(WSCLIENT_SMALL)
/* The OpenSSL backend over TLS 1.3: the server asks for the certificate
   inside the encrypted handshake and refuses it after the client's
   Finished, ALPN comes in EncryptedExtensions, sessions are tickets; the
   words are the TLS 1.2 ones. */
TEST(tls13_identities_refusals_resumption_alpn) {
    wsc_config c = mtls_cfg(mtls_port, "/peer"), e;
    wsc_tls_info info;
    c.ssl_options = WSC_TLS1_3;
    use_compiled_rsa(&c);
    CHECK(peer_is(&c, "client-rsa new none"));
    CHECK(wsc_open("m", &c) && wsc_tls_get_info("m", &info) && info.version == 0x0304 && info.client_cert == 1);
    wsc_close("m");
    c.client_chain = test_client_chain_chain;
    c.client_chain_count = 1; /* the leaf without its intermediate */
    c.client_key = test_client_chain_key;
    c.client_key_type = test_client_chain_key_type;
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "refused our client certificate", NULL));
    c.client_chain_count = 2;
    CHECK(peer_is(&c, "client-chain new none"));
    /* Over TLS 1.3 the server refuses after our Finished: the words must
       still say it was our certificate (they did not before 628d94b). */
    c = with_files(NULL, NULL);
    c.ssl_options = WSC_TLS1_3;
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "server requires a client certificate", NULL));
    c = with_files("client-untrusted.pem", "client-untrusted.key");
    c.ssl_options = WSC_TLS1_3;
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "refused our client certificate", NULL));
    c.port = env_port("WSC_TEST_SSERVER_PORT");
    CHECK(fails_with(&c, WSC_ERR_CERTIFICATE, "refused our client certificate", "unknown_ca"));
    /* tickets stay with their identity */
    c = with_files("client-rsa.pem", "client-rsa.key");
    e = with_files("client-ec.pem", "client-ec.key");
    c.ssl_options = e.ssl_options = WSC_TLS1_3;
    c.tls_no_resume = e.tls_no_resume = 0;
    wsc_tls_clear_cache();
    CHECK(peer_is(&c, "client-rsa new none"));
    CHECK(peer_is(&c, "client-rsa reused none"));
    CHECK(peer_is(&e, "client-ec new none"));
    CHECK(peer_is(&c, "client-rsa reused none"));
    wsc_tls_clear_cache();
    /* ALPN */
    c = mtls_cfg(env_port("WSC_TEST_ALPN_PORT"), "/peer");
    c.ssl_options = WSC_TLS1_3;
    CHECK(peer_is(&c, "none new http/1.1"));
    CHECK(wsc_open("a", &c) && wsc_tls_get_info("a", &info) && info.version == 0x0304 && strcmp(info.alpn, "http/1.1") == 0);
    wsc_close("a");
    c.port = env_port("WSC_TEST_ALPN_H2_PORT");
    CHECK(wsc_open("a", &c) && wsc_tls_get_info("a", &info) && strcmp(info.alpn, "") == 0);
    wsc_close("a");
}
#endif

static int async_event, async_code;
static char async_text[256];
static void record(const wsc_event_data *ev) {
    if (ev->event == WSC_EVENT_ERROR || ev->event == WSC_EVENT_CLOSE || !async_event) {
        async_event = ev->event;
        async_code = ev->code;
        snprintf(async_text, sizeof async_text, "%.*s", (int)ev->length, ev->message ? ev->message : "");
    }
    if (ev->event == WSC_EVENT_OPEN) wsc_write(ev->name, "hello");
    if (ev->event == WSC_EVENT_MESSAGE) {
        snprintf(async_text, sizeof async_text, "%.*s", (int)ev->length, ev->message);
        async_event = ev->event;
        wsc_close(ev->name);
    }
}

TEST(async_connects) {
    wsc_config c = mtls_cfg(mtls_port, "/echo");
    c.callback = record;
    use_compiled_rsa(&c);
    async_event = 0;
    CHECK(wsc_open("a", &c));
    pump_until_gone("a");
    CHECK(async_event == WSC_EVENT_MESSAGE && strcmp(async_text, "hello") == 0);
    c.client_chain = NULL;
    c.client_key = NULL;
    async_event = 0;
    CHECK(wsc_open("a", &c));
    pump_until_gone("a");
    CHECK(async_event == WSC_EVENT_ERROR && (!WSC__WORDS || (async_code == WSC_ERR_CERTIFICATE &&
          strstr(async_text, "server requires a client certificate") != NULL)));
#ifndef WSCLIENT_SMALL
    c.client_cert_file = cert("client-expired.pem");
    c.client_key_file = cert("client-expired.key");
    async_event = 0;
    CHECK(wsc_open("a", &c));
    pump_until_gone("a");
    CHECK(async_event == WSC_EVENT_ERROR && async_code == WSC_ERR_CERTIFICATE && strstr(async_text, "refused our client certificate"));
    c.port = env_port("WSC_TEST_SSERVER_PORT"); /* an alert: named */
    async_event = 0;
    CHECK(wsc_open("a", &c));
    pump_until_gone("a");
    CHECK(async_event == WSC_EVENT_ERROR && async_code == WSC_ERR_CERTIFICATE && strstr(async_text, "certificate_expired"));
#endif
}

#ifdef WSCLIENT_SMALL
TEST(small_build_takes_compiled_in_identities_only) {
    wsc_config c = mtls_cfg(mtls_port, "/peer");
    c.client_cert_pem = "-----BEGIN CERTIFICATE-----\n";
    CHECK(fails_with(&c, WSC_ERR_ARGUMENT, "client_cert_pem is not in this build", NULL));
    c.client_cert_pem = NULL;
    c.client_cert_file = "client.pem";
    CHECK(fails_with(&c, WSC_ERR_ARGUMENT, "client_cert_file is not in this build", NULL));
}
#endif

int main(void) {
    snprintf(certs, sizeof certs, "%s", getenv("WSC_TEST_CERTS") ? getenv("WSC_TEST_CERTS") : "build/certs");
    mtls_port = env_port("WSC_TEST_MTLS_PORT");
    (void)tls_port; /* loopback.h helpers this program may not use */
    (void)cert;
    RUN(compiled_in_identities);
    RUN(no_certificate_when_the_server_requires_one);
#ifndef WSCLIENT_SMALL
    RUN(rsa_and_ecdsa_from_files);
    RUN(from_pem_text);
    RUN(the_server_refusal_is_named);
    RUN(bad_identities_are_refused_at_connect);
    RUN(resumption_does_not_cross_identities);
    RUN(openssl_s_server_requires_a_certificate);
    RUN(alpn);
#ifdef WSCLIENT_TLS_OPENSSL
    RUN(tls13_identities_refusals_resumption_alpn);
#endif
#else
    RUN(small_build_takes_compiled_in_identities_only);
#endif
    RUN(async_connects);
    return test_summary("test_mtls");
}
