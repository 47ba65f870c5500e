/* pem2c - turns PEM CA certificates into a C array of BearSSL trust anchors,
   for devices without a file system (wsc_config.trust_anchors); with -c, a
   client certificate chain and its private key (wsc_config.client_chain).

       cc -std=c99 -I. tools/pem2c.c -o pem2c -lbearssl      (or: make anchors PEM=...)
       ./pem2c [-n NAME] FILE.pem... > anchors.c
       ./pem2c -c [-n NAME] CHAIN.pem [KEY.pem] > client.c    (or: make client-cert CERT=... KEY=...)

   The output defines
       const br_x509_trust_anchor NAME[];     (default NAME: wsc_trust_anchors)
       const size_t NAME_count;
   and a program uses it as
       extern const br_x509_trust_anchor wsc_trust_anchors[];
       extern const size_t wsc_trust_anchors_count;
       config.trust_anchors = wsc_trust_anchors;
       config.trust_anchor_count = wsc_trust_anchors_count;
   Certificates are read as wsclient.h reads a CA file (the same code), so the
   array holds what a connect with ca_file would have trusted.

   With -c the output defines (default NAME: wsc_client)
       const br_x509_certificate NAME_chain[];   the chain, leaf first
       const size_t NAME_chain_count;
       const void *const NAME_key;               a br_rsa_private_key or br_ec_private_key
       const int NAME_key_type;                  BR_KEYTYPE_RSA or BR_KEYTYPE_EC
   and a program uses it as
       config.client_chain = NAME_chain;
       config.client_chain_count = NAME_chain_count;
       config.client_key = NAME_key;
       config.client_key_type = NAME_key_type;
   The key (in KEY.pem, or in CHAIN.pem) is read and checked against the
   leaf as a connect reads client_cert_file and client_key_file. The output
   holds the private key: keep it as secret as the key file. */
#define WSCLIENT_IMPLEMENTATION
#include "wsclient.h"

static void bytes(const char *name, size_t i, const char *what, const unsigned char *p, size_t n) {
    size_t k;
    printf("static const unsigned char %s_%s%lu[%lu] = {", name, what, (unsigned long)i, (unsigned long)(n ? n : 1));
    for (k = 0; k < n; k++) printf("%s0x%02X%s", k % 12 ? "" : "\n    ", p[k], k + 1 < n ? "," : "");
    printf("%s\n};\n", n ? "" : "0");
}

/* -c: the client chain and key of CHAIN.pem [KEY.pem]. */
static int client(const char *name, const char *chain, const char *key) {
    wsc__client c;
    wsc_config cfg;
    size_t i;
    memset(&c, 0, sizeof c);
    memset(&cfg, 0, sizeof cfg);
    c.mem = &wsc__g.mem;
    cfg.client_cert_file = chain;
    cfg.client_key_file = key;
    if (!wsc__client_load(&c, &cfg)) {
        fprintf(stderr, "pem2c: %s\n", wsc_error_info());
        return 1;
    }
    printf("/* A client certificate made by tools/pem2c: a chain of %lu and its %s private key.\n"
           "   It holds the private key: keep it as secret as the key file. */\n#include <stddef.h>\n#include <bearssl.h>\n\n",
           (unsigned long)c.n, c.key_type == BR_KEYTYPE_RSA ? "RSA" : "EC");
    for (i = 0; i < c.n; i++) bytes(name, i, "cert", c.chain[i].data, c.chain[i].data_len);
    if (c.key_type == BR_KEYTYPE_RSA) {
        const br_rsa_private_key *k = &c.own_key.rsa;
        bytes(name, 0, "p", k->p, k->plen);
        bytes(name, 0, "q", k->q, k->qlen);
        bytes(name, 0, "dp", k->dp, k->dplen);
        bytes(name, 0, "dq", k->dq, k->dqlen);
        bytes(name, 0, "iq", k->iq, k->iqlen);
        printf("\nstatic const br_rsa_private_key %s_rsa = {%u, (unsigned char *)%s_p0, %lu, (unsigned char *)%s_q0, %lu,\n"
               "    (unsigned char *)%s_dp0, %lu, (unsigned char *)%s_dq0, %lu, (unsigned char *)%s_iq0, %lu};\n",
               name, (unsigned)k->n_bitlen, name, (unsigned long)k->plen, name, (unsigned long)k->qlen, name,
               (unsigned long)k->dplen, name, (unsigned long)k->dqlen, name, (unsigned long)k->iqlen);
    } else {
        const br_ec_private_key *k = &c.own_key.ec;
        bytes(name, 0, "x", k->x, k->xlen);
        printf("\nstatic const br_ec_private_key %s_ec = {%d, (unsigned char *)%s_x0, %lu};\n", name, k->curve, name,
               (unsigned long)k->xlen);
    }
    printf("\nextern const br_x509_certificate %s_chain[%lu];\nextern const size_t %s_chain_count;\n"
           "extern const void *const %s_key;\nextern const int %s_key_type;\n", name, (unsigned long)c.n, name, name, name);
    printf("\nconst br_x509_certificate %s_chain[%lu] = {\n", name, (unsigned long)c.n);
    for (i = 0; i < c.n; i++)
        printf("    {(unsigned char *)%s_cert%lu, %lu}%s\n", name, (unsigned long)i, (unsigned long)c.chain[i].data_len,
               i + 1 < c.n ? "," : "");
    printf("};\n\nconst size_t %s_chain_count = %lu;\nconst void *const %s_key = &%s_%s;\nconst int %s_key_type = %s;\n",
           name, (unsigned long)c.n, name, name, c.key_type == BR_KEYTYPE_RSA ? "rsa" : "ec", name,
           c.key_type == BR_KEYTYPE_RSA ? "BR_KEYTYPE_RSA" : "BR_KEYTYPE_EC");
    wsc__client_free(&c);
    return ferror(stdout) ? 1 : 0;
}

int main(int argc, char **argv) {
    const char *name = NULL;
    wsc__anchors a;
    size_t i;
    int arg = 1, is_client = 0;
    if (arg < argc && strcmp(argv[arg], "-c") == 0) { is_client = 1; arg++; }
    if (arg + 1 < argc && strcmp(argv[arg], "-n") == 0) { name = argv[arg + 1]; arg += 2; }
    if (arg >= argc || (is_client && arg + 2 < argc)) {
        fprintf(stderr, "usage: pem2c [-n NAME] FILE.pem... > anchors.c\n"
                        "       pem2c -c [-n NAME] CHAIN.pem [KEY.pem] > client.c\n");
        return 2;
    }
    if (is_client) return client(name ? name : "wsc_client", argv[arg], arg + 1 < argc ? argv[arg + 1] : NULL);
    if (!name) name = "wsc_trust_anchors";
    wsc__anchors_init(&a, &wsc__g.mem);
    for (; arg < argc; arg++) {
        errno = 0;
        if (!wsc__anchors_add_file(&a, argv[arg]) || a.oom) {
            fprintf(stderr, "pem2c: cannot read '%s': %s\n", argv[arg], errno ? strerror(errno) : "not valid PEM");
            return 1;
        }
    }
    wsc__anchors_dedupe(&a);
    if (a.n == 0) {
        fprintf(stderr, "pem2c: no usable certificate\n");
        return 1;
    }
    printf("/* Trust anchors made by tools/pem2c: %lu CA certificates. */\n#include <stddef.h>\n#include <bearssl.h>\n\n",
           (unsigned long)a.n);
    for (i = 0; i < a.n; i++) {
        const br_x509_trust_anchor *t = &a.ta[i];
        bytes(name, i, "dn", t->dn.data, t->dn.len);
        if (t->pkey.key_type == BR_KEYTYPE_RSA) {
            bytes(name, i, "n", t->pkey.key.rsa.n, t->pkey.key.rsa.nlen);
            bytes(name, i, "e", t->pkey.key.rsa.e, t->pkey.key.rsa.elen);
        } else {
            bytes(name, i, "q", t->pkey.key.ec.q, t->pkey.key.ec.qlen);
        }
    }
    printf("\nextern const br_x509_trust_anchor %s[%lu];\nextern const size_t %s_count;\n", name, (unsigned long)a.n, name);
    printf("\nconst br_x509_trust_anchor %s[%lu] = {\n", name, (unsigned long)a.n);
    for (i = 0; i < a.n; i++) {
        const br_x509_trust_anchor *t = &a.ta[i];
        unsigned long k = (unsigned long)i;
        printf("    {{(unsigned char *)%s_dn%lu, %lu}, %s, ", name, k, (unsigned long)t->dn.len,
               t->flags & BR_X509_TA_CA ? "BR_X509_TA_CA" : "0");
        if (t->pkey.key_type == BR_KEYTYPE_RSA)
            printf("{BR_KEYTYPE_RSA, {.rsa = {(unsigned char *)%s_n%lu, %lu, (unsigned char *)%s_e%lu, %lu}}}}", name, k,
                   (unsigned long)t->pkey.key.rsa.nlen, name, k, (unsigned long)t->pkey.key.rsa.elen);
        else
            printf("{BR_KEYTYPE_EC, {.ec = {%d, (unsigned char *)%s_q%lu, %lu}}}}", t->pkey.key.ec.curve, name, k,
                   (unsigned long)t->pkey.key.ec.qlen);
        printf("%s\n", i + 1 < a.n ? "," : "");
    }
    printf("};\n\nconst size_t %s_count = %lu;\n", name, (unsigned long)a.n);
    wsc__anchors_free(&a);
    return ferror(stdout) ? 1 : 0;
}
