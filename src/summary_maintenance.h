/*
 * summary_maintenance.h
 *	  Rebuilding a summarized table's summaries from its rows, and the
 *	  checks every function that changes summaries makes.
 */
#ifndef WH_SUMMARY_MAINTENANCE_H
#define WH_SUMMARY_MAINTENANCE_H

#include "postgres.h"

extern int64 WhSummariesRebuild(Oid events_relid);
extern int64 WhRebuildPart(Oid part);
extern void WhCheckTableOwner(Oid relid, const char *function);
extern void WhCheckWritable(const char *function);

#endif							/* WH_SUMMARY_MAINTENANCE_H */
