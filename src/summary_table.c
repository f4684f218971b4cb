/*
 * summary_table.c
 *	  Checks that webhook_event_summaries is what the direct reads and
 *	  writes take it to be (summary_table.h), and recognises the layouts of
 *	  earlier versions (before 1.3: day summaries without hour detail or the
 *	  summarized table; 1.3 to 1.5: without the slices), which the functions
 *	  of this version neither read nor write: until ALTER EXTENSION UPDATE
 *	  rebuilds them, answers read rows.
 */
#include "postgres.h"

#include "access/table.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "utils/rel.h"

#include "relations.h"
#include "summary_table.h"

/* SummaryTableChanged reports a summary table that is not what the direct writes maintain. */
static void
SummaryTableChanged(Relation summaries, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("the whanalytics summary table \"%s\" has been altered",
					RelationGetRelationName(summaries)),
			 errdetail("%s", detail),
			 errhint("Undo the change: the table is internal to the extension. "
					 "DROP EXTENSION and CREATE EXTENSION recreate it.")));
}

/* HasColumns is true when the table's columns are exactly these types, none dropped. */
static bool
HasColumns(Relation rel, const Oid *types, int n)
{
	TupleDesc	desc = RelationGetDescr(rel);

	if (desc->natts != n)
		return false;
	for (int i = 0; i < n; i++)
		if (TupleDescAttr(desc, i)->attisdropped || TupleDescAttr(desc, i)->atttypid != types[i])
			return false;
	return true;
}

/* The types of this version's columns, in order. */
static const Oid wh_summary_types[WH_SUMMARY_NATTS] = {
	REGCLASSOID, TEXTOID, INT8OID, BYTEAOID, BYTEAOID, BYTEAOID
};

/*
 * WhSummaryTableCurrent is false when the summary table has the layout of
 * an earlier version; any other layout is this version's, or one altered
 * (which WhCheckSummaryTable reports).
 */
bool
WhSummaryTableCurrent(Relation summaries)
{
	static const Oid before_1_3[] = {TEXTOID, INT8OID, BYTEAOID};
	static const Oid before_1_6[] = {REGCLASSOID, TEXTOID, INT8OID, BYTEAOID, BYTEAOID};

	return !HasColumns(summaries, before_1_3, lengthof(before_1_3)) &&
		!HasColumns(summaries, before_1_6, lengthof(before_1_6));
}

/* WhSummaryTableIsCurrent opens the summary table to tell whether it has this version's layout. */
bool
WhSummaryTableIsCurrent(void)
{
	Relation	summaries = table_open(WhOwnTable("webhook_event_summaries"), AccessShareLock);
	bool		current = WhSummaryTableCurrent(summaries);

	table_close(summaries, AccessShareLock);
	return current;
}

/*
 * WhCheckSummaryTable fails unless the summary table has the columns the
 * writes form tuples for and exactly the one index they maintain.
 */
void
WhCheckSummaryTable(Relation summaries, Relation index)
{
	const char *columns = "Its columns are not (events regclass, organization_id text, day bigint, state bytea, hours bytea, slices bytea).";
	List	   *indexes = RelationGetIndexList(summaries);
	bool		keys_ok = index->rd_index->indnatts == WH_SUMMARY_INDEX_KEYS;

	if (summaries->rd_rel->relkind != RELKIND_RELATION || !HasColumns(summaries, wh_summary_types, lengthof(wh_summary_types)))
		SummaryTableChanged(summaries, columns);
	for (int k = 0; keys_ok && k < WH_SUMMARY_INDEX_KEYS; k++)
		keys_ok = index->rd_index->indkey.values[k] == k + 1;
	if (list_length(indexes) != 1 || linitial_oid(indexes) != RelationGetRelid(index) ||
		!keys_ok || index->rd_indexprs != NIL || index->rd_indpred != NIL)
		SummaryTableChanged(summaries, psprintf("It has %d indexes; whanalytics maintains exactly one, on (events, organization_id, day).",
												list_length(indexes)));
	list_free(indexes);
}
