/*
 * index_rows.h
 *	  Reading a plain table's rows of one organization and time range
 *	  straight from its (organization_id, created_at) btree index, or a
 *	  table range-partitioned on created_at from its partitions' indexes,
 *	  without the executor, for a caller who may see all of them: a
 *	  window's edge hours, its newest rows, and the organization's webhook
 *	  totals.
 */
#ifndef WH_INDEX_ROWS_H
#define WH_INDEX_ROWS_H

#include "postgres.h"

#include "datatype/timestamp.h"
#include "executor/tuptable.h"
#include "utils/relcache.h"

#include "columns.h"

/* A table to read rows from directly: its index, and the created_at range [lo, hi) its rows lie in. */
typedef struct WhRowsTable
{
	Oid			relid;
	Oid			index;
	TimestampTz lo;
	TimestampTz hi;
} WhRowsTable;

/*
 * Where a table's rows may be read directly: the table itself (one,
 * unbounded) or each partition of a table range-partitioned on created_at
 * (in bound order); none (ntables 0) when some rows may lie elsewhere.
 */
typedef struct WhRowsIndexes
{
	int			ntables;
	WhRowsTable *tables;
} WhRowsIndexes;

extern Oid	WhOrgCreatedIndex(Relation heap);
extern void WhRowsIndexesFind(Relation heap, WhRowsIndexes *found);
extern void WhIndexRowsRead(const WhRowsIndexes *rows, text *organization_id, int nranges,
							const TimestampTz *from, const TimestampTz *to,
							bool (*receive) (TupleTableSlot *slot, void *arg),
							void (*startup) (TupleDesc desc, void *arg), void *arg);
extern int	WhIndexNewestRows(const WhRowsIndexes *from_tables, text *organization_id,
							  TimestampTz from, TimestampTz to, int limit, WhEventValues **rows);
extern bool WhIndexWebhookTotals(Oid relid, text *organization_id, int64 *webhooks,
								 int64 *events_subscribed);

#endif							/* WH_INDEX_ROWS_H */
