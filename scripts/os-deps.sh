#!/usr/bin/env bash
# Installs the OS packages the service needs when they are missing (Debian/Ubuntu, as root).
#   scripts/os-deps.sh run   -> Redis, Pango, DejaVu fonts and HarfBuzz subsetting for WeasyPrint, Node.js
#   scripts/os-deps.sh test  -> the same, plus the PostgreSQL and IMAP (dovecot) servers the tests start and Chromium
set -euo pipefail
purpose=${1:-run}
packages=(redis-server libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)
# Node.js builds the console (web/); the browser tests drive Debian's Chromium.
packages+=(nodejs)
# dovecot-imapd: the IMAP server the shared mailbox's tests start (app/devimap.py).
[ "$purpose" = test ] && packages+=(postgresql chromium dovecot-imapd)
# npm comes with some builds of nodejs and is its own package in Debian's.
command -v npm >/dev/null 2>&1 || packages+=(npm)
# Debian's own Python needs python3-venv to make a virtualenv; other Pythons carry it.
python3 -c "import ensurepip, venv" 2>/dev/null || packages+=(python3-venv)

missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "==> OS packages present: ${packages[*]}"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "==> missing OS packages: ${missing[*]}" >&2
  echo "    install them as root: apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "==> installing OS packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The Debian package starts a system-wide Redis/PostgreSQL; the project starts its own where needed.
echo "==> OS packages installed"
