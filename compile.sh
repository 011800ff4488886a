#!/usr/bin/env bash
# Builds the skiff binaries users run: dist/skiff-<os>-<arch>[.exe], and dist/SHA256SUMS for
# the binaries the run built.
#
#   ./compile.sh                        every release target, then dist/SHA256SUMS
#   ./compile.sh --host                 only this machine's binary (quick; what CI runs)
#   ./compile.sh --target linux-arm64   one target
#
# Needs nothing but node/npm. The binaries are built with `bun build --compile`: Bun comes from
# npm into .cache/bun/, and so does the Bun runtime of each cross target (@oven/bun-<os>-<arch>),
# handed to Bun with --compile-executable-path so it never downloads anything itself.
#
# `deno compile` is tried first, for the host target only, when DENORT_BIN names a denort binary
# for this machine. Without it deno would download its runtime from a host this network cannot
# reach (and the full deno binary cannot stand in for denort).
set -euo pipefail

DENO_VERSION=2.9.6
BUN_VERSION=1.4.5
ALL_TARGETS=(linux-x64 linux-arm64 darwin-x64 darwin-arm64 windows-x64)
ENTRY=main.ts
DIST=dist
CACHE=.cache/bun

cd "$(dirname "$0")"

usage() {
  sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
  exit "${1:-0}"
}

host_target() {
  local os arch
  case "$(uname -s)" in
    Linux) os=linux ;;
    Darwin) os=darwin ;;
    MINGW* | MSYS* | CYGWIN*) os=windows ;;
    *) echo "compile.sh: unsupported host OS $(uname -s)" >&2 && exit 1 ;;
  esac
  case "$(uname -m)" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "compile.sh: unsupported host CPU $(uname -m)" >&2 && exit 1 ;;
  esac
  echo "$os-$arch"
}

is_target() {
  local t
  for t in "${ALL_TARGETS[@]}"; do [[ "$t" == "$1" ]] && return 0; done
  return 1
}

outfile() {
  if [[ "$1" == windows-* ]]; then echo "$DIST/skiff-$1.exe"; else echo "$DIST/skiff-$1"; fi
}

# Bun itself, for this machine, from npm.
BUN=""
ensure_bun() {
  [[ -n "$BUN" ]] && return
  BUN="$CACHE/host/node_modules/bun/bin/bun.exe" # the npm package names it bun.exe everywhere
  if [[ ! -x "$BUN" || "$("$BUN" --version 2>/dev/null)" != "$BUN_VERSION" ]]; then
    echo "installing bun@$BUN_VERSION from npm into $CACHE/host"
    mkdir -p "$CACHE/host"
    npm install --prefix "$CACHE/host" --no-save --no-audit --no-fund --loglevel=error \
      "bun@$BUN_VERSION" >&2
  fi
  "$BUN" --version >/dev/null
}

# Deno: the one on PATH when it is the pinned version, else the same version from npm.
DENO=(deno)
if ! command -v deno >/dev/null 2>&1 || [[ "$(deno --version | head -1)" != "deno $DENO_VERSION"* ]]; then
  DENO=(npx -y "deno@$DENO_VERSION")
fi

# Bare imports ("hono") are mapped to npm: packages in deno.json, which Bun does not read. Bun
# resolves node_modules/<name>, and `deno install` links exactly those there (nodeModulesDir:
# auto), at the versions deno.json and deno.lock pin.
NPM_LINKED=""
link_npm_imports() {
  [[ -n "$NPM_LINKED" ]] && return
  NPM_LINKED=1
  grep -q '"npm:' deno.json || return 0
  echo "linking the npm imports of $ENTRY into node_modules/ (deno install --entrypoint)"
  "${DENO[@]}" install --quiet --entrypoint "$ENTRY" ||
    echo "deno install failed: bun will report any bare import it cannot resolve"
}

# The Bun runtime a target's binary is built on: this machine's Bun for the host target, else
# the @oven/bun-<os>-<arch> package unpacked from its npm tarball (npm refuses to install a
# package for another OS or CPU, but packs any).
runtime_for() {
  local target=$1
  if [[ "$target" == "$HOST" ]]; then
    echo "$BUN"
    return
  fi
  local os=${target%-*} arch=${target#*-}
  [[ "$arch" == arm64 ]] && arch=aarch64
  local pkg="@oven/bun-$os-$arch" dir="$CACHE/targets/$target-$BUN_VERSION" exe=bun
  [[ "$os" == windows ]] && exe=bun.exe
  if [[ ! -f "$dir/package/bin/$exe" ]]; then
    echo "fetching $pkg@$BUN_VERSION from npm into $dir" >&2
    rm -rf "$dir" && mkdir -p "$dir"
    local tgz
    tgz=$(npm pack "$pkg@$BUN_VERSION" --pack-destination "$dir" --silent --loglevel=error | tail -1)
    tar -xzf "$dir/$tgz" -C "$dir"
    rm -f "$dir/$tgz"
  fi
  echo "$dir/package/bin/$exe"
}

build_with_bun() {
  local target=$1 out
  out=$(outfile "$target")
  ensure_bun
  link_npm_imports
  local runtime
  runtime=$(runtime_for "$target")
  echo "$out: bun build --compile (bun $BUN_VERSION, runtime ${runtime#"$CACHE/"})"
  # A server must not pick up .env or bunfig.toml from whatever directory it is started in.
  # --bytecode halves start-up (parsing moves to build time; it needs ESM for top-level await);
  # --keep-names keeps class and function names that errors and logs print as under Deno.
  "$BUN" build --compile --minify --keep-names --bytecode --format=esm \
    --no-compile-autoload-dotenv --no-compile-autoload-bunfig \
    --target="bun-$target" --compile-executable-path="$runtime" \
    "$ENTRY" --outfile "$out" >/dev/null
}

deno_triple() {
  case "$1" in
    linux-x64) echo x86_64-unknown-linux-gnu ;;
    linux-arm64) echo aarch64-unknown-linux-gnu ;;
    darwin-x64) echo x86_64-apple-darwin ;;
    darwin-arm64) echo aarch64-apple-darwin ;;
    windows-x64) echo x86_64-pc-windows-msvc ;;
  esac
}

build_with_deno() {
  local target=$1 out
  out=$(outfile "$target")
  echo "$out: deno compile (deno $DENO_VERSION, DENORT_BIN=$DENORT_BIN)"
  "${DENO[@]}" compile --quiet --target "$(deno_triple "$target")" \
    --allow-net --allow-read --allow-write --allow-env --allow-sys --allow-run \
    --output "$out" "$ENTRY"
}

build() {
  local target=$1
  if [[ -n "${DENORT_BIN:-}" && "$target" == "$HOST" ]]; then
    build_with_deno "$target" && return
    echo "$(outfile "$target"): deno compile failed; falling back to bun"
  fi
  build_with_bun "$target"
}

write_sums() {
  local files=() t
  for t in "$@"; do files+=("$(basename "$(outfile "$t")")"); done
  if command -v sha256sum >/dev/null 2>&1; then
    (cd "$DIST" && sha256sum "${files[@]}") >"$DIST/SHA256SUMS"
  else
    (cd "$DIST" && shasum -a 256 "${files[@]}") >"$DIST/SHA256SUMS"
  fi
  echo "$DIST/SHA256SUMS written (${#files[@]} files)"
}

HOST=$(host_target)
targets=("${ALL_TARGETS[@]}")
case "${1:-}" in
  "") ;;
  --host) targets=("$HOST") ;;
  --target)
    [[ $# -ge 2 ]] && is_target "$2" || {
      echo "compile.sh: --target needs one of: ${ALL_TARGETS[*]}" >&2
      exit 2
    }
    targets=("$2")
    ;;
  -h | --help) usage 0 ;;
  *) usage 2 >&2 ;;
esac

if [[ -z "${DENORT_BIN:-}" ]]; then
  echo "deno compile skipped: it downloads its runtime (denort) from a host this network cannot" \
    "reach; set DENORT_BIN to a denort $DENO_VERSION binary for this machine to use it"
fi

mkdir -p "$DIST"
start=$SECONDS
for t in "${targets[@]}"; do build "$t"; done
write_sums "${targets[@]}"
echo "done in $((SECONDS - start))s"
