#!/usr/bin/env bash
# Set up (with test tools) and run the whole test suite: fast tests and the slow ones that run the
# real embedded models. For a quick loop while developing: .venv/bin/python -m pytest   (fast only)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev
.venv/bin/ruff check .                # lint, incl. complexity (C901, max 15)
.venv/bin/ruff format --check .       # formatting
.venv/bin/lint-imports                # layering: engine ∌ bot/storage, blocks independent, engine.lang below them
.venv/bin/mypy engine bot storage     # types (config in pyproject.toml)
.venv/bin/python -m pytest -m "slow or not slow" "$@"
