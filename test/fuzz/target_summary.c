/*
 * target_summary.c
 *	  Fuzz target for WhStateDecode, WhHoursDecode and WhSlicesDecode
 *	  (src/summary_format.c), the decoders of the three values of a stored
 *	  day summary (the day, its hours, its slices); every input goes to all
 *	  three. Each must decode or raise
 *	  ERRCODE_DATA_CORRUPTED, whole or with webhooks skipped. A decoded
 *	  value must feed the real consumers (counters, latency histograms,
 *	  WhBucketSetAddState), give the same sums read as two ranges of hours
 *	  (or of the slices of those hours) as read whole, re-encode with WhStateEncode to bytes that decode to
 *	  the same sums, and re-encode again to the very same bytes.
 */
#include "postgres.h"

#include <limits.h>
#include <stdio.h>

#include "common/hashfn.h"

#include "fuzz_common.h"
#include "summary_format.h"

/* Sums of a list of keyed counts (events or failed URLs). */
typedef struct KeyedSums
{
	uint64		counts;
	uint64		keys;			/* sum of count * (key hash + 1), 0 for NULL */
} KeyedSums;

/* Sums of all a summary holds (wrapping), which merging and re-encoding keep. */
typedef struct SummarySums
{
	uint64		hours[9];		/* the WH_METRIC_FIELDS, in order */
	uint64		hour_totals;	/* sum of (hour + 1) * total */
	KeyedSums	events;
	KeyedSums	urls;
	uint64		latencies;
	uint64		latency_ms;		/* sum of value * count */
	uint64		statuses;
	uint64		status_sum;		/* sum of value * count */
	uint64		retries;
	uint64		retries_sum;	/* sum of value * count */
} SummarySums;

/* What a decode fed to the sink: the sums, and the consumers the engine uses. */
typedef struct SummaryTotals
{
	SummarySums sums;
	WhCounter  *events;
	WhCounter  *urls;
	WhLatencyHist *latency;		/* dense, as the engine's */
	WhLatencyHist *statuses;
	WhLatencyHist *retries;
} SummaryTotals;

/* Which of a stored day's values an input is decoded as. */
typedef enum SummaryKind
{
	KIND_DAY,
	KIND_HOURS,
	KIND_SLICES
} SummaryKind;

static const char *const kind_names[] = {"day", "hours", "slices"};

#define SLICES_PER_HOUR (WH_SLICES_PER_DAY / WH_HOURS_PER_DAY)

/* One decode: the input, as a day, hours or slices, the sink and what it fed. */
typedef struct SummaryRun
{
	const bytea *input;
	SummaryKind kind;
	const WhStateSink *sink;
	SummaryTotals *totals;
} SummaryRun;

#define SPLIT_HOUR 7			/* where a decode is split into two ranges */

/* One delivery of a seed: where it goes and what it was (its status and retries follow from it). */
typedef struct SeedRow
{
	const char *webhook;		/* NULL for SQL NULL */
	int			hour;
	const char *event;			/* NULL for SQL NULL */
	const char *url;			/* NULL for SQL NULL */
	char		outcome;		/* 's'uccess, 'f'ailed or 'p'ending */
	bool		retried;
	int			delay;			/* -1 for NULL */
	int64		latency;		/* -1 for none */
	int			sign;			/* +1 added, -1 removed */
} SeedRow;

/* KeyWeight is what a key adds to the key sums per count: its hash + 1, or 0 for NULL. */
static uint64
KeyWeight(const char *key, int len, bool isnull)
{
	return isnull ? 0 : (uint64) hash_bytes((const unsigned char *) key, len) + 1;
}

/* RecordWebhook takes every webhook. */
static bool
RecordWebhook(void *arg, const char *id, int len, bool isnull)
{
	return true;
}

/* SkipOddWebhook takes only the webhooks whose id has an even length (and the NULL one). */
static bool
SkipOddWebhook(void *arg, const char *id, int len, bool isnull)
{
	return len % 2 == 0;
}

/* RecordHour adds an hour's counters to the sums. */
static void
RecordHour(void *arg, int hour, const WhMetrics *m)
{
	SummarySums *sums = &((SummaryTotals *) arg)->sums;

	sums->hours[0] += (uint64) m->total;
	sums->hours[1] += (uint64) m->success;
	sums->hours[2] += (uint64) m->failed;
	sums->hours[3] += (uint64) m->pending;
	sums->hours[4] += (uint64) m->retried;
	sums->hours[5] += (uint64) m->delay_count;
	sums->hours[6] += (uint64) m->delay_sum;
	sums->hours[7] += (uint64) m->recovered;
	sums->hours[8] += (uint64) m->gave_up;
	sums->hour_totals += (uint64) (hour + 1) * (uint64) m->total;
}

/* RecordSlice adds a slice's counters to the sums (as an hour numbered as the slice). */
static void
RecordSlice(void *arg, int slice, const WhMetrics *m)
{
	RecordHour(arg, slice, m);
}

/* RecordKeyed adds a keyed count to its sums and to its counter. */
static void
RecordKeyed(KeyedSums *sums, WhCounter *counter, const char *key, int len, bool isnull,
			int64 count)
{
	sums->counts += (uint64) count;
	sums->keys += (uint64) count * KeyWeight(key, len, isnull);
	WhCounterAddKey(counter, key, len, isnull, count);
}

/* RecordEvent adds an event count. */
static void
RecordEvent(void *arg, const char *key, int len, bool isnull, int64 count)
{
	SummaryTotals *totals = arg;

	RecordKeyed(&totals->sums.events, totals->events, key, len, isnull, count);
}

/* RecordUrl adds a failed-URL count. */
static void
RecordUrl(void *arg, const char *key, int len, bool isnull, int64 count)
{
	SummaryTotals *totals = arg;

	RecordKeyed(&totals->sums.urls, totals->urls, key, len, isnull, count);
}

/* RecordBin adds a histogram bin to its two sums (count, value * count) and to its histogram. */
static void
RecordBin(uint64 *counts, uint64 *weighted, WhLatencyHist *hist, int64 value, int64 count)
{
	*counts += (uint64) count;
	*weighted += (uint64) value * (uint64) count;
	WhLatencyHistAdd(hist, value, count);
}

/* RecordLatency adds a latency bin to the sums and to a dense histogram. */
static void
RecordLatency(void *arg, int64 value, int64 count)
{
	SummaryTotals *totals = arg;

	RecordBin(&totals->sums.latencies, &totals->sums.latency_ms, totals->latency, value, count);
}

/* RecordStatus adds a response status bin to the sums. */
static void
RecordStatus(void *arg, int64 value, int64 count)
{
	SummaryTotals *totals = arg;

	RecordBin(&totals->sums.statuses, &totals->sums.status_sum, totals->statuses, value, count);
}

/* RecordRetries adds a retries bin to the sums. */
static void
RecordRetries(void *arg, int64 value, int64 count)
{
	SummaryTotals *totals = arg;

	RecordBin(&totals->sums.retries, &totals->sums.retries_sum, totals->retries, value, count);
}

static const WhStateSink record_sink = {
	RecordWebhook, RecordHour, RecordEvent, RecordUrl, RecordLatency, NULL,
	RecordStatus, RecordRetries
};

/* Like the engine's counters-only sink, with a webhook filter. */
static const WhStateSink skip_sink = {
	SkipOddWebhook, RecordHour, NULL, NULL, NULL
};

/* NewTotals makes empty totals in the current context. */
static SummaryTotals *
NewTotals(void)
{
	SummaryTotals *totals = palloc0(sizeof(SummaryTotals));

	totals->events = WhCounterCreate(CurrentMemoryContext, 64);
	totals->urls = WhCounterCreate(CurrentMemoryContext, 64);
	totals->latency = WhLatencyHistCreate(CurrentMemoryContext, 64, true);
	totals->statuses = WhLatencyHistCreate(CurrentMemoryContext, 8, false);
	totals->retries = WhLatencyHistCreate(CurrentMemoryContext, 8, false);
	return totals;
}

/*
 * Decode decodes a value, as a day, hours or slices, over the hours [first,
 * end) into totals (a day's detail only when that is the whole day; the
 * slices of those hours, which have no webhooks to skip).
 */
static void
Decode(const bytea *value, SummaryKind kind, int first, int end, const WhStateSink *sink,
	   SummaryTotals *totals)
{
	static const WhSliceSink slice_sink = {RecordSlice, RecordLatency};

	if (kind == KIND_SLICES)
		WhSlicesDecode(value, first * SLICES_PER_HOUR, end * SLICES_PER_HOUR, &slice_sink, totals);
	else if (kind == KIND_HOURS)
		WhHoursDecode(value, first, end, false, sink, totals);
	else
		WhStateDecode(value, first, end, first == 0 && end == WH_HOURS_PER_DAY, sink, totals);
}

/* SummaryDecode decodes the input whole into the run's sink. */
static void
SummaryDecode(void *arg)
{
	SummaryRun *run = arg;

	Decode(run->input, run->kind, 0, WH_HOURS_PER_DAY, run->sink, run->totals);
}

/* CheckCounter checks that a counter's non-zero counts, as the engine lists them, add up. */
static void
CheckCounter(WhCounter *counter, const KeyedSums *sums, const char *what)
{
	WhCount    *top;
	int			n = WhCounterTop(counter, INT_MAX, &top);
	uint64		counts = 0;
	uint64		keys = 0;

	for (int i = 0; i < n; i++)
	{
		if (top[i].count == 0)
			WhFuzzFail("WhCounterTop listed a zero count of %s", what);
		counts += (uint64) top[i].count;
		keys += (uint64) top[i].count * KeyWeight(top[i].data, top[i].len, top[i].isnull);
	}
	if (counts != sums->counts || keys != sums->keys)
		WhFuzzFail("the %s counter does not add up to the decoded counts", what);
}

/* CheckConsumers reads the counters and the histogram as the engine does. */
static void
CheckConsumers(SummaryTotals *totals)
{
	WhLatencyBin *bins;
	int64		nbins = WhLatencyHistBins(totals->latency, &bins);
	uint64		counts = 0;
	uint64		weighted = 0;
	int64		total;
	WhValueStats stats;

	CheckCounter(totals->events, &totals->sums.events, "events");
	CheckCounter(totals->urls, &totals->sums.urls, "failed URLs");
	for (int64 i = 0; i < nbins; i++)
	{
		if (bins[i].count == 0 || (i > 0 && bins[i - 1].value >= bins[i].value))
			WhFuzzFail("WhLatencyHistBins gave a zero or unsorted bin");
		counts += (uint64) bins[i].count;
		weighted += (uint64) bins[i].value * (uint64) bins[i].count;
	}
	if (counts != totals->sums.latencies || weighted != totals->sums.latency_ms)
		WhFuzzFail("the latency histogram does not add up to the decoded bins");
	/* the statistics of the bins the engine answers from (it rejects the rest) */
	if (nbins > 0 && WhLatencyBinsTotal(bins, nbins, &total))
		WhLatencyBinsStats(bins, nbins, total, &stats);
}

/* Picked is the value of a kind of a stored day. */
static bytea *
Picked(const WhStoredDay *stored, SummaryKind kind)
{
	return kind == KIND_SLICES ? stored->slices : kind == KIND_HOURS ? stored->hours : stored->state;
}

/*
 * Reencoded merges a value into a new set and encodes it again; NULL when
 * all zero. A day value merged alone keeps only its hour counters: a merge
 * makes the day's detail from the hours' and skips the stored one.
 */
static bytea *
Reencoded(const bytea *value, SummaryKind kind)
{
	WhBucketSet *set = WhBucketSetCreate(CurrentMemoryContext);
	WhStoredDay stored = {NULL, NULL, NULL};

	if (kind == KIND_SLICES)
		stored.slices = (bytea *) value;
	else if (kind == KIND_HOURS)
		stored.hours = (bytea *) value;
	else
		stored.state = (bytea *) value;
	WhBucketSetAddState(set, &stored);
	if (!WhStateEncode(set, kind != KIND_DAY, &stored))
		return NULL;
	return Picked(&stored, kind);
}

/* CheckCanonical checks that merging and encoding an encoded value gives the same bytes. */
static void
CheckCanonical(const bytea *encoded, SummaryKind kind)
{
	bytea	   *again = Reencoded(encoded, kind);

	if (again == NULL || !WhFuzzSameBytes(again, encoded))
		WhFuzzFail("re-encoding an encoded summary changed its bytes");
}

/* TakeAwayLater takes away the detail of the hours outside [SPLIT_HOUR, 24), as a partial day's read may. */
static void
TakeAwayLater(void *arg)
{
	SummaryRun *run = arg;

	WhHoursDecode(run->input, SPLIT_HOUR, WH_HOURS_PER_DAY, true, run->sink, run->totals);
}

/*
 * SameSums is true when two decodes of a kind of value gave the same sums:
 * for hours and slices, everything; for a day, the hour counters (what a
 * part of a day, or a merge, reads of it).
 */
static bool
SameSums(const SummarySums *a, const SummarySums *b, SummaryKind kind)
{
	if (kind != KIND_DAY)
		return memcmp(a, b, sizeof(SummarySums)) == 0;
	return memcmp(a->hours, b->hours, sizeof(a->hours)) == 0 && a->hour_totals == b->hour_totals;
}

/*
 * CheckSplit checks that a decoded value read as two ranges of hours gives
 * what it gives whole: for hours and slices, everything; for a day, the
 * hour counters (a part of a day leaves out the day's detail).
 */
static void
CheckSplit(const bytea *input, SummaryKind kind, const SummaryTotals *whole)
{
	SummaryTotals *split = NewTotals();

	Decode(input, kind, 0, SPLIT_HOUR, &record_sink, split);
	Decode(input, kind, SPLIT_HOUR, WH_HOURS_PER_DAY, &record_sink, split);
	if (!SameSums(&split->sums, &whole->sums, kind))
		WhFuzzFail("reading a summary as two ranges of hours changed its sums");
	if (kind == KIND_HOURS)
	{
		/* the hours before SPLIT_HOUR, then the same taken away as "outside the rest": nothing */
		static const SummarySums zero;
		SummaryTotals *cancel = NewTotals();
		SummaryRun	run = {input, KIND_HOURS, &record_sink, cancel};

		Decode(input, KIND_HOURS, 0, SPLIT_HOUR, &record_sink, cancel);
		if (WhFuzzGuard(TakeAwayLater, &run, ERRCODE_DATA_CORRUPTED) &&
			memcmp(&cancel->sums, &zero, sizeof(zero)) != 0)
			WhFuzzFail("taking away the hours outside a range did not cancel reading them inside");
	}
}

/* CheckOne decodes the input as one kind of value; when it decodes, checks the consumers, the split and the re-encoding. */
static bool
CheckOne(const bytea *input, SummaryKind kind)
{
	SummaryTotals *totals = NewTotals();
	SummaryTotals *skipped = NewTotals();
	SummaryTotals *again = NewTotals();
	SummaryRun	run = {input, kind, &record_sink, totals};
	SummaryRun	skip_run = {input, kind, &skip_sink, skipped};
	bool		skip_decoded = WhFuzzGuard(SummaryDecode, &skip_run, ERRCODE_DATA_CORRUPTED);
	bytea	   *encoded;

	if (!WhFuzzGuard(SummaryDecode, &run, ERRCODE_DATA_CORRUPTED))
		return false;
	if (!skip_decoded)
		WhFuzzFail("skipping webhooks rejected a summary that decodes whole");
	CheckConsumers(totals);
	CheckSplit(input, kind, totals);
	encoded = Reencoded(input, kind);
	if (encoded != NULL)
	{
		Decode(encoded, kind, 0, WH_HOURS_PER_DAY, &record_sink, again);
		CheckCanonical(encoded, kind);
	}
	if (!SameSums(&totals->sums, &again->sums, kind))
		WhFuzzFail("merging and re-encoding changed the summary's sums");
	return true;
}

/* SummaryCheck gives the input to the three decoders; true when any decodes it. */
static bool
SummaryCheck(const bytea *input)
{
	bool		day = CheckOne(input, KIND_DAY);
	bool		hours = CheckOne(input, KIND_HOURS);
	bool		slices = CheckOne(input, KIND_SLICES);

	return day || hours || slices;
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

/* AddRow adds one seed delivery to its webhook's bucket with the real functions. */
static void
AddRow(WhBucketSet *set, const SeedRow *row)
{
	WhDelivery	d = {0};

	d.success = row->outcome == 's';
	d.failed = row->outcome == 'f';
	d.pending = row->outcome == 'p';
	d.retried = row->retried;
	d.recovered = d.retried && d.success;
	d.gave_up = d.failed && row->hour % 2 == 0;
	d.has_status = row->outcome != 'p';
	d.status = d.success ? 200 + row->hour : (row->retried ? -503 : 404);
	d.has_retries = row->hour % 5 != 3;
	d.retries = row->retried ? row->hour + 1 : 0;
	d.has_delay = row->delay >= 0;
	d.delay_ms = Max(row->delay, 0);
	d.has_latency = row->latency >= 0;
	d.latency_ms = Max(row->latency, 0);
	d.event_null = row->event == NULL;
	d.event = row->event == NULL ? (Datum) 0 : Text(row->event);
	d.url_null = row->url == NULL;
	d.url = row->url == NULL ? (Datum) 0 : Text(row->url);
	/* in its hour of 2000-01-01, in a slice of the hour that follows from its delay */
	d.created_at = (int64) row->hour * USECS_PER_HOUR +
		(int64) (Max(row->delay, 0) % SLICES_PER_HOUR) * WH_SLICE_USECS;
	WhBucketAddDelivery(set, WhBucketFor(set, row->webhook,
										 row->webhook ? strlen(row->webhook) : 0,
										 row->webhook == NULL), &d,
						row->hour, row->sign);
}

/* Encode encodes a set as a stored summary (the day's detail in the day value when day_detail): its day, hours or slices. */
static bytea *
Encode(const WhBucketSet *set, SummaryKind kind, bool day_detail)
{
	WhStoredDay stored;

	if (!WhStateEncode(set, day_detail, &stored))
		WhFuzzFail("a seed summary encoded as all zero");
	return Picked(&stored, kind);
}

/* SeedSet is the bucket set of n seed deliveries. */
static WhBucketSet *
SeedSet(const SeedRow *rows, int n)
{
	WhBucketSet *set = WhBucketSetCreate(CurrentMemoryContext);

	for (int i = 0; i < n; i++)
		AddRow(set, &rows[i]);
	return set;
}

/* Encoded is the stored summary of n seed deliveries: its day (with the day's detail when day_detail), hours or slices. */
static bytea *
Encoded(const SeedRow *rows, int n, SummaryKind kind, bool day_detail)
{
	return Encode(SeedSet(rows, n), kind, day_detail);
}

/* Generated is the summary of n made-up deliveries over some webhooks, events and URLs. */
static bytea *
Generated(int n, int webhooks, int events, int urls, int latencies, SummaryKind kind)
{
	WhBucketSet *set = WhBucketSetCreate(CurrentMemoryContext);
	char		webhook[64];
	char		event[64];
	char		url[64];

	for (int i = 0; i < n; i++)
	{
		SeedRow		row = {webhook, i % 24, event, url, "sfsp"[i % 4], i % 5 == 0,
		i % 7 == 0 ? -1 : i % 50, (int64) (i * 7919) % latencies, 1};

		snprintf(webhook, sizeof(webhook), "webhook_%04d", i % webhooks);
		snprintf(event, sizeof(event), "event.%d", i % events);
		snprintf(url, sizeof(url), "https://h%d.example.com/hook", i % urls);
		AddRow(set, &row);
	}
	return Encode(set, kind, true);
}

/* Seed deliveries of every outcome, NULL and empty texts, several webhooks. */
static const SeedRow seed_mixed[] = {
	{"webhook_a", 0, "invoice.paid", "https://a.example/h", 's', false, 12, 0, 1},
	{"webhook_a", 0, "invoice.paid", "https://a.example/h", 'f', true, 900, 4095, 1},
	{"webhook_a", 23, NULL, NULL, 'f', true, -1, 4096, 1},
	{"webhook_b", 5, "api_key.created", NULL, 'p', false, -1, -1, 1},
	{"webhook_b", 5, "api_key.created", "https://b.example/h", 'f', false, 3, 123456789, 1},
	{"webhook_c", 12, "", "", 's', true, 0, 1, 1},
	{"webhook_c", 12, "", "", 's', true, 0, 1, -1},
	{"webhook_c", 13, "x", "https://c.example/h", 'f', false, 7, 2, 1},
	{NULL, 13, "x", "https://c.example/h", 'f', true, 7, 2, 1},
	{"", 14, "x", NULL, 's', true, 7, 2, 1},
};

/* Seed deliveries that cancel out and subtract, as deltas do. */
static const SeedRow seed_deltas[] = {
	{"webhook_a", 3, "invoice.paid", "https://a.example/h", 'f', true, 50, 70, -1},
	{"webhook_a", 3, "invoice.paid", "https://a.example/h", 's', true, 50, 70, 1},
	{"webhook_b", 4, "invoice.failed", NULL, 'f', false, -1, 3, -1},
	{"webhook_c", 5, "invoice.paid", NULL, 's', false, 10, 10, 1},
	{"webhook_c", 5, "invoice.paid", NULL, 's', false, 10, 10, -1},
};

/* SummarySeeds makes valid summaries: small, mixed, generated, deltas, long names. */
static int
SummarySeeds(bytea **seeds, int max)
{
	static const SeedRow one[] = {
		{"webhook_a", 9, "invoice.paid", "https://api.acme.com/hooks", 's', false, 84, 84, 1},
	};
	static const SeedRow long_names[] = {
		{"webhook_0196b0e9-2a41-7c3e-9f12-3b8d5e6a7c01-0196b0e9-2a41-7c3e-9f12-3b8d5e6a7c01-"
			"0196b0e9-2a41-7c3e-9f12-3b8d5e6a7c01-0196b0e9-2a41-7c3e-9f12-3b8d5e6a7c01",
			17, "customer.subscription.trial_will_end.customer.subscription.trial_will_end."
			"customer.subscription.trial_will_end.customer.subscription.trial_will_end",
			"https://very-long-host-name.example.com/webhooks/receive?token=0123456789abcdef"
			"0123456789abcdef0123456789abcdef0123456789abcdef", 'f', true, 2147483647,
		INT64CONST(9000000000000000), 1},
	};
	const struct
	{
		const SeedRow *rows;
		int			n;
	}			lists[] = {
		{one, lengthof(one)},
		{seed_mixed, lengthof(seed_mixed)},
		{seed_deltas, lengthof(seed_deltas)},
		{long_names, lengthof(long_names)},
	};
	int			n = 0;

	for (int kind = KIND_DAY; kind <= KIND_SLICES; kind++)
	{
		for (size_t i = 0; i < lengthof(lists) && n < max; i++)
			seeds[n++] = Encoded(lists[i].rows, lists[i].n, kind, true);
		if (n < max)
			seeds[n++] = Generated(120, 6, 17, 5, 6000, kind);
	}
	/* day values of small deltas, without the day's detail (all but the long names) */
	for (size_t i = 0; i + 1 < lengthof(lists) && n < max; i++)
		seeds[n++] = Encoded(lists[i].rows, lists[i].n, KIND_DAY, false);
	return n;
}

/*
 * CheckDetailInHours checks that a day stored without the day's detail,
 * merged with its hours and slices, encodes to the very bytes of the same
 * day stored with it: the hours' details add up to the day's.
 */
static void
CheckDetailInHours(WhBucketSet *set, const char *what)
{
	WhStoredDay with;
	WhStoredDay without;
	WhStoredDay again;
	WhBucketSet *merged = WhBucketSetCreate(CurrentMemoryContext);

	if (!WhStateEncode(set, true, &with) || !WhStateEncode(set, false, &without))
		WhFuzzFail("a seed summary encoded as all zero");
	if (WhStateHasDayDetail(without.state) || !WhStateHasDayDetail(with.state))
		WhFuzzFail("the day value of %s does not say whether it holds the day's detail", what);
	if (!WhFuzzSameBytes(with.hours, without.hours) || !WhFuzzSameBytes(with.slices, without.slices))
		WhFuzzFail("leaving out the day's detail of %s changed its hours or slices", what);
	WhBucketSetAddState(merged, &without);
	if (!WhStateEncode(merged, true, &again) || !WhFuzzSameBytes(again.state, with.state) ||
		!WhFuzzSameBytes(again.hours, with.hours) || !WhFuzzSameBytes(again.slices, with.slices))
		WhFuzzFail("%s stored without the day's detail does not merge back to it", what);
	/* a merge makes the day's detail from the hours', the stored one skipped: the same bytes */
	merged = WhBucketSetCreate(CurrentMemoryContext);
	WhBucketSetAddState(merged, &with);
	if (!WhStateEncode(merged, true, &again) || !WhFuzzSameBytes(again.state, with.state) ||
		!WhFuzzSameBytes(again.hours, with.hours) || !WhFuzzSameBytes(again.slices, with.slices))
		WhFuzzFail("%s stored with the day's detail does not merge back to it", what);
}

/* SummaryCheckLarge decodes one large real summary, its day, hours and slices, and some of their cuts. */
static int64
SummaryCheckLarge(void)
{
	int64		checked = 0;

	CheckDetailInHours(SeedSet(seed_mixed, lengthof(seed_mixed)), "the mixed seed");
	CheckDetailInHours(SeedSet(seed_deltas, lengthof(seed_deltas)), "the deltas seed");
	printf("%s: 2 seeds stored without the day's detail merge back to it byte for byte\n",
		   wh_fuzz_target.name);
	checked += 2;
	for (int kind = KIND_DAY; kind <= KIND_SLICES; kind++)
	{
		bytea	   *bytes = Generated(50000, 200, 3000, 500, 20000, kind);
		const uint8 *data = (const uint8 *) VARDATA_ANY(bytes);
		Size		size = VARSIZE_ANY_EXHDR(bytes);
		const Size	cuts[] = {1, size / 2, size - 1};

		if (WhFuzzOne(data, size) != WH_DECODED)
			WhFuzzFail("a large valid summary was rejected");
		for (size_t i = 0; i < lengthof(cuts); i++)
			if (WhFuzzOne(data, cuts[i]) != WH_REJECTED)
				WhFuzzFail("a large summary cut to %zu bytes was accepted", cuts[i]);
		printf("%s: large %s: 50000 deliveries, 200 webhooks, %zu bytes: decoded, re-encoded; "
			   "%d cuts rejected\n", wh_fuzz_target.name, kind_names[kind], size,
			   (int) lengthof(cuts));
		checked += 1 + lengthof(cuts);
	}
	return checked;
}

const WhFuzzTarget wh_fuzz_target = {
	"summary", ERRCODE_DATA_CORRUPTED, SummarySeeds, SummaryCheck, SummaryCheckLarge
};
