/*
 * target_state.c
 *	  Fuzz target for WhAnalyticsStateDecode (src/analytics_state.c), the
 *	  decoder of webhook_analytics_state (its input, receive and merge
 *	  functions all decode with it). Every input must decode or raise
 *	  ERRCODE_INVALID_TEXT_REPRESENTATION (WhStateMalformed). A decoded
 *	  state must re-encode with WhAnalyticsStateEncode to bytes that decode
 *	  again and re-encode to the very same bytes, and merge with itself
 *	  (WhAnalyticsStateMerge into a second decoded copy) to twice its
 *	  counters and its rows twice, a state that decodes again; the merge
 *	  may raise ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE only when doubling a
 *	  counter could overflow.
 *
 *	  The seeds are the states of a real server in state_seeds/
 *	  (make_state_seeds.sh writes them), which must re-encode to
 *	  themselves, and states made here with the real encoder for what the
 *	  sample data has not: ids in text (bytes or collated order) or
 *	  negative, NULL webhooks and events, JSON rows, a window across
 *	  2000-01-01, an empty window with the window before.
 *
 *	  Unlike the server, the shim orders WH_ID_COLLATED ids as bytes and
 *	  parses JSON with jsonapi's frontend build, which has no
 *	  check_stack_depth: where the server raises 54001 for JSON nested
 *	  deeper than max_stack_depth allows, this decodes or rejects it as
 *	  its syntax says, recursing once per level (fuzz.sh gives the
 *	  binaries the stack for the deepest nesting of -max_len bytes).
 */
#include "postgres.h"

#include <dirent.h>
#include <stdio.h>

#include "datatype/timestamp.h"

#include "analytics_state.h"
#include "window.h"
#include "fuzz_common.h"

#ifndef WH_FUZZ_DIR
#error "WH_FUZZ_DIR (test/fuzz, where state_seeds/ is) must be defined, as fuzz.sh does"
#endif

#define SMALL_COUNT (INT64CONST(1) << 60)	/* a counter that doubles safely, sums too */
#define MAX_FILE_SEEDS 8
#define DEEP_JSON 65536			/* nesting of the deep JSON checks: -max_len bytes */

/* One decode: the input and the state it gave. */
typedef struct StateRun
{
	const bytea *input;
	WhAnalyticsState *state;
} StateRun;

/* A merge of one state into another, for WhFuzzGuard. */
typedef struct MergeRun
{
	WhAnalyticsState *into;
	const WhAnalyticsState *from;
} MergeRun;

/* StateDecode decodes the input into the current context, as the type's functions do. */
static void
StateDecode(void *arg)
{
	StateRun   *run = arg;

	run->state = palloc(sizeof(WhAnalyticsState));
	WhAnalyticsStateDecode(run->input, CurrentMemoryContext, run->state);
}

/* MergeInto merges, as webhook_analytics_merge does. */
static void
MergeInto(void *arg)
{
	MergeRun   *run = arg;

	WhAnalyticsStateMerge(run->into, run->from, CurrentMemoryContext);
}

/* Decoded decodes bytes that must decode (what describes them, for the failure). */
static WhAnalyticsState *
Decoded(const bytea *bytes, const char *what)
{
	StateRun	run = {bytes, NULL};
	MemoryContext context = CurrentMemoryContext;

	if (!WhFuzzGuard(StateDecode, &run, ERRCODE_INVALID_TEXT_REPRESENTATION))
		WhFuzzFail("%s was rejected", what);
	if (CurrentMemoryContext != context)
		WhFuzzFail("decoding %s left another memory context current", what);
	return run.state;
}

/* SmallMetrics is true when every counter is within +-2^60. */
static bool
SmallMetrics(const WhMetrics *m)
{
#define WH_SMALL_FIELD(name, since) \
	if (m->name < -SMALL_COUNT || m->name > SMALL_COUNT) \
		return false;
	WH_METRIC_FIELDS(WH_SMALL_FIELD)
#undef WH_SMALL_FIELD
	return true;
}

/*
 * Doublable is true when every counter of a state, and every running sum
 * of the hours' counters, is within +-2^60: then merging it with itself
 * cannot overflow, nor can the merged state's checks (which sum the
 * hours and add counters), and every histogram and keyed count, bounded
 * by the counters, doubles safely too.
 */
static bool
Doublable(const WhAnalyticsState *state)
{
	WhMetrics	sums = {0};

	if (state->webhooks > SMALL_COUNT || state->events_subscribed > SMALL_COUNT)
		return false;
	for (int64 i = 0; i < state->nhours; i++)
	{
		const WhMetrics *m = &state->hours[i].metrics;

		if (!SmallMetrics(m))
			return false;
#define WH_SUM_FIELD(name, since) sums.name += m->name;
		WH_METRIC_FIELDS(WH_SUM_FIELD)
#undef WH_SUM_FIELD
		if (!SmallMetrics(&sums))
			return false;
	}
	for (int i = 0; i < state->webhook_set->count; i++)
		if (!SmallMetrics(&state->webhook_set->items[i].metrics))
			return false;
	return SmallMetrics(&state->previous);
}

/* CheckMerged checks a state merged with itself: twice the counters, every row twice, and that it decodes. */
static void
CheckMerged(const WhAnalyticsState *state, const WhAnalyticsState *merged)
{
	bytea	   *encoded;
	WhAnalyticsState *again;

	if (merged->nhours != state->nhours || merged->webhooks != 2 * state->webhooks ||
		merged->events_subscribed != 2 * state->events_subscribed ||
		merged->last_n != state->last_n ||
		merged->nrows != Min(state->last_n, 2 * state->nrows) ||
		merged->webhook_set->count != state->webhook_set->count)
		WhFuzzFail("merging a state with itself did not double it");
	for (int64 i = 0; i < state->nhours; i++)
	{
		const WhHourBucket *h = &state->hours[i];
		const WhHourBucket *m = &merged->hours[i];

#define WH_DOUBLED_FIELD(name, since) || m->metrics.name != 2 * h->metrics.name
		if (m->hour != h->hour WH_METRIC_FIELDS(WH_DOUBLED_FIELD))
			WhFuzzFail("merging a state with itself did not double hour %lld", (long long) h->hour);
#undef WH_DOUBLED_FIELD
	}
	for (int i = 0; i < merged->nrows; i++)
		if (merged->rows[i].number[WH_COL_CREATED_AT] !=
			state->rows[i / 2].number[WH_COL_CREATED_AT])
			WhFuzzFail("merging a state with itself did not keep each row twice, newest first");
	encoded = WhAnalyticsStateEncode(merged);
	again = Decoded(encoded, "a state merged with itself");
	if (!WhFuzzSameBytes(WhAnalyticsStateEncode(again), encoded))
		WhFuzzFail("re-encoding a merged state changed its bytes");
}

/*
 * StateCheck decodes an input; when it decodes, checks the round trip
 * (the re-encoding decodes and re-encodes to the same bytes) and the merge
 * with itself.
 */
static bool
StateCheck(const bytea *input)
{
	StateRun	run = {input, NULL};
	MemoryContext context = CurrentMemoryContext;
	bytea	   *encoded;
	WhAnalyticsState *again;
	WhAnalyticsState *copy;
	MergeRun	merge;
	bool		doublable;

	if (!WhFuzzGuard(StateDecode, &run, ERRCODE_INVALID_TEXT_REPRESENTATION))
		return false;
	if (CurrentMemoryContext != context)
		WhFuzzFail("decoding left another memory context current");
	encoded = WhAnalyticsStateEncode(run.state);
	again = Decoded(encoded, "the re-encoding of a decoded state");
	if (!WhFuzzSameBytes(WhAnalyticsStateEncode(again), encoded))
		WhFuzzFail("re-encoding a re-encoded state changed its bytes");

	copy = Decoded(input, "the same input decoded again");
	merge.into = copy;
	merge.from = run.state;
	doublable = Doublable(run.state);
	if (!WhFuzzGuard(MergeInto, &merge, ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE))
	{
		if (doublable)
			WhFuzzFail("merging a state with itself overflowed, its counters within 2^60");
		return true;
	}
	if (doublable)
		CheckMerged(run.state, copy);
	else
		(void) WhAnalyticsStateEncode(copy);	/* the merge may have wrapped counts */
	return true;
}

/* Printed is a string formatted into the current context. */
static char *
Printed(const char *fmt,...) pg_attribute_printf(1, 2);

static char *
Printed(const char *fmt,...)
{
	char		buffer[512];
	va_list		args;

	va_start(args, fmt);
	vsnprintf(buffer, sizeof(buffer), fmt, args);
	va_end(args);
	return pstrdup(buffer);
}

/* Text makes a text datum of a C string. */
static Datum
Text(const char *s)
{
	int			len = strlen(s);
	text	   *t = palloc(VARHDRSZ + len);

	SET_VARSIZE(t, VARHDRSZ + len);
	memcpy(VARDATA(t), s, len);
	return PointerGetDatum(t);
}

/* How a made state looks. */
typedef struct StateShape
{
	TimestampTz from;
	TimestampTz to;
	const char *webhook;		/* the filter, or NULL for every webhook */
	int			last_n;
	WhIdOrder	id_order;
	bool		previous;		/* with the window before */
	int			n;				/* deliveries in the window */
	int			webhooks;		/* distinct webhook ids among them (one NULL when > 2) */
	int			events;			/* distinct events (one NULL) */
} StateShape;

/* SetText sets a text column of a row to a C string, or NULL. */
static void
SetText(WhStateRow *row, int col, const char *s)
{
	row->isnull[col] = s == NULL;
	row->data[col] = s;
	row->len[col] = s == NULL ? 0 : strlen(s);
}

/* SetNumber sets an integer or timestamp column of a row. */
static void
SetNumber(WhStateRow *row, int col, int64 value, bool isnull)
{
	row->isnull[col] = isnull;
	row->number[col] = isnull ? 0 : value;
}

/* MakeDelivery makes the i-th of n deliveries of a shape and the row it is. */
static void
MakeDelivery(const StateShape *shape, int i, WhDelivery *d, WhStateRow *row,
			 const char **webhook)
{
	int64		span = shape->to - shape->from;
	static const char *const ids[] = {"%lld", "evt_%05lld", "\xc3\xa9vt_%05lld"};
	const char *event;
	const char *url;

	memset(d, 0, sizeof(WhDelivery));
	memset(row, 0, sizeof(WhStateRow));
	/* two by two at the same time, so the ids break ties */
	d->created_at = shape->from + (span / Max(shape->n, 1)) * (i / 2 * 2);
	d->success = i % 4 == 0 || i % 4 == 3;
	d->failed = i % 4 == 1;
	d->pending = i % 4 == 2;
	d->retried = i % 5 == 0;
	d->recovered = d->retried && d->success;
	d->gave_up = d->failed && i % 2 == 1;
	d->has_status = !d->pending;
	d->status = d->success ? 200 + i % 3 : 500 + i % 4;
	d->has_retries = i % 6 != 5;
	d->retries = d->retried ? i % 4 + 1 : 0;
	d->has_delay = i % 7 != 0;
	d->delay_ms = d->has_delay ? (i * 37) % 900 - 3 : 0;
	d->has_latency = !d->pending;
	d->latency_ms = (i * 7919) % 5000;
	event = i % shape->events == 0 ? NULL : Printed("invoice.event_%d", i % shape->events);
	d->event_null = event == NULL;
	d->event = event == NULL ? (Datum) 0 : Text(event);
	url = i % 9 == 4 ? NULL : Printed("https://h%d.example.com/hook", i % 3);
	d->url_null = url == NULL;
	d->url = url == NULL ? (Datum) 0 : Text(url);
	if (shape->webhook != NULL)
		*webhook = shape->webhook;
	else if (shape->webhooks > 2 && i % shape->webhooks == 0)
		*webhook = NULL;
	else
		*webhook = Printed("webhook_%02d", i % shape->webhooks);

	/* ids ascend with i, as the table's would (below zero too, as integers) */
	SetText(row, WH_COL_ID, Printed(ids[shape->id_order],
									(long long) (shape->id_order == WH_ID_INTEGER ? i * 3 - 20 : i)));
	SetText(row, WH_COL_WEBHOOK_ID, *webhook);
	SetText(row, WH_COL_ORGANIZATION_ID, "org_fuzz");
	SetText(row, WH_COL_URL, url);
	SetText(row, WH_COL_EVENT, event);
	SetText(row, WH_COL_RESOURCE_ID, i % 3 == 0 ? NULL : Printed("in_%d", i));
	SetText(row, WH_COL_PAYLOAD, i % 4 == 3 ? NULL :
			Printed("{\"id\": \"evt_%d\", \"data\": {\"amount\": %d.5e1, \"lines\": [1, true, null], "
					"\"note\": \"caf\\u00e9 \\ud83d\\ude00 \xe2\x9c\x93\"}}", i, i));
	SetNumber(row, WH_COL_RESPONSE_STATUS, d->status, !d->has_status);
	SetText(row, WH_COL_RESPONSE_BODY, d->has_status ? Printed("ok \xc3\xa9 %d", i) : NULL);
	SetText(row, WH_COL_ERROR, d->failed ? "{\"code\": 503, \"retry\": [false]}" : NULL);
	SetNumber(row, WH_COL_RETRIES, d->retries, !d->has_retries);
	SetNumber(row, WH_COL_CREATED_AT, d->created_at, false);
	SetNumber(row, WH_COL_UPDATED_AT, d->created_at + 1000, i % 2 == 0);
	SetNumber(row, WH_COL_FIRST_SENT_AT, d->created_at + d->delay_ms * 1000, !d->has_delay);
	SetNumber(row, WH_COL_DELAY_MS, d->delay_ms, !d->has_delay);
	SetNumber(row, WH_COL_DONE, d->gave_up ? 1 : 0, false);
}

/* Made is the state of a shape's deliveries, made and encoded by the real functions. */
static bytea *
Made(const StateShape *shape)
{
	WhAnalyticsState state;
	WhStateRow *rows = palloc(Max(shape->n, 1) * sizeof(WhStateRow));

	WhAnalyticsStateInit(&state, CurrentMemoryContext);
	state.from = shape->from;
	state.to = shape->to;
	state.has_webhook = shape->webhook != NULL;
	state.webhook = shape->webhook;
	state.webhook_len = shape->webhook == NULL ? 0 : strlen(shape->webhook);
	state.last_n = shape->last_n;
	state.id_order = shape->id_order;
	state.webhooks = Max(shape->webhooks, 1);
	state.events_subscribed = 3 * shape->events;
	state.hours = palloc(Max(shape->n, 1) * sizeof(WhHourBucket));
	for (int i = 0; i < shape->n; i++)
	{
		WhDelivery	d;
		const char *webhook;
		WhWebhookTotals *w;
		int64		hour;

		MakeDelivery(shape, i, &d, &rows[i], &webhook);
		hour = WhHourOf(d.created_at);
		if (state.nhours == 0 || state.hours[state.nhours - 1].hour != hour)
		{
			state.hours[state.nhours].hour = hour;
			memset(&state.hours[state.nhours].metrics, 0, sizeof(WhMetrics));
			state.nhours++;
		}
		WhMetricsAddDelivery(&state.hours[state.nhours - 1].metrics, &d, 1);
		WhDetailAddDelivery(&state.detail, &d, 1);
		w = WhWebhookSetFor(state.webhook_set, webhook, webhook == NULL ? 0 : strlen(webhook),
							webhook == NULL);
		WhMetricsAddDelivery(&w->metrics, &d, 1);
		if (d.has_latency)
			WhLatencyHistAdd(w->latency, d.latency_ms, 1);
	}
	state.has_previous = shape->previous;
	for (int i = 0; shape->previous && i < shape->n / 2 + 3; i++)
	{
		WhDelivery	d;
		WhStateRow	row;
		const char *webhook;

		MakeDelivery(shape, i + 1, &d, &row, &webhook);
		WhMetricsAddDelivery(&state.previous, &d, 1);
		if (d.has_latency)
			WhLatencyHistAdd(state.previous_latency, d.latency_ms, 1);
	}
	/* the newest last_n, newest first */
	state.nrows = Min(shape->last_n, shape->n);
	state.rows = palloc(Max(state.nrows, 1) * sizeof(WhStateRow));
	for (int k = 0; k < state.nrows; k++)
		state.rows[k] = rows[shape->n - 1 - k];
	return WhAnalyticsStateEncode(&state);
}

/* CompareNames orders file names for qsort. */
static int
CompareNames(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* ReadFile reads a whole file into a bytea. */
static bytea *
ReadFile(const char *path)
{
	FILE	   *file = fopen(path, "rb");
	long		size;
	bytea	   *bytes;

	if (file == NULL || fseek(file, 0, SEEK_END) != 0 || (size = ftell(file)) < 0 ||
		fseek(file, 0, SEEK_SET) != 0)
		WhFuzzFail("cannot read %s", path);
	bytes = palloc(VARHDRSZ + size);
	SET_VARSIZE(bytes, VARHDRSZ + size);
	if (fread(VARDATA(bytes), 1, size, file) != (size_t) size || fclose(file) != 0)
		WhFuzzFail("cannot read %s", path);
	return bytes;
}

/* FileSeeds reads the server's states, the .bin files of state_seeds/, in name order; each must re-encode to itself. */
static int
FileSeeds(bytea **seeds, int max)
{
	const char *dir = WH_FUZZ_DIR "/state_seeds";
	DIR		   *d = opendir(dir);
	struct dirent *entry;
	char	   *names[MAX_FILE_SEEDS];
	int			n = 0;

	if (d == NULL)
		WhFuzzFail("cannot open %s", dir);
	while ((entry = readdir(d)) != NULL)
	{
		size_t		len = strlen(entry->d_name);

		if (len > 4 && strcmp(entry->d_name + len - 4, ".bin") == 0 && n < Min(max, MAX_FILE_SEEDS))
			names[n++] = pstrdup(entry->d_name);
	}
	closedir(d);
	if (n == 0)
		WhFuzzFail("no seeds in %s", dir);
	qsort(names, n, sizeof(char *), CompareNames);
	for (int i = 0; i < n; i++)
	{
		char	   *path = Printed("%s/%s", dir, names[i]);

		seeds[i] = ReadFile(path);
		WhFuzzDescribe("seed %s", path);
		if (!WhFuzzSameBytes(WhAnalyticsStateEncode(Decoded(seeds[i], "a server's state")), seeds[i]))
			WhFuzzFail("a server's state re-encoded to other bytes");
	}
	WhFuzzDescribe("%s", "");
	return n;
}

#define TS(days, hours) ((TimestampTz) (days) * USECS_PER_DAY + (TimestampTz) (hours) * USECS_PER_HOUR)

/* StateSeeds makes valid states: the server's, then made ones of every id order and part. */
static int
StateSeeds(bytea **seeds, int max)
{
	static const StateShape shapes[] = {
		/* integer ids (negative too), the window before, NULL webhooks and events */
		{TS(9827, 9), TS(9827, 15), NULL, 10, WH_ID_INTEGER, true, 40, 4, 5},
		/* one webhook, ids as bytes */
		{TS(9827, 0), TS(9828, 0), "webhook_a", 3, WH_ID_BYTES, false, 12, 1, 3},
		/* collated ids, across 2000-01-01 (hours below zero), every row kept */
		{TS(0, -3) - 17, TS(0, 2) + 5, NULL, 1000, WH_ID_COLLATED, false, 9, 3, 2},
		/* no rows, the window before */
		{TS(9828, 0), TS(9828, 1), NULL, 0, WH_ID_INTEGER, true, 0, 1, 1},
	};
	int			n = FileSeeds(seeds, max);

	for (size_t i = 0; i < lengthof(shapes) && n < max; i++)
		seeds[n++] = Made(&shapes[i]);
	return n;
}

/* WithPayload is the one-row state of made with its newest row's payload replaced by json. */
static bytea *
WithPayload(const char *json, int len)
{
	StateShape	shape = {TS(9827, 9), TS(9827, 10), NULL, 1, WH_ID_INTEGER, false, 1, 1, 1};
	WhAnalyticsState *state = Decoded(Made(&shape), "a made state");

	state->rows[0].isnull[WH_COL_PAYLOAD] = false;
	state->rows[0].data[WH_COL_PAYLOAD] = json;
	state->rows[0].len[WH_COL_PAYLOAD] = len;
	return WhAnalyticsStateEncode(state);
}

/*
 * CheckDeepJson feeds a row whose payload nests DEEP_JSON arrays, closed
 * (valid JSON: it decodes, where the server raises 54001) and never closed
 * (rejected): deeper than the parser can recurse for any input of
 * -max_len bytes, so the stack fuzz.sh gives the binaries is enough.
 */
static int64
CheckDeepJson(void)
{
	char	   *json = palloc(2 * DEEP_JSON);
	bytea	   *closed;
	bytea	   *open;

	memset(json, '[', DEEP_JSON);
	memset(json + DEEP_JSON, ']', DEEP_JSON);
	closed = WithPayload(json, 2 * DEEP_JSON);
	open = WithPayload(json, DEEP_JSON);
	WhFuzzDescribe("a payload of %d nested arrays", DEEP_JSON);
	if (WhFuzzOne((const uint8 *) VARDATA(closed), VARSIZE(closed) - VARHDRSZ) != WH_DECODED)
		WhFuzzFail("rejected");
	WhFuzzDescribe("a payload opening %d arrays", DEEP_JSON);
	if (WhFuzzOne((const uint8 *) VARDATA(open), VARSIZE(open) - VARHDRSZ) != WH_REJECTED)
		WhFuzzFail("accepted");
	printf("%s: large: a payload of %d nested arrays (%zu bytes): decoded; opening %d (%zu bytes): "
		   "rejected\n", wh_fuzz_target.name, DEEP_JSON, (Size) VARSIZE(closed) - VARHDRSZ,
		   DEEP_JSON, (Size) VARSIZE(open) - VARHDRSZ);
	return 2;
}

/* StateCheckLarge decodes a large made state (a year's hours, every row kept), some of its cuts, deep JSON. */
static int64
StateCheckLarge(void)
{
	StateShape	shape = {TS(9497, 0), TS(9862, 0), NULL, 1000, WH_ID_BYTES, true, 30000, 300, 2000};
	bytea	   *bytes = Made(&shape);
	const uint8 *data = (const uint8 *) VARDATA_ANY(bytes);
	Size		size = VARSIZE_ANY_EXHDR(bytes);
	const Size	cuts[] = {1, 8, size / 3, size / 2, size - 1};

	WhFuzzDescribe("the large state");
	if (WhFuzzOne(data, size) != WH_DECODED)
		WhFuzzFail("a large valid state was rejected");
	for (size_t i = 0; i < lengthof(cuts); i++)
		if (WhFuzzOne(data, cuts[i]) != WH_REJECTED)
			WhFuzzFail("a large state cut to %zu bytes was accepted", cuts[i]);
	printf("%s: large: %d deliveries over a year, %d webhooks, %d rows, %zu bytes: decoded, "
		   "re-encoded, merged; %d cuts rejected\n", wh_fuzz_target.name, shape.n, shape.webhooks,
		   shape.last_n, size, (int) lengthof(cuts));
	return 1 + lengthof(cuts) + CheckDeepJson();
}

const WhFuzzTarget wh_fuzz_target = {
	"state", ERRCODE_INVALID_TEXT_REPRESENTATION, StateSeeds, StateCheck, StateCheckLarge
};
