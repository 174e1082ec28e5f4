#!/bin/sh
# Installs the system packages the tests run against, when missing:
# real IRC servers (ngircd, inspircd), IRC services (atheme-services),
# Prometheus Alertmanager, logger (syslog), git (the ticket hook tests) and
# Chromium (the status board's end-to-end tests drive /usr/bin/chromium
# through playwright-core, which downloads no browser of its own) and
# PostgreSQL (the redundant store's tests run a throwaway cluster).
# Needs root (or sudo) and apt-get; does nothing when all are present.
set -eu

missing=""
command -v ngircd >/dev/null 2>&1 || [ -x /usr/sbin/ngircd ] || missing="$missing ngircd"
command -v inspircd >/dev/null 2>&1 || [ -x /usr/sbin/inspircd ] || missing="$missing inspircd"
command -v atheme-services >/dev/null 2>&1 || [ -x /usr/bin/atheme-services ] || missing="$missing atheme-services"
command -v openssl >/dev/null 2>&1 || missing="$missing openssl"
command -v prometheus-alertmanager >/dev/null 2>&1 || [ -x /usr/bin/prometheus-alertmanager ] || missing="$missing prometheus-alertmanager"
command -v logger >/dev/null 2>&1 || missing="$missing bsdutils"
command -v git >/dev/null 2>&1 || missing="$missing git"
[ -x /usr/bin/chromium ] || missing="$missing chromium"
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing="$missing postgresql"
[ -z "$missing" ] && exit 0

echo "installing test dependencies:$missing" >&2
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
  echo "need root or sudo to install:$missing (apt-get install$missing)" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "no apt-get here: install$missing by hand" >&2
  exit 1
fi

# The tests start their own servers on free ports: keep the packages'
# system services from starting (and taking port 6667) during install.
policy=/usr/sbin/policy-rc.d
made_policy=""
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
  $sudo chmod +x "$policy"
  made_policy=1
fi
cleanup() { [ -n "$made_policy" ] && $sudo rm -f "$policy"; return 0; }
trap cleanup EXIT

$sudo apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
