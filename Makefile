# PGXS build of the whanalytics extension.
EXTENSION = whanalytics
EXTVERSION = 1.7

MODULE_big = whanalytics
OBJS = src/whanalytics.o src/settings.o src/window.o src/metrics.o src/delivery.o \
       src/latency_hist.o src/wire.o src/summary_format.o src/summary_table.o src/summary_write.o src/summary_read.o \
       src/summary_trigger.o src/summary_trust.o src/summary_status.o src/summary_parts.o \
       src/summary_watch.o src/summary_attach.o src/trigger_set.o src/summary_maintenance.o src/columns.o src/policies.o \
       src/key_counter.o src/latency_state.o src/latency_agg.o src/latency_state_type.o src/state_text.o src/analytics_state.o src/analytics_state_type.o src/state_result.o src/foreign_shards.o src/relations.o src/queries.o \
       src/window_scan.o src/webhook_totals.o src/index_rows.o src/jsonb_build.o src/response.o src/response_parts.o src/analytics.o src/request.o src/series.o src/series_cells.o src/metrics_series.o

DATA = $(wildcard sql/whanalytics--*.sql)

REGRESS = extension analytics_json edge_cases day_metrics hourly_metrics \
          latency_percentiles bad_input settings row_security session_independence \
          row_security_summaries summaries hour_edges attached_tables newest_rows include metrics_series request merge_states citus_guard summary_trust fuzz cancellation corrupt_summaries large_values million_hour
REGRESS_OPTS = --inputdir=test --load-extension=plpgsql

# Multi-server tests (test/t/*.pl, PostgreSQL::Test::Cluster of the server's
# PGXS; each starts its own servers, as a user other than root): part of
# `make installcheck`, alone with `make prove_installcheck [PROVE_TESTS=...]`.
TAP_TESTS = 1
PROVE_TESTS = test/t/*.pl

# Concurrency: isolationtester specs in test/specs, their outputs in test/expected.
ISOLATION = rebuild_concurrent dead_entries
ISOLATION_OPTS = --inputdir=test --load-extension=plpgsql

# `make installcheck REGRESS=x` runs that pg_regress test alone: no TAP or isolation test.
ifeq ($(origin REGRESS),command line)
TAP_TESTS =
ISOLATION =
endif

# libpq: the coordinator's queries go over postgres_fdw's connections (foreign_shards.c)
PG_CPPFLAGS += -I$(shell $(PG_CONFIG) --includedir)
SHLIB_LINK += -lpq

PG_CFLAGS += -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers
# calls between the library's own files go straight to the function (and may be
# inlined), not through the PLT: nothing else may replace them
PG_CFLAGS += -fno-semantic-interposition
SHLIB_LINK += -Wl,-Bsymbolic-functions

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# Every object is rebuilt when a header changes (PGXS tracks no header dependencies).
$(OBJS): $(wildcard src/*.h)

# The TAP tests only (pgvector's target): make prove_installcheck [PROVE_TESTS=test/t/001_dump_restore.pl]
.PHONY: prove_installcheck
prove_installcheck:
	$(prove_installcheck)

# PGXS's `make check` only says it is unsupported; here it runs the TAP
# tests, which need no running server (GNU make then notes that this recipe
# replaces PGXS's).
ifneq ($(filter check,$(MAKECMDGOALS)),)
check:
	$(prove_installcheck)
endif
