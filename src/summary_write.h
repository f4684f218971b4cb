/*
 * summary_write.h
 *	  The write side of the hour summaries: turns changed rows into summary
 *	  deltas, and merges an hour's deltas into one row.
 */
#ifndef WH_SUMMARY_WRITE_H
#define WH_SUMMARY_WRITE_H

#include "executor/tuptable.h"

#include "delivery.h"

/* Where organization_id, webhook_id and the metric columns sit in a row. */
typedef struct WhRowColumns
{
	int			organization_id;
	int			webhook_id;
	WhDeliveryColumns delivery;
} WhRowColumns;

typedef struct WhCollector WhCollector;

extern WhCollector *WhCollectorCreate(const WhRowColumns *columns, bool may_compact);
extern void WhCollectorAdd(WhCollector *collector, TupleTableSlot *slot, int64 sign);
extern void WhCollectorFinish(WhCollector *collector);
extern int64 WhSummariesCompactAll(void);
extern void WhSummariesTruncate(void);

#endif							/* WH_SUMMARY_WRITE_H */
