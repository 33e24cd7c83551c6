#!/usr/bin/env bash
# Set up DigiTeller on a fresh Debian bookworm machine with Python 3.11.
# Idempotent: every step checks whether it is already done, so a second run takes seconds.
#   scripts/setup.sh          runtime: Debian packages, .venv with pinned Python packages, assets
#   scripts/setup.sh --dev    the same plus test and lint tools
set -euo pipefail
cd "$(dirname "$0")/.."

DEV=0
for arg in "$@"; do
  case "$arg" in
    --dev) DEV=1 ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "setup: unknown option $arg" >&2; exit 2 ;;
  esac
done

log() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"

# --- Debian packages -------------------------------------------------------------------------
APT_PACKAGES=(
  ffmpeg espeak-ng sox fonts-symbola
  rhvoice rhvoice-russian rhvoice-english librhvoice5
  fonts-dejavu-core fonts-noto-core
  fluidsynth libfluidsynth3 timgm6mb-soundfont fluid-soundfont-gm
  libvulkan1 libomp5
  libcairo2 openclipart-svg
  redis-server  # the distributed queue (QUEUE_URL) and its tests; the service itself is not enabled
)
# Build tools for llama-cpp-python's compile, and what a bare Debian lacks: Python 3.11 with venv,
# npm (OpenMoji and the CLDR annotations come from the npm registry). Only where missing, so a
# machine's own Node.js or Python is left alone.
APT_PACKAGES+=(build-essential cmake)
command -v python3.11 >/dev/null || APT_PACKAGES+=(python3.11 python3.11-venv python3.11-dev)
command -v npm >/dev/null || APT_PACKAGES+=(npm)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  # RHVoice lives in Debian's non-free component: enable contrib/non-free on the existing sources.
  src=/etc/apt/sources.list.d/debian.sources
  if [ -f "$src" ] && ! grep -q '^Components:.*non-free' "$src"; then
    $SUDO sed -i -E 's/^Components: main$/Components: main contrib non-free/' "$src"
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# --- Python virtual environment --------------------------------------------------------------
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
if [ ! -x .venv/bin/python ]; then
  log "creating .venv with $($PY --version)"
  "$PY" -m venv .venv
fi
want="$( { cat pyproject.toml; cat requirements.lock 2>/dev/null || true; } | sha256sum | cut -c1-16)-dev$DEV"
have="$(cat .venv/.digiteller-stamp 2>/dev/null || true)"
if [ "$want" != "$have" ]; then
  log "installing Python packages (first time: several minutes, llama-cpp-python compiles)"
  extras="";  [ $DEV = 1 ] && extras="[dev]"
  # torch first, pinned to the CPU wheel that lies on disk, so nothing pulls a CUDA build.
  .venv/bin/python -m pip install -q "torch==2.13.0"
  if [ -f requirements.lock ]; then
    .venv/bin/python -m pip install -q -c requirements.lock -e ".$extras"
  else
    .venv/bin/python -m pip install -q -e ".$extras"
  fi
  echo "$want" > .venv/.digiteller-stamp
fi

# --- assets ----------------------------------------------------------------------------------
log "checking embedded assets"
.venv/bin/python -m engine assets
log "ready"
