/*
 * index_rows.h
 *	  Reading a plain table's rows of one organization and time range
 *	  straight from its (organization_id, created_at) btree index, without
 *	  the executor, for a caller who may see all of them: a window's edge
 *	  hours, its newest rows, and the organization's webhook totals.
 */
#ifndef WH_INDEX_ROWS_H
#define WH_INDEX_ROWS_H

#include "postgres.h"

#include "datatype/timestamp.h"
#include "executor/tuptable.h"
#include "utils/relcache.h"

#include "columns.h"

extern Oid	WhOrgCreatedIndex(Relation heap);
extern void WhIndexRowsRead(Oid relid, Oid indexid, text *organization_id, int nranges,
							const TimestampTz *from, const TimestampTz *to,
							bool (*receive) (TupleTableSlot *slot, void *arg),
							void (*startup) (TupleDesc desc, void *arg), void *arg);
extern int	WhIndexNewestRows(Oid relid, Oid indexid, text *organization_id, TimestampTz from,
							  TimestampTz to, int limit, WhEventValues **rows);
extern bool WhIndexWebhookTotals(Oid relid, text *organization_id, int64 *webhooks,
								 int64 *events_subscribed);

#endif							/* WH_INDEX_ROWS_H */
