#!/bin/sh
# Test-only TLS material for test/p4runtime/tls.test.ts: a CA, a server certificate for
# "p4rt.test" and 127.0.0.1, and a client certificate, all signed by the CA, valid 100 years.
# Regenerate with: sh test/p4runtime/tls/make.sh (from the repository root). Never use elsewhere.
set -e
cd "$(dirname "$0")"
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 36500 -subj "/CN=ofp4 test CA" 2>/dev/null
for who in server client; do
  openssl req -newkey rsa:2048 -nodes -keyout $who.key -out $who.csr -subj "/CN=$who.p4rt.test" 2>/dev/null
  printf 'subjectAltName=DNS:p4rt.test,IP:127.0.0.1\n' > $who.ext
  openssl x509 -req -in $who.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out $who.crt -days 36500 -extfile $who.ext 2>/dev/null
  rm -f $who.csr $who.ext
done
rm -f ca.srl ca.key
