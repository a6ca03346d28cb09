#!/usr/bin/env bash
# scripts/fuzz.sh: the libFuzzer targets of tests/fuzz/ (docs/fuzzing.md), one after another.
#
#   scripts/fuzz.sh                 every target for 60 s
#   scripts/fuzz.sh 600             every target for 600 s
#   scripts/fuzz.sh 60 csv jwt      only these targets
#
# Installs clang and the libFuzzer runtime when missing (ZSZ_FUZZ_DEPS in
# scripts/lib/common.sh), builds build-fuzz/ (CC=clang, -Dfuzzing=true, AddressSanitizer,
# UBSan; build/ and build-asan/ are untouched) and runs each target on its seeds
# (tests/fuzz/corpus/NAME) and its working corpus (var/fuzz/corpus/NAME, kept between runs).
# Prints the executions of each target and their total. A crash, a leak, a timeout (an
# input taking over 10 s) or a broken invariant stops that target with its input under
# var/fuzz/artifacts/NAME/ and makes the exit status 1; the other targets still run.
# Logs: var/fuzz/logs/NAME.log. Leaks count as crashes: when LeakSanitizer cannot run here
# (under ptrace) the script stops, unless ZSZ_FUZZ_LEAKS=0 says to go on without it.
# A crash is replayed with: build-fuzz/tests/fuzz/fuzz_NAME var/fuzz/artifacts/NAME/crash-...
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$ZSZ_ROOT"

secs="${1:-60}"
[[ "$secs" =~ ^[1-9][0-9]*$ ]] || zsz_die "usage: scripts/fuzz.sh [seconds per target] [target...]"
(($# > 0)) && shift
mapfile -t all < <(zsz_fuzz_targets)
targets=("$@")
((${#targets[@]})) || targets=("${all[@]}")
for t in "${targets[@]}"; do
    [[ " ${all[*]} " == *" $t "* ]] || zsz_die "no target $t (targets: ${all[*]})"
done

zsz_install_deps "${ZSZ_FUZZ_DEPS[@]}"
LOGS="$ZSZ_ROOT/var/fuzz/logs"
mkdir -p "$LOGS"
if [[ "${ZSZ_FUZZ_LEAKS:-1}" != 0 ]] && ! reason="$(zsz_lsan_probe "$LOGS")"; then
    zsz_die "LeakSanitizer cannot run here: $reason (ZSZ_FUZZ_LEAKS=0 runs without leak checks)"
fi
zsz_header "build-fuzz/ (clang, libFuzzer, AddressSanitizer + UBSan)"
zsz_fuzz_build >"$LOGS/build.log" 2>&1 || {
    tail -n 30 "$LOGS/build.log"
    zsz_die "build of build-fuzz/ failed (var/fuzz/logs/build.log)"
}

zsz_header "fuzzing ${#targets[@]} target(s), $secs s each"
total=0
failed=()
for t in "${targets[@]}"; do
    rc=0
    line="$(zsz_fuzz_run "$t" "$LOGS/$t.log" -max_total_time="$secs")" || rc=$?
    n="$(sed -E 's/^.*: ([0-9]+) executions$/\1/' <<<"$line")"
    total=$((total + n))
    if ((rc == 0)); then
        printf '%s\n' "$line"
    else
        printf '%s  FOUND SOMETHING (status %d)\n' "$line" "$rc"
        grep -E 'ERROR: |fuzz invariant broken|SUMMARY: |Test unit written to' "$LOGS/$t.log" | head -n 8 || true
        failed+=("$t")
    fi
done
echo
printf 'total: %d executions in %d target(s)\n' "$total" "${#targets[@]}"
if ((${#failed[@]})); then
    printf 'crashes in: %s (inputs under var/fuzz/artifacts/, logs under var/fuzz/logs/)\n' "${failed[*]}"
    exit 1
fi
