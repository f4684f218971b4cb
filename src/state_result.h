/*
 * state_result.h
 *	  Between a gathered result and a webhook_analytics_state (state_result.c).
 */
#ifndef WH_STATE_RESULT_H
#define WH_STATE_RESULT_H

#include "analytics_state.h"
#include "response.h"
#include "whanalytics.h"

extern void WhStateOfResult(const WhFilter *filter, const WhResult *result, int last_n,
							WhAnalyticsState *state);
extern void WhResultOfState(const WhAnalyticsState *state, WhResult *result);

#endif							/* WH_STATE_RESULT_H */
