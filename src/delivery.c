/*
 * delivery.c
 *	  The per-row definitions of SPEC section 3 in one place: success,
 *	  failed, pending, retried, the delay and the dispatch latency of one
 *	  delivery. The window scan and the summary trigger both read rows here.
 */
#include "postgres.h"

#include <math.h>

#include "common/int.h"
#include "utils/jsonb.h"

#include "delivery.h"

/* IsAttemptError is true when error is neither SQL NULL nor JSON null. */
static bool
IsAttemptError(Datum error, bool isnull)
{
	Jsonb	   *json;
	JsonbValue	scalar;
	bool		attempt;

	if (isnull)
		return false;
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

/*
 * WhDeliveryRead fills d from a row's values; false when created_at is NULL
 * or infinite (such a row is in no window). A first_sent_at of +-infinity
 * has no latency.
 */
bool
WhDeliveryRead(WhDelivery *d, const Datum *values, const bool *nulls,
			   const WhDeliveryColumns *c)
{
	bool		status_null = nulls[c->response_status];
	int32		status = status_null ? 0 : DatumGetInt32(values[c->response_status]);

	if (nulls[c->created_at] ||
		TIMESTAMP_NOT_FINITE(DatumGetTimestampTz(values[c->created_at])))
		return false;
	d->created_at = DatumGetTimestampTz(values[c->created_at]);
	d->success = !status_null && status >= 200 && status <= 299;
	d->failed = !d->success &&
		(!status_null || IsAttemptError(values[c->error], nulls[c->error]));
	d->pending = !nulls[c->done] && DatumGetInt16(values[c->done]) == 0;
	d->retried = !nulls[c->retries] && DatumGetInt32(values[c->retries]) > 0;
	d->has_delay = !nulls[c->delay_ms];
	d->delay_ms = d->has_delay ? DatumGetInt32(values[c->delay_ms]) : 0;
	d->has_latency = !nulls[c->first_sent_at] &&
		!TIMESTAMP_NOT_FINITE(DatumGetTimestampTz(values[c->first_sent_at]));
	d->latency_ms = d->has_latency ?
		LatencyMs(d->created_at, DatumGetTimestampTz(values[c->first_sent_at])) : 0;
	d->event_null = nulls[c->event];
	d->event = values[c->event];
	d->url_null = nulls[c->url];
	d->url = values[c->url];
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
		m->retried < 0 || m->delay_count < 0)
		return false;			/* delay_sum may be: delay_ms can be negative */
	return m->success + m->failed <= m->total &&
		m->pending <= m->total && m->retried <= m->total &&
		m->delay_count <= m->total && (m->delay_count > 0 || m->delay_sum == 0);
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
	if (d->has_delay)
	{
		m->delay_count += sign;
		m->delay_sum += sign * d->delay_ms;
	}
}
