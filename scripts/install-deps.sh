#!/usr/bin/env bash
# Debian packages the lab and its tests use, installed when missing. One list
# for the README quickstart and for CI (.ci/run), so both run the same tests.
#   nasm                      builds the guest programs of suites and tests
#   seabios                   real firmware (--firmware seabios)
#   qemu-utils                qemu-img, the oracle for VHD images
#   qemu-system-x86           differential CPU tests against QEMU TCG
#   chromium                  opens HTML reports in the report tests (playwright-core)
#   memtest86+ grub-pc-bin grub-common xorriso mtools syslinux isolinux
#   syslinux-common ipxe      real software booted by test/engine/real-software.test.ts
set -euo pipefail
packages=(nasm seabios qemu-utils qemu-system-x86 chromium
  memtest86+ grub-pc-bin grub-common xorriso mtools syslinux isolinux syslinux-common ipxe)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
# Root installs directly (CI, containers); a user escalates through sudo when
# it exists, so the README's one-line quickstart works either way.
as_root=()
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "install-deps: missing Debian packages: ${missing[*]} (run this script as root; sudo is not installed)" >&2
    exit 2
  fi
  as_root=(sudo)
fi
echo "install-deps: installing ${missing[*]}"
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
