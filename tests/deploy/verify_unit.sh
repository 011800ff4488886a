#!/usr/bin/env bash
# Checks deploy/: `systemd-analyze verify` on deploy/skiff.service (with ExecStart pointed at the
# built binary, since verify insists the executable exists), its offline security score, and
# `skiff -t` on deploy/skiff.conf (plus nats-server -t when installed, as the syntax reference).
#
#   tests/deploy/verify_unit.sh     exit 0 pass (or systemd-analyze unusable here: printed, skipped)
set -euo pipefail
cd "$(dirname "$0")/../.."
say() { printf '[deploy] %s\n' "$*"; }
fail() {
  say "FAIL: $*" >&2
  exit 1
}

case "$(uname -m)" in x86_64 | amd64) arch=x64 ;; aarch64 | arm64) arch=arm64 ;; *) arch=$(uname -m) ;; esac
BIN="$PWD/dist/skiff-linux-$arch"
[[ -x "$BIN" ]] || ./compile.sh --host
[[ -x "$BIN" ]] || fail "$BIN is missing and ./compile.sh --host did not build it"

# 1. The sample config.
"$BIN" -t -c deploy/skiff.conf || fail "skiff -t rejects deploy/skiff.conf"
if command -v nats-server >/dev/null 2>&1; then
  nats-server -t -c deploy/skiff.conf >/dev/null 2>&1 || fail "nats-server -t rejects deploy/skiff.conf"
  say "nats-server -t accepts deploy/skiff.conf too"
fi
# The unit's ExecStart and ExecStartPre must name the config path the unit's comments install.
grep -q '^ExecStart=/usr/local/bin/skiff -c /etc/skiff/skiff.conf -sd /var/lib/skiff$' \
  deploy/skiff.service || fail "ExecStart does not run /etc/skiff/skiff.conf with -sd /var/lib/skiff"
for key in DynamicUser=yes StateDirectory=skiff ConfigurationDirectory=skiff LimitNOFILE=65536 \
  Restart=on-failure 'ExecReload=/bin/kill -HUP $MAINPID' KillSignal=SIGTERM NoNewPrivileges=yes \
  ProtectSystem=strict ProtectHome=yes PrivateTmp=yes; do
  grep -qxF "$key" deploy/skiff.service || fail "deploy/skiff.service lacks $key"
done

# 2. systemd-analyze.
if ! command -v systemd-analyze >/dev/null 2>&1; then
  say "installing systemd (for systemd-analyze)"
  { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null 2>&1 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq systemd >/dev/null 2>&1; }; } || true
fi
if ! command -v systemd-analyze >/dev/null 2>&1; then
  say "SKIP systemd-analyze: not installed and the systemd package could not be installed"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed "s#/usr/local/bin/skiff#$BIN#g" deploy/skiff.service >"$tmp/skiff.service"
printf '[Unit]\nDescription=probe\n[Service]\nExecStart=/bin/true\n' >"$tmp/skiff-probe.service"
if ! probe=$(systemd-analyze verify "$tmp/skiff-probe.service" 2>&1); then
  say "SKIP systemd-analyze verify: it cannot run in this container: ${probe:0:300}"
  exit 0
fi
out=$(systemd-analyze verify "$tmp/skiff.service" 2>&1) || {
  printf '%s\n' "$out" >&2
  fail "systemd-analyze verify rejects deploy/skiff.service"
}
# verify exits 0 on some warnings; treat any output about our unit as a failure.
if grep -q 'skiff.service' <<<"$out"; then
  printf '%s\n' "$out" >&2
  fail "systemd-analyze verify warns about deploy/skiff.service"
fi
say "systemd-analyze verify: deploy/skiff.service OK ($(systemd-analyze --version | head -1))"
if sec=$(systemd-analyze security --offline=yes "$tmp/skiff.service" 2>/dev/null | tail -1); then
  say "systemd-analyze security: ${sec#*→ }"
fi
say "PASS"
