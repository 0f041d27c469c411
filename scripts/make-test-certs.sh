#!/usr/bin/env bash
# Regenerate the TLS test fixtures in test/fixtures/tls (checked in, valid for 100 years, so tests
# need no openssl): a CA, a broker certificate for 127.0.0.1 and localhost signed by it, a client
# certificate (CN=alice) signed by it, and an unrelated CA a client must not trust.
set -euo pipefail
out="$(cd "$(dirname "$0")/.." && pwd)/test/fixtures/tls"
mkdir -p "$out"
cd "$out"
days=36500
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days "$days" -subj "/CN=metaq test CA" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout other-ca.key -out other-ca.pem -days "$days" -subj "/CN=some other CA" 2>/dev/null
issue() { # name subject extensions
  openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2" 2>/dev/null
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -out "$1.pem" -days "$days" -extfile <(printf '%s\n' "$3") 2>/dev/null
  rm "$1.csr"
}
issue broker "/CN=metaq broker" "subjectAltName=IP:127.0.0.1,DNS:localhost"
issue client "/CN=alice" "extendedKeyUsage=clientAuth"
rm -f ca.srl ca.key other-ca.key
echo "wrote $(ls "$out" | tr '\n' ' ')"
