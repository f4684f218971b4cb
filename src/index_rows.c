/*
 * index_rows.c
 *	  Reads a plain table's rows of one organization in time ranges
 *	  straight from a btree index whose first keys are (organization_id,
 *	  created_at), under the caller's snapshot: what the window query would
 *	  return, without planning or starting the executor. It applies no
 *	  row-level security and checks no privilege, so only a caller the
 *	  summaries may answer (summary_trust.c: it may read the whole table, and
 *	  its policies, if any, show all of the organization's rows) is served
 *	  this way; window_scan.c reads the edge hours of such calls here.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relscan.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/pg_am.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_index.h"
#include "catalog/pg_opclass.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "miscadmin.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "index_rows.h"

/* KeyIs is true when key k of an index is column attname under the default btree opclass of type. */
static bool
KeyIs(Relation index, Relation heap, int k, const char *attname, Oid type)
{
	AttrNumber	attnum = index->rd_index->indkey.values[k];
	Form_pg_attribute att;

	if (attnum <= 0 || attnum > RelationGetDescr(heap)->natts)
		return false;
	att = TupleDescAttr(RelationGetDescr(heap), attnum - 1);
	return !att->attisdropped && strcmp(NameStr(att->attname), attname) == 0 &&
		att->atttypid == type && index->rd_opcintype[k] == type &&
		index->rd_opfamily[k] == get_opclass_family(GetDefaultOpClass(type, BTREE_AM_OID));
}

/*
 * WhOrgCreatedIndex returns a valid btree index of heap (a plain table,
 * open) whose first two keys are organization_id (text, a deterministic
 * collation, the column's) and created_at (timestamptz), without a
 * predicate; or InvalidOid.
 */
Oid
WhOrgCreatedIndex(Relation heap)
{
	List	   *indexes;
	ListCell   *lc;
	Oid			found = InvalidOid;

	if (heap->rd_rel->relkind != RELKIND_RELATION)
		return InvalidOid;
	indexes = RelationGetIndexList(heap);
	foreach(lc, indexes)
	{
		Relation	index = index_open(lfirst_oid(lc), AccessShareLock);
		Form_pg_index form = index->rd_index;

		if (index->rd_rel->relam == BTREE_AM_OID && form->indisvalid && form->indisready &&
			form->indislive && form->indnkeyatts >= 2 &&
			heap_attisnull(index->rd_indextuple, Anum_pg_index_indpred, NULL) &&
			KeyIs(index, heap, 0, "organization_id", TEXTOID) &&
			KeyIs(index, heap, 1, "created_at", TIMESTAMPTZOID) &&
			OidIsValid(index->rd_indcollation[0]) &&
			index->rd_indcollation[0] ==
			TupleDescAttr(RelationGetDescr(heap), form->indkey.values[0] - 1)->attcollation &&
			get_collation_isdeterministic(index->rd_indcollation[0]))
			found = RelationGetRelid(index);
		index_close(index, AccessShareLock);
		if (OidIsValid(found))
			break;
	}
	list_free(indexes);
	return found;
}

/*
 * WhIndexRowsRead gives every row of relid with organization_id equal to
 * the organization and created_at in one of the ranges [from[i], to[i]) to
 * receive, range by range, each in created_at order (startup first sees the
 * table's tuple descriptor); one index scan, rescanned per range.
 */
void
WhIndexRowsRead(Oid relid, Oid indexid, text *organization_id, int nranges,
				const TimestampTz *from, const TimestampTz *to,
				bool (*receive) (TupleTableSlot *slot, void *arg),
				void (*startup) (TupleDesc desc, void *arg), void *arg)
{
	Relation	heap = table_open(relid, AccessShareLock);
	Relation	index = index_open(indexid, AccessShareLock);
	TupleTableSlot *slot = table_slot_create(heap, NULL);
	IndexScanDesc scan = index_beginscan(heap, index, GetActiveSnapshot(), 3, 0);
	ScanKeyData keys[3];

	startup(RelationGetDescr(heap), arg);
	for (int i = 0; i < nranges; i++)
	{
		if (from[i] >= to[i])
			continue;
		ScanKeyInit(&keys[0], 1, BTEqualStrategyNumber, F_TEXTEQ, PointerGetDatum(organization_id));
		keys[0].sk_collation = index->rd_indcollation[0];
		ScanKeyInit(&keys[1], 2, BTGreaterEqualStrategyNumber, F_TIMESTAMPTZ_GE,
					TimestampTzGetDatum(from[i]));
		ScanKeyInit(&keys[2], 2, BTLessStrategyNumber, F_TIMESTAMPTZ_LT, TimestampTzGetDatum(to[i]));
		index_rescan(scan, keys, 3, NULL, 0);
		while (index_getnext_slot(scan, ForwardScanDirection, slot))
		{
			CHECK_FOR_INTERRUPTS();
			(void) receive(slot, arg);
		}
	}
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	index_close(index, AccessShareLock);
	table_close(heap, AccessShareLock);
}
