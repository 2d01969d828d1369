#!/usr/bin/env bash
# Fetches the third-party .proto files Herald's contract imports, through the Go
# module proxy (the Buf Schema Registry is not reachable from every machine), into
# third_party/, which buf.yaml lists as a workspace module. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

# Keep in step with the version @bufbuild/protovalidate was generated from
# (its README names it as "compatible with buf.build/bufbuild/protovalidate vX").
PROTOVALIDATE_VERSION=v1.2.2

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
