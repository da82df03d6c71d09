#!/usr/bin/env bash
# Installs the Debian packages sdn needs on a fresh bookworm machine:
#  - Mesa's lavapipe Vulkan driver from bookworm-backports (bookworm's own Mesa 22 lacks a
#    Vulkan feature Dawn needs, so no WebGPU adapter is found with it),
#  - Fashion-MNIST (IDX files under /usr/share/datasets/fashion-mnist),
#  - Chromium for the browser end-to-end test,
#  - PyTorch (python3-torch, CPU) for the tests of `sdn export` and the benchmarks' same-run baseline.
# Idempotent: does nothing when everything is already there.
set -euo pipefail

need=()
dpkg -s dataset-fashion-mnist >/dev/null 2>&1 || need+=(dataset-fashion-mnist)
dpkg -s chromium >/dev/null 2>&1 || need+=(chromium)
dpkg -s python3-torch >/dev/null 2>&1 || need+=(python3-torch)
mesa_ok() {
  local v
  v=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true)
  [ -n "$v" ] && dpkg --compare-versions "$v" ge 25
}
mesa_ok || need+=(mesa)
[ ${#need[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive

# Enable bookworm-backports by reusing the mirror URI the machine already uses for bookworm.
if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  uri=$(grep -rhs '^URIs:' /etc/apt/sources.list.d/*.sources | grep -v security | head -n1 | awk '{print $2}')
  [ -n "$uri" ] || uri=$(grep -hs '^deb ' /etc/apt/sources.list | grep -v security | head -n1 | awk '{print $2}')
  [ -n "$uri" ] || { echo "setup-system: no Debian mirror URI found in the apt sources" >&2; exit 1; }
  printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$uri" \
    | $SUDO tee /etc/apt/sources.list.d/sdn-backports.sources >/dev/null
fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers libvulkan1 >/dev/null
$SUDO apt-get install -y -qq dataset-fashion-mnist chromium python3-torch >/dev/null
echo "setup-system: installed lavapipe (Mesa $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers)), Fashion-MNIST, Chromium, PyTorch $(dpkg-query -W -f='${Version}' python3-torch)"
