#!/usr/bin/env bash
# Install the Debian packages sigstack's tests and benchmarks use, when we are root.
# Without root, list what is missing; tests that need a missing tool fail under CI.
set -euo pipefail
need=()
command -v openssl >/dev/null || need+=(openssl)
command -v wrk >/dev/null || need+=(wrk)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing Debian packages: ${need[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
else
  echo "missing (install with apt as root): ${need[*]}" >&2
fi
