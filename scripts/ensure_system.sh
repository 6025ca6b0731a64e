#!/usr/bin/env bash
# Installs the Debian packages the system needs when they are missing:
#   run:  gettext (compiled translations), fonts-noto-cjk (Chinese PDFs)
#   test: the same, plus poppler-utils (reading PDFs back) and chromium (browser tests)
# Usage: scripts/ensure_system.sh run|test
set -euo pipefail
mode="${1:-run}"
missing=()
command -v msgfmt >/dev/null 2>&1 || missing+=(gettext)
# Not `fc-list | grep -q`: grep stops at the first match, fc-list then dies of SIGPIPE and pipefail reports
# the fonts missing now and then (apt ran at a start for nothing).
fc-list -q "Noto Sans CJK SC" 2>/dev/null || missing+=(fonts-noto-cjk)
if [ "$mode" = "test" ]; then
  command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
  [ -x /usr/bin/chromium ] || missing+=(chromium)
fi
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing Debian packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
    echo "Missing packages (${missing[*]}) and not root: install them with apt-get install ${missing[*]}" >&2
    exit 1
  fi
else SUDO=""; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fc-cache -f >/dev/null 2>&1 || true
