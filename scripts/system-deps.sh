#!/usr/bin/env bash
# System packages the test suite needs: Debian's chromium (browser tests drive it through
# Playwright; Playwright's own browser download is not used) and CJK fonts to render Chinese.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
# bench/ingest.py compares ingest with `openssl dgst -sha256` / `-sm3`.
command -v openssl >/dev/null || missing+=(openssl)
# grep without -q reads all its input: with -q, fc-list could die of SIGPIPE and pipefail would say "missing".
fc-list 2>/dev/null | grep -i "Noto Sans CJK" >/dev/null || missing+=(fonts-noto-cjk)
# 执法文书: WeasyPrint draws with Pango and subsets fonts with HarfBuzz (without libharfbuzz-subset0
# a Chinese page takes ~10 s, not ~0.2 s); the document tests read rendered pages back with
# poppler (pdftoppm) and tesseract's simplified-Chinese model.
ldconfig -p 2>/dev/null | grep "libpangoft2-1.0.so.0" >/dev/null || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
ldconfig -p 2>/dev/null | grep "libharfbuzz-subset.so.0" >/dev/null || missing+=(libharfbuzz-subset0)
command -v pdftoppm >/dev/null || missing+=(poppler-utils)
ls /usr/share/tesseract-ocr/*/tessdata/chi_sim.traineddata >/dev/null 2>&1 || missing+=(tesseract-ocr tesseract-ocr-chi-sim)
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "Please install: ${missing[*]} (Debian package names)" >&2
  exit 1
fi
sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd=sudo
echo "Installing system packages: ${missing[*]}"
$sudo_cmd apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
