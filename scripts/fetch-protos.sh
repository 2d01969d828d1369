#!/usr/bin/env bash
# Fetches third-party .proto files into third_party/, which buf.yaml lists as
# workspace modules (the Buf Schema Registry is not reachable from every machine):
# - protovalidate's, which the contract imports, through the Go module proxy;
# - gRPC's reflection and health protocols, which the server implements, from the
#   npm packages that ship them;
# - google.rpc.Status and google.rpc.RetryInfo (the error details of a rate-limited
#   call), from googleapis' own npm package of its protos (published from
#   github.com/googleapis/google-cloud-node, Apache-2.0; only these two plain .proto
#   files are taken from it, nothing is installed or run). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

# Keep in step with the version @bufbuild/protovalidate was generated from
# (its README names it as "compatible with buf.build/bufbuild/protovalidate vX").
PROTOVALIDATE_VERSION=v1.2.2

GRPC_REFLECTION_NPM=@grpc/reflection@1.0.4
GRPC_HEALTH_NPM=grpc-health-check@2.1.0
# Pinned by version and by the tarball's hash (what `npm view <pkg> dist.integrity` says).
GOOGLEAPIS_NPM=google-proto-files@6.0.1
GOOGLEAPIS_SHA512=fbvUWVNh3rKGlVFWwlUNF7Sk1Tah0a89q02rLTXsWjbKKHGeuURAa8tl9rvu5TyWny1YiSIo5eDqF260Tai6vQ==

fetch_grpc() {
  local dest=third_party/grpc stamp=third_party/grpc/.version want="$GRPC_REFLECTION_NPM $GRPC_HEALTH_NPM formatted"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return; fi
  local work
  work=$(mktemp -d)
  (cd "$work" && npm pack --silent "$GRPC_REFLECTION_NPM" "$GRPC_HEALTH_NPM" >/dev/null 2>&1)
  mkdir -p "$work/r" "$work/h"
  tar -xzf "$work"/grpc-reflection-*.tgz -C "$work/r"
  tar -xzf "$work"/grpc-health-check-*.tgz -C "$work/h"
  rm -rf "$dest"
  mkdir -p "$dest/grpc/reflection/v1" "$dest/grpc/reflection/v1alpha" "$dest/grpc/health/v1"
  cp "$work/r/package/build/proto/grpc/reflection/v1/reflection.proto" "$dest/grpc/reflection/v1/"
  cp "$work/r/package/build/proto/grpc/reflection/v1alpha/reflection.proto" "$dest/grpc/reflection/v1alpha/"
  cp "$work/h/package/proto/health/v1/health.proto" "$dest/grpc/health/v1/"
  rm -rf "$work"
  # Canonical layout, so `buf format -d` over the whole workspace stays quiet
  # (whitespace and option order only; nothing generated comes from these files).
  npx --no-install buf format -w "$dest"
  echo "$want" >"$stamp"
  echo "fetch-protos: gRPC reflection and health protos -> $dest"
}
fetch_grpc

fetch_googleapis() {
  local dest=third_party/googleapis stamp=third_party/googleapis/.version want="$GOOGLEAPIS_NPM formatted"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return; fi
  local work
  work=$(mktemp -d)
  (cd "$work" && npm pack --silent "$GOOGLEAPIS_NPM" >/dev/null 2>&1)
  local got
  got=$(node -e 'process.stdout.write(require("crypto").createHash("sha512").update(require("fs").readFileSync(process.argv[1])).digest("base64"))' "$work"/google-proto-files-*.tgz)
  if [ "$got" != "$GOOGLEAPIS_SHA512" ]; then
    echo "fetch-protos: $GOOGLEAPIS_NPM does not have the pinned sha512 (got $got)" >&2
    rm -rf "$work"
    exit 1
  fi
  tar -xzf "$work"/google-proto-files-*.tgz -C "$work" package/google/rpc/status.proto package/google/rpc/error_details.proto
  rm -rf "$dest"
  mkdir -p "$dest/google/rpc"
  cp "$work/package/google/rpc/status.proto" "$work/package/google/rpc/error_details.proto" "$dest/google/rpc/"
  rm -rf "$work"
  npx --no-install buf format -w "$dest"
  echo "$want" >"$stamp"
  echo "fetch-protos: google.rpc status and error details protos -> $dest"
}
fetch_googleapis

dest=third_party/protovalidate
stamp="$dest/.version"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$PROTOVALIDATE_VERSION" ]; then
  exit 0
fi
dir=$(go mod download -json "github.com/bufbuild/protovalidate@${PROTOVALIDATE_VERSION}" \
  | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
if [ -z "$dir" ] || [ ! -f "$dir/proto/protovalidate/buf/validate/validate.proto" ]; then
  echo "fetch-protos: could not download github.com/bufbuild/protovalidate@${PROTOVALIDATE_VERSION}" >&2
  exit 1
fi
rm -rf "$dest"
mkdir -p "$dest/buf/validate"
cp "$dir/proto/protovalidate/buf/validate/validate.proto" "$dest/buf/validate/"
chmod -R u+w "$dest"
echo "$PROTOVALIDATE_VERSION" >"$stamp"
echo "fetch-protos: protovalidate ${PROTOVALIDATE_VERSION} -> $dest"
