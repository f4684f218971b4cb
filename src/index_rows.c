/*
 * index_rows.c
 *	  Reads a plain table's rows of one organization in time ranges
 *	  straight from a btree index whose first keys are (organization_id,
 *	  created_at), and those of a table range-partitioned on created_at
 *	  from such an index of each partition, under the caller's snapshot:
 *	  what the window query would return, without planning or starting the
 *	  executor. It applies no
 *	  row-level security and checks no privilege, so only a caller the
 *	  summaries may answer (summary_trust.c: it may read the whole table, and
 *	  its policies, if any, show all of the organization's rows) is served
 *	  this way; window_scan.c reads the edge hours of such calls here, and
 *	  queries.c their newest rows and (where the caller may read every
 *	  webhook) the webhook totals.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relscan.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/pg_am.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "partitioning/partbounds.h"
#include "partitioning/partdesc.h"
#include "utils/partcache.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/rls.h"
#include "utils/fmgroids.h"
#include "utils/typcache.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "index_rows.h"
#include "relations.h"

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
		index->rd_opfamily[k] == lookup_type_cache(type, TYPECACHE_BTREE_OPFAMILY)->btree_opf;
}

/*
 * OrgIndex returns a valid btree index of heap (a plain table, open) whose
 * first key is organization_id (text, a deterministic collation, the
 * column's) and, when second is given, whose second key is that
 * timestamptz column, without a predicate; or InvalidOid.
 */
static Oid
OrgIndex(Relation heap, const char *second)
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
			form->indislive && form->indnkeyatts >= (second != NULL ? 2 : 1) &&
			heap_attisnull(index->rd_indextuple, Anum_pg_index_indpred, NULL) &&
			KeyIs(index, heap, 0, "organization_id", TEXTOID) &&
			(second == NULL || KeyIs(index, heap, 1, second, TIMESTAMPTZOID)) &&
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
 * WhOrgCreatedIndex returns a valid btree index of heap (a plain table,
 * open) whose first two keys are organization_id (text, a deterministic
 * collation, the column's) and created_at (timestamptz), without a
 * predicate; or InvalidOid.
 */
Oid
WhOrgCreatedIndex(Relation heap)
{
	return OrgIndex(heap, "created_at");
}

/*
 * SetRangeKeys fills keys with organization_id = organization_id and
 * created_at in [from, to), for an index found by OrgIndex.
 */
static void
SetRangeKeys(ScanKeyData *keys, Relation index, text *organization_id, TimestampTz from, TimestampTz to)
{
	ScanKeyInit(&keys[0], 1, BTEqualStrategyNumber, F_TEXTEQ, PointerGetDatum(organization_id));
	keys[0].sk_collation = index->rd_indcollation[0];
	ScanKeyInit(&keys[1], 2, BTGreaterEqualStrategyNumber, F_TIMESTAMPTZ_GE, TimestampTzGetDatum(from));
	ScanKeyInit(&keys[2], 2, BTLessStrategyNumber, F_TIMESTAMPTZ_LT, TimestampTzGetDatum(to));
}

/* RangeBound is the created_at of range bound i of a partitioned table (MINVALUE/MAXVALUE as infinities). */
static TimestampTz
RangeBound(PartitionBoundInfo bounds, int i)
{
	switch (bounds->kind[i][0])
	{
		case PARTITION_RANGE_DATUM_MINVALUE:
			return DT_NOBEGIN;
		case PARTITION_RANGE_DATUM_MAXVALUE:
			return DT_NOEND;
		default:
			return DatumGetTimestampTz(bounds->datums[i][0]);
	}
}

/*
 * PartitionTables lists the partitions of a table partitioned by range on
 * created_at alone (the default btree order of timestamptz), each a plain
 * table with an OrgIndex on (organization_id, created_at), with their
 * bounds; false when it is partitioned otherwise, has a default, a
 * partitioned or detach-pending partition, or a partition without such an
 * index: then some rows cannot be read directly.
 */
static bool
PartitionTables(Relation heap, WhRowsIndexes *found)
{
	PartitionKey key = RelationGetPartitionKey(heap);
	PartitionDesc desc = RelationGetPartitionDesc(heap, false);
	PartitionBoundInfo bounds = desc->boundinfo;
	AttrNumber	created = key->partnatts == 1 ? key->partattrs[0] : InvalidAttrNumber;

	if (key->strategy != PARTITION_STRATEGY_RANGE || created <= 0 ||
		strcmp(NameStr(TupleDescAttr(RelationGetDescr(heap), created - 1)->attname), "created_at") != 0 ||
		key->parttypid[0] != TIMESTAMPTZOID ||
		key->partopfamily[0] != lookup_type_cache(TIMESTAMPTZOID, TYPECACHE_BTREE_OPFAMILY)->btree_opf ||
		desc->nparts == 0 || bounds->default_index >= 0 ||
		RelationGetPartitionDesc(heap, true)->nparts != desc->nparts)
		return false;
	found->tables = palloc(desc->nparts * sizeof(WhRowsTable));
	for (int i = 0; i < bounds->ndatums; i++)
	{
		int			part = bounds->indexes[i];
		WhRowsTable *table = &found->tables[found->ntables];
		Relation	leaf;

		if (part < 0)
			continue;			/* a gap below this bound */
		if (!desc->is_leaf[part])
			return false;
		leaf = table_open(desc->oids[part], AccessShareLock);
		table->relid = desc->oids[part];
		table->index = WhOrgCreatedIndex(leaf);
		table_close(leaf, NoLock);
		if (!OidIsValid(table->index))
			return false;
		table->lo = i == 0 ? DT_NOBEGIN : RangeBound(bounds, i - 1);
		table->hi = RangeBound(bounds, i);
		found->ntables++;
	}
	return true;
}

/*
 * WhRowsIndexesFind says where heap's rows may be read directly (in the
 * current memory context): heap itself when it is a plain table with an
 * (organization_id, created_at) index, or its partitions (PartitionTables).
 */
void
WhRowsIndexesFind(Relation heap, WhRowsIndexes *found)
{
	Oid			index;

	found->ntables = 0;
	found->tables = NULL;
	if (heap->rd_rel->relkind == RELKIND_PARTITIONED_TABLE)
	{
		if (!PartitionTables(heap, found))
			found->ntables = 0;
		return;
	}
	index = WhOrgCreatedIndex(heap);
	if (!OidIsValid(index))
		return;
	found->tables = palloc(sizeof(WhRowsTable));
	found->tables[0].relid = RelationGetRelid(heap);
	found->tables[0].index = index;
	found->tables[0].lo = DT_NOBEGIN;
	found->tables[0].hi = DT_NOEND;
	found->ntables = 1;
}

/*
 * WhIndexRowsRead gives every row with organization_id equal to the
 * organization and created_at in one of the ranges [from[i], to[i]) to
 * receive, table by table of rows (startup first sees each table's tuple
 * descriptor, before its rows), each range's rows of a table in created_at
 * order; one index scan per table, rescanned per range.
 */
void
WhIndexRowsRead(const WhRowsIndexes *rows, text *organization_id, int nranges,
				const TimestampTz *from, const TimestampTz *to,
				bool (*receive) (TupleTableSlot *slot, void *arg),
				void (*startup) (TupleDesc desc, void *arg), void *arg)
{
	for (int t = 0; t < rows->ntables; t++)
	{
		const WhRowsTable *table = &rows->tables[t];
		Relation	heap = NULL;
		Relation	index = NULL;
		TupleTableSlot *slot = NULL;
		IndexScanDesc scan = NULL;
		ScanKeyData keys[3];

		for (int i = 0; i < nranges; i++)
		{
			TimestampTz lo = Max(from[i], table->lo);
			TimestampTz hi = Min(to[i], table->hi);

			if (lo >= hi)
				continue;
			if (heap == NULL)
			{
				heap = table_open(table->relid, AccessShareLock);
				index = index_open(table->index, AccessShareLock);
				slot = table_slot_create(heap, NULL);
				scan = index_beginscan(heap, index, GetActiveSnapshot(), 3, 0);
				startup(RelationGetDescr(heap), arg);
			}
			SetRangeKeys(keys, index, organization_id, lo, hi);
			index_rescan(scan, keys, 3, NULL, 0);
			while (index_getnext_slot(scan, ForwardScanDirection, slot))
			{
				CHECK_FOR_INTERRUPTS();
				(void) receive(slot, arg);
			}
		}
		if (heap == NULL)
			continue;
		index_endscan(scan);
		ExecDropSingleTupleTableSlot(slot);
		index_close(index, NoLock);
		table_close(heap, NoLock);
	}
}

/* A row kept as one of the newest, with its ordering keys. */
typedef struct WhKeptRow
{
	HeapTuple	tuple;
	int			table;			/* the WhRowsIndexes table it is of */
	TimestampTz created_at;
	Datum		id;
	bool		id_null;
} WhKeptRow;

/* How the newest rows are ordered: created_at DESC, id DESC (NULL ids first, as DESC puts them). */
typedef struct WhNewestOrder
{
	FmgrInfo   *id_cmp;			/* the id type's default btree comparison */
	Oid			id_collation;
} WhNewestOrder;

/* NewerThan is true when row a comes before row b in the newest-first order. */
static bool
NewerThan(const WhNewestOrder *order, const WhKeptRow *a, const WhKeptRow *b)
{
	if (a->created_at != b->created_at)
		return a->created_at > b->created_at;
	if (a->id_null || b->id_null)
		return a->id_null && !b->id_null;
	return DatumGetInt32(FunctionCall2Coll(order->id_cmp, order->id_collation, a->id, b->id)) > 0;
}

/* KeepRow puts a row into kept (sorted newest first, at most limit long), dropping the oldest when full. */
static void
KeepRow(const WhNewestOrder *order, WhKeptRow *kept, int *nkept, int limit, const WhKeptRow *row)
{
	int			lo = 0;
	int			hi = *nkept;

	while (lo < hi)
	{
		int			mid = (lo + hi) / 2;

		if (NewerThan(order, row, &kept[mid]))
			hi = mid;
		else
			lo = mid + 1;
	}
	if (*nkept == limit)
	{
		heap_freetuple(kept[limit - 1].tuple);
		(*nkept)--;
	}
	memmove(&kept[lo + 1], &kept[lo], (*nkept - lo) * sizeof(WhKeptRow));
	kept[lo] = *row;
	(*nkept)++;
}

/*
 * IdFollowsCreatedAt is true when the index's third key is id, under its
 * type's default btree opclass and ordered like created_at (with NULLs
 * where DESC wants them): then the index gives ties in id order too.
 */
static bool
IdFollowsCreatedAt(Relation index, Relation heap, Oid id_type)
{
	int16		option = index->rd_indoption[2];
	bool		nulls_first = (option & INDOPTION_NULLS_FIRST) != 0;

	return index->rd_index->indnkeyatts >= 3 && KeyIs(index, heap, 2, "id", id_type) &&
		option == index->rd_indoption[1] &&
		nulls_first == ((option & INDOPTION_DESC) != 0);
}

/*
 * CollectNewest walks index (of table number 'table') from the newest end
 * of the organization's rows with created_at in [from, to) and keeps the
 * newest 'limit' (limit > 0) of them and of the *nkept already in kept (the
 * caller's array), newest first.
 */
static void
CollectNewest(Relation heap, Relation index, const WhColumnMap *map, const WhNewestOrder *order,
			  int table, text *organization_id, TimestampTz from, TimestampTz to, int limit,
			  WhKeptRow *kept, int *nkept)
{
	AttrNumber	created_attnum = map->col[WH_COL_CREATED_AT].position + 1;
	AttrNumber	id_attnum = map->col[WH_COL_ID].position + 1;
	bool		ties_ordered = IdFollowsCreatedAt(index, heap, map->col[WH_COL_ID].type);
	ScanDirection direction = (index->rd_indoption[1] & INDOPTION_DESC) != 0 ?
		ForwardScanDirection : BackwardScanDirection;
	TupleTableSlot *slot = table_slot_create(heap, NULL);
	IndexScanDesc scan = index_beginscan(heap, index, GetActiveSnapshot(), 3, 0);
	ScanKeyData keys[3];
	int			taken = 0;

	SetRangeKeys(keys, index, organization_id, from, to);
	index_rescan(scan, keys, 3, NULL, 0);
	/*
	 * In index order the rows come newest first (ties by id too when
	 * ties_ordered: then the walk's first limit rows are its best).
	 */
	while (!(ties_ordered && taken == limit) && index_getnext_slot(scan, direction, slot))
	{
		WhKeptRow	row;
		bool		isnull;

		CHECK_FOR_INTERRUPTS();
		row.created_at = DatumGetTimestampTz(slot_getattr(slot, created_attnum, &isnull));
		if (*nkept == limit && row.created_at < kept[limit - 1].created_at)
			break;				/* every row from here on is older */
		row.id = slot_getattr(slot, id_attnum, &row.id_null);
		if (*nkept == limit && !NewerThan(order, &row, &kept[limit - 1]))
			continue;			/* a tie older by id */
		row.tuple = ExecCopySlotHeapTuple(slot);
		row.table = table;
		row.id = heap_getattr(row.tuple, id_attnum, RelationGetDescr(heap), &row.id_null);
		KeepRow(order, kept, nkept, limit, &row);
		taken++;
	}
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
}

/*
 * WhIndexNewestRows reads the newest 'limit' rows (created_at DESC, id DESC)
 * of the organization with created_at in [from, to) from the tables of
 * 'from_tables' into rows, each as the newest-rows query gives it; -1
 * (nothing read) when a table's columns need that query's casts or the id
 * type has no btree comparison. It walks each table's index from the
 * newest end, the newest table first, and stops at a table whose rows are
 * all older than those kept, so it reads about limit rows (more only where
 * created_at ties and the index does not order the ties by id).
 */
int
WhIndexNewestRows(const WhRowsIndexes *from_tables, text *organization_id, TimestampTz from,
				  TimestampTz to, int limit, WhEventValues **rows)
{
	int			ntables = from_tables->ntables;
	Relation   *heaps = palloc0(Max(ntables, 1) * sizeof(Relation));
	WhColumnMap *maps = palloc(Max(ntables, 1) * sizeof(WhColumnMap));
	WhKeptRow  *kept = palloc(Max(limit, 1) * sizeof(WhKeptRow));
	WhNewestOrder order;
	int			nkept = 0;

	*rows = NULL;
	for (int t = ntables - 1; t >= 0 && limit > 0; t--)
	{
		const WhRowsTable *table = &from_tables->tables[t];
		TimestampTz lo = Max(from, table->lo);
		TimestampTz hi = Min(to, table->hi);
		TypeCacheEntry *typentry;
		Relation	index;

		if (lo >= hi)
			continue;
		if (nkept == limit && kept[limit - 1].created_at >= hi)
			break;				/* every row of the older tables is older */
		heaps[t] = table_open(table->relid, AccessShareLock);
		typentry = NULL;
		if (WhColumnMapAllUncast(RelationGetDescr(heaps[t]), &maps[t]))
			typentry = lookup_type_cache(maps[t].col[WH_COL_ID].type, TYPECACHE_CMP_PROC_FINFO);
		if (typentry == NULL || !OidIsValid(typentry->cmp_proc))
		{
			nkept = -1;
			break;
		}
		order.id_cmp = &typentry->cmp_proc_finfo;
		order.id_collation =
			TupleDescAttr(RelationGetDescr(heaps[t]), maps[t].col[WH_COL_ID].position)->attcollation;
		index = index_open(table->index, AccessShareLock);
		CollectNewest(heaps[t], index, &maps[t], &order, t, organization_id, lo, hi, limit, kept, &nkept);
		index_close(index, NoLock);
	}
	if (nkept >= 0)
		*rows = palloc(Max(nkept, 1) * sizeof(WhEventValues));
	for (int i = 0; i < nkept; i++)
	{
		Relation	heap = heaps[kept[i].table];
		TupleTableSlot *slot = MakeSingleTupleTableSlot(RelationGetDescr(heap), &TTSOpsHeapTuple);

		ExecStoreHeapTuple(kept[i].tuple, slot, false);
		WhEventValuesOf(&maps[kept[i].table], slot, &(*rows)[i]);
		ExecDropSingleTupleTableSlot(slot);
	}
	for (int t = 0; t < ntables; t++)
		if (heaps[t] != NULL)
			table_close(heaps[t], NoLock);	/* the rows' toasted values are read later */
	return nkept;
}

/*
 * WebhooksIndex is OrgIndex(heap, NULL) for the webhooks table, kept from
 * the last call until a catalog invalidation (each call counts webhooks).
 */
static Oid
WebhooksIndex(Relation heap)
{
	static Oid	kept_relid = InvalidOid;
	static Oid	kept_index = InvalidOid;
	static uint64 kept_generation = 0;
	uint64		generation = WhCatalogGeneration();
	Oid			index;

	if (kept_relid == RelationGetRelid(heap) && kept_generation == generation)
		return kept_index;
	index = OrgIndex(heap, NULL);
	if (generation == WhCatalogGeneration())
	{
		kept_relid = RelationGetRelid(heap);
		kept_index = index;
		kept_generation = generation;
	}
	return index;
}

/*
 * WhIndexWebhookTotals counts the organization's webhooks and their
 * subscribed events (count(*) and sum(cardinality(events)) of the totals
 * query) from the webhooks table's organization index; false (nothing
 * counted) unless the caller may read every row of it there: a plain
 * table without inheritance children or row-level security for the
 * caller, readable by the caller, with such an index and an events column
 * of text[].
 */
bool
WhIndexWebhookTotals(Oid relid, text *organization_id, int64 *webhooks, int64 *events_subscribed)
{
	Relation	heap;
	Oid			indexid;
	Relation	index;
	AttrNumber	events_attnum = InvalidAttrNumber;
	TupleTableSlot *slot;
	IndexScanDesc scan;
	ScanKeyData key;

	if (get_rel_relkind(relid) != RELKIND_RELATION || has_subclass(relid) ||
		pg_class_aclcheck(relid, GetUserId(), ACL_SELECT) != ACLCHECK_OK ||
		check_enable_rls(relid, InvalidOid, true) == RLS_ENABLED)
		return false;
	heap = table_open(relid, AccessShareLock);
	for (int i = 0; i < RelationGetDescr(heap)->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(RelationGetDescr(heap), i);

		if (!att->attisdropped && strcmp(NameStr(att->attname), "events") == 0 &&
			att->atttypid == TEXTARRAYOID)
			events_attnum = i + 1;
	}
	indexid = events_attnum != InvalidAttrNumber ? WebhooksIndex(heap) : InvalidOid;
	if (!OidIsValid(indexid))
	{
		table_close(heap, NoLock);
		return false;
	}
	index = index_open(indexid, AccessShareLock);
	*webhooks = 0;
	*events_subscribed = 0;
	slot = table_slot_create(heap, NULL);
	scan = index_beginscan(heap, index, GetActiveSnapshot(), 1, 0);
	ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_TEXTEQ, PointerGetDatum(organization_id));
	key.sk_collation = index->rd_indcollation[0];
	index_rescan(scan, &key, 1, NULL, 0);
	while (index_getnext_slot(scan, ForwardScanDirection, slot))
	{
		bool		isnull;
		Datum		events = slot_getattr(slot, events_attnum, &isnull);

		CHECK_FOR_INTERRUPTS();
		(*webhooks)++;
		if (!isnull)
		{
			ArrayType  *array = DatumGetArrayTypeP(events);

			*events_subscribed += ArrayGetNItems(ARR_NDIM(array), ARR_DIMS(array));
		}
	}
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	index_close(index, NoLock);
	table_close(heap, NoLock);
	return true;
}
