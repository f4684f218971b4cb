/*
 * response.h
 *	  The whole analytics response of SPEC section 3, as jsonb.
 */
#ifndef WH_RESPONSE_H
#define WH_RESPONSE_H

#include "utils/jsonb.h"

#include "queries.h"
#include "whanalytics.h"
#include "window_scan.h"

/* The optional parts of the response (SPEC 5.1 include), as bits. */
#define WH_INCLUDE_PREVIOUS 0x01
#define WH_INCLUDE_STATUS_CODES 0x02
#define WH_INCLUDE_LATENCY_BREAKDOWN 0x04
#define WH_INCLUDE_RETRIES 0x08
#define WH_INCLUDE_WEBHOOKS 0x10
#define WH_INCLUDE_ALL 0x1F

/*
 * What a response is made of: everything a window's rows add up to (SPEC
 * sections 3 and 5.1), gathered by one call or decoded from a merge state.
 */
typedef struct WhResult
{
	TimestampTz from;			/* the window, [from, to) */
	TimestampTz to;
	WhScan		scan;			/* its counters and the parts asked for */
	WhNewest	newest;			/* its newest rows and the webhook totals */
	bool		has_previous;	/* the window before's: */
	WhMetrics	previous_totals;
	WhLatencyHist *previous_latency;
} WhResult;

extern void WhResultGather(const WhFilter *filter, int last_n, int include, WhResult *result);
extern Jsonb *WhResultResponse(const WhResult *result, int top_n, int last_n, int include);
extern Jsonb *WhAnalyticsResponse(const WhFilter *filter, int top_n, int last_n, int include);

#endif							/* WH_RESPONSE_H */
