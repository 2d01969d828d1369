#!/usr/bin/env bash
# Installs the generated Python client (gen/python, editable) into .herald/venv,
# where the Python example and its test run. Quick when it is there already.
set -euo pipefail
cd "$(dirname "$0")/.."
if .herald/venv/bin/python -c "import herald.v1.notification_service_pb2_grpc" 2>/dev/null; then
  exit 0
fi
.herald/venv/bin/pip install --quiet --disable-pip-version-check -e gen/python
