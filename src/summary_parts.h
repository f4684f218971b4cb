/*
 * summary_parts.h
 *	  The tables whose summaries make up a summarized table's, and keeping
 *	  the record of a partitioned table's partitions in step.
 */
#ifndef WH_SUMMARY_PARTS_H
#define WH_SUMMARY_PARTS_H

#include "postgres.h"

#include "nodes/pg_list.h"

extern List *WhSummaryParts(Oid relid);
extern int64 WhSyncParts(Oid root, bool rebuild_all);

#endif							/* WH_SUMMARY_PARTS_H */
