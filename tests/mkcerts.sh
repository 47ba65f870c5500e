#!/usr/bin/env bash
# mkcerts.sh DIR: a throwaway PKI for the tests and the demo, made with openssl.
#   ca.pem/key            test root CA
#   server.pem/key        EC P-256 leaf for localhost, 127.0.0.1, ::1 (signed by ca)
#   server-rsa.pem/key    the same with an RSA 2048 key
#   server-chain.pem      server.pem + ca.pem
#   wrong.pem/key         leaf for wrong.example only (host name mismatch)
#   other-ca.pem/key      an unrelated CA
#   untrusted.pem/key     leaf for localhost signed by other-ca (untrusted issuer)
#   expired.pem/key       leaf for localhost signed by ca, expired in 2020
#   notyet.pem/key        leaf for localhost signed by ca, valid from 2090
#   selfsigned.pem/key    self-signed leaf for localhost
#   int-ca.pem/key        intermediate CA signed by ca
#   leaf-int.pem/key      leaf for localhost signed by int-ca (alone: the intermediate is missing)
#   chain-int.pem         leaf-int.pem + int-ca.pem (a good chain)
#   chain-notca.pem       leaf signed by a CA:FALSE certificate, + that certificate
#   chain-dn.pem          leaf-int.pem + other-ca.pem (the issuer sent is the wrong one)
#   badsig.pem/key        leaf naming ca as issuer but signed by another key: twin-ca's
#   twin-ca.pem           a CA with ca's name and another key (anchors are picked by name, kept by key)
#   ipsan.pem/key         leaf with DNS:127.0.0.1 and IP:127.0.0.2 only (no IP SAN 127.0.0.1)
#   ip6san.pem/key        leaf with IP:::1 only
#   wild.pem/key          leaf with DNS:*.com and DNS:*.example.com only (a wildcard on a TLD, and a good one)
#   cn-only.pem/key       leaf with CN=localhost and no subjectAltName (the CN is then the name)
#   cn-wild.pem/key       leaf with CN=*.com and no subjectAltName
#   selfsigned.der        selfsigned.pem in DER
#   client-ca.pem/key     the CA the mutual-TLS servers trust for client certificates
#   client-rsa.pem/key    client leaf (clientAuth), RSA 2048 (its first prime 1 mod 4), signed by client-ca
#   client-ec.pem/key     the same with an ECDSA P-256 key
#   client-both.pem       client-ec.key + client-ec.pem in one file (key first)
#   client-int-ca.pem     intermediate CA under client-ca
#   client-chain.pem/key  leaf signed by client-int-ca, + client-int-ca.pem (a chain of 2)
#   client-expired.pem/key  client leaf signed by client-ca, expired in 2020
#   client-untrusted.pem/key  client leaf signed by other-ca
#   client-other.key      an EC P-256 key that is not client-ec's (a mismatch)
#   client-ed25519.pem/key  client leaf with an Ed25519 key (BearSSL cannot sign with it)
#   client-enc.key        client-ec.key encrypted (PKCS#8, password "x")
#   rsa-ca.pem/key        a CA with an RSA 2048 key
#   sig-ec-SHA.pem        server.key's leaf signed by ca with ECDSA and SHA (sha1, sha224, sha384, sha512)
#   sig-rsa-SHA.pem       the same signed by rsa-ca with RSA PKCS#1 v1.5 and SHA (sha1 ... sha512)
#   sig-ed25519.pem       a self-signed Ed25519 certificate
#   *.pin                 the sha256// pin (base64 SHA-256 of the SubjectPublicKeyInfo) of server, selfsigned
set -euo pipefail
dir=${1:?usage: mkcerts.sh DIR}
mkdir -p "$dir"
cd "$dir"
outputs="ca.pem server.pem server-rsa.pem server-chain.pem wrong.pem other-ca.pem untrusted.pem expired.pem
         notyet.pem selfsigned.pem chain-int.pem chain-notca.pem chain-dn.pem badsig.pem ipsan.pem ip6san.pem
         wild.pem cn-only.pem cn-wild.pem selfsigned.der server.pin selfsigned.pin
         client-ca.pem client-rsa.pem client-ec.pem client-both.pem client-chain.pem client-expired.pem
         client-untrusted.pem client-other.key client-ed25519.pem client-enc.key twin-ca.pem rsa-ca.pem
         sig-ec-sha1.pem sig-ec-sha224.pem sig-ec-sha384.pem sig-ec-sha512.pem sig-rsa-sha1.pem sig-rsa-sha224.pem
         sig-rsa-sha256.pem sig-rsa-sha384.pem sig-rsa-sha512.pem sig-ed25519.pem"
all=1
for f in $outputs; do [ -s "$f" ] || all=0; done
if [ $all = 1 ] && openssl x509 -checkend 86400 -noout -in server.pem >/dev/null 2>&1; then exit 0; fi

ec_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
rsa_key() { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null; }
# An RSA key whose first prime is 1 modulo 4, as 3 in 4 keys made elsewhere
# are: BearSSL cannot recompute its exponents from such a key, and the
# OpenSSL backend once relied on that (tests/mtls.c, client-rsa).
rsa1mod4_key() {
    local last
    while :; do
        rsa_key "$1"
        last=$(openssl rsa -in "$1" -noout -text 2>/dev/null | sed -n '/^prime1:/,/^prime2:/p' | grep -v prime | tr -d ' \n:' | tail -c 2)
        [ $((16#$last % 4)) -eq 1 ] && return
    done
}

# make_ca NAME CN
make_ca() {
    ec_key "$1.key"
    openssl req -x509 -new -key "$1.key" -out "$1.pem" -days 30 -subj "/CN=$2" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

ed25519_key() { openssl genpkey -algorithm ED25519 -out "$1" 2>/dev/null; }

# make_leaf NAME KEYKIND CA CN SAN [EKU]
make_leaf() {
    "$2_key" "$1.key"
    openssl req -new -key "$1.key" -out "$1.csr" -subj "/CN=$4" 2>/dev/null
    printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=%s\n' "${6:-serverAuth}" > "$1.ext"
    if [ -n "$5" ]; then printf 'subjectAltName=%s\n' "$5" >> "$1.ext"; fi
    openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -CAcreateserial -out "$1.pem" \
        -days 30 -extfile "$1.ext" 2>/dev/null
    rm -f "$1.csr" "$1.ext"
}

local_san="DNS:localhost,IP:127.0.0.1,IP:::1"
make_ca ca "wsclient test CA"
make_ca other-ca "wsclient other CA"
make_leaf server ec ca localhost "$local_san"
make_leaf server-rsa rsa ca localhost "$local_san"
make_leaf wrong ec ca wrong.example "DNS:wrong.example"
make_leaf untrusted ec other-ca localhost "$local_san"
cat server.pem ca.pem > server-chain.pem

# ca_db EKU [EXTRA]: a fresh ca-db/ for openssl ca, which takes explicit start
# and end dates: its leaves get extendedKeyUsage EKU and the line EXTRA.
ca_db() {
    rm -rf ca-db && mkdir ca-db && : > ca-db/index.txt && echo 1000 > ca-db/serial
    printf '%s\n' "[ ca ]" "default_ca = test" "[ test ]" "database = ca-db/index.txt" "unique_subject = no" \
        "serial = ca-db/serial" "new_certs_dir = ca-db" "default_md = sha256" "policy = any" "copy_extensions = none" \
        "[ any ]" "commonName = supplied" "[ leaf ]" "basicConstraints = CA:FALSE" "extendedKeyUsage = $1" "${2:-}" > ca-db/ca.cnf
}

# Leaves with fixed dates: openssl ca takes explicit start and end dates.
ec_key expired.key
openssl req -new -key expired.key -out expired.csr -subj "/CN=localhost" 2>/dev/null
ec_key notyet.key
openssl req -new -key notyet.key -out notyet.csr -subj "/CN=localhost" 2>/dev/null
ca_db serverAuth "subjectAltName = $local_san"
openssl ca -batch -config ca-db/ca.cnf -cert ca.pem -keyfile ca.key -in expired.csr -out expired.pem \
    -startdate 20200101000000Z -enddate 20200201000000Z -extensions leaf -notext 2>/dev/null
openssl ca -batch -config ca-db/ca.cnf -cert ca.pem -keyfile ca.key -in notyet.csr -out notyet.pem \
    -startdate 20900101000000Z -enddate 20910101000000Z -extensions leaf -notext 2>/dev/null
rm -rf ca-db expired.csr notyet.csr

# A self-signed leaf.
ec_key selfsigned.key
openssl req -x509 -new -key selfsigned.key -out selfsigned.pem -days 30 -subj "/CN=localhost" \
    -addext "subjectAltName=$local_san" 2>/dev/null

# Chains through an intermediate CA, good and bad.
ec_key int-ca.key
openssl req -new -key int-ca.key -out int-ca.csr -subj "/CN=wsclient intermediate CA" 2>/dev/null
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' > int-ca.ext
openssl x509 -req -in int-ca.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out int-ca.pem -days 30 -extfile int-ca.ext 2>/dev/null
make_leaf leaf-int ec int-ca localhost "$local_san"
cat leaf-int.pem int-ca.pem > chain-int.pem
cat leaf-int.pem other-ca.pem > chain-dn.pem
make_leaf notca ec ca "wsclient not a CA" "DNS:notca.example"   # CA:FALSE, yet it signs below
make_leaf leaf-notca ec notca localhost "$local_san"
cat leaf-notca.pem notca.pem > chain-notca.pem
# The issuer's name is ca's, the signature is another key's.
ec_key twin-ca.key
openssl req -x509 -new -key twin-ca.key -out twin-ca.pem -days 30 -subj "/CN=wsclient test CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
make_leaf badsig ec twin-ca localhost "$local_san"
rm -f int-ca.csr int-ca.ext twin-ca.key

# IP addresses are matched against IP SANs only, never DNS names or the CN.
make_leaf ipsan ec ca 127.0.0.1 "DNS:127.0.0.1,IP:127.0.0.2"
make_leaf ip6san ec ca "::1" "IP:::1"

# Wildcards: one on a top-level domain (refused), one under it (good); and
# names in the CN alone, which count when there is no subjectAltName.
make_leaf wild ec ca "wsclient wildcard" "DNS:*.com,DNS:*.example.com"
make_leaf cn-only ec ca localhost ""
make_leaf cn-wild ec ca "*.com" ""
# Client certificates (mutual TLS), under their own CA.
make_ca client-ca "wsclient client CA"
make_leaf client-rsa rsa1mod4 client-ca client-rsa "" clientAuth
make_leaf client-ec ec client-ca client-ec "" clientAuth
cat client-ec.key client-ec.pem > client-both.pem
ec_key client-int-ca.key
openssl req -new -key client-int-ca.key -out client-int-ca.csr -subj "/CN=wsclient client intermediate CA" 2>/dev/null
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' > client-int-ca.ext
openssl x509 -req -in client-int-ca.csr -CA client-ca.pem -CAkey client-ca.key -CAcreateserial -out client-int-ca.pem \
    -days 30 -extfile client-int-ca.ext 2>/dev/null
make_leaf client-leaf-int ec client-int-ca client-chain "" clientAuth
cat client-leaf-int.pem client-int-ca.pem > client-chain.pem
mv client-leaf-int.key client-chain.key
make_leaf client-untrusted ec other-ca client-untrusted "" clientAuth
make_leaf client-ed25519 ed25519 client-ca client-ed25519 "" clientAuth
ec_key client-other.key
openssl pkcs8 -topk8 -in client-ec.key -out client-enc.key -passout pass:x 2>/dev/null
ec_key client-expired.key
openssl req -new -key client-expired.key -out client-expired.csr -subj "/CN=client-expired" 2>/dev/null
ca_db clientAuth
openssl ca -batch -config ca-db/ca.cnf -cert client-ca.pem -keyfile client-ca.key -in client-expired.csr \
    -out client-expired.pem -startdate 20200101000000Z -enddate 20200201000000Z -extensions leaf -notext 2>/dev/null
rm -rf ca-db client-expired.csr client-int-ca.csr client-int-ca.ext client-leaf-int.pem

# One leaf key signed with every hash the minimal engine knows, by ECDSA and by RSA.
rsa_key rsa-ca.key
openssl req -x509 -new -key rsa-ca.key -out rsa-ca.pem -days 30 -subj "/CN=wsclient RSA CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -new -key server.key -out sig.csr -subj "/CN=localhost" 2>/dev/null
printf 'basicConstraints=CA:FALSE\nsubjectAltName=%s\n' "$local_san" > sig.ext
for md in sha1 sha224 sha256 sha384 sha512; do
    if [ $md != sha256 ]; then
        openssl x509 -req -in sig.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out "sig-ec-$md.pem" -days 30 -"$md" \
            -extfile sig.ext 2>/dev/null
    fi
    openssl x509 -req -in sig.csr -CA rsa-ca.pem -CAkey rsa-ca.key -CAcreateserial -out "sig-rsa-$md.pem" -days 30 -"$md" \
        -extfile sig.ext 2>/dev/null
done
ed25519_key sig-ed25519.key
openssl req -x509 -new -key sig-ed25519.key -out sig-ed25519.pem -days 30 -subj "/CN=localhost" 2>/dev/null
rm -f sig.csr sig.ext sig-ed25519.key

rm -f ./*.srl
openssl x509 -in selfsigned.pem -outform der -out selfsigned.der

# Pins: base64 SHA-256 of the SubjectPublicKeyInfo, as curl --pinnedpubkey takes them.
for f in server selfsigned; do
    openssl x509 -in "$f.pem" -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64 > "$f.pin"
done

for f in server server-rsa wrong ipsan ip6san wild cn-only cn-wild; do openssl verify -CAfile ca.pem "$f.pem" >/dev/null; done
openssl verify -CAfile ca.pem -untrusted int-ca.pem leaf-int.pem >/dev/null
openssl verify -CAfile other-ca.pem untrusted.pem >/dev/null
for f in client-rsa client-ec client-ed25519; do openssl verify -CAfile client-ca.pem "$f.pem" >/dev/null; done
openssl verify -CAfile client-ca.pem -untrusted client-chain.pem client-chain.pem >/dev/null
