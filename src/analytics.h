/*
 * analytics.h
 *	  Argument readers shared by the SQL entry points, and the call that
 *	  builds their results inside SPI in a reused memory context.
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
extern int	WhArgListLength(FunctionCallInfo fcinfo, int argno, const char *name, int default_value);
extern int	WhArgInclude(FunctionCallInfo fcinfo, int argno);

/* Builds a call's result (a varlena) for filter, inside SPI, in the call's memory. */
typedef struct varlena *(*WhBuilder) (const WhFilter *filter, void *arg);

extern Datum WhCallBuild(WhFilter *filter, WhBuilder builder, void *arg);
extern Datum WhRespond(WhFilter *filter, int top_n, int last_n, int include);

#endif							/* WH_ANALYTICS_H */
