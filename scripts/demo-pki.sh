#!/usr/bin/env bash
# The demo federation's CA and node certificates (CN = node id), made with openssl into DIR if not there yet:
# ca.pem/ca.key and NODE.pem/NODE.key for each node named. In production each node's certificate comes from the
# federation's own CA, and the CA's key never sits next to a node.
#   demo-pki.sh DIR NODE...
set -euo pipefail
dir=${1:?usage: demo-pki.sh DIR NODE...}
shift
mkdir -p "$dir"
if [ ! -f "$dir/ca.pem" ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$dir/ca.key" -out "$dir/ca.pem" \
    -days 3650 -subj "/O=regfed demo/CN=IKZ Sachsen-Anhalt Sued demo federation CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
fi
for node in "$@"; do
  [ -f "$dir/$node.pem" ] && continue
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$dir/$node.key" -out "$dir/$node.csr" \
    -subj "/O=regfed demo/CN=$node" 2>/dev/null
  openssl x509 -req -in "$dir/$node.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -days 825 \
    -out "$dir/$node.pem" -extfile <(printf '%s\n' "basicConstraints=critical,CA:FALSE" \
      "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth,clientAuth" \
      "subjectAltName=DNS:localhost,IP:127.0.0.1") 2>/dev/null
  rm -f "$dir/$node.csr"
  chmod 600 "$dir/$node.key"
done
chmod 600 "$dir/ca.key"
