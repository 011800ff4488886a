#!/usr/bin/env bash
# Verifies the linux-arm64 binary on an x86-64 host under qemu user emulation: installs
# qemu-user-static and libc6-arm64-cross when missing, builds dist/skiff-linux-arm64 when
# missing, then runs tests/arm64/qemu_traffic.ts: pub/sub and request/reply against the arm64
# server on its own, then with the arm64 server as a leaf node of a host hub, both ways.
#
#   tests/arm64/qemu_check.sh            exit 0 pass, 1 fail, 2 cannot run here (no qemu)
#
# Environment: SKIFF_HUB (hub command, default dist/skiff-linux-<host> if present, else
# `deno run -A main.ts`).
#
# Why the odd qemu flags: with `-L /usr/aarch64-linux-gnu` qemu maps /lib to the cross libc's
# directory, but the guest's ld.so still reads the host's /etc/ld.so.cache. When the multiarch
# libc6:arm64 is installed as well, that cache points it at /lib/aarch64-linux-gnu/libc.so.6 (a
# different glibc build from the cross ld.so) and the process spins forever at start-up.
# LD_LIBRARY_PATH pins the guest to the cross libc. Each candidate is probed with --version.
set -euo pipefail
cd "$(dirname "$0")/../.."
export NO_COLOR=1
SECONDS=0
ARM_BIN=dist/skiff-linux-arm64
CROSS=/usr/aarch64-linux-gnu

say() { printf '[arm64 %3ss] %s\n' "$SECONDS" "$*"; }
die() {
  say "FAIL: $*" >&2
  exit 1
}

deno_cmd() {
  if command -v deno >/dev/null 2>&1; then deno "$@"; else npx -y deno@2.9.6 "$@"; fi
}

apt_install() {
  command -v apt-get >/dev/null 2>&1 || return 1
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null 2>&1 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null 2>&1; }
}

# 1. qemu and the arm64 C library.
need=()
command -v qemu-aarch64-static >/dev/null 2>&1 || need+=(qemu-user-static)
[[ -e "$CROSS/lib/ld-linux-aarch64.so.1" ]] || need+=(libc6-arm64-cross)
if ((${#need[@]} > 0)); then
  say "installing ${need[*]}"
  apt_install "${need[@]}" || say "apt-get install ${need[*]} failed"
fi
if ! command -v qemu-aarch64-static >/dev/null 2>&1; then
  say "SKIP: qemu-aarch64-static is not available and could not be installed"
  exit 2
fi
say "$(qemu-aarch64-static --version | head -1)"

# 2. The binary.
if [[ ! -x "$ARM_BIN" ]]; then
  say "building $ARM_BIN"
  ./compile.sh --target linux-arm64 || die "./compile.sh --target linux-arm64 failed"
fi
ls -l "$ARM_BIN"

# 3. A qemu invocation that works here.
candidates=()
[[ -e "$CROSS/lib/ld-linux-aarch64.so.1" ]] &&
  candidates+=("qemu-aarch64-static -L $CROSS -E LD_LIBRARY_PATH=$CROSS/lib")
[[ -e /lib/ld-linux-aarch64.so.1 ]] && candidates+=("qemu-aarch64-static") # multiarch libc6:arm64
ARM_CMD=()
for c in "${candidates[@]}"; do
  t=$SECONDS
  read -r -a argv <<<"$c"
  if out=$(timeout 30 "${argv[@]}" "$ARM_BIN" --version 2>&1); then
    say "runner: $c ($((SECONDS - t))s): $out"
    ARM_CMD=("${argv[@]}" "$PWD/$ARM_BIN")
    break
  fi
  say "runner $c does not work here (rc=$?): ${out:0:200}"
done
((${#ARM_CMD[@]} > 0)) || die "no qemu invocation runs $ARM_BIN (need libc6-arm64-cross or libc6:arm64)"

# 4. The hub on the host.
case "$(uname -m)" in x86_64 | amd64) host_arch=x64 ;; aarch64 | arm64) host_arch=arm64 ;; *) host_arch=$(uname -m) ;; esac
if [[ -n "${SKIFF_HUB:-}" ]]; then
  read -r -a HUB_CMD <<<"$SKIFF_HUB"
elif [[ -x "dist/skiff-linux-$host_arch" ]]; then
  HUB_CMD=("$PWD/dist/skiff-linux-$host_arch")
else
  HUB_CMD=("$(command -v deno || echo deno)" run -A "$PWD/main.ts")
fi
say "hub: ${HUB_CMD[*]}"

to_json() {
  local out="[" first=1 a
  for a in "$@"; do
    a=${a//\\/\\\\}
    a=${a//\"/\\\"}
    ((first)) || out+=","
    out+="\"$a\""
    first=0
  done
  printf '%s]' "$out"
}

# 5. Traffic. The Deno script has its own 150 s budget; timeout is the backstop.
t=$SECONDS
rc=0
ARM64_CMD=$(to_json "${ARM_CMD[@]}") HUB_CMD=$(to_json "${HUB_CMD[@]}") \
  timeout -k 5 170 bash -c 'if command -v deno >/dev/null 2>&1; then exec deno run -A tests/arm64/qemu_traffic.ts; else exec npx -y deno@2.9.6 run -A tests/arm64/qemu_traffic.ts; fi' ||
  rc=$?
if ((rc != 0)); then
  ((rc == 124)) && die "traffic check timed out (170 s)"
  die "traffic check failed (rc=$rc); see above"
fi
say "PASS in ${SECONDS}s (traffic $((SECONDS - t))s)"
