#!/usr/bin/env bash
# Installs the S3-compatible server that the s3 storage tests run against, only
# when it is missing: a MinIO server built from source through the Go module
# proxy at a pinned version (the proxy serves no RELEASE.* tags, so the pin is
# a pseudo-version of upstream's master), kept in the tools dir so later runs on
# the same machine skip the build. A cold build downloads ~1.2 GB of modules and
# takes ~6 minutes on 2 cores; the binary is ~110 MB.
#
# MinIO is AGPL-3.0: it runs only as a separate test process, nothing links it.
#
# Start it for tests (see the tests for the exact flags):
#   MINIO_ROOT_USER=... MINIO_ROOT_PASSWORD=... MINIO_BROWSER=off MINIO_UPDATE=off \
#     "$PKGREG_TOOLS/bin/minio" server --quiet --address 127.0.0.1:PORT \
#     --console-address 127.0.0.1:PORT2 DATADIR
#   ready when GET http://127.0.0.1:PORT/minio/health/ready answers 200.
set -euo pipefail

MINIO_MODULE=github.com/minio/minio
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c

tools=${PKGREG_TOOLS:-$HOME/.cache/pkgreg/tools}
bin=$tools/bin/minio
stamp=$tools/bin/minio.version

if [[ -x $bin && -f $stamp && $(<"$stamp") == "$MINIO_MODULE@$MINIO_VERSION" ]]; then
	echo "s3: nothing to install (minio $MINIO_VERSION)"
	exit 0
fi

command -v go >/dev/null || { echo "s3: go is needed to build minio" >&2; exit 1; }

echo "s3: building minio $MINIO_VERSION (takes a few minutes when cold)"
mkdir -p "$tools/bin"
tmp=$(mktemp -d "$tools/bin/.minio-build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# go install M@V builds outside any main module, so neither the caller's go.mod,
# a go.work nor a -mod flag in GOFLAGS may leak in. MinIO's go.mod has no
# replace directives, so a plain go install works.
if ! env GOBIN="$tmp" GOWORK=off GOFLAGS=-buildvcs=false CGO_ENABLED=0 \
	go install -trimpath -ldflags '-s -w' "$MINIO_MODULE@$MINIO_VERSION" >"$tmp/log" 2>&1; then
	grep -v '^go: downloading ' "$tmp/log" >&2 || true
	echo "s3: building minio failed" >&2
	exit 1
fi

# Move into place atomically, then write the stamp, so an interrupted run is
# never taken for a finished one.
mv -f "$tmp/minio" "$bin"
echo "$MINIO_MODULE@$MINIO_VERSION" >"$stamp"
echo "s3: installed $bin"
