#!/usr/bin/env bash
# Web UI (frontend/): Debian's Chromium for the browser test (playwright-core drives
# it; Playwright's own browser download does not work here) and the frontend's
# node_modules. Each is installed only when missing or stale.
set -euo pipefail
cd "$(dirname "$0")/../.."
export DEBIAN_FRONTEND=noninteractive

if ! command -v chromium >/dev/null 2>&1; then
	echo "ui: installing chromium"
	if ! apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1; then
		apt-get update -qq
		apt-get install -y -qq --no-install-recommends chromium
	fi
fi
chromium --version 2>/dev/null || true

if ! command -v npm >/dev/null 2>&1; then
	echo "ui: npm not found: install Node.js 20+ with npm" >&2
	exit 1
fi
# npm ci when node_modules is absent or older than the lockfile.
if [[ ! -d frontend/node_modules || frontend/package-lock.json -nt frontend/node_modules/.package-lock.json ]]; then
	echo "ui: npm ci in frontend/"
	(cd frontend && npm ci --no-audit --no-fund --loglevel=error)
fi
