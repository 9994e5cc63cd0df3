#!/usr/bin/env bash
# The test command: installs what is missing, fetches the models the tests use, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
swift build --product augur
for m in smollm2-135m-instruct qwen2.5-coder-0.5b-instruct gemma-3-270m all-minilm-l6-v2; do
  .build/debug/augur models pull "$m" >/dev/null
done
.build/debug/augur corpus pull wiki-vital >/dev/null
if [ $# -gt 0 ]; then exec swift test "$@"; fi
# The HTTP retry/timeout tests measure seconds against local servers; the model tests block the
# two cooperative threads for seconds at a time, so the HTTP suites run on their own afterwards.
swift test --skip AugurServerTests
swift test --skip-build --filter AugurServerTests
