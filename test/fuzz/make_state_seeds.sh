#!/usr/bin/env bash
# test/fuzz/make_state_seeds.sh: writes test/fuzz/state_seeds/*.bin, the
# seeds of the "state" fuzz target (target_state.c) that come from a real
# server: webhook_analytics_state values of demo/sample_data.sql, as bytes.
# Needs a server with the extension (1.7 or later) and the sample data,
# reached with psql's usual PG* variables; test/fuzz.sh only reads the files.
#
# Usage: test/fuzz/make_state_seeds.sh   (e.g. PGHOST=/tmp/pgdev PGPORT=5433 PGUSER=postgres)
set -euo pipefail

dir=$(cd "$(dirname "$0")" && pwd)/state_seeds
org=org_0196b0e9-11d8-7f26-b1d2-bd47054e4827
org2=org_0196b0f7-8d21-7c4e-b5a3-2f9e6c1d0a58
mkdir -p "$dir"

# seed writes the state of one call (its arguments as SQL) into state_seeds/NAME.bin.
seed() {
	local name=$1 args=$2 hex
	hex=$(psql -XAtqv ON_ERROR_STOP=1 -c "SELECT webhook_analytics_state($args)")
	case "$hex" in
		'\x'*) ;;
		*) echo "make_state_seeds.sh: $name: not a state: $hex" >&2; exit 1 ;;
	esac
	printf '%s' "${hex#\\x}" | xxd -r -p >"$dir/$name.bin"
	echo "$name.bin: $(wc -c <"$dir/$name.bin") bytes"
}

# one webhook's hour, with the hour before, the newest row
seed webhook-hour "'$org', '2026-11-28 10:00+00', '2026-11-28 11:00+00',
	'webhook_0196b0eb-7e93-7a05-b2c6-5d4f8a1e0b97', 1"
# every webhook of four hours, the newest 2 rows
seed four-hours "'$org', '2026-11-28 09:00+00', '2026-11-28 13:00+00', NULL, 2"
# another organization's day, the newest row
seed other-day "'$org2', '2026-11-27 00:00+00', '2026-11-28 00:00+00', NULL, 1"
# an organization without rows, no rows kept
seed empty "'org_none', '2026-11-27 00:00+00', '2026-11-28 00:00+00', NULL, 0"
