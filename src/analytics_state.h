/*
 * analytics_state.h
 *	  The merge state of SPEC section 7 (webhook_analytics_state): what one
 *	  database's rows of a window add up to, in a form that moves between
 *	  databases and merges exactly; its encoding, decoding and merge.
 */
#ifndef WH_ANALYTICS_STATE_H
#define WH_ANALYTICS_STATE_H

#include "columns.h"
#include "delivery.h"
#include "webhook_totals.h"
#include "whanalytics.h"
#include "window_scan.h"

/*
 * One of the newest rows as a state holds it: text and JSON columns as
 * bytes (JSON as its text), integer and timestamp columns as numbers.
 */
typedef struct WhStateRow
{
	const char *data[WH_NCOLUMNS];
	int			len[WH_NCOLUMNS];
	int64		number[WH_NCOLUMNS];
	bool		isnull[WH_NCOLUMNS];
} WhStateRow;

/*
 * How the ids of the newest rows order (as ORDER BY id does in the table
 * the state was made from): as integers, as bytes (the C collation), or
 * by the merging database's default collation.
 */
typedef enum WhIdOrder
{
	WH_ID_INTEGER,
	WH_ID_BYTES,
	WH_ID_COLLATED
} WhIdOrder;

/* Everything a state holds. */
typedef struct WhAnalyticsState
{
	TimestampTz from;			/* the window, [from, to) */
	TimestampTz to;
	bool		has_webhook;	/* one webhook's rows only: */
	const char *webhook;
	int			webhook_len;
	int			last_n;			/* the newest rows it keeps, at most */
	WhIdOrder	id_order;		/* how their ids order */
	int64		webhooks;		/* the webhook totals */
	int64		events_subscribed;
	int64		nhours;			/* the hours holding rows, oldest first */
	WhHourBucket *hours;
	WhDetail	detail;			/* events, failed URLs, latency, statuses, retries */
	WhWebhookSet *webhook_set;	/* each webhook's counters and latency */
	bool		has_previous;	/* the window before's counters and latency: */
	WhMetrics	previous;
	WhLatencyHist *previous_latency;
	int			nrows;			/* the newest rows, newest first */
	WhStateRow *rows;
} WhAnalyticsState;

extern void WhAnalyticsStateInit(WhAnalyticsState *state, MemoryContext context);
extern bytea *WhAnalyticsStateEncode(const WhAnalyticsState *state);
extern void WhAnalyticsStateDecode(const bytea *bytes, MemoryContext context,
								   WhAnalyticsState *state);
extern void WhAnalyticsStateMerge(WhAnalyticsState *into, const WhAnalyticsState *from,
								  MemoryContext context);
extern void WhStateMalformed(const char *what) pg_attribute_noreturn();

#endif							/* WH_ANALYTICS_STATE_H */
