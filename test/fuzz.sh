#!/usr/bin/env bash
# test/fuzz.sh: builds the libFuzzer harnesses of test/fuzz/ (clang, ASan,
# UBSan) for the three decoders of untrusted bytes, WhValuesDeserialize,
# WhStateDecode and WhAnalyticsStateDecode, runs their deterministic checks,
# then fuzzes each for a bounded time. Exits non-zero on any crash,
# sanitizer report, leak, timeout or unexpected SQLSTATE.
#
# Usage: test/fuzz.sh [--seconds N]   (N per target, default 20)
# Environment: PG_CONFIG (default pg_config), WH_FUZZ_BUILD (default
# test/fuzz/build), WH_FUZZ_RSS_MB (default 2048).
set -euo pipefail

seconds=20
while [ $# -gt 0 ]; do
	case "$1" in
		--seconds) seconds=${2:?--seconds needs a number}; shift 2 ;;
		--seconds=*) seconds=${1#--seconds=}; shift ;;
		-h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
		*) echo "fuzz.sh: unknown argument: $1 (try --help)" >&2; exit 2 ;;
	esac
done
case "$seconds" in
	''|*[!0-9]*|0) echo "fuzz.sh: --seconds takes a positive whole number" >&2; exit 2 ;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
fuzz_dir=$root/test/fuzz
build=${WH_FUZZ_BUILD:-$fuzz_dir/build}
rss_mb=${WH_FUZZ_RSS_MB:-2048}
pg_config=${PG_CONFIG:-pg_config}

# install_missing installs the Debian packages named when a tool is missing.
install_missing() {
	local sudo=
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	echo "fuzz.sh: installing $*"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

# Tools: clang with its fuzzer and sanitizer runtimes, the server headers.
if ! command -v clang >/dev/null; then
	install_missing clang libclang-rt-14-dev
fi
if [ ! -e "$(clang -print-resource-dir)/lib/linux/libclang_rt.fuzzer-x86_64.a" ]; then
	install_missing libclang-rt-14-dev
fi
if ! command -v "$pg_config" >/dev/null ||
	[ ! -e "$("$pg_config" --includedir-server)/postgres.h" ]; then
	install_missing postgresql-server-dev-15
fi

# Build: every object once, instrumented for libFuzzer and the sanitizers;
# the deterministic checkers link the same objects without libFuzzer.
mkdir -p "$build/obj"
warnings="-Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers
	-Wmissing-prototypes -Wpointer-arith -Wdeclaration-after-statement -Werror=vla
	-Wno-ignored-attributes"
sanitize="-fsanitize=address,undefined -fno-sanitize-recover=all"
# -fwrapv and -fno-strict-aliasing as PostgreSQL (and so PGXS) compiles;
# WH_FUZZ_DIR is where target_state.c finds its seeds (state_seeds/).
cflags="-g -O2 -fno-omit-frame-pointer -fwrapv -fno-strict-aliasing $warnings $sanitize
	-fsanitize=fuzzer-no-link -I$root/src -I$fuzz_dir -I$("$pg_config" --includedir-server)
	-DWH_FUZZ_DIR=\"$fuzz_dir\""
libs="-L$("$pg_config" --pkglibdir) -lpgcommon_shlib -lpgport_shlib -lm"
sources="$root/src/latency_state.c $root/src/wire.c $root/src/summary_format.c $root/src/key_counter.c
	$root/src/latency_hist.c $root/src/delivery.c $root/src/analytics_state.c
	$root/src/webhook_totals.c $root/src/columns.c $fuzz_dir/backend_shim.c
	$fuzz_dir/fuzz_common.c $fuzz_dir/fuzz_main.c $fuzz_dir/deterministic.c
	$fuzz_dir/target_values.c $fuzz_dir/target_summary.c $fuzz_dir/target_state.c"
pids=()
for source in $sources; do
	# shellcheck disable=SC2086
	clang $cflags -c "$source" -o "$build/obj/$(basename "$source" .c).o" &
	pids+=($!)
done
for pid in "${pids[@]}"; do
	wait "$pid" || { echo "fuzz.sh: build failed" >&2; exit 1; }
done
common="backend_shim.o fuzz_common.o"
values_objs="target_values.o latency_state.o"
summary_objs="target_summary.o wire.o summary_format.o key_counter.o latency_hist.o delivery.o latency_state.o"
state_objs="target_state.o analytics_state.o wire.o key_counter.o latency_hist.o delivery.o latency_state.o
	webhook_totals.o columns.o"
(
	cd "$build/obj"
	# shellcheck disable=SC2086
	{
		clang $sanitize deterministic.o $common $values_objs $libs -o ../check_values
		clang $sanitize deterministic.o $common $summary_objs $libs -o ../check_summary
		clang $sanitize deterministic.o $common $state_objs $libs -o ../check_state
		clang $sanitize -fsanitize=fuzzer fuzz_main.o $common $values_objs $libs -o ../fuzz_values
		clang $sanitize -fsanitize=fuzzer fuzz_main.o $common $summary_objs $libs -o ../fuzz_summary
		clang $sanitize -fsanitize=fuzzer fuzz_main.o $common $state_objs $libs -o ../fuzz_state
	}
)
mkdir -p "$build/artifacts"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

# deep_stack gives the binaries a 64 MB stack (unless more): the JSON parser the state
# target links (jsonapi's frontend build) recurses once per nesting level with no
# check_stack_depth, up to 65536 levels in an input of -max_len bytes.
deep_stack() {
	[ "$(ulimit -s)" = unlimited ] || [ "$(ulimit -s)" -ge 65536 ] || ulimit -s 65536 || {
		echo "fuzz.sh: cannot raise the stack limit to 64 MB (hard limit $(ulimit -Hs))" >&2
		return 1
	}
}

# check runs the deterministic checks of a target (a hang fails too), which also write its seed corpus.
check() {
	mkdir -p "$build/corpus/$1"
	deep_stack
	timeout 600 "$build/check_$1" --corpus "$build/corpus/$1"
}

# fuzz runs libFuzzer on a target for the time given, from and into its corpus.
fuzz() {
	deep_stack
	"$build/fuzz_$1" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
		-rss_limit_mb="$rss_mb" -print_final_stats=1 -use_value_profile=1 \
		-artifact_prefix="$build/artifacts/$1-" "$build/corpus/$1"
}

# summarize prints the one-line summary of a target's fuzz log; fails on any report in it.
summarize() {
	local target=$1 log=$2 runs edges corpus
	if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|^fuzz [a-z]+:|backend shim:' "$log"; then
		return 1
	fi
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	edges=$(grep -oE 'DONE +cov: [0-9]+' "$log" | grep -oE '[0-9]+$' || echo '?')
	corpus=$(find "$build/corpus/$target" -type f | wc -l)
	echo "fuzz $target: OK, ${runs:-?} inputs executed in $seconds s, $edges edges covered, corpus $corpus inputs, no crash, leak or timeout"
}

# run_all runs a step (check or fuzz) for every target at once, each in its own process, then reports each in order.
run_all() {
	local step=$1 target log status failed=0
	local -A running
	for target in $targets; do
		"$step" "$target" >"$build/$step-$target.log" 2>&1 &
		running[$target]=$!
	done
	for target in $targets; do
		log=$build/$step-$target.log
		status=0
		wait "${running[$target]}" || status=$?
		if [ "$step" = check ]; then
			cat "$log"
			[ "$status" -eq 0 ] || { echo "check $target: FAILED (exit $status$([ "$status" -ne 124 ] || echo ': timed out'))"; failed=1; }
		elif [ "$status" -ne 0 ] || ! summarize "$target" "$log"; then
			tail -n 60 "$log"
			echo "fuzz $target: FAILED (exit $status); log $log, inputs in $build/artifacts/"
			failed=1
		fi
	done
	return "$failed"
}

targets="values summary state"
run_all check
run_all fuzz
