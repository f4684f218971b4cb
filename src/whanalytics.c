/*
 * whanalytics.c
 *	  Module entry point: the library's magic block and its initialization.
 *	  The SQL-callable functions live in analytics.c, series.c and
 *	  latency_agg.c.
 */
#include "postgres.h"

#include "fmgr.h"

#include "settings.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/* _PG_init defines the whanalytics.* settings when the library is loaded. */
void
_PG_init(void)
{
	WhDefineSettings();
}
