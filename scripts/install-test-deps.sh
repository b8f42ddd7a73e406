#!/usr/bin/env bash
# Installs the Debian packages the tests need (servers the tests start on loopback), only when
# something is missing. Needs root (or sudo) the first time; a no-op afterwards.
set -euo pipefail
declare -A probe=(
  [postgresql]=/usr/lib/postgresql
  [openssh-server]=/usr/sbin/sshd
  [openssh-client]=/usr/bin/sftp
  [python3-pyftpdlib]=/usr/lib/python3/dist-packages/pyftpdlib
  [python3-openssl]=/usr/lib/python3/dist-packages/OpenSSL
  [mariadb-server]=/usr/sbin/mariadbd
  [chromium]=/usr/bin/chromium
  [sqlite3]=/usr/bin/sqlite3
  [nginx]=/usr/sbin/nginx
  [unixodbc]=/usr/bin/isql
  [odbc-mariadb]='/usr/lib/*/odbc/libmaodbc.so'
  [odbc-postgresql]='/usr/lib/*/odbc/psqlodbcw.so'
  [python3-aiosmtpd]=/usr/lib/python3/dist-packages/aiosmtpd
  [prometheus]=/usr/bin/prometheus
  # The bench's report draws docs/performance.png with SkiaSharp: its text needs a font (BenchReportTests).
  [fonts-dejavu-core]=/usr/share/fonts/truetype/dejavu
)
missing=()
for pkg in "${!probe[@]}"; do
  compgen -G "${probe[$pkg]}" >/dev/null || missing+=("$pkg")   # a pattern: the ODBC drivers live in the multiarch folder
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "install-test-deps: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts the freshly installed services; the tests run their own instances instead.
for svc in ssh mariadb postgresql nginx prometheus; do
  $sudo systemctl disable --now "$svc" >/dev/null 2>&1 || true
done
