/*
 * delivery.h
 *	  One delivery as the metrics see it, read from a tuple's values.
 */
#ifndef WH_DELIVERY_H
#define WH_DELIVERY_H

#include "columns.h"
#include "key_counter.h"
#include "latency_hist.h"
#include "whanalytics.h"

/* What one row contributes: its outcome flags, status, retries, delay, latency and names. */
typedef struct WhDelivery
{
	TimestampTz created_at;
	bool		success;
	bool		failed;
	bool		pending;
	bool		retried;
	bool		recovered;		/* retried and success */
	bool		gave_up;		/* failed and done <> 0 */
	bool		has_status;
	bool		has_retries;
	bool		has_delay;
	bool		has_latency;
	bool		event_null;
	bool		url_null;
	int64		status;			/* response_status, when has_status */
	int64		retries;		/* when has_retries */
	int64		delay_ms;
	int64		latency_ms;
	Datum		event;			/* text */
	Datum		url;			/* text */
} WhDelivery;

/*
 * What a group of deliveries holds beyond its counters: events, failed URLs,
 * latencies, and (unless NULL: a scan that does not report them) the
 * response statuses and retries counts, each a histogram of its non-NULL
 * values.
 */
typedef struct WhDetail
{
	WhCounter  *events;
	WhCounter  *failed_urls;
	WhLatencyHist *latency;
	WhLatencyHist *statuses;
	WhLatencyHist *retries;
} WhDetail;

/* The status classes of SPEC 5.1, in order; a status of none is the last. */
#define WH_STATUS_CLASS_COUNT 7
#define WH_STATUS_CLASS_NONE (WH_STATUS_CLASS_COUNT - 1)
extern const char *const wh_status_classes[WH_STATUS_CLASS_COUNT];

extern int	WhStatusClass(bool has_status, int64 status);
extern bool WhDeliveryRead(WhDelivery *d, const Datum *values, const bool *nulls,
						   const WhColumnMap *map);
extern void WhMetricsAddDelivery(WhMetrics *m, const WhDelivery *d, int64 sign);
extern bool WhMetricsPossible(const WhMetrics *m);
extern void WhDetailInit(WhDetail *detail, MemoryContext context, uint32 size,
						 uint32 latency_size, bool dense, bool outcomes);
extern void WhDetailAddDelivery(WhDetail *detail, const WhDelivery *d, int64 sign);
extern void WhDetailAddChange(WhDetail *detail, const WhDelivery *old, const WhDelivery *new,
							  int64 sign);
extern void WhDetailAddDetail(WhDetail *into, const WhDetail *from);

#endif							/* WH_DELIVERY_H */
