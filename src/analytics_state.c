/*
 * analytics_state.c
 *	  Encodes, decodes, checks and merges webhook_analytics_state (SPEC
 *	  section 7). The bytes (wire.c's encoding; counters of WH_METRIC_FIELDS
 *	  version 3):
 *	    "WHAS", byte 1 (the format version), byte 3 (the counters'
 *	    version), byte flags (0x01 one webhook, 0x02 the window before),
 *	    byte the ids' order (WhIdOrder),
 *	    signed from, signed to, [varint webhook id length, its bytes],
 *	    varint last_n, signed webhooks, signed events_subscribed,
 *	    varint n, n x (signed hour less the one before, counters) for the
 *	    hours holding rows, ascending,
 *	    the detail: keyed counts of events, of failed URLs, histograms of
 *	    latencies, statuses and retries,
 *	    varint n, n x (varint id length + 1 or 0 for NULL, id, counters,
 *	    latency histogram) for the webhooks, ranked (so a state's bytes
 *	    depend only on its rows, whatever order merged them),
 *	    [counters and latency histogram of the window before],
 *	    varint n, n x (per column of wh_event_columns: byte 0 for NULL, or
 *	    byte 1 and varint length and bytes for text and JSON, signed value
 *	    for integers and timestamps) for the newest rows, newest first.
 *	  Decoding checks every length and that the state is one rows could
 *	  give (WhStateMalformed, 22P02, otherwise), so answering from it needs
 *	  no more checks. Merging adds everything and keeps the newest rows.
 */
#include "postgres.h"

#include <limits.h>

#include "common/jsonapi.h"
#include "datatype/timestamp.h"
#include "mb/pg_wchar.h"

#include "catalog/pg_collation_d.h"
#include "utils/varlena.h"

#include "analytics_state.h"
#include "window.h"
#include "wire.h"

#define WH_ANALYTICS_STATE_VERSION 1
#define WH_ANALYTICS_METRICS_VERSION 3
#define WH_FLAG_WEBHOOK 0x01
#define WH_FLAG_PREVIOUS 0x02
static const char wh_state_magic[4] = {'W', 'H', 'A', 'S'};

/* WhStateMalformed reports a webhook_analytics_state that cannot be read or no rows could give. */
void
WhStateMalformed(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid webhook_analytics_state: %s", what),
			 errhint("Pass a value that webhook_analytics_state or webhook_analytics_merge returned.")));
}

/* WhAnalyticsStateInit makes an empty state whose parts live in context. */
void
WhAnalyticsStateInit(WhAnalyticsState *state, MemoryContext context)
{
	memset(state, 0, sizeof(WhAnalyticsState));
	WhDetailInit(&state->detail, context, 64, 64, true, true);
	state->webhook_set = WhWebhookSetCreate(context);
	state->previous_latency = WhLatencyHistCreate(context, 64, true);
	state->hours = MemoryContextAlloc(context, sizeof(WhHourBucket));
	state->rows = MemoryContextAlloc(context, sizeof(WhStateRow));
}

/* PutRow appends one of the newest rows, column by column. */
static void
PutRow(StringInfo buf, const WhStateRow *row)
{
	for (int col = 0; col < WH_NCOLUMNS; col++)
	{
		appendStringInfoChar(buf, row->isnull[col] ? 0 : 1);
		if (row->isnull[col])
			continue;
		switch (wh_event_columns[col].kind)
		{
			case WH_KIND_TEXT:
			case WH_KIND_JSON:
				WhWirePutVarint(buf, row->len[col]);
				appendBinaryStringInfo(buf, row->data[col], row->len[col]);
				break;
			case WH_KIND_INTEGER:
			case WH_KIND_TIMESTAMPTZ:
				WhWirePutSigned(buf, row->number[col]);
				break;
		}
	}
}

/* WhAnalyticsStateEncode writes a state as bytea. */
bytea *
WhAnalyticsStateEncode(const WhAnalyticsState *state)
{
	StringInfoData buf;
	int64		hour = 0;
	WhWebhookTotals *webhooks;
	int			nwebhooks;
	uint8		flags = (state->has_webhook ? WH_FLAG_WEBHOOK : 0) |
		(state->has_previous ? WH_FLAG_PREVIOUS : 0);

	initStringInfo(&buf);
	appendStringInfoSpaces(&buf, VARHDRSZ);
	appendBinaryStringInfo(&buf, wh_state_magic, sizeof(wh_state_magic));
	appendStringInfoChar(&buf, WH_ANALYTICS_STATE_VERSION);
	appendStringInfoChar(&buf, WH_ANALYTICS_METRICS_VERSION);
	appendStringInfoChar(&buf, (char) flags);
	appendStringInfoChar(&buf, (char) state->id_order);
	WhWirePutSigned(&buf, state->from);
	WhWirePutSigned(&buf, state->to);
	if (state->has_webhook)
	{
		WhWirePutVarint(&buf, state->webhook_len);
		appendBinaryStringInfo(&buf, state->webhook, state->webhook_len);
	}
	WhWirePutVarint(&buf, state->last_n);
	WhWirePutSigned(&buf, state->webhooks);
	WhWirePutSigned(&buf, state->events_subscribed);
	WhWirePutVarint(&buf, state->nhours);
	for (int64 i = 0; i < state->nhours; i++)
	{
		WhWirePutSigned(&buf, (int64) ((uint64) state->hours[i].hour - (uint64) hour));
		WhWirePutMetrics(&buf, &state->hours[i].metrics);
		hour = state->hours[i].hour;
	}
	WhWirePutCounts(&buf, state->detail.events);
	WhWirePutCounts(&buf, state->detail.failed_urls);
	WhWirePutBins(&buf, state->detail.latency);
	WhWirePutBins(&buf, state->detail.statuses);
	WhWirePutBins(&buf, state->detail.retries);
	nwebhooks = WhWebhookSetRanked(state->webhook_set, &webhooks);
	WhWirePutVarint(&buf, nwebhooks);
	for (int i = 0; i < nwebhooks; i++)
	{
		const WhWebhookTotals *w = &webhooks[i];

		if (w->id == NULL)
			WhWirePutVarint(&buf, 0);
		else
		{
			WhWirePutVarint(&buf, (uint64) w->len + 1);
			appendBinaryStringInfo(&buf, w->id, w->len);
		}
		WhWirePutMetrics(&buf, &w->metrics);
		WhWirePutBins(&buf, w->latency);
	}
	if (state->has_previous)
	{
		WhWirePutMetrics(&buf, &state->previous);
		WhWirePutBins(&buf, state->previous_latency);
	}
	WhWirePutVarint(&buf, state->nrows);
	for (int i = 0; i < state->nrows; i++)
		PutRow(&buf, &state->rows[i]);
	SET_VARSIZE(buf.data, buf.len);
	return (bytea *) buf.data;
}

/* GetByte reads one byte. */
static uint8
GetByte(WhWireReader *r)
{
	if (r->p >= r->end)
		r->fail("truncated");
	return *r->p++;
}

/* CheckText fails unless bytes are text of the database encoding (no NUL). */
static void
CheckText(const char *data, int len)
{
	if (pg_encoding_verifymbstr(GetDatabaseEncoding(), data, len) != len)
		WhStateMalformed("text not in the database encoding");
}

/* AddCount adds a decoded keyed count (at least 1, a key of text) to the counter arg. */
static void
AddCount(void *arg, const char *key, int len, bool isnull, int64 count)
{
	if (count < 1)
		WhStateMalformed("a count below one");
	if (!isnull)
		CheckText(key, len);
	WhCounterAddKey((WhCounter *) arg, key, len, isnull, count);
}

/* AddBin adds a decoded histogram bin (count at least 1) to the histogram arg. */
static void
AddBin(void *arg, int64 value, int64 count)
{
	if (count < 1)
		WhStateMalformed("a count below one");
	WhLatencyHistAdd((WhLatencyHist *) arg, value, count);
}

/* GetLength reads a length that fits an int. */
static int
GetLength(WhWireReader *r)
{
	uint64		len = WhWireGetVarint(r);

	if (len > (uint64) (r->end - r->p))
		r->fail("length beyond the end");
	return (int) len;
}

/*
 * IntegerText reads a canonical integer ("0", or an optional "-" and
 * digits without a leading zero) that fits int64; false for anything else.
 */
static bool
IntegerText(const char *data, int len, int64 *value)
{
	bool		negative = len > 0 && data[0] == '-';
	int			i = negative ? 1 : 0;
	uint64		magnitude = 0;

	if (i >= len || (data[i] == '0' && (len > i + 1 || negative)))
		return false;
	for (; i < len; i++)
	{
		if (data[i] < '0' || data[i] > '9' || magnitude > (PG_UINT64_MAX - 9) / 10)
			return false;
		magnitude = magnitude * 10 + (data[i] - '0');
	}
	if (magnitude > (negative ? (uint64) PG_INT64_MAX + 1 : (uint64) PG_INT64_MAX))
		return false;
	*value = negative ? (int64) (0 - magnitude) : (int64) magnitude;
	return true;
}

/*
 * GetRow reads one of the newest rows; its text points into the bytes. An
 * integer id (id_order WH_ID_INTEGER) must be one, and is kept as a number
 * too, to order by.
 */
static void
GetRow(WhWireReader *r, WhStateRow *row, WhIdOrder id_order)
{
	for (int col = 0; col < WH_NCOLUMNS; col++)
	{
		uint8		tag = GetByte(r);

		row->data[col] = NULL;
		row->len[col] = 0;
		row->number[col] = 0;
		row->isnull[col] = tag == 0;
		if (tag > 1)
			r->fail("unknown column tag");
		if (tag == 0)
			continue;
		switch (wh_event_columns[col].kind)
		{
			case WH_KIND_TEXT:
			case WH_KIND_JSON:
				row->len[col] = GetLength(r);
				row->data[col] = WhWireGetBytes(r, row->len[col]);
				break;
			case WH_KIND_INTEGER:
			case WH_KIND_TIMESTAMPTZ:
				row->number[col] = WhWireGetSigned(r);
				break;
		}
	}
	if (id_order == WH_ID_INTEGER && !row->isnull[WH_COL_ID] &&
		!IntegerText(row->data[WH_COL_ID], row->len[WH_COL_ID], &row->number[WH_COL_ID]))
		r->fail("an id that is not an integer");
}

/* CompareIds orders two ids as order says (integer ids by the number GetRow read). */
static int
CompareIds(const WhStateRow *a, const WhStateRow *b, WhIdOrder order)
{
	const char *x = a->data[WH_COL_ID];
	const char *y = b->data[WH_COL_ID];
	int			lx = a->len[WH_COL_ID];
	int			ly = b->len[WH_COL_ID];
	int64		ix = a->number[WH_COL_ID];
	int64		iy = b->number[WH_COL_ID];
	int			cmp;

	switch (order)
	{
		case WH_ID_INTEGER:
			return ix < iy ? -1 : (ix > iy ? 1 : 0);
		case WH_ID_BYTES:
			cmp = memcmp(x, y, Min(lx, ly));
			return cmp != 0 ? cmp : (lx < ly ? -1 : (lx > ly ? 1 : 0));
		case WH_ID_COLLATED:
			return varstr_cmp(x, lx, y, ly, DEFAULT_COLLATION_OID);
	}
	return 0;
}

/* RowBefore is true when row a comes before b newest first: created_at, then id, descending. */
static bool
RowBefore(const WhStateRow *a, const WhStateRow *b, WhIdOrder order)
{
	if (a->number[WH_COL_CREATED_AT] != b->number[WH_COL_CREATED_AT])
		return a->number[WH_COL_CREATED_AT] > b->number[WH_COL_CREATED_AT];
	return CompareIds(a, b, order) > 0;
}

/* BinsTotal is the number of values a histogram holds; malformed when no rows give its counts. */
static int64
BinsTotal(WhLatencyHist *hist)
{
	WhLatencyBin *bins;
	int64		nbins = WhLatencyHistBins(hist, &bins);
	int64		total;

	if (!WhLatencyBinsTotal(bins, nbins, &total))
		WhStateMalformed("a histogram count below one or beyond bigint");
	pfree(bins);
	return total;
}

/* CheckCounts fails unless every count of a counter is at least one; returns their sum. */
static int64
CheckCounts(WhCounter *counter)
{
	WhCount    *counts;
	int			n = WhCounterTop(counter, INT_MAX, &counts);
	int64		sum = 0;

	for (int i = 0; i < n; i++)
		if (counts[i].count < 1 || pg_add_s64_overflow(sum, counts[i].count, &sum))
			WhStateMalformed("a count below one or beyond bigint");
	pfree(counts);
	return sum;
}

/*
 * CheckValue fails unless a column's value is one the database could hold:
 * text in its encoding (no NUL), JSON that jsonb reads, a timestamp in range.
 */
static void
CheckValue(WhColumnKind kind, const char *data, int len, int64 number)
{
	if (kind == WH_KIND_TEXT || kind == WH_KIND_JSON)
		CheckText(data, len);
	if (kind == WH_KIND_JSON)
	{
		JsonLexContext *lex = makeJsonLexContextCstringLen(unconstify(char *, data), len,
														   GetDatabaseEncoding(), true);

		if (pg_parse_json(lex, &nullSemAction) != JSON_SUCCESS)
			WhStateMalformed("a JSON column that is not JSON");
		pfree(lex);
	}
	if (kind == WH_KIND_TIMESTAMPTZ && !IS_VALID_TIMESTAMP(number) && !TIMESTAMP_NOT_FINITE(number))
		WhStateMalformed("a timestamp out of range");
}

/* Check fails unless the state is one a database's rows could give. */
static void
Check(const WhAnalyticsState *state)
{
	WhMetrics	totals = {0};
	bool		overflow = false;

	if (!IS_VALID_TIMESTAMP(state->from) || !IS_VALID_TIMESTAMP(state->to) ||
		state->from >= state->to)
		WhStateMalformed("not a window");
	if (state->last_n < 0 || state->last_n > WH_MAX_LIST_LENGTH ||
		state->nrows > state->last_n)
		WhStateMalformed("more rows than last_n, or last_n beyond 1000");
	if (state->webhooks < 0 || state->events_subscribed < 0)
		WhStateMalformed("webhook totals below zero");
	for (int64 i = 0; i < state->nhours; i++)
	{
		const WhHourBucket *h = &state->hours[i];

		if ((i > 0 && h->hour <= state->hours[i - 1].hour) ||
			h->hour < WhHourOf(state->from) || h->hour > WhHourOf(state->to - 1))
			WhStateMalformed("hours out of order or outside the window");
		if (h->metrics.total < 1 || !WhMetricsPossible(&h->metrics))
			WhStateMalformed("hour counters no rows give");
#define WH_SUM_FIELD(name, since) overflow |= pg_add_s64_overflow(totals.name, h->metrics.name, &totals.name);
		WH_METRIC_FIELDS(WH_SUM_FIELD)
#undef WH_SUM_FIELD
	}
	if (overflow)
		WhStateMalformed("counters beyond bigint");
	if (CheckCounts(state->detail.events) != totals.total ||
		CheckCounts(state->detail.failed_urls) != totals.failed ||
		BinsTotal(state->detail.latency) > totals.total ||
		BinsTotal(state->detail.statuses) > totals.total ||
		BinsTotal(state->detail.retries) > totals.total ||
		state->nrows > totals.total)
		WhStateMalformed("details that do not add up to the counters");
	for (int i = 0; i < state->webhook_set->count; i++)
	{
		const WhWebhookTotals *w = &state->webhook_set->items[i];

		if (!WhMetricsPossible(&w->metrics) || BinsTotal(w->latency) > w->metrics.total)
			WhStateMalformed("webhook counters no rows give");
	}
	if (!WhMetricsPossible(&state->previous) ||
		BinsTotal(state->previous_latency) > state->previous.total)
		WhStateMalformed("counters of the window before no rows give");
	for (int i = 0; i < state->nrows; i++)
	{
		const WhStateRow *row = &state->rows[i];
		TimestampTz created = row->number[WH_COL_CREATED_AT];

		if (row->isnull[WH_COL_ID] || row->isnull[WH_COL_CREATED_AT] ||
			created < state->from || created >= state->to)
			WhStateMalformed("a row without id or outside the window");
		if (i > 0 && RowBefore(row, &state->rows[i - 1], state->id_order))
			WhStateMalformed("rows not newest first");
		for (int col = 0; col < WH_NCOLUMNS; col++)
			if (!row->isnull[col])
				CheckValue(wh_event_columns[col].kind, row->data[col], row->len[col],
						   row->number[col]);
	}
}

/*
 * WhAnalyticsStateDecode reads a state into context: its parts and row
 * text point into bytes, which must outlive it. Malformed bytes fail.
 */
void
WhAnalyticsStateDecode(const bytea *bytes, MemoryContext context, WhAnalyticsState *state)
{
	WhWireReader r;
	uint8		flags;
	uint8		id_order;
	uint64		n;
	int64		hour = 0;
	MemoryContext old;

	r.p = (const uint8 *) VARDATA_ANY(bytes);
	r.end = r.p + VARSIZE_ANY_EXHDR(bytes);
	r.fail = WhStateMalformed;
	r.version = WH_ANALYTICS_METRICS_VERSION;
	if (r.end - r.p < 8 || memcmp(r.p, wh_state_magic, sizeof(wh_state_magic)) != 0)
		WhStateMalformed("not a webhook_analytics_state");
	r.p += sizeof(wh_state_magic);
	if (GetByte(&r) != WH_ANALYTICS_STATE_VERSION || GetByte(&r) != WH_ANALYTICS_METRICS_VERSION)
		WhStateMalformed("unknown version");
	flags = GetByte(&r);
	if ((flags & ~(WH_FLAG_WEBHOOK | WH_FLAG_PREVIOUS)) != 0)
		WhStateMalformed("unknown flags");
	id_order = GetByte(&r);
	if (id_order > WH_ID_COLLATED)
		WhStateMalformed("unknown id order");

	old = MemoryContextSwitchTo(context);
	WhAnalyticsStateInit(state, context);
	state->id_order = (WhIdOrder) id_order;
	state->from = WhWireGetSigned(&r);
	state->to = WhWireGetSigned(&r);
	state->has_webhook = (flags & WH_FLAG_WEBHOOK) != 0;
	if (state->has_webhook)
	{
		state->webhook_len = GetLength(&r);
		state->webhook = WhWireGetBytes(&r, state->webhook_len);
		CheckText(state->webhook, state->webhook_len);
	}
	n = WhWireGetVarint(&r);
	state->last_n = n > WH_MAX_LIST_LENGTH ? -1 : (int) n;
	state->webhooks = WhWireGetSigned(&r);
	state->events_subscribed = WhWireGetSigned(&r);
	n = WhWireGetVarint(&r);
	if (n > (uint64) (r.end - r.p))
		WhStateMalformed("more hours than bytes");
	state->nhours = (int64) n;
	state->hours = palloc_extended(Max(n, 1) * sizeof(WhHourBucket), MCXT_ALLOC_HUGE);
	for (uint64 i = 0; i < n; i++)
	{
		hour = (int64) ((uint64) hour + (uint64) WhWireGetSigned(&r));
		state->hours[i].hour = hour;
		WhWireGetMetrics(&r, &state->hours[i].metrics);
	}
	WhWireGetCounts(&r, AddCount, state->detail.events, 1);
	WhWireGetCounts(&r, AddCount, state->detail.failed_urls, 1);
	WhWireGetBins(&r, AddBin, state->detail.latency, 1);
	WhWireGetBins(&r, AddBin, state->detail.statuses, 1);
	WhWireGetBins(&r, AddBin, state->detail.retries, 1);
	n = WhWireGetVarint(&r);
	if (n > (uint64) (r.end - r.p))
		WhStateMalformed("more webhooks than bytes");
	for (uint64 i = 0; i < n; i++)
	{
		uint64		len_plus_one = WhWireGetVarint(&r);
		const char *id = len_plus_one == 0 ? NULL : WhWireGetBytes(&r, len_plus_one - 1);
		int			len = id == NULL ? 0 : (int) (len_plus_one - 1);
		int			before = state->webhook_set->count;
		WhWebhookTotals *w;

		if (id != NULL)
			CheckText(id, len);
		w = WhWebhookSetFor(state->webhook_set, id, len, id == NULL);
		if (state->webhook_set->count == before)
			WhStateMalformed("a webhook twice");
		WhWireGetMetrics(&r, &w->metrics);
		WhWireGetBins(&r, AddBin, w->latency, 1);
	}
	state->has_previous = (flags & WH_FLAG_PREVIOUS) != 0;
	if (state->has_previous)
	{
		WhWireGetMetrics(&r, &state->previous);
		WhWireGetBins(&r, AddBin, state->previous_latency, 1);
	}
	n = WhWireGetVarint(&r);
	if (n > (uint64) WH_MAX_LIST_LENGTH)
		WhStateMalformed("more than 1000 rows");
	state->nrows = (int) n;
	state->rows = palloc(Max(n, 1) * sizeof(WhStateRow));
	for (uint64 i = 0; i < n; i++)
		GetRow(&r, &state->rows[i], state->id_order);
	if (r.p != r.end)
		WhStateMalformed("trailing bytes");
	Check(state);
	MemoryContextSwitchTo(old);
}

/* SameWindow fails unless two states are of one window and webhook filter. */
static void
SameWindow(const WhAnalyticsState *a, const WhAnalyticsState *b)
{
	if (a->from != b->from || a->to != b->to || a->has_webhook != b->has_webhook ||
		(a->has_webhook && (a->webhook_len != b->webhook_len ||
							memcmp(a->webhook, b->webhook, a->webhook_len) != 0)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot merge webhook_analytics_state values of different windows or webhooks"),
				 errhint("Make every state with the same from_ts, to_ts and webhook_id.")));
}

/* AddHist adds every bin of from into into. */
static void
AddHist(WhLatencyHist *into, WhLatencyHist *from)
{
	WhLatencyBin *bins;
	int64		n = WhLatencyHistBins(from, &bins);

	for (int64 i = 0; i < n; i++)
		WhLatencyHistAdd(into, bins[i].value, bins[i].count);
	pfree(bins);
}

/* AddCounter adds every count of from into into. */
static void
AddCounter(WhCounter *into, WhCounter *from)
{
	WhCount    *counts;
	int			n = WhCounterTop(from, INT_MAX, &counts);

	for (int i = 0; i < n; i++)
		WhCounterAddKey(into, counts[i].data, counts[i].len, counts[i].isnull, counts[i].count);
	pfree(counts);
}

/* MergeHours sets into's hours to the sum of both, by hour. */
static void
MergeHours(WhAnalyticsState *into, const WhAnalyticsState *from)
{
	WhHourBucket *hours = palloc_extended(Max(into->nhours + from->nhours, 1) * sizeof(WhHourBucket),
										  MCXT_ALLOC_HUGE);
	int64		i = 0,
				j = 0,
				n = 0;

	while (i < into->nhours || j < from->nhours)
	{
		if (j >= from->nhours || (i < into->nhours && into->hours[i].hour < from->hours[j].hour))
			hours[n++] = into->hours[i++];
		else if (i >= into->nhours || from->hours[j].hour < into->hours[i].hour)
			hours[n++] = from->hours[j++];
		else
		{
			hours[n] = into->hours[i++];
			WhMetricsAdd(&hours[n++].metrics, &from->hours[j++].metrics);
		}
	}
	pfree(into->hours);
	into->hours = hours;
	into->nhours = n;
}

/* CopyRow copies a row's text into the current context. */
static WhStateRow
CopyRow(const WhStateRow *row)
{
	WhStateRow	copy = *row;

	for (int col = 0; col < WH_NCOLUMNS; col++)
		if (row->data[col] != NULL)
		{
			char	   *data = palloc(Max(row->len[col], 1));

			memcpy(data, row->data[col], row->len[col]);
			copy.data[col] = data;
		}
	return copy;
}

/* MergeRows sets into's rows to the newest last_n of both, newest first. */
static void
MergeRows(WhAnalyticsState *into, const WhAnalyticsState *from)
{
	WhStateRow *rows = palloc(Max(into->last_n, 1) * sizeof(WhStateRow));
	int			i = 0,
				j = 0,
				n = 0;

	while (n < into->last_n && (i < into->nrows || j < from->nrows))
	{
		if (j >= from->nrows || (i < into->nrows && !RowBefore(&from->rows[j], &into->rows[i], into->id_order)))
			rows[n++] = into->rows[i++];
		else
			rows[n++] = CopyRow(&from->rows[j++]);
	}
	pfree(into->rows);
	into->rows = rows;
	into->nrows = n;
}

/*
 * WhAnalyticsStateMerge adds from into into (the state of the union of
 * their rows), allocating in context; both must be of one window and
 * webhook filter. The result keeps the smaller last_n.
 */
void
WhAnalyticsStateMerge(WhAnalyticsState *into, const WhAnalyticsState *from, MemoryContext context)
{
	MemoryContext old;

	SameWindow(into, from);
	if (into->id_order != from->id_order)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot merge webhook_analytics_state values of tables whose ids order differently"),
				 errhint("Make every state from tables whose id columns have one type and collation.")));
	if (into->has_previous != from->has_previous)
		WhStateMalformed("one state holds the window before, the other not");
	old = MemoryContextSwitchTo(context);
	into->last_n = Min(into->last_n, from->last_n);
	if (pg_add_s64_overflow(into->webhooks, from->webhooks, &into->webhooks) ||
		pg_add_s64_overflow(into->events_subscribed, from->events_subscribed,
							&into->events_subscribed))
		WhMetricsOverflow();
	MergeHours(into, from);
	AddCounter(into->detail.events, from->detail.events);
	AddCounter(into->detail.failed_urls, from->detail.failed_urls);
	AddHist(into->detail.latency, from->detail.latency);
	AddHist(into->detail.statuses, from->detail.statuses);
	AddHist(into->detail.retries, from->detail.retries);
	for (int k = 0; k < from->webhook_set->count; k++)
	{
		const WhWebhookTotals *w = &from->webhook_set->items[k];
		WhWebhookTotals *to = WhWebhookSetFor(into->webhook_set, w->id, w->len, w->id == NULL);

		WhMetricsAdd(&to->metrics, &w->metrics);
		AddHist(to->latency, w->latency);
	}
	WhMetricsAdd(&into->previous, &from->previous);
	AddHist(into->previous_latency, from->previous_latency);
	MergeRows(into, from);
	MemoryContextSwitchTo(old);
}
