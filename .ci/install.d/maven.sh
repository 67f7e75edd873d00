#!/usr/bin/env bash
# Installs what compat/maven's real-client test needs, only when it is missing:
# mvn (Debian's maven, 3.8.7 on Debian 12), a JDK, and the plugins of Maven's
# super-POM from Debian's packages, so the test runs fully offline with
# /usr/share/maven-repo as the central mirror (spec: clients.md, "Maven").
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

pkgs=(libmaven-deploy-plugin-java libmaven-install-plugin-java libmaven-compiler-plugin-java
	libmaven-resources-plugin-java libmaven-jar-plugin-java libsurefire-java libmaven-dependency-plugin-java)

missing=()
command -v mvn >/dev/null || missing+=(maven)
command -v javac >/dev/null || missing+=(default-jdk-headless)
for p in "${pkgs[@]}"; do
	# dpkg-query prints "install ok installed" only for a fully installed package.
	if [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) != "install ok installed" ]]; then
		missing+=("$p")
	fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
	echo "maven: nothing to install"
	exit 0
fi
echo "maven: installing ${missing[*]}"
apt-get update -qq
apt-get install -y -qq --no-install-recommends \
	-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
	"${missing[@]}"
