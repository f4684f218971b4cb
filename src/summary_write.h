/*
 * summary_write.h
 *	  The write side of the day summaries: turns changed rows into summary
 *	  deltas, merges a day's deltas into one row, empties the table.
 */
#ifndef WH_SUMMARY_WRITE_H
#define WH_SUMMARY_WRITE_H

#include "executor/tuptable.h"
#include "utils/relcache.h"

#include "columns.h"
#include "delivery.h"

typedef struct WhCollector WhCollector;

extern WhCollector *WhCollectorCreate(Oid events_relid, bool may_compact, bool manual);
extern void WhCollectorAdd(WhCollector *collector, TupleTableSlot *slot,
						   const WhColumnMap *columns, int64 sign);
extern void WhCollectorAddChange(WhCollector *collector, TupleTableSlot *old_slot,
								 TupleTableSlot *new_slot, const WhColumnMap *columns);
extern int	WhCollectorRows(const WhCollector *collector);
extern void WhCollectorForget(WhCollector *collector, int n);
extern void WhCollectorCancel(WhCollector *collector);
extern void WhCollectorFlush(WhCollector *collector);
extern void WhCollectorFinish(WhCollector *collector);
extern int64 WhSummariesCompactAll(Oid events_relid);
extern void WhSummariesDeleteAll(Oid events_relid);

#endif							/* WH_SUMMARY_WRITE_H */
