#!/usr/bin/env bash
# Prints a Markdown table: Skiff's compiled binary next to nats-server (size, start-up until
# the port accepts, RSS idle and with 1,000 idle connections). See tests/deploy/footprint.ts.
#
#   tests/deploy/footprint.sh [skiff-binary] [nats-server-binary]
set -euo pipefail
cd "$(dirname "$0")/../.."
case "$(uname -m)" in x86_64 | amd64) arch=x64 ;; aarch64 | arm64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
skiff=${1:-dist/skiff-linux-$arch}
nats=${2:-$(command -v nats-server || echo /usr/sbin/nats-server)}
[[ -x "$skiff" ]] || ./compile.sh --host
[[ -x "$nats" ]] || { echo "footprint: $nats not found (install nats-server)" >&2; exit 2; }
deno_cmd=(deno)
command -v deno >/dev/null 2>&1 || deno_cmd=(npx -y deno@2.9.6)
# 1,000 client sockets on each side plus the servers' own: raise the soft limit in a subshell.
(
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  (($(ulimit -n) >= 2200)) || { echo "footprint: fd limit $(ulimit -n) < 2200" >&2; exit 2; }
  exec "${deno_cmd[@]}" run -A tests/deploy/footprint.ts "$skiff" "$nats"
)
