#!/usr/bin/env bash
# Fetches third-party .proto files into third_party/, which buf.yaml lists as
# workspace modules (the Buf Schema Registry is not reachable from every machine):
# - protovalidate's, which the contract imports, through the Go module proxy;
# - gRPC's reflection and health protocols, which the server implements, from the
#   npm packages that ship them. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

# Keep in step with the version @bufbuild/protovalidate was generated from
# (its README names it as "compatible with buf.build/bufbuild/protovalidate vX").
PROTOVALIDATE_VERSION=v1.2.2

GRPC_REFLECTION_NPM=@grpc/reflection@1.0.4
GRPC_HEALTH_NPM=grpc-health-check@2.1.0

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
