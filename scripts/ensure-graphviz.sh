#!/usr/bin/env bash
# Make sure Graphviz's `dot` is on PATH: install Debian's package when we may, else say what to run.
set -euo pipefail
if command -v dot >/dev/null 2>&1; then
    exit 0
fi
if command -v apt-get >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then
        apt-get update -qq && apt-get install -y -qq graphviz >/dev/null
        exit 0
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo apt-get update -qq && sudo apt-get install -y -qq graphviz >/dev/null
        exit 0
    fi
    echo "Graphviz's 'dot' is missing. Install it with: sudo apt-get install -y graphviz" >&2
else
    echo "Graphviz's 'dot' is missing. Install the 'graphviz' package of your system (https://graphviz.org/download/)." >&2
fi
exit 1
