/*
 * summary_trust.h
 *	  Whether the summaries may answer for a caller, and what keeps that
 *	  decision right: the health of the summarized table, its summary
 *	  triggers, and the stale mark that DDL leaves until a rebuild.
 */
#ifndef WH_SUMMARY_TRUST_H
#define WH_SUMMARY_TRUST_H

#include "postgres.h"

#include "nodes/pg_list.h"
#include "utils/relcache.h"

#include "index_rows.h"

/* Where the whole days of a window may come from for a caller. */
typedef enum WhSource
{
	WH_SOURCE_ROWS,				/* read the rows */
	WH_SOURCE_SUMMARIES,		/* the summaries show exactly what the rows would */
	WH_SOURCE_NOTHING			/* the caller's policies show none of the rows */
} WhSource;

extern WhSource WhSummarySource(Oid events_relid, text *organization_id, const char **reason,
								List **parts, WhRowsIndexes *rows);
extern const char *WhSourceProblem(Relation events, bool *repairable);

#endif							/* WH_SUMMARY_TRUST_H */
