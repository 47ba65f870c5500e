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
set -euo pipefail
dir=${1:?usage: mkcerts.sh DIR}
mkdir -p "$dir"
cd "$dir"
outputs="ca.pem server.pem server-rsa.pem server-chain.pem wrong.pem other-ca.pem untrusted.pem expired.pem"
all=1
for f in $outputs; do [ -s "$f" ] || all=0; done
if [ $all = 1 ] && openssl x509 -checkend 86400 -noout -in server.pem >/dev/null 2>&1; then exit 0; fi

ec_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
rsa_key() { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null; }

# make_ca NAME CN
make_ca() {
    ec_key "$1.key"
    openssl req -x509 -new -key "$1.key" -out "$1.pem" -days 30 -subj "/CN=$2" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

# make_leaf NAME KEYKIND CA CN SAN
make_leaf() {
    "$2_key" "$1.key"
    openssl req -new -key "$1.key" -out "$1.csr" -subj "/CN=$4" 2>/dev/null
    printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' \
        "$5" > "$1.ext"
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

# An expired leaf: openssl ca takes explicit start and end dates.
ec_key expired.key
openssl req -new -key expired.key -out expired.csr -subj "/CN=localhost" 2>/dev/null
rm -rf ca-db && mkdir ca-db && : > ca-db/index.txt && echo 1000 > ca-db/serial
cat > ca-db/ca.cnf <<CNF
[ ca ]
default_ca = test
[ test ]
database = ca-db/index.txt
serial = ca-db/serial
new_certs_dir = ca-db
default_md = sha256
policy = any
copy_extensions = none
[ any ]
commonName = supplied
[ leaf ]
basicConstraints = CA:FALSE
extendedKeyUsage = serverAuth
subjectAltName = $local_san
CNF
openssl ca -batch -config ca-db/ca.cnf -cert ca.pem -keyfile ca.key -in expired.csr -out expired.pem \
    -startdate 20200101000000Z -enddate 20200201000000Z -extensions leaf -notext 2>/dev/null
rm -rf ca-db expired.csr ca.srl other-ca.srl

for f in server server-rsa wrong; do openssl verify -CAfile ca.pem "$f.pem" >/dev/null; done
openssl verify -CAfile other-ca.pem untrusted.pem >/dev/null
