# PGXS build of the whanalytics extension.
EXTENSION = whanalytics
EXTVERSION = 1.1

MODULE_big = whanalytics
OBJS = src/whanalytics.o src/settings.o src/window.o src/metrics.o src/delivery.o \
       src/latency_hist.o src/summary_state.o src/summary_write.o src/summary_read.o \
       src/summary_trigger.o \
       src/counter.o src/values.o src/latency_agg.o src/relations.o src/queries.o \
       src/scan.o src/jsonb_build.o src/response.o src/analytics.o src/series.o

DATA = $(wildcard sql/whanalytics--*.sql)

REGRESS = extension analytics_json edge_cases day_metrics hourly_metrics \
          latency_percentiles bad_input settings row_security session_independence \
          summaries fuzz cancellation corrupt_summaries large_values million_hour
REGRESS_OPTS = --inputdir=test --load-extension=plpgsql

PG_CFLAGS += -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# Every object is rebuilt when a header changes (PGXS tracks no header dependencies).
$(OBJS): $(wildcard src/*.h)
