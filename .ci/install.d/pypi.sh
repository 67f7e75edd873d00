#!/usr/bin/env bash
# Installs what compat/pypi's real-client test needs, only when it is missing:
# Debian's twine and PEP 517 build frontend with setuptools and wheel, so the test
# builds an sdist and a wheel offline with /usr/bin/python3 -m build --no-isolation
# (spec: clients.md, "PyPI"). pip itself is the one already on PATH.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

missing=()
for p in twine python3-build python3-setuptools python3-wheel python3-venv; do
	# dpkg-query prints "install ok installed" only for a fully installed package.
	if [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) != "install ok installed" ]]; then
		missing+=("$p")
	fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
	echo "pypi: nothing to install"
	exit 0
fi
echo "pypi: installing ${missing[*]}"
# Other install hooks may hold the dpkg lock; wait for it rather than fail.
apt-get -o DPkg::Lock::Timeout=300 update -qq
apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 \
	-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
	"${missing[@]}"
