/*
 * delivery.h
 *	  One delivery as the metrics see it, read from a tuple's values.
 */
#ifndef WH_DELIVERY_H
#define WH_DELIVERY_H

#include "whanalytics.h"

/* Where each column the metrics read sits in a tuple (0-based). */
typedef struct WhDeliveryColumns
{
	int			event;
	int			url;
	int			response_status;
	int			error;
	int			retries;
	int			delay_ms;
	int			done;			/* smallint */
	int			created_at;
	int			first_sent_at;
} WhDeliveryColumns;

/* What one row contributes: its outcome flags, delay, latency and names. */
typedef struct WhDelivery
{
	TimestampTz created_at;
	bool		success;
	bool		failed;
	bool		pending;
	bool		retried;
	bool		has_delay;
	bool		has_latency;
	bool		event_null;
	bool		url_null;
	int32		delay_ms;
	int64		latency_ms;
	Datum		event;			/* text */
	Datum		url;			/* text */
} WhDelivery;

extern bool WhDeliveryRead(WhDelivery *d, const Datum *values, const bool *nulls,
						   const WhDeliveryColumns *columns);
extern void WhMetricsAddDelivery(WhMetrics *m, const WhDelivery *d, int64 sign);
extern bool WhMetricsPossible(const WhMetrics *m);

#endif							/* WH_DELIVERY_H */
