/*
 * queries.h
 *	  The three queries behind every result, run through SPI (and so the
 *	  executor, with GRANTs and row-level security): the window's rows, the
 *	  newest rows, and the webhook totals. Call between SPI_connect and
 *	  SPI_finish; all of them read the caller's snapshot.
 */
#ifndef WH_QUERIES_H
#define WH_QUERIES_H

#include "executor/spi.h"
#include "tcop/dest.h"

#include "whanalytics.h"

extern SPIPlanPtr WhKeptPlan(const char *sql, int nargs, Oid *argtypes, bool generic);
extern void WhRowReceiverInit(DestReceiver *receiver,
							  bool (*receive) (TupleTableSlot *slot, DestReceiver *self),
							  void (*startup) (DestReceiver *self, int operation, TupleDesc typeinfo));
extern void WhQueryWindowRows(const WhFilter *filter, DestReceiver *dest, bool short_window);
extern void WhQueryEdgeRows(const WhFilter *filter, TimestampTz second_from, TimestampTz second_to,
							DestReceiver *dest);
extern char *WhQueryAllMetricRows(const char *relation);
extern SPITupleTable *WhQueryLastEvents(const WhFilter *filter, int limit);
extern void WhQueryWebhookTotals(const WhFilter *filter, int64 *webhooks,
								 int64 *events_subscribed);

#endif							/* WH_QUERIES_H */
