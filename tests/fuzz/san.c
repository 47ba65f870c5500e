/* san.c - libFuzzer target: the DER walk that looks for an iPAddress
   subjectAltName in the server's certificate (wsc__cert_has_ip, RFC 5280
   §4.2.1.6). The certificate comes from the server before it is trusted.

   Input: byte 0 picks the address length (even: 4, IPv4; odd: 16, IPv6),
   then the address; the rest is the certificate, in a buffer of exactly
   its size.

   Checks: no read outside the certificate; a match means the certificate
   holds the subjectAltName OID and, after it, an iPAddress (tag [7],
   primitive) of that length with those bytes; the answer does not depend
   on bytes behind the outer SEQUENCE. The same certificate also goes
   through the host-name walk (wsc__cert_has_name: dNSNames, else the
   subject's common names). */
#include "fuzz.h"

static const uint8_t *san_find(const uint8_t *hay, size_t n, const uint8_t *needle, size_t k) {
    size_t i;
    for (i = 0; k <= n && i <= n - k; i++)
        if (memcmp(hay + i, needle, k) == 0) return hay + i;
    return NULL;
}

/* Is the ASCII word (lower case) in hay, whatever the case of its letters? */
static int san_has_word(const uint8_t *hay, size_t n, const char *word) {
    size_t i, j, k = strlen(word);
    for (i = 0; k <= n && i <= n - k; i++) {
        for (j = 0; j < k && (hay[i + j] | 0x20) == (uint8_t)word[j]; j++) {}
        if (j == k) return 1;
    }
    return 0;
}

FUZZ_ENTRY(fuzz_san) {
    static const uint8_t san_oid[] = {0x06, 0x03, 0x55, 0x1D, 0x11};
    fuzz_in in = {data, size, 0};
    size_t iplen = (fuzz_u8(&in) & 1) ? 16 : 4, n, i;
    uint8_t ip[16], *der, *longer;
    int has;
    for (i = 0; i < iplen; i++) ip[i] = (uint8_t)fuzz_u8(&in);
    der = fuzz_rest(&in, &n);
    has = wsc__cert_has_ip(der, n, ip, iplen);
    FUZZ_CHECK(has == 0 || has == 1);
    if (has) {
        uint8_t want[18];
        const uint8_t *oid = san_find(der, n, san_oid, sizeof san_oid);
        want[0] = 0x87;
        want[1] = (uint8_t)iplen;
        memcpy(want + 2, ip, iplen);
        FUZZ_CHECK(oid != NULL);
        if (oid) FUZZ_CHECK(san_find(oid, n - (size_t)(oid - der), want, iplen + 2) != NULL);
    }
    /* the host-name walk over the same bytes: subjectAltName dNSNames, or the
       subject's common names; no read outside, and a name match needs the name */
    {
        wsc__cert_view c;
        if (wsc__cert_parse(der, n, &c)) {
            int named = wsc__cert_has_name(&c, "fuzz.example");
            FUZZ_CHECK(named == 0 || named == 1);
            if (named) FUZZ_CHECK(san_has_word(der, n, "example")); /* names match whatever their case */
        }
    }
    /* once the outer TLV fits, trailing bytes change nothing */
    longer = (uint8_t *)malloc(n + 7);
    if (!longer) abort();
    memcpy(longer, der, n);
    memcpy(longer + n, "\x87\x04\x7f\x00\x00\x01\x30", 7);
    {
        const uint8_t *p = der, *v;
        unsigned tag;
        size_t len;
        if (wsc__der_next(&p, der + n, &tag, &v, &len))
            FUZZ_CHECK(wsc__cert_has_ip(longer, n + 7, ip, iplen) == has);
    }
    free(longer);
    free(der);
    return 0;
}
