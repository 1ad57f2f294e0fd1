#!/usr/bin/env bash
# Make sure headless Chromium is at /usr/bin/chromium for the HTML report's browser test.
# Installs Debian's package when we may; otherwise says why and exits 0, so a developer without
# root still runs the other tests (the browser test then skips, unless IAMGRAPH_REQUIRE_CHROMIUM=1).
set -uo pipefail
if [ -x /usr/bin/chromium ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure-chromium: no apt-get here; install Chromium at /usr/bin/chromium by hand" >&2
    exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root=(sudo)
else
    echo "ensure-chromium: not root and no password-less sudo; run: sudo apt-get install -y chromium" >&2
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
if ! { "${as_root[@]}" apt-get update -qq && "${as_root[@]}" apt-get install -y -qq chromium >/dev/null; }; then
    echo "ensure-chromium: apt-get install chromium failed; the browser test will skip" >&2
fi
exit 0
