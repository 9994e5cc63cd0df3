#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks to build and run Augur. Idempotent.
# With --test it also installs chromium, which the viewer's end-to-end tests drive headless.
set -euo pipefail

packages=(libopenblas-dev pkg-config libsqlite3-dev libcurl4)
for arg in "$@"; do
  case "$arg" in
    --test) packages+=(chromium) ;;
    *) echo "setup: unknown option $arg (known: --test)" >&2; exit 2 ;;
  esac
done
need=()
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
for pkg in "${packages[@]}"; do installed "$pkg" || need+=("$pkg"); done
command -v python3 >/dev/null || need+=(python3)
python3 -m pip --version >/dev/null 2>&1 || need+=(python3-pip)
command -v sha256sum >/dev/null || need+=(coreutils)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
command -v swift >/dev/null || { echo "setup: swift is not on PATH (Swift 6.1 or newer is needed)" >&2; exit 1; }
