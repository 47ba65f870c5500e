/* pem.c - libFuzzer target: the trust-anchor loader (wsc__anchors_add_pem,
   wsc__anchors_add_der), which reads ca_pem and CA files.

   Input: byte 0 picks the mode. Even: the rest is PEM text as it is. Odd:
   the rest is DER, wrapped here into a CERTIFICATE object (so mutations hit
   the X.509 decoding rather than the base64), with a second copy of it
   behind a non-certificate object when bit 1 is set.

   Checks: no crash or leak; the anchors the loader keeps have a non-NULL
   DN, a key of a known type with its bytes, and the CA flag alone; every
   anchor came from a CERTIFICATE object (none without a "-----BEGIN", in
   any case);
   in DER mode, the same text with CRLF line ends (as files made on Windows
   have) gives the same anchors, and every certificate BearSSL's X.509
   decoder reads (the loader's decoder until December 2026) is kept, with
   BearSSL's name, key and CA flag. */
#include "fuzz.h"

static size_t pem_wrap(char *out, const char *label, const uint8_t *der, size_t n) {
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0, i, col = 0;
    o += (size_t)sprintf(out + o, "-----BEGIN %s-----\n", label);
    for (i = 0; i < n; i += 3) {
        unsigned long v = (unsigned long)der[i] << 16;
        if (i + 1 < n) v |= (unsigned long)der[i + 1] << 8;
        if (i + 2 < n) v |= der[i + 2];
        out[o++] = tab[(v >> 18) & 63];
        out[o++] = tab[(v >> 12) & 63];
        out[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? tab[v & 63] : '=';
        if (++col == 16) { out[o++] = '\n'; col = 0; }
    }
    if (col) out[o++] = '\n';
    o += (size_t)sprintf(out + o, "-----END %s-----\n", label);
    return o;
}

/* Loads the text; returns how many anchors it gave (-1: a PEM error). */
static long pem_check(const char *pem, size_t len) {
    wsc__anchors a;
    size_t i;
    long count;
    int ok;
    wsc__anchors_init(&a, &fuzz_mem);
    ok = wsc__anchors_add_pem(&a, pem, len);
    FUZZ_CHECK(ok == 0 || ok == 1);
    FUZZ_CHECK(a.n <= a.cap);
    FUZZ_CHECK(a.oom == 0);
    for (i = 0; i < a.n; i++) {
        const br_x509_trust_anchor *t = &a.ta[i];
        FUZZ_CHECK(t->dn.data != NULL);
        FUZZ_CHECK((t->flags & ~(unsigned)BR_X509_TA_CA) == 0);
        if (t->pkey.key_type == BR_KEYTYPE_RSA) {
            FUZZ_CHECK(t->pkey.key.rsa.n != NULL && t->pkey.key.rsa.nlen > 0 && t->pkey.key.rsa.elen > 0);
            FUZZ_CHECK(t->pkey.key.rsa.e == t->pkey.key.rsa.n + t->pkey.key.rsa.nlen);
        } else {
            FUZZ_CHECK(t->pkey.key_type == BR_KEYTYPE_EC);
            FUZZ_CHECK(t->pkey.key.ec.q != NULL && t->pkey.key.ec.qlen > 0);
        }
    }
    if (a.n > 0) { /* "BEGIN" is read in any case, as BearSSL did ("-----BeGIN" loads) */
        static const char begin[] = "-----begin";
        size_t k, j;
        int found = 0;
        for (k = 0; k + sizeof begin - 1 <= len && !found; k++) {
            for (j = 0; j < sizeof begin - 1; j++)
                if (wsc__lower((unsigned char)pem[k + j]) != begin[j]) break;
            found = j == sizeof begin - 1;
        }
        FUZZ_CHECK(found);
    }
    count = ok ? (long)a.n : -1;
    wsc__anchors_free(&a);
    return count;
}

/* text with every LF made CRLF, in a buffer of exactly its size */
static char *pem_crlf(const char *text, size_t len, size_t *out_len) {
    size_t i, o = 0;
    char *out = (char *)malloc(2 * len + 1);
    if (!out) abort();
    for (i = 0; i < len; i++) {
        if (text[i] == '\n') out[o++] = '\r';
        out[o++] = text[i];
    }
    *out_len = o;
    return out;
}

static int same(const void *a, size_t an, const void *b, size_t bn) { return an == bn && memcmp(a, b, an) == 0; }

/* What BearSSL's decoder makes of der, against our loader's anchor. */
static void der_compare(const uint8_t *der, size_t n) {
    br_x509_decoder_context dc;
    const br_x509_pkey *pk;
    wsc__anchors a;
    wsc__buf dn;
    wsc__buf_init(&dn, &fuzz_mem);
    br_x509_decoder_init(&dc, wsc__buf_sink, &dn);
    br_x509_decoder_push(&dc, der, n);
    FUZZ_CHECK(dn.cap != (size_t)-1); /* the sink's mark of a failed allocation */
    pk = br_x509_decoder_get_pkey(&dc);
    wsc__anchors_init(&a, &fuzz_mem);
    wsc__anchors_add_der(&a, der, n);
    FUZZ_CHECK(a.oom == 0);
    if (pk && br_x509_decoder_last_error(&dc) == 0 && (pk->key_type == BR_KEYTYPE_RSA || pk->key.ec.curve == BR_EC_secp256r1 ||
                                                       pk->key.ec.curve == BR_EC_secp384r1 || pk->key.ec.curve == BR_EC_secp521r1)) {
        const br_x509_trust_anchor *t = &a.ta[0];
        FUZZ_CHECK(a.n == 1);
        FUZZ_CHECK(same(t->dn.data, t->dn.len, dn.data, dn.len));
        FUZZ_CHECK((t->flags == BR_X509_TA_CA) == (br_x509_decoder_isCA(&dc) != 0));
        FUZZ_CHECK(t->pkey.key_type == pk->key_type);
        if (pk->key_type == BR_KEYTYPE_RSA)
            FUZZ_CHECK(same(t->pkey.key.rsa.n, t->pkey.key.rsa.nlen, pk->key.rsa.n, pk->key.rsa.nlen) &&
                       same(t->pkey.key.rsa.e, t->pkey.key.rsa.elen, pk->key.rsa.e, pk->key.rsa.elen));
        else
            FUZZ_CHECK(t->pkey.key.ec.curve == pk->key.ec.curve &&
                       same(t->pkey.key.ec.q, t->pkey.key.ec.qlen, pk->key.ec.q, pk->key.ec.qlen));
    }
    wsc__anchors_free(&a);
    wsc__buf_free(&dn);
}

FUZZ_ENTRY(fuzz_pem) {
    fuzz_in in = {data, size, 0};
    unsigned mode = fuzz_u8(&in);
    size_t n;
    uint8_t *rest = fuzz_rest(&in, &n);
    if (!(mode & 1)) {
        pem_check((const char *)rest, n);
    } else {
        /* base64 is 4/3 the size, plus a newline per 48 bytes and the armour */
        size_t cap = 2 * (n / 3 * 4 + n / 48 + 200) + 64;
        char *text = (char *)malloc(cap), *exact, *crlf;
        size_t len, crlf_len;
        long anchors;
        if (!text) abort();
        der_compare(rest, n);
        len = pem_wrap(text, "CERTIFICATE", rest, n);
        if (mode & 2) len += pem_wrap(text + len, (mode & 4) ? "PRIVATE KEY" : "TRUSTED CERTIFICATE", rest, n);
        exact = (char *)malloc(len);
        if (!exact) abort();
        memcpy(exact, text, len);
        anchors = pem_check(exact, len);
        crlf = pem_crlf(exact, len, &crlf_len);
        FUZZ_CHECK(pem_check(crlf, crlf_len) == anchors);
        free(crlf);
        free(exact);
        free(text);
    }
    free(rest);
    return 0;
}
