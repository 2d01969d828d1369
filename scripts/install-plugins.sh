#!/usr/bin/env bash
# Installs the code generators buf.gen.yaml runs, at pinned versions, into the
# git-ignored .herald/bin (Go plugins via `go install`) and .herald/venv (Python's
# grpcio-tools), so regeneration gives the same bytes on every machine.
# protoc-gen-es comes from npm (package.json).
set -euo pipefail
cd "$(dirname "$0")/.."

PROTOC_GEN_GO=google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
PROTOC_GEN_CONNECT_GO=connectrpc.com/connect/cmd/protoc-gen-connect-go@v1.21.1
PROTOC_GEN_GO_GRPC=google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2
GRPCIO_TOOLS=grpcio-tools==1.85.1

bin="$PWD/.herald/bin"
mkdir -p "$bin"
stamp="$bin/.plugins"
want="$PROTOC_GEN_GO $PROTOC_GEN_CONNECT_GO $PROTOC_GEN_GO_GRPC $GRPCIO_TOOLS"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x .herald/venv/bin/python ]; then
  exit 0
fi
for module in "$PROTOC_GEN_GO" "$PROTOC_GEN_CONNECT_GO" "$PROTOC_GEN_GO_GRPC"; do
  GOBIN="$bin" go install "$module"
done
if [ ! -x .herald/venv/bin/python ]; then
  python3 -m venv .herald/venv
fi
.herald/venv/bin/pip install --quiet --disable-pip-version-check "$GRPCIO_TOOLS"
echo "$want" >"$stamp"
echo "install-plugins: protoc-gen-go, protoc-gen-connect-go, protoc-gen-go-grpc, $GRPCIO_TOOLS"
