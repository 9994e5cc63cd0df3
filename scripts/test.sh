#!/usr/bin/env bash
# The test command: installs what is missing, fetches the models the tests use, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build --product augur
for m in smollm2-135m-instruct qwen2.5-coder-0.5b-instruct; do
  .build/debug/augur models pull "$m" >/dev/null
done
swift test "$@"
