/*
 * response.h
 *	  The whole analytics response of SPEC section 3, as jsonb.
 */
#ifndef WH_RESPONSE_H
#define WH_RESPONSE_H

#include "utils/jsonb.h"

#include "whanalytics.h"

extern Jsonb *WhAnalyticsResponse(const WhFilter *filter, int top_n, int last_n);

#endif							/* WH_RESPONSE_H */
