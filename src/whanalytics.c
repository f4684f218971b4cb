/*
 * whanalytics.c
 *	  Module entry point: the library's magic block and its initialization.
 *	  The SQL-callable functions live in analytics.c, series.c,
 *	  latency_agg.c, summary_trigger.c, summary_maintenance.c and
 *	  summary_trust.c.
 */
#include "postgres.h"

#include "fmgr.h"

#include "settings.h"
#include "summary_trigger.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/* _PG_init defines the whanalytics.* settings and the transaction callbacks when the library is loaded. */
void
_PG_init(void)
{
	WhDefineSettings();
	WhSummaryTriggersInit();
}
