#!/usr/bin/env bash
# Install the Debian packages the pipeline and its tests need, only those missing.
# Tesseract with Swedish data runs the OCR (its Latin-script model helps on standard-fax and photographed pages); libhunspell
# answers the repair's compound questions 80 times faster than spylls; Chromium and ChromeDriver let the tests open report.html.
set -euo pipefail

missing=()
command -v tesseract >/dev/null 2>&1 || missing+=(tesseract-ocr)
tesseract --list-langs 2>/dev/null | grep -qx swe || missing+=(tesseract-ocr-swe)
tesseract --list-langs 2>/dev/null | grep -qx eng || missing+=(tesseract-ocr-eng)
tesseract --list-langs 2>/dev/null | grep -qx Latin || missing+=(tesseract-ocr-script-latn)
compgen -G '/usr/lib/*/libhunspell-1.7.so.0' >/dev/null || compgen -G '/lib/*/libhunspell-1.7.so.0' >/dev/null || missing+=(libhunspell-1.7-0)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "Installing Debian packages: ${missing[*]}" >&2
if ! command -v apt-get >/dev/null 2>&1; then
  echo "apt-get is not available. Install these packages by other means: ${missing[*]}" >&2
  exit 1
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "Not root and no sudo: as root, run: apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
