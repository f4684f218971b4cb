/*
 * index_rows.h
 *	  Reading a plain table's rows of one organization and time range
 *	  straight from its (organization_id, created_at) btree index, without
 *	  the executor, for a caller who may see all of them.
 */
#ifndef WH_INDEX_ROWS_H
#define WH_INDEX_ROWS_H

#include "postgres.h"

#include "datatype/timestamp.h"
#include "executor/tuptable.h"
#include "utils/relcache.h"

extern Oid	WhOrgCreatedIndex(Relation heap);
extern void WhIndexRowsRead(Oid relid, Oid indexid, text *organization_id, int nranges,
							const TimestampTz *from, const TimestampTz *to,
							bool (*receive) (TupleTableSlot *slot, void *arg),
							void (*startup) (TupleDesc desc, void *arg), void *arg);

#endif							/* WH_INDEX_ROWS_H */
