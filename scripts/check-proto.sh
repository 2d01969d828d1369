#!/usr/bin/env bash
# Checks the contract as CI does: formatted, linted, no breaking change against
# main (or, on main itself, against the previous commit), and gen/ exactly what
# `buf generate` makes of it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/fetch-protos.sh
BUF="$PWD/node_modules/.bin/buf"
buf() { "$BUF" "$@"; }

echo "check-proto: buf format"
buf format proto -d --exit-code
echo "check-proto: buf lint"
buf lint

against=${BUF_BREAKING_AGAINST:-main}
if [ "$(git rev-parse -q --verify "$against^{commit}" 2>/dev/null)" = "$(git rev-parse HEAD)" ]; then
  against="HEAD~1"
fi
if git rev-parse -q --verify "$against^{commit}" >/dev/null && git cat-file -e "$against:proto" 2>/dev/null; then
  # third_party/ is not in git, so build the old contract in a scratch folder
  # with today's third_party beside it, then compare against that image.
  old=$(mktemp -d)
  trap 'rm -rf "$old"' EXIT
  git archive "$against" proto buf.yaml | tar -x -C "$old"
  cp -r third_party "$old/"
  (cd "$old" && "$BUF" build proto -o old.binpb)
  buf build proto -o "$old/new.binpb"
  echo "check-proto: buf breaking against $against"
  buf breaking "$old/new.binpb" --against "$old/old.binpb"
else
  echo "check-proto: no contract at $against yet; skipping buf breaking"
fi

echo "check-proto: regenerating leaves gen/ unchanged"
bash scripts/generate.sh
if [ -n "$(git status --porcelain -- gen)" ]; then
  git status --porcelain -- gen
  git diff --stat -- gen
  echo "check-proto: gen/ is out of date; run \`npm run generate\` and commit the result" >&2
  exit 1
fi
echo "check-proto: ok"
