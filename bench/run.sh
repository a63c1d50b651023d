#!/usr/bin/env bash
# Benchmarks tkt on a generated repository of N tickets.
#
#   bench/run.sh N            # e.g. bench/run.sh 100000
#   RUNS=5 SEED=7 bench/run.sh 10000
#   NO_BUILD=1 bench/run.sh 10000   # measure the binaries already built
#
# Builds release, generates bench/out/N with `examples/gen.rs` (reused when it
# already holds N tickets from the same seed), then runs each command in
# COMMANDS below RUNS times (default 3) and prints one markdown table row per
# command: median wall-clock seconds, every run, peak RSS (the highest of the
# runs) and the exit code. Wall-clock comes from bash's EPOCHREALTIME (ms
# resolution); RSS from /usr/bin/time. Output of the commands goes to
# /dev/null. Timings are warm-cache: the generator just wrote the files or an
# earlier run read them.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${1:?usage: bench/run.sh N}
[[ $N =~ ^[0-9]+$ ]] || { echo "N must be a number of tickets" >&2; exit 2; }
RUNS=${RUNS:-3}
SEED=${SEED:-1}
export TKT_NOW=2026-11-20T15:00:00Z
export TKT_USER=bench@example.com

if [[ ${NO_BUILD:-0} != 1 ]]; then
  cargo build --release --quiet --bin tkt --example gen
fi
TKT=$PWD/target/release/tkt
GEN=$PWD/target/release/examples/gen
REPO=bench/out/$N
STAMP=$REPO/.generated

if [[ -f $STAMP && $(cat "$STAMP") == "$N $SEED" ]]; then
  echo "reusing $REPO ($N tickets, seed $SEED)" >&2
else
  rm -rf "$REPO"
  start=$EPOCHREALTIME
  "$GEN" "$REPO" "$N" "$SEED" >&2
  echo "generated in $(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }') s" >&2
  echo "$N $SEED" >"$STAMP"
fi

# The repository's current policy, whatever the generator embedded.
cp policy.toml "$REPO/policy.toml"

# The desk is its own git repository, so that its index is
# $REPO/.git/tkt/index (and not in the enclosing checkout's git directory).
[[ -d $REPO/.git ]] || git -C "$REPO" init -q
INDEX=$REPO/.git/tkt/index

# A ticket whose first four ID characters are unique in the repository, so
# that `show` resolves a 4-character prefix as a person would type it.
PREFIX=$(find "$REPO/tickets" -maxdepth 1 -name 'T-*.yaml' -printf '%f\n' |
  cut -c3-6 | sort | uniq -u | awk 'NR == 1')
[[ -n $PREFIX ]] || { echo "no ticket with a unique 4-character prefix" >&2; exit 2; }

# The commands measured, one per line, as arguments to `tkt -C REPO`. Add new
# ones here. A command starting with `open` has the ticket it creates removed
# after each run, so every run sees the same N tickets.
COMMANDS=(
  "list"
  "list --all --text pool"
  "list --all --format json"
  "check"
  "show $PREFIX"
  "open --title bench --severity low"
  "sla"
  "sla --check --format json"
  "sla --all"
  "report --month 2026-11 --group-by severity"
  "report --since 2026-08-01"
  "export --table events --format csv"
  "export --table events --format parquet"
)

HAVE_TIME=1
[[ -x /usr/bin/time ]] || HAVE_TIME=0
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# Warm: the index is built once before anything is measured (a cold run per
# command is measured apart, in the index table below), whole: `sla --check`
# asks every ticket's timers, so every summary holds its timers and actions
# (a listing alone writes summaries without them).
"$TKT" -C "$REPO" sla --check >/dev/null 2>&1 || true

# Runs `tkt -C REPO ARGS...` once; sets WALL (seconds), RSS_KB and RC.
measure() {
  local out=/dev/null
  [[ $1 == open ]] && out=$TMP/opened
  local start=$EPOCHREALTIME
  if ((HAVE_TIME)); then
    if /usr/bin/time -f '%M' -o "$TMP/rss" "$TKT" -C "$REPO" "$@" >"$out" 2>"$TMP/err"; then RC=0; else RC=$?; fi
  else
    if "$TKT" -C "$REPO" "$@" >"$out" 2>"$TMP/err"; then RC=0; else RC=$?; fi
  fi
  local end=$EPOCHREALTIME
  WALL=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')
  RSS_KB=unknown
  ((HAVE_TIME)) && RSS_KB=$(tail -n 1 "$TMP/rss")
  if [[ $1 == open && $RC == 0 ]]; then
    rm -f "$REPO/tickets/$(cat "$TMP/opened").yaml"
  fi
  if ((RC >= 2)); then
    echo "tkt $* exited $RC:" >&2
    head -n 5 "$TMP/err" >&2
  fi
}

echo
echo "**$N tickets** ($RUNS runs each; \`show\` prefix \`$PREFIX\`)"
echo
echo "| command | median wall (s) | runs (s) | peak RSS (MB) | exit |"
echo "|---|---:|---|---:|---:|"
((HAVE_TIME)) || echo "/usr/bin/time not found: peak RSS unknown" >&2
for command in "${COMMANDS[@]}"; do
  read -r -a args <<<"$command"
  walls=() peak=0 codes=()
  for ((i = 0; i < RUNS; i++)); do
    measure "${args[@]}"
    walls+=("$WALL")
    codes+=("$RC")
    if [[ $RSS_KB == unknown ]]; then peak=unknown; elif [[ $peak != unknown ]] && ((RSS_KB > peak)); then peak=$RSS_KB; fi
  done
  median=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
  rss=unknown
  [[ $peak != unknown ]] && rss=$(awk -v k="$peak" 'BEGIN { printf "%.1f", k / 1024 }')
  exits=$(printf '%s\n' "${codes[@]}" | sort -u | paste -sd/ -)
  echo "| \`tkt $command\` | $median | ${walls[*]} | $rss | $exits |"
done

# Completion of a ticket ID as a shell asks for it (`TKT_COMPLETE=bash`, the word
# being completed last), run inside the desk as a shell would.
for word in "" "T-0" "T-0A"; do
  walls=() peak=0
  for ((i = 0; i < RUNS; i++)); do
    start=$EPOCHREALTIME
    if ((HAVE_TIME)); then
      (cd "$REPO" && TKT_COMPLETE=bash _CLAP_COMPLETE_INDEX=2 /usr/bin/time -f '%M' -o "$TMP/rss" \
        "$TKT" -- tkt show "$word" >/dev/null)
      rss_kb=$(tail -n 1 "$TMP/rss")
      ((rss_kb > peak)) && peak=$rss_kb
    else
      (cd "$REPO" && TKT_COMPLETE=bash _CLAP_COMPLETE_INDEX=2 "$TKT" -- tkt show "$word" >/dev/null)
      peak=unknown
    fi
    walls+=("$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }')")
  done
  median=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
  rss=unknown
  [[ $peak != unknown ]] && rss=$(awk -v k="$peak" 'BEGIN { printf "%.1f", k / 1024 }')
  echo "| \`tkt show ${word}<Tab>\` (completion) | $median | ${walls[*]} | $rss | 0 |"
done

# ---------------------------------------------------------------------------
# The index, cold and warm, against the floor (stat every ticket file) and
# against Taskwarrior listing as many tasks (the same open fraction).

median_of() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

# Wall seconds of one run of "$@" (output discarded).
wall() {
  local start=$EPOCHREALTIME
  "$@" >/dev/null 2>&1 || true
  awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }'
}

# Wall and CPU (user + system) seconds of one run of "$@", as "WALL CPU".
# Called as $(timed ...): the command is the only child of that subshell,
# whose `times` (written to a file, so that no other subshell reports
# instead) then gives its CPU time. On a machine whose wall times move by
# a third from run to run, CPU time says what a change costs.
timed() {
  local start=$EPOCHREALTIME
  "$@" >/dev/null 2>&1 || true
  local end=$EPOCHREALTIME
  times >"$TMP/times.$BASHPID"
  awk -v a="$start" -v b="$end" 'NR == 2 {
    cpu = 0
    for (i = 1; i <= 2; i++) { split($i, p, /[ms]/); cpu += p[1] * 60 + p[2] }
    printf "%.3f %.3f", b - a, cpu
  }' "$TMP/times.$BASHPID"
}

floor_runs=()
for ((i = 0; i < RUNS; i++)); do
  floor_runs+=("$(wall find "$REPO/tickets" -printf '%s %T@ %i\n')")
done
FLOOR=$(median_of "${floor_runs[@]}")

# Taskwarrior 2.6 (one data file per status), installed from Debian when
# missing; tasks generated straight into its data files with the same
# pending fraction as tkt's open tickets.
OPEN=$("$TKT" -C "$REPO" list --format json 2>/dev/null | grep -c '"id":' || true)
TASK=$(command -v task || true)
if [[ -z $TASK ]] && command -v apt-get >/dev/null; then
  echo "installing taskwarrior (Debian package) for the side-by-side" >&2
  SUDO=""
  [[ $(id -u) == 0 ]] || SUDO="sudo -n"
  $SUDO apt-get install -y -q taskwarrior >/dev/null 2>&1 || true
  TASK=$(command -v task || true)
fi
if [[ -n $TASK ]]; then
  TW=$PWD/bench/out/task-$N
  if [[ ! -f $TW/.generated || $(cat "$TW/.generated") != "$N $OPEN" ]]; then
    rm -rf "$TW" && mkdir -p "$TW/data"
    awk -v n="$N" -v open="$OPEN" -v dir="$TW/data" 'BEGIN {
      for (i = 0; i < n; i++) {
        entry = 1760000000 + i * 60
        uuid = sprintf("%08x-0000-4000-8000-%012x", i, i)
        line = sprintf("description:\"bench task %d: the printer on floor %d is on fire\" entry:\"%d\" modified:\"%d\"", i, i % 9, entry, entry)
        if (i < open) printf "[%s status:\"pending\" uuid:\"%s\"]\n", line, uuid > (dir "/pending.data")
        else printf "[end:\"%d\" %s status:\"completed\" uuid:\"%s\"]\n", entry + 3600, line, uuid > (dir "/completed.data")
      }
    }'
    printf 'data.location=%s\nconfirmation=off\ngc=off\nhooks=off\ncolor=off\nverbose=nothing\nnews.version=2.6.2\n' "$TW/data" >"$TW/taskrc"
    echo "$N $OPEN" >"$TW/.generated"
  fi
  task_runs=()
  for ((i = 0; i < RUNS; i++)); do
    task_runs+=("$(wall env TASKRC="$TW/taskrc" "$TASK" list)")
  done
  TASK_LIST=$(median_of "${task_runs[@]}")
  TASK_VERSION=$("$TASK" --version)
else
  echo "taskwarrior not found and not installable: no side-by-side" >&2
  TASK_LIST=""
  TASK_VERSION="not installed"
fi

echo
echo "**Index at $N tickets** ($RUNS runs each, medians; floor: \`find tickets -printf '%s %T@ %i\\n'\` $FLOOR s; $OPEN open; Taskwarrior $TASK_VERSION with $OPEN of $N tasks pending)"
echo
echo "| command | warm (s) | × floor | cold, \`--no-index\` (s) | cold, building the index (s) | build cost | build cost, CPU | \`task list\` (s) | tkt ÷ task |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
# `sla --check` once more on a desk with a channels.toml (delivery
# configured: the watchdog also looks for undelivered notices; nothing is
# sent), which is removed after.
CHANNELS="schema = 1
since = 2026-01-01T00:00:00Z

[channels.mail]
type = \"smtp\"
host = \"127.0.0.1\"
port = 2525
tls = \"none\"
from = \"Support <support@example.com>\"

[[routes]]
channel = \"mail\"
"
for command in "list" "sla" "sla --check" "escalate --due" "list --text pool" "sla --check (with channels.toml)"; do
  read -r -a args <<<"${command% (*}"
  [[ $command == *channels.toml* ]] && printf '%s' "$CHANNELS" >"$REPO/channels.toml"
  warm=() plain=() build=() plain_cpu=() build_cpu=()
  "$TKT" -C "$REPO" "${args[@]}" >/dev/null 2>&1 || true
  for ((i = 0; i < RUNS; i++)); do
    warm+=("$(wall "$TKT" -C "$REPO" "${args[@]}")")
    read -r t c <<<"$(timed "$TKT" -C "$REPO" --no-index "${args[@]}")"
    plain+=("$t") plain_cpu+=("$c")
    rm -f "$INDEX"
    read -r t c <<<"$(timed "$TKT" -C "$REPO" "${args[@]}")"
    build+=("$t") build_cpu+=("$c")
  done
  w=$(median_of "${warm[@]}") p=$(median_of "${plain[@]}") b=$(median_of "${build[@]}")
  pc=$(median_of "${plain_cpu[@]}") bc=$(median_of "${build_cpu[@]}")
  cost=$(awk -v b="$b" -v p="$p" 'BEGIN { printf "%+.0f%%", (b / p - 1) * 100 }')
  cpu_cost=$(awk -v b="$bc" -v p="$pc" 'BEGIN { if (p > 0) printf "%+.0f%%", (b / p - 1) * 100; else print "-" }')
  vs_task="-" tl="-"
  if [[ $command == list && -n $TASK_LIST ]]; then
    tl=$TASK_LIST
    vs_task=$(ratio "$w" "$TASK_LIST")
  fi
  echo "| \`tkt $command\` | $w | $(ratio "$w" "$FLOOR") | $p | $b | $cost | $cpu_cost | $tl | $vs_task |"
  rm -f "$REPO/channels.toml"
done
# (A text search reads the files and leaves the index alone: rebuild it,
# as a listing writes it and whole.)
TICKET_BYTES=$(du -s --apparent-size -B1 "$REPO/tickets" | cut -f1)
share() { awk -v a="$1" -v b="$TICKET_BYTES" 'BEGIN { printf "%.1f", 100 * a / b }'; }
rm -f "$INDEX"
"$TKT" -C "$REPO" list >/dev/null 2>&1 || true
LISTED_BYTES=$(stat -c %s "$INDEX")
"$TKT" -C "$REPO" sla --check >/dev/null 2>&1 || true
INDEX_BYTES=$(stat -c %s "$INDEX")
echo
echo "Index: $((INDEX_BYTES / 1048576)) MB for $((TICKET_BYTES / 1048576)) MB of ticket files ($(share "$INDEX_BYTES")%) with every summary whole; $((LISTED_BYTES / 1048576)) MB ($(share "$LISTED_BYTES")%) as \`tkt list\` writes it (no timers)."
