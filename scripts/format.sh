#!/usr/bin/env bash
# Formats every C++ file the clang_format test checks.
set -euo pipefail
cd "$(dirname "$0")/.."
find core server gui tests bench fuzz -name '*.cpp' -o -name '*.h' | xargs clang-format -i
