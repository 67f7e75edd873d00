#!/usr/bin/env bash
# Installs what compat/nuget's real-client test needs, only when it is missing:
# Debian's mono-complete (the bare mono runtime that Debian's `nuget` 2.8.7 pulls
# in lacks System.Net.Http etc.) and NuGet.exe 5.8.0 from the npm package
# `nuget-exe`, plus a wrapper `$PKGREG_TOOLS/bin/nuget` that runs it on mono
# (spec: clients.md, "NuGet"). Tests find the client as
# ${PKGREG_TOOLS:-$HOME/.cache/pkgreg/tools}/bin/nuget and must run it with
# HOME set to a temp dir so NuGet's caches stay out of the real home.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

version=5.8.0
tools=${PKGREG_TOOLS:-$HOME/.cache/pkgreg/tools}
prefix=$tools/nuget-exe
exe=$prefix/node_modules/nuget-exe/nuget-$version.exe
wrapper=$tools/bin/nuget
did=

# dpkg-query prints "install ok installed" only for a fully installed package.
if ! command -v mono >/dev/null ||
	[[ $(dpkg-query -W -f='${Status}' mono-complete 2>/dev/null) != "install ok installed" ]]; then
	echo "nuget: installing mono-complete"
	# Other install hooks may hold the dpkg lock; wait for it rather than fail.
	apt-get -o DPkg::Lock::Timeout=300 update -qq
	apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 \
		-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
		mono-complete >/dev/null
	did=yes
fi

if [[ ! -f $exe ]]; then
	if ! command -v npm >/dev/null 2>&1; then
		echo "nuget: npm not found: install Node.js with npm" >&2
		exit 1
	fi
	echo "nuget: installing nuget-exe@$version into $prefix"
	mkdir -p "$prefix"
	npm install --prefix "$prefix" --no-audit --no-fund --no-save --loglevel=error \
		"nuget-exe@$version" >/dev/null
	if [[ ! -f $exe ]]; then
		echo "nuget: $exe not found after npm install" >&2
		exit 1
	fi
	did=yes
fi

want="#!/bin/sh
exec mono \"$exe\" \"\$@\""
if [[ ! -x $wrapper || $(cat "$wrapper") != "$want" ]]; then
	mkdir -p "$(dirname "$wrapper")"
	printf '%s\n' "$want" >"$wrapper.tmp"
	chmod 0755 "$wrapper.tmp"
	mv -f "$wrapper.tmp" "$wrapper"
	did=yes
fi

if [[ -z $did ]]; then
	echo "nuget: nothing to install"
fi
