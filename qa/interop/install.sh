#!/usr/bin/env bash
# Installs the BGP implementations the interop tests (qa/interop) peer with.
# Tolerates failure: the tests skip an implementation that is not installed.
set -u
missing=()
command -v bird >/dev/null 2>&1 && command -v birdc >/dev/null 2>&1 || missing+=(bird2)
command -v gobgpd >/dev/null 2>&1 && command -v gobgp >/dev/null 2>&1 || missing+=(gobgpd)
[ -x /usr/lib/frr/bgpd ] && command -v vtysh >/dev/null 2>&1 || missing+=(frr)
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "qa/interop/install.sh: cannot install ${missing[*]} (needs root and apt-get); interop tests will skip them" >&2
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null 2>&1 || true
# One package at a time: one that cannot be had must not keep the others out.
for package in "${missing[@]}"; do
    apt-get install -y -qq --no-install-recommends "$package" >/dev/null 2>&1 \
        || echo "qa/interop/install.sh: apt-get install $package failed; interop tests will skip it" >&2
done
exit 0
