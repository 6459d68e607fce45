#!/usr/bin/env bash
# The HTML report's tests drive a real headless Chromium through playwright-core (which downloads no browser):
# Debian's chromium package, installed here when missing (as root, with apt). CHROMIUM_PATH names another one.
set -euo pipefail
if [ -n "${CHROMIUM_PATH:-}" ] || command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's chromium for the HTML report tests (apt-get install -y chromium)" >&2
  (apt-get install -y -qq chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium; }) >&2
  exit 0
fi
echo "the HTML report tests need Chromium: apt-get install -y chromium (Debian), or set CHROMIUM_PATH" >&2
exit 1
