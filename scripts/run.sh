#!/usr/bin/env bash
# The quick start: installs what is missing, builds Augur (release) and runs the whole pipeline on
# the built-in defaults (`augur run`): SmolLM2-135M-Instruct, a TopK SAE trained on wiki-vital at
# blocks.15.hook_resid_post, latent and neuron caches, descriptions by four methods, four scorers,
# a summary table. About 20 minutes on 2 cores. Rerunning continues where it stopped.
# Extra arguments go to `augur run` (e.g. a configuration written by `augur init`, or --out DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build -c release --product augur
exec .build/release/augur run "$@"
