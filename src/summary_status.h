/*
 * summary_status.h
 *	  webhook_summary_status: which tables are summarized, and whether
 *	  their summaries are complete.
 */
#ifndef WH_SUMMARY_STATUS_H
#define WH_SUMMARY_STATUS_H

#include "postgres.h"

#include "datatype/timestamp.h"
#include "nodes/pg_list.h"

/* What the status table says of a table, in the caller's snapshot. */
typedef enum WhStatus
{
	WH_STATUS_NONE,				/* no row: not summarized (or not yet in this snapshot) */
	WH_STATUS_COMPLETE,			/* the summaries show every row */
	WH_STATUS_STALE				/* DDL may have let rows change unseen */
} WhStatus;

extern WhStatus WhStatusOf(Oid relid, TimestampTz *since, char **reason);
extern Oid	WhStatusFirstIncomplete(List *relids, WhStatus *status, TimestampTz *since,
									char **reason);
extern void WhStatusAdd(Oid relid, Oid part_of);
extern void WhStatusRemove(Oid relid);
extern List *WhStatusTables(void);
extern List *WhStatusParts(Oid part_of);
extern void WhMarkStale(Oid events_relid, const char *reason);
extern void WhClearStale(Oid events_relid);

#endif							/* WH_SUMMARY_STATUS_H */
