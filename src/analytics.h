/*
 * analytics.h
 *	  Argument readers shared by the SQL entry points.
 */
#ifndef WH_ANALYTICS_H
#define WH_ANALYTICS_H

#include "fmgr.h"

#include "whanalytics.h"

#define WH_DEFAULT_TOP_N 5
#define WH_DEFAULT_LAST_N 10

extern bool WhArgOrganization(FunctionCallInfo fcinfo, int argno, WhFilter *filter);
extern void WhArgWebhook(FunctionCallInfo fcinfo, int argno, WhFilter *filter);
extern void WhArgWindow(FunctionCallInfo fcinfo, int from_argno, WhFilter *filter);
extern Datum WhRespond(WhFilter *filter, int top_n, int last_n, int include);

#endif							/* WH_ANALYTICS_H */
