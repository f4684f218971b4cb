/*
 * response.h
 *	  The whole analytics response of SPEC section 3, as jsonb.
 */
#ifndef WH_RESPONSE_H
#define WH_RESPONSE_H

#include "utils/jsonb.h"

#include "whanalytics.h"

/* The optional parts of the response (SPEC 5.1 include), as bits. */
#define WH_INCLUDE_PREVIOUS 0x01
#define WH_INCLUDE_STATUS_CODES 0x02
#define WH_INCLUDE_LATENCY_BREAKDOWN 0x04
#define WH_INCLUDE_RETRIES 0x08
#define WH_INCLUDE_WEBHOOKS 0x10

extern Jsonb *WhAnalyticsResponse(const WhFilter *filter, int top_n, int last_n, int include);

#endif							/* WH_RESPONSE_H */
