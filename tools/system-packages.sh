#!/usr/bin/env bash
# The system (Debian) packages the tests need beside the Python ones: installed when missing and
# we are root, otherwise named so that the user can install them. Called by `make test`.
#   chromium       headless browser of the e2e tests (tests/e2e/browser.py: /usr/bin/chromium)
#   docker-compose a real compose parser for docker-compose.yml (tests/unit/deploy)
#   npm            installs axe-core for the accessibility tests (tests/e2e/a11y.py)
set -euo pipefail

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
command -v npm >/dev/null 2>&1 || missing+=(npm)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing system packages the tests need: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi

echo "The tests need these Debian packages, which are missing: ${missing[*]}" >&2
echo "Install them as root: apt-get install ${missing[*]}" >&2
if [ "${CI:-}" = "true" ]; then
  exit 1  # under CI the tests that need them would fail anyway: say why at once
fi
echo "(continuing: the tests that need them are skipped)" >&2
