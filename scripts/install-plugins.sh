#!/usr/bin/env bash
# Installs the code generators buf.gen.yaml runs, at pinned versions, so
# regeneration gives the same bytes on every machine:
# - the Go plugins, compiled once per user into the tool cache
#   (${XDG_CACHE_HOME:-~/.cache}/herald/tools, shared by every checkout) and
#   linked into the git-ignored .herald/bin, where buf.gen.yaml looks;
# - Python's grpcio-tools into this checkout's .herald/venv.
# protoc-gen-es comes from npm (package.json).
set -euo pipefail
cd "$(dirname "$0")/.."

PROTOC_GEN_GO=google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
PROTOC_GEN_CONNECT_GO=connectrpc.com/connect/cmd/protoc-gen-connect-go@v1.21.1
PROTOC_GEN_GO_GRPC=google.golang.org/grpc/cmd/protoc-gen-go-grpc@v1.6.2
GRPCIO_TOOLS=grpcio-tools==1.85.1

go_plugins="$PROTOC_GEN_GO $PROTOC_GEN_CONNECT_GO $PROTOC_GEN_GO_GRPC"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/herald/tools/protoc-plugins-$(echo "$go_plugins" | sha256sum | cut -c1-12)"
if [ ! -x "$cache/protoc-gen-go-grpc" ]; then
  echo "install-plugins: first run: compiling protoc-gen-go, protoc-gen-connect-go and protoc-gen-go-grpc with go install (about 1 min)"
  mkdir -p "$(dirname "$cache")"
  staging=$(mktemp -d "$cache.partial-XXXXXX")
  trap 'rm -rf "$staging"' EXIT
  for module in $go_plugins; do
    GOBIN="$staging" go install "$module"
  done
  # Renamed into place whole, so a concurrent or interrupted run never sees half of it.
  mv -T "$staging" "$cache" 2>/dev/null || [ -x "$cache/protoc-gen-go-grpc" ]
fi
mkdir -p .herald/bin
for plugin in protoc-gen-go protoc-gen-connect-go protoc-gen-go-grpc; do
  ln -sfn "$cache/$plugin" ".herald/bin/$plugin"
done

stamp=.herald/venv/.grpcio-tools
if [ -x .herald/venv/bin/python ] && [ "$(cat "$stamp" 2>/dev/null)" = "$GRPCIO_TOOLS" ]; then
  exit 0
fi
if [ ! -x .herald/venv/bin/python ]; then
  python3 -m venv .herald/venv
fi
.herald/venv/bin/pip install --quiet --disable-pip-version-check "$GRPCIO_TOOLS"
echo "$GRPCIO_TOOLS" >"$stamp"
echo "install-plugins: Go plugins in $cache, $GRPCIO_TOOLS in .herald/venv"
