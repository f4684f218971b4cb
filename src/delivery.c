/*
 * delivery.c
 *	  The per-row definitions of SPEC sections 3 and 5 in one place: success,
 *	  failed, pending, retried, recovered, gave up, the status class, the
 *	  delay and the dispatch latency of one delivery. The window scan and
 *	  the summary trigger both read rows here.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/int.h"
#include "utils/jsonb.h"

#include "delivery.h"

const char *const wh_status_classes[WH_STATUS_CLASS_COUNT] = {
	"1xx", "2xx", "3xx", "4xx", "5xx", "other", "none"
};

/* WhStatusClass is the index in wh_status_classes of a response status (has_status false: none). */
int
WhStatusClass(bool has_status, int64 status)
{
	if (!has_status)
		return WH_STATUS_CLASS_NONE;
	return status >= 100 && status <= 599 ? (int) (status / 100) - 1 : WH_STATUS_CLASS_NONE - 1;
}

/* IsJsonSpace is true for the four whitespace characters JSON allows. */
static inline bool
IsJsonSpace(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* IsJsonNullText is true for a json value whose text is the literal null. */
static bool
IsJsonNullText(Datum error)
{
	text	   *t = DatumGetTextPP(error);
	const char *p = VARDATA_ANY(t);
	const char *end = p + VARSIZE_ANY_EXHDR(t);
	bool		result;

	/* json keeps its input text; it is valid JSON, so only a bare null trims to "null" */
	while (p < end && IsJsonSpace(*p))
		p++;
	while (end > p && IsJsonSpace(end[-1]))
		end--;
	result = end - p == 4 && memcmp(p, "null", 4) == 0;
	if ((Pointer) t != DatumGetPointer(error))
		pfree(t);
	return result;
}

/* IsAttemptError is true when error (jsonb or json) is neither SQL NULL nor JSON null. */
static bool
IsAttemptError(Datum error, bool isnull, Oid type)
{
	Jsonb	   *json;
	JsonbValue	scalar;
	bool		attempt;

	if (isnull)
		return false;
	if (type == JSONOID)
		return !IsJsonNullText(error);
	json = DatumGetJsonbP(error);
	attempt = !(JB_ROOT_IS_SCALAR(json) &&
				JsonbExtractScalar(&json->root, &scalar) &&
				scalar.type == jbvNull);
	if ((Pointer) json != DatumGetPointer(error))
		pfree(json);
	return attempt;
}

/*
 * LatencyMs is greatest(0, round(extract(epoch FROM sent - created) * 1000)):
 * whole milliseconds, half a millisecond rounding up.
 */
static int64
LatencyMs(TimestampTz created, TimestampTz sent)
{
	int64		diff;

	if (sent <= created)
		return 0;
	if (pg_sub_s64_overflow(sent, created, &diff))
		return (int64) rint(((double) sent - (double) created) / 1000.0);
	return diff / 1000 + (diff % 1000 >= 500 ? 1 : 0);
}

/* IntegerAt reads an integer column of the map, 0 when it is NULL. */
static inline int64
IntegerAt(const Datum *values, const bool *nulls, const WhColumnRef *c)
{
	return nulls[c->position] ? 0 : WhIntegerValue(values[c->position], c->type);
}

/*
 * WhDeliveryRead fills d from a row's values laid out as map says; false
 * when created_at is NULL or infinite (such a row is in no window). A
 * first_sent_at of +-infinity has no latency.
 */
bool
WhDeliveryRead(WhDelivery *d, const Datum *values, const bool *nulls, const WhColumnMap *map)
{
	const WhColumnRef *c = map->col;
	int			created = c[WH_COL_CREATED_AT].position;
	int			sent = c[WH_COL_FIRST_SENT_AT].position;
	bool		status_null = nulls[c[WH_COL_RESPONSE_STATUS].position];
	int64		status = IntegerAt(values, nulls, &c[WH_COL_RESPONSE_STATUS]);

	if (nulls[created] || TIMESTAMP_NOT_FINITE(DatumGetTimestampTz(values[created])))
		return false;
	d->created_at = DatumGetTimestampTz(values[created]);
	d->success = !status_null && status >= 200 && status <= 299;
	d->failed = !d->success &&
		(!status_null || IsAttemptError(values[c[WH_COL_ERROR].position],
										nulls[c[WH_COL_ERROR].position],
										c[WH_COL_ERROR].type));
	d->pending = !nulls[c[WH_COL_DONE].position] && IntegerAt(values, nulls, &c[WH_COL_DONE]) == 0;
	d->gave_up = d->failed && !nulls[c[WH_COL_DONE].position] && !d->pending;
	d->has_status = !status_null;
	d->status = status;
	d->has_retries = !nulls[c[WH_COL_RETRIES].position];
	d->retries = IntegerAt(values, nulls, &c[WH_COL_RETRIES]);
	d->retried = d->retries > 0;
	d->recovered = d->retried && d->success;
	d->has_delay = !nulls[c[WH_COL_DELAY_MS].position];
	d->delay_ms = IntegerAt(values, nulls, &c[WH_COL_DELAY_MS]);
	d->has_latency = !nulls[sent] && !TIMESTAMP_NOT_FINITE(DatumGetTimestampTz(values[sent]));
	d->latency_ms = d->has_latency ?
		LatencyMs(d->created_at, DatumGetTimestampTz(values[sent])) : 0;
	d->event_null = nulls[c[WH_COL_EVENT].position];
	d->event = values[c[WH_COL_EVENT].position];
	d->url_null = nulls[c[WH_COL_URL].position];
	d->url = values[c[WH_COL_URL].position];
	return true;
}

/*
 * WhMetricsPossible is false for counters that no set of deliveries added by
 * WhMetricsAddDelivery could give: below zero, or parts beyond the total
 * (only corrupt summaries can do that).
 */
bool
WhMetricsPossible(const WhMetrics *m)
{
	if (m->total < 0 || m->success < 0 || m->failed < 0 || m->pending < 0 ||
		m->retried < 0 || m->delay_count < 0 || m->recovered < 0 || m->gave_up < 0)
		return false;			/* delay_sum may be: delay_ms can be negative */
	/* differences, not sums: a sum of two parts could wrap */
	return m->success <= m->total && m->failed <= m->total - m->success &&
		m->pending <= m->total && m->retried <= m->total &&
		m->recovered <= m->retried && m->recovered <= m->success &&
		m->gave_up <= m->failed && m->pending <= m->total - m->gave_up &&
		m->delay_count <= m->total && (m->delay_count > 0 || m->delay_sum == 0);
}

/* WhMetricsOverflow reports a counter sum beyond bigint (only bigint delay_ms values can make one). */
void
WhMetricsOverflow(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("sum of delay_ms out of range for bigint"),
			 errhint("whanalytics adds delay_ms values in a bigint; keep them below 2^63 in total.")));
}

/* WhMetricsAddDelivery adds (sign +1) or removes (sign -1) one delivery's counts. */
void
WhMetricsAddDelivery(WhMetrics *m, const WhDelivery *d, int64 sign)
{
	m->total += sign;
	m->success += d->success ? sign : 0;
	m->failed += d->failed ? sign : 0;
	m->pending += d->pending ? sign : 0;
	m->retried += d->retried ? sign : 0;
	m->recovered += d->recovered ? sign : 0;
	m->gave_up += d->gave_up ? sign : 0;
	if (d->has_delay)
	{
		m->delay_count += sign;
		/* only bigint delays can get here: 2^32 integer delays fit */
		if (sign > 0 ? pg_add_s64_overflow(m->delay_sum, d->delay_ms, &m->delay_sum)
			: pg_sub_s64_overflow(m->delay_sum, d->delay_ms, &m->delay_sum))
			WhMetricsOverflow();
	}
}

/*
 * WhDetailInit makes an empty detail in context (a dense latency histogram
 * where many merge), with the statuses and retries when outcomes.
 */
void
WhDetailInit(WhDetail *detail, MemoryContext context, uint32 size, uint32 latency_size,
			 bool dense, bool outcomes)
{
	detail->events = WhCounterCreate(context, size);
	detail->failed_urls = WhCounterCreate(context, size);
	detail->latency = WhLatencyHistCreate(context, latency_size, dense);
	detail->statuses = outcomes ? WhLatencyHistCreate(context, 8, false) : NULL;
	detail->retries = outcomes ? WhLatencyHistCreate(context, 8, false) : NULL;
}

/* WhDetailAddDelivery adds (sign +1) or subtracts (-1) what one delivery holds beyond its counters. */
void
WhDetailAddDelivery(WhDetail *detail, const WhDelivery *d, int64 sign)
{
	WhCounterAddText(detail->events, d->event, d->event_null, sign);
	if (d->failed)
		WhCounterAddText(detail->failed_urls, d->url, d->url_null, sign);
	if (d->has_latency)
		WhLatencyHistAdd(detail->latency, d->latency_ms, sign);
	if (detail->statuses == NULL)
		return;
	if (d->has_status)
		WhLatencyHistAdd(detail->statuses, d->status, sign);
	if (d->has_retries)
		WhLatencyHistAdd(detail->retries, d->retries, sign);
}

/* SameText is true when two text datums (or NULLs) are known alike: both NULL, or one pointer (interned). */
static inline bool
SameText(Datum a, bool a_null, Datum b, bool b_null)
{
	return a_null == b_null && (a_null || a == b);
}

/*
 * WhDetailAddChange adds what a changed row holds beyond its counters and
 * takes away what it held (sign +1; -1 the other way round), skipping each
 * part both hold alike (texts alike when one pointer, as a collector's
 * interned texts are): an UPDATE mostly keeps the event, URL and latency.
 */
void
WhDetailAddChange(WhDetail *detail, const WhDelivery *old, const WhDelivery *new, int64 sign)
{
	if (!SameText(old->event, old->event_null, new->event, new->event_null))
	{
		WhCounterAddText(detail->events, old->event, old->event_null, -sign);
		WhCounterAddText(detail->events, new->event, new->event_null, sign);
	}
	if (!(old->failed && new->failed && SameText(old->url, old->url_null, new->url, new->url_null)))
	{
		if (old->failed)
			WhCounterAddText(detail->failed_urls, old->url, old->url_null, -sign);
		if (new->failed)
			WhCounterAddText(detail->failed_urls, new->url, new->url_null, sign);
	}
	WhLatencyHistChange(detail->latency, old->has_latency, old->latency_ms,
						new->has_latency, new->latency_ms, sign);
	if (detail->statuses == NULL)
		return;
	WhLatencyHistChange(detail->statuses, old->has_status, old->status,
						new->has_status, new->status, sign);
	WhLatencyHistChange(detail->retries, old->has_retries, old->retries,
						new->has_retries, new->retries, sign);
}

/* WhDetailAddDetail adds everything another detail holds (its statuses and retries if both have them). */
void
WhDetailAddDetail(WhDetail *into, const WhDetail *from)
{
	WhCounterAddCounter(into->events, from->events);
	WhCounterAddCounter(into->failed_urls, from->failed_urls);
	WhLatencyHistAddHist(into->latency, from->latency);
	if (into->statuses == NULL || from->statuses == NULL)
		return;
	WhLatencyHistAddHist(into->statuses, from->statuses);
	WhLatencyHistAddHist(into->retries, from->retries);
}
