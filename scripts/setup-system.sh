#!/usr/bin/env bash
# Installs the Debian packages sdn needs on a fresh bookworm machine:
#  - Mesa's lavapipe Vulkan driver from bookworm-backports (bookworm's own Mesa 22 lacks a
#    Vulkan feature Dawn needs, so no WebGPU adapter is found with it),
#  - Fashion-MNIST (IDX files under /usr/share/datasets/fashion-mnist),
# and with --test what only the tests and benchmarks use:
#  - Chromium for the browser end-to-end test,
#  - PyTorch (python3-torch, CPU) for the tests of `sdn export` and the benchmarks' same-run baseline.
# Idempotent: does nothing when everything is already there.
set -euo pipefail
trap 'echo "setup-system: failed (line $LINENO: $BASH_COMMAND)" >&2' ERR

mesa_ok() {
  local v
  v=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || true)
  [ -n "$v" ] && dpkg --compare-versions "$v" ge 25
}
wanted=(dataset-fashion-mnist)
[ "${1:-}" = "--test" ] && wanted+=(chromium python3-torch)
need=()
for p in "${wanted[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
mesa=0
mesa_ok || mesa=1
[ ${#need[@]} -eq 0 ] && [ $mesa -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive

if [ $mesa -eq 1 ]; then
  # Enable bookworm-backports by reusing the mirror URI the machine already uses for bookworm.
  if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    # Either format may be absent (a debootstrapped machine has only a one-line sources.list),
    # so a lookup that finds nothing must not end the script under pipefail.
    uri=$(grep -rhs '^URIs:' /etc/apt/sources.list.d/ --include='*.sources' | grep -v security | head -n1 | awk '{print $2}' || true)
    [ -n "$uri" ] || uri=$(grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | grep -v security | grep -o 'https\?://[^ ]*' | head -n1 || true)
    [ -n "$uri" ] || { echo "setup-system: no Debian mirror URI found in the apt sources" >&2; exit 1; }
    printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$uri" \
      | $SUDO tee /etc/apt/sources.list.d/sdn-backports.sources >/dev/null
  fi
fi
todo=("${need[@]}")
[ $mesa -eq 1 ] && todo+=("lavapipe (Mesa 25 from bookworm-backports)")
echo "setup-system: installing ${todo[*]} (once per machine)" >&2
$SUDO apt-get update -qq
if [ $mesa -eq 1 ]; then
  $SUDO apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers libvulkan1 >/dev/null
  need+=("lavapipe (Mesa $(dpkg-query -W -f='${Version}' mesa-vulkan-drivers))")
fi
pkgs=()
for p in "${need[@]}"; do [[ "$p" == lavapipe* ]] || pkgs+=("$p"); done
[ ${#pkgs[@]} -gt 0 ] && $SUDO apt-get install -y -qq "${pkgs[@]}" >/dev/null
echo "setup-system: installed ${need[*]}"
