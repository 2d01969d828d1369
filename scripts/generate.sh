#!/usr/bin/env bash
# Regenerates gen/ from proto/: TypeScript, Go and Python. Installs the pinned
# plugins first (scripts/install-plugins.sh) and fetches third-party protos.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/fetch-protos.sh
bash scripts/install-plugins.sh
# Generated trees only: gen/go/go.mod and gen/python/pyproject.toml stay.
rm -rf gen/ts/herald gen/ts/grpc gen/ts/google gen/go/herald gen/python/herald gen/python/buf
export PATH="$PWD/node_modules/.bin:$PATH"
buf generate
buf generate --template buf.gen.grpc.yaml
