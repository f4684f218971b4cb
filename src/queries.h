/*
 * queries.h
 *	  The queries behind every result, run through SPI (and so the
 *	  executor, with GRANTs and row-level security): the window's rows (or
 *	  its two edge hours), and the newest rows with the webhook totals.
 *	  Call between SPI_connect and SPI_finish; all of them read the
 *	  caller's snapshot.
 */
#ifndef WH_QUERIES_H
#define WH_QUERIES_H

#include "executor/spi.h"
#include "nodes/params.h"
#include "tcop/dest.h"

#include "columns.h"
#include "index_rows.h"
#include "whanalytics.h"

extern SPIPlanPtr WhKeptPlan(const char *sql, int nargs, Oid *argtypes, bool generic);
extern void WhExecuteKept(SPIPlanPtr plan, ParamListInfo params, DestReceiver *dest,
						  int expected);
extern void WhRowReceiverInit(DestReceiver *receiver,
							  bool (*receive) (TupleTableSlot *slot, DestReceiver *self),
							  void (*startup) (DestReceiver *self, int operation, TupleDesc typeinfo));
extern void WhQueryWindowRows(const WhFilter *filter, DestReceiver *dest, bool short_window);
extern void WhQueryEdgeRows(const WhFilter *filter, TimestampTz second_from, TimestampTz second_to,
							DestReceiver *dest);
extern char *WhQueryAllMetricRows(const char *relation);
/* The newest rows of a window and the webhook totals, as WhQueryNewest returns them. */
typedef struct WhNewest
{
	int64		webhooks;
	int64		events_subscribed;
	WhEventValues *rows;		/* nrows rows, newest first */
	int			nrows;
} WhNewest;

#define WH_NEWEST_FIRST_COLUMN 4	/* 1-based: after webhooks, events_subscribed, found */

extern void WhQueryWebhookTotals(const WhFilter *filter, WhNewest *newest);
extern void WhQueryNewest(const WhFilter *filter, int limit, const WhRowsIndexes *rows_from,
						  WhNewest *newest);

#endif							/* WH_QUERIES_H */
