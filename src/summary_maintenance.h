/*
 * summary_maintenance.h
 *	  Rebuilding a summarized table's summaries from its rows.
 */
#ifndef WH_SUMMARY_MAINTENANCE_H
#define WH_SUMMARY_MAINTENANCE_H

#include "postgres.h"

extern int64 WhSummariesRebuild(Oid events_relid);

#endif							/* WH_SUMMARY_MAINTENANCE_H */
