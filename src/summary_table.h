/*
 * summary_table.h
 *	  The layout of webhook_event_summaries, which the direct reads and
 *	  writes of the summaries form and take tuples by: one row per
 *	  (summarized table, organization, UTC day) delta or merged day.
 */
#ifndef WH_SUMMARY_TABLE_H
#define WH_SUMMARY_TABLE_H

#include "utils/relcache.h"

/* Attribute numbers of the summary table's columns. */
typedef enum WhSummaryColumn
{
	WH_SUMMARY_EVENTS = 1,		/* regclass: the summarized table */
	WH_SUMMARY_ORGANIZATION,	/* text */
	WH_SUMMARY_DAY,				/* bigint: UTC days since 2000-01-01 */
	WH_SUMMARY_STATE,			/* bytea: the day (summary_format.c) */
	WH_SUMMARY_HOURS,			/* bytea: its hours' detail */
	WH_SUMMARY_SLICES,			/* bytea: its 5-minute slices (NULL: unknown) */
} WhSummaryColumn;

#define WH_SUMMARY_NATTS WH_SUMMARY_SLICES
#define WH_SUMMARY_INDEX_KEYS 3	/* (events, organization_id, day) */

extern bool WhSummaryTableCurrent(Relation summaries);
extern bool WhSummaryTableIsCurrent(void);
extern void WhCheckSummaryTable(Relation summaries, Relation index);

#endif							/* WH_SUMMARY_TABLE_H */
