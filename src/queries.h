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

/* Columns of the window query, in the order the scan reads them. */
typedef enum WhScanColumn
{
	WH_SCAN_EVENT,
	WH_SCAN_URL,
	WH_SCAN_RESPONSE_STATUS,
	WH_SCAN_ERROR,
	WH_SCAN_RETRIES,
	WH_SCAN_DELAY_MS,
	WH_SCAN_DONE,
	WH_SCAN_CREATED_AT,
	WH_SCAN_FIRST_SENT_AT,
	WH_SCAN_NCOLUMNS
} WhScanColumn;

extern SPIPlanPtr WhKeptPlan(const char *sql, int nargs, Oid *argtypes);
extern void WhQueryWindowRows(const WhFilter *filter, DestReceiver *dest);
extern SPITupleTable *WhQueryLastEvents(const WhFilter *filter, int limit);
extern void WhQueryWebhookTotals(const WhFilter *filter, int64 *webhooks,
								 int64 *events_subscribed);

#endif							/* WH_QUERIES_H */
