/* pem2c - turns PEM CA certificates into a C array of BearSSL trust anchors,
   for devices without a file system (wsc_config.trust_anchors).

       cc -std=c99 -I. tools/pem2c.c -o pem2c -lbearssl      (or: make anchors PEM=...)
       ./pem2c [-n NAME] FILE.pem... > anchors.c

   The output defines
       const br_x509_trust_anchor NAME[];     (default NAME: wsc_trust_anchors)
       const size_t NAME_count;
   and a program uses it as
       extern const br_x509_trust_anchor wsc_trust_anchors[];
       extern const size_t wsc_trust_anchors_count;
       config.trust_anchors = wsc_trust_anchors;
       config.trust_anchor_count = wsc_trust_anchors_count;
   Certificates are read as wsclient.h reads a CA file (the same code), so the
   array holds what a connect with ca_file would have trusted. */
#define WSCLIENT_IMPLEMENTATION
#include "wsclient.h"

static void bytes(const char *name, size_t i, const char *what, const unsigned char *p, size_t n) {
    size_t k;
    printf("static const unsigned char %s_%s%lu[%lu] = {", name, what, (unsigned long)i, (unsigned long)(n ? n : 1));
    for (k = 0; k < n; k++) printf("%s0x%02X%s", k % 12 ? "" : "\n    ", p[k], k + 1 < n ? "," : "");
    printf("%s\n};\n", n ? "" : "0");
}

int main(int argc, char **argv) {
    const char *name = "wsc_trust_anchors";
    wsc__anchors a;
    size_t i;
    int arg = 1;
    if (arg + 1 < argc && strcmp(argv[arg], "-n") == 0) { name = argv[arg + 1]; arg += 2; }
    if (arg >= argc) {
        fprintf(stderr, "usage: pem2c [-n NAME] FILE.pem... > anchors.c\n");
        return 2;
    }
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
