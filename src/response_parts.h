/*
 * response_parts.h
 *	  The optional parts of the response that SPEC 5.1's include adds under
 *	  data (previous is response.c's): status codes and classes, the
 *	  latency breakdown, retries and the per-webhook breakdown.
 */
#ifndef WH_RESPONSE_PARTS_H
#define WH_RESPONSE_PARTS_H

#include "utils/array.h"

#include "jsonb_build.h"
#include "window_scan.h"

#define WH_INCLUDE_NAMES "previous, status_codes, latency_breakdown, retries, webhooks"

extern int	WhIncludeBit(const char *name, int len);
extern int	WhIncludeParse(ArrayType *include);
extern void WhPutResponseParts(WhJson *json, int include, const WhScan *scan,
							   const WhMetrics *totals, int top_n);

#endif							/* WH_RESPONSE_PARTS_H */
