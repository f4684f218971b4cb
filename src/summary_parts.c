/*
 * summary_parts.c
 *	  A plain table's summaries are its own; a partitioned table's are
 *	  those of its leaf partitions, each summarized by the row trigger it
 *	  clones from the parent (trigger_set.c). So partition maintenance is
 *	  followed exactly: a detached or dropped partition's summaries are
 *	  simply no longer read, and a new or newly attached one gets its
 *	  TRUNCATE trigger, a status row naming the parent, and summaries built
 *	  from its rows (WhSyncParts, run by the DDL event trigger in the DDL's
 *	  own transaction). A partition whose status row a snapshot does not
 *	  see is read as rows (summary_trust.c).
 */
#include "postgres.h"

#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "storage/lmgr.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "summary_maintenance.h"
#include "summary_parts.h"
#include "summary_status.h"
#include "summary_write.h"
#include "trigger_set.h"

/*
 * WhSummaryParts lists the tables whose summaries make up relid's: relid
 * itself, or for a partitioned table its leaf partitions (locked as a
 * query of the table would lock them).
 */
List *
WhSummaryParts(Oid relid)
{
	List	   *all;
	List	   *leaves = NIL;
	ListCell   *lc;

	if (get_rel_relkind(relid) != RELKIND_PARTITIONED_TABLE)
		return list_make1_oid(relid);
	all = find_all_inheritors(relid, AccessShareLock, NULL);
	foreach(lc, all)
		if (get_rel_relkind(lfirst_oid(lc)) != RELKIND_PARTITIONED_TABLE)
			leaves = lappend_oid(leaves, lfirst_oid(lc));
	list_free(all);
	return leaves;
}

/*
 * WhSyncParts brings the record of a partitioned table's partitions in step
 * with its leaves now: the summaries and status row of a partition that
 * left (detached or dropped) go, with the TRUNCATE trigger of one that
 * still exists; a new one gets its triggers, status row and summaries.
 * With rebuild_all, every partition's summaries are rebuilt. Returns the
 * deliveries summarized.
 */
int64
WhSyncParts(Oid root, bool rebuild_all)
{
	List	   *recorded = WhStatusParts(root);
	List	   *leaves = WhSummaryParts(root);
	ListCell   *lc;
	int64		rows = 0;

	foreach(lc, recorded)
	{
		Oid			gone = lfirst_oid(lc);

		if (list_member_oid(leaves, gone))
			continue;
		WhStatusRemove(gone);
		WhSummariesDeleteAll(gone);
		if (SearchSysCacheExists1(RELOID, ObjectIdGetDatum(gone)))
		{
			LockRelationOid(gone, AccessExclusiveLock);
			WhDropTriggers(gone);
		}
	}
	foreach(lc, leaves)
	{
		Oid			leaf = lfirst_oid(lc);
		bool		known = list_member_oid(recorded, leaf);

		if (known && !rebuild_all)
			continue;
		WhStatusAdd(leaf, root);
		if (get_rel_relkind(leaf) != RELKIND_RELATION)
			continue;			/* a foreign partition: calls read rows (summary_trust.c) */
		WhCreateTriggers(leaf, WH_TRIGGERS_PARTITION);
		rows += WhRebuildPart(leaf);
		WhClearStale(leaf);
	}
	return rows;
}
