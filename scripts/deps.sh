#!/bin/sh
# Install the Debian packages constrictor needs to build and test, if missing.
# Without root, print the exact install line and stop.
set -e
# clang, libclang-rt-dev (libFuzzer and sanitizer runtimes; only recommended by
# clang), llvm (llvm-symbolizer for readable reports): make check-fuzz.
# libcap2-bin (setcap, capsh): tests/e2e/capture_privs.test.sh.
# libssl-dev: libcrypto for the QUIC Initial proof; python3-cryptography: the
# generators seal QUIC client Initials (tools/gencap_wire.py, tests/e2e/gso_quic.py).
# prometheus: tests/e2e/capture_prometheus.test.sh scrapes a capture (issue 18).
PKGS="build-essential cmake pkg-config libpcap-dev libssl-dev python3 python3-cryptography tshark tcpdump tcpreplay iproute2 openssl nginx curl ngtcp2-client ngtcp2-server time clang-format git procps clang libclang-rt-dev llvm libcap2-bin"
PKGS="$PKGS prometheus"
# libbpf-dev, bpftool (+ clang above): the eBPF capture backend (cmake/ebpf.cmake,
# CST_EBPF=AUTO builds it when they are present; tests/e2e/capture_ebpf.test.sh).
PKGS="$PKGS libbpf-dev bpftool"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "constrictor needs these Debian packages:$missing" >&2
	echo "run as root: apt-get update && apt-get install -y$missing" >&2
	exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing
