/*
 * analytics.h
 *	  Argument readers shared by the SQL entry points.
 */
#ifndef WH_ANALYTICS_H
#define WH_ANALYTICS_H

#include "fmgr.h"

#include "whanalytics.h"

extern bool WhArgOrganization(FunctionCallInfo fcinfo, int argno, WhFilter *filter);
extern void WhArgWebhook(FunctionCallInfo fcinfo, int argno, WhFilter *filter);
extern void WhArgWindow(FunctionCallInfo fcinfo, int from_argno, WhFilter *filter);

#endif							/* WH_ANALYTICS_H */
