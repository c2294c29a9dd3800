#!/usr/bin/env bash
# Debian packages LawTrail needs, by what needs them:
#   scripts/system-deps.sh            what the running product needs (`make run`)
#   scripts/system-deps.sh test       that, and what only the test suite needs (`make test`)
# Installs what is missing with apt-get as root (or with sudo). Without either it names the
# packages to install and stops, so nothing fails later in a less obvious way.
set -euo pipefail
kind=${1:-runtime}
missing=()

# --- the running product
# Python 3.11 (Debian 12's own) with venv, which scripts/install.sh makes .venv with.
py=${PYTHON:-python3.11}
if ! command -v "$py" >/dev/null; then
  missing+=(python3.11 python3.11-venv)
elif ! "$py" -c 'import ensurepip, venv' 2>/dev/null; then
  missing+=(python3.11-venv)
fi
# 执法文书 are drawn by WeasyPrint with Pango, in the Noto CJK faces (lawtrail/documents/fonts.py);
# without a CJK face every Chinese character prints blank. HarfBuzz's subsetter keeps a Chinese page
# at ~0.2 s instead of ~10 s. fontconfig's fc-match finds the face for watermarked copies.
# grep without -q reads all its input: with -q, fc-list could die of SIGPIPE and pipefail would say "missing".
fc-list 2>/dev/null | grep -i "Noto Serif CJK" >/dev/null || missing+=(fonts-noto-cjk)
command -v fc-match >/dev/null || missing+=(fontconfig)
ldconfig -p 2>/dev/null | grep "libpangoft2-1.0.so.0" >/dev/null || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
ldconfig -p 2>/dev/null | grep "libharfbuzz-subset.so.0" >/dev/null || missing+=(libharfbuzz-subset0)

# --- the test suite only
if [ "$kind" = test ]; then
  # Browser tests drive Debian's chromium through Playwright (Playwright's own download is not used).
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  # bench/ingest.py compares ingest with `openssl dgst -sha256` / `-sm3`.
  command -v openssl >/dev/null || missing+=(openssl)
  # The document tests and `.ci/run` read rendered pages back with poppler (pdftoppm, pdftotext)
  # and tesseract's simplified-Chinese model.
  command -v pdftoppm >/dev/null || missing+=(poppler-utils)
  ls /usr/share/tesseract-ocr/*/tessdata/chi_sim.traineddata >/dev/null 2>&1 || missing+=(tesseract-ocr tesseract-ocr-chi-sim)
elif [ "$kind" != runtime ]; then
  echo "usage: scripts/system-deps.sh [runtime|test]" >&2
  exit 2
fi

[ ${#missing[@]} -eq 0 ] && exit 0
explain() {
  echo "LawTrail 需要以下 Debian 软件包(LawTrail needs these Debian packages): ${missing[*]}" >&2
  echo "请以 root 身份或用 sudo 安装后重试(install them as root, then run again):" >&2
  echo "  apt-get install --no-install-recommends ${missing[*]}" >&2
}
if ! command -v apt-get >/dev/null; then
  explain
  exit 1
fi
sudo_cmd=""
if [ "$(id -u)" -ne 0 ]; then
  # sudo may ask for a password at a terminal; without one it must work unattended.
  if command -v sudo >/dev/null && { [ -t 0 ] || sudo -n true 2>/dev/null; }; then
    sudo_cmd=sudo
  else
    explain
    exit 1
  fi
fi
echo "Installing Debian packages: ${missing[*]}"
$sudo_cmd apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
