/*
 * summary_write.c
 *	  Keeps webhook_event_summaries exact. Changed rows are collected in
 *	  chunks, sorted by (organization, day, webhook) and written as one delta
 *	  row per (organization, day): new rows add, old rows subtract. Deltas
 *	  are only ever inserted, so concurrent writers never wait on each other;
 *	  a day's deltas are merged ("compacted"), under a try-lock so two
 *	  compactions never touch the same day: by a small statement, for each
 *	  day it wrote, deltas of like sizes (so reads stay cheap whatever the
 *	  write history; the big merged day itself is rewritten only when the
 *	  deltas weigh enough), and by a statement of
 *	  several chunks, at its end, for every day more than one of its
 *	  chunks wrote. Readers sum whatever rows they see in their snapshot,
 *	  which is always exact.
 *	  Deltas are inserted, and compaction reads and deletes, directly (heap
 *	  and index, no executor): callers need no privilege on the table, and a
 *	  writing statement pays no planning; the table is checked first to be
 *	  what those writes maintain (its columns and its one index). Only
 *	  compacting every day at once and truncating use SQL, run as the
 *	  table's owner with its schema named.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/detoast.h"
#include "access/heapam.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/fmgroids.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "relations.h"
#include "summary_format.h"
#include "summary_table.h"
#include "summary_trigger.h"
#include "summary_write.h"
#include "window.h"

#define WH_CHUNK_ROWS 131072		/* rows sorted and written at once: a 100k-row statement is one chunk */
#define WH_COMPACT_MAX_DAYS 4	/* statements touching more days leave compaction to others */
#define WH_COMPACT_MAX_DELTAS 3	/* deltas beside a merged day that a small statement leaves */
#define WH_COMPACT_BASE_SHARE 8	/* deltas weighing 1/8 of the merged day are merged into it */
#define WH_SMALL_DELTA_ROWS 32	/* a delta of at most this many rows may leave out the day's detail */

/*
 * One changed row, reduced to what the summaries need; its texts are
 * interned, so rows of one organization (or webhook) share one pointer.
 * An updated row that stays in its (organization, day, webhook) is one
 * row with what it was (old), so the parts that did not change cancel
 * before they are counted.
 */
typedef struct WhDeltaRow
{
	text	   *organization_id;
	text	   *webhook_id;		/* NULL for a NULL webhook_id */
	int64		day;
	int			hour;			/* of the day, 0-23 */
	int			old;			/* the row it was, in the collector's olds, or -1 */
	int			group;			/* its (organization, day, webhook), in the chunk's groups */
	int			sign;			/* of the row; what it was counts the other way */
	WhDelivery	delivery;
} WhDeltaRow;

/* What an updated row was, for the WhDeltaRow that it became. */
typedef struct WhOldRow
{
	WhDelivery	delivery;
	int			hour;
} WhOldRow;

/* A text kept once per chunk: its bytes (the key, pointing into the copy) and the copy. */
typedef struct WhInterned
{
	WhStringKey key;
	text	   *copy;
	uint32		hash;
	char		status;
} WhInterned;

#define SH_PREFIX interned
#define SH_ELEMENT_TYPE WhInterned
#define SH_KEY_TYPE WhStringKey
#define SH_KEY key
#define SH_HASH_KEY(tb, k) WhStringHash((k).data, (k).len)
#define SH_EQUAL(tb, a, b) WhStringKeysEqual(a, b)
#define SH_STORE_HASH
#define SH_GET_HASH(tb, a) ((a)->hash)
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/* What a chunk's rows are grouped by: their (organization, day, webhook), texts interned. */
typedef struct WhGroupKey
{
	text	   *organization_id;
	text	   *webhook_id;
	int64		day;
} WhGroupKey;

/* A group of the chunk's rows in its hash table: the key and the group's number. */
typedef struct WhGroupEntry
{
	WhGroupKey	key;
	int			group;
	char		status;
} WhGroupEntry;

/* GroupHash mixes a group's two addresses and day (murmur3's 64-bit finalizer). */
static inline uint32
GroupHash(const WhGroupKey *k)
{
	uint64		h = (uint64) (uintptr_t) k->organization_id * UINT64CONST(0x9E3779B97F4A7C15) ^
		(uint64) (uintptr_t) k->webhook_id * UINT64CONST(0xC2B2AE3D27D4EB4F) ^ (uint64) k->day;

	h ^= h >> 33;
	h *= UINT64CONST(0xff51afd7ed558ccd);
	h ^= h >> 33;
	return (uint32) h;
}

#define SH_PREFIX row_groups
#define SH_ELEMENT_TYPE WhGroupEntry
#define SH_KEY_TYPE WhGroupKey
#define SH_KEY key
#define SH_HASH_KEY(tb, k) GroupHash(&(k))
#define SH_EQUAL(tb, a, b) ((a).organization_id == (b).organization_id && \
							(a).webhook_id == (b).webhook_id && (a).day == (b).day)
#define SH_SCOPE static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/* The summary table and its index, open for direct writes of one summarized table's rows. */
typedef struct WhSummaryWriter
{
	Oid			events_relid;
	Relation	summaries;
	Relation	index;
	IndexInfo  *index_info;
	MemoryContext day_context;	/* one day's buckets while it is written */
} WhSummaryWriter;

/* A day a collector wrote deltas for, and in how many of its chunks. */
typedef struct WhWrittenDay
{
	text	   *organization_id;
	int64		day;
	int			chunks;
} WhWrittenDay;

struct WhCollector
{
	Oid			events_relid;	/* the summarized table the rows are of */
	bool		may_compact;
	bool		manual;			/* the owner decides when to flush */
	MemoryContext written_context;	/* the written days, kept across chunks */
	WhWrittenDay *written;		/* sorted by organization, then day */
	int			nwritten;
	int			nflushes;
	MemoryContext chunk_context;	/* the rows of the current chunk and their texts */
	interned_hash *texts;		/* the texts of the chunk's rows, each once (made at the first) */
	row_groups_hash *groups;	/* the chunk's (organization, day, webhook) groups (made at the first) */
	WhGroupKey *group_keys;		/* each group's key, by its number */
	int			ngroups;
	int			groups_capacity;
	MemoryContext day_context;	/* one day's buckets while it is written */
	WhDeltaRow *rows;			/* grows up to WH_CHUNK_ROWS (unless manual) */
	int			nrows;
	int			capacity;
	WhOldRow   *olds;			/* what the chunk's updated rows were */
	int			nolds;
	int			olds_capacity;
};

/*
 * Intern returns the chunk's one copy (detoasted, in chunk_context) of a
 * text datum, making it when the chunk has none yet.
 */
static text *
Intern(WhCollector *c, Datum value)
{
	text	   *t = DatumGetTextPP(value);
	WhStringKey key;
	WhInterned *entry;
	bool		found;

	key.data = VARDATA_ANY(t);
	key.len = VARSIZE_ANY_EXHDR(t);
	if (c->texts == NULL)
		c->texts = interned_create(c->chunk_context, 16, NULL);
	entry = interned_insert(c->texts, key, &found);
	if (!found)
	{
		text	   *copy = MemoryContextAlloc(c->chunk_context, VARHDRSZ + key.len);

		SET_VARSIZE(copy, VARHDRSZ + key.len);
		memcpy(VARDATA(copy), key.data, key.len);
		entry->copy = copy;
		entry->key.data = VARDATA(copy);
	}
	if ((Pointer) t != DatumGetPointer(value))
		pfree(t);
	return entry->copy;
}

/* ResetChunk forgets the chunk's rows and texts. */
static void
ResetChunk(WhCollector *c)
{
	c->nrows = 0;
	c->nolds = 0;
	MemoryContextReset(c->chunk_context);
	c->texts = NULL;
	c->groups = NULL;
	c->group_keys = NULL;
	c->ngroups = 0;
}

/* WhCollectorCreate starts collecting rows of events_relid, in the current memory context. */
WhCollector *
WhCollectorCreate(Oid events_relid, bool may_compact, bool manual)
{
	WhCollector *c = palloc0(sizeof(WhCollector));

	c->events_relid = events_relid;
	c->may_compact = may_compact;
	c->manual = manual;
	c->chunk_context = AllocSetContextCreate(CurrentMemoryContext, "whanalytics delta rows",
											 ALLOCSET_DEFAULT_SIZES);
	c->day_context = AllocSetContextCreate(CurrentMemoryContext, "whanalytics delta day",
											ALLOCSET_DEFAULT_SIZES);
	c->written_context = AllocSetContextCreate(CurrentMemoryContext, "whanalytics written days",
												ALLOCSET_DEFAULT_SIZES);
	c->capacity = 16;
	c->rows = palloc(c->capacity * sizeof(WhDeltaRow));
	c->olds_capacity = 16;
	c->olds = palloc(c->olds_capacity * sizeof(WhOldRow));
	return c;
}

/*
 * WriterOpen opens the summary table and its index for direct writes, after
 * checking them; false (nothing open) when they have the layout of a
 * version before 1.6, which the update rebuilds.
 */
static bool
WriterOpen(WhSummaryWriter *w, Oid events_relid, MemoryContext day_context)
{
	w->events_relid = events_relid;
	w->summaries = table_open(WhOwnTable("webhook_event_summaries"), RowExclusiveLock);
	if (!WhSummaryTableCurrent(w->summaries))
	{
		table_close(w->summaries, RowExclusiveLock);
		return false;
	}
	w->index = index_open(WhOwnTable("webhook_event_summaries_org_day_idx"), RowExclusiveLock);
	WhCheckSummaryTable(w->summaries, w->index);
	w->index_info = BuildIndexInfo(w->index);
	w->day_context = day_context;
	return true;
}

/* WriterClose closes what WriterOpen opened. */
static void
WriterClose(WhSummaryWriter *w)
{
	index_close(w->index, RowExclusiveLock);
	table_close(w->summaries, RowExclusiveLock);
}

/* CompareBytes orders two texts in byte order (the C collation's), a prefix first. */
static inline int
CompareBytes(const text *a, const text *b)
{
	Size		la = VARSIZE(a) - VARHDRSZ;
	Size		lb = VARSIZE(b) - VARHDRSZ;
	int			cmp = memcmp(VARDATA(a), VARDATA(b), Min(la, lb));

	if (cmp != 0)
		return cmp;
	return (la > lb) - (la < lb);
}

/* CompareOrgDay orders (organization, day) pairs: organization in byte order, then day. */
static inline int
CompareOrgDay(const text *org_a, int64 day_a, const text *org_b, int64 day_b)
{
	int			cmp = CompareBytes(org_a, org_b);

	if (cmp != 0)
		return cmp;
	return (day_a > day_b) - (day_a < day_b);
}

/* ComparePointers orders two addresses. */
static inline int
ComparePointers(const void *a, const void *b)
{
	return (a > b) - (a < b);
}

/*
 * CompareGroups orders a chunk's groups by organization, day, then
 * webhook: its texts are interned, so their addresses stand for them.
 */
static inline int
CompareGroups(const WhGroupKey *x, const WhGroupKey *y)
{
	int			cmp = ComparePointers(x->organization_id, y->organization_id);

	if (cmp != 0)
		return cmp;
	if (x->day != y->day)
		return (x->day > y->day) - (x->day < y->day);
	return ComparePointers(x->webhook_id, y->webhook_id);
}

/* CompareWrittenDays orders written days by organization (in byte order), then day. */
static int
CompareWrittenDays(const void *a, const void *b)
{
	const WhWrittenDay *x = a;
	const WhWrittenDay *y = b;

	return CompareOrgDay(x->organization_id, x->day, y->organization_id, y->day);
}

/* SortGroups sorts group numbers by CompareGroups of their keys. */
#define ST_SORT SortGroups
#define ST_ELEMENT_TYPE int
#define ST_COMPARE(a, b, keys) CompareGroups(&(keys)[*(a)], &(keys)[*(b)])
#define ST_COMPARE_ARG_TYPE WhGroupKey
#define ST_SCOPE static
#define ST_DEFINE
#include "lib/sort_template.h"

/*
 * GroupOf returns the number of the chunk's group of (organization, day,
 * webhook), making it when new.
 */
static int
GroupOf(WhCollector *c, text *organization_id, text *webhook_id, int64 day)
{
	WhGroupKey	key = {organization_id, webhook_id, day};
	WhGroupEntry *entry;
	bool		found;

	if (c->groups == NULL)
		c->groups = row_groups_create(c->chunk_context, 8, NULL);
	entry = row_groups_insert(c->groups, key, &found);
	if (found)
		return entry->group;
	if (c->ngroups == c->groups_capacity || c->group_keys == NULL)
	{
		c->groups_capacity = c->group_keys == NULL ? 8 : c->groups_capacity * 2;
		c->group_keys = c->group_keys == NULL ?
			MemoryContextAlloc(c->chunk_context, c->groups_capacity * sizeof(WhGroupKey)) :
			repalloc_huge(c->group_keys, c->groups_capacity * sizeof(WhGroupKey));
	}
	c->group_keys[c->ngroups] = key;
	entry->group = c->ngroups;
	return c->ngroups++;
}

/*
 * OrderRows returns pointers to the chunk's rows ordered by group (so by
 * organization, day, then webhook), each group's rows as they came: the
 * groups are sorted, the rows only placed (a bulk chunk has many rows and
 * few groups).
 */
static WhDeltaRow **
OrderRows(WhCollector *c)
{
	WhDeltaRow **order = MemoryContextAlloc(c->chunk_context, c->nrows * sizeof(WhDeltaRow *));
	int		   *sorted = MemoryContextAlloc(c->chunk_context, Max(c->ngroups, 1) * sizeof(int));
	int		   *next = MemoryContextAllocZero(c->chunk_context, Max(c->ngroups, 1) * sizeof(int));
	int			at = 0;

	for (int g = 0; g < c->ngroups; g++)
		sorted[g] = g;
	SortGroups(sorted, c->ngroups, c->group_keys);
	for (int i = 0; i < c->nrows; i++)
		next[c->rows[i].group]++;
	/* each group's first place, in sorted order */
	for (int r = 0; r < c->ngroups; r++)
	{
		int			count = next[sorted[r]];

		next[sorted[r]] = at;
		at += count;
	}
	for (int i = 0; i < c->nrows; i++)
		order[next[c->rows[i].group]++] = &c->rows[i];
	pfree(sorted);
	pfree(next);
	return order;
}

/* SameDay is true when two rows of a chunk belong to one (organization, day): texts are interned. */
static bool
SameDay(const WhDeltaRow *a, const WhDeltaRow *b)
{
	return a->day == b->day && a->organization_id == b->organization_id;
}

/*
 * InsertSummary stores one summary row: a heap insert plus its one index
 * entry, without the executor (this runs for every statement that writes
 * deliveries, so it must be cheap). The table has no triggers, constraints
 * or other indexes.
 */
static void
InsertSummary(WhSummaryWriter *c, text *organization_id, int64 day, const WhStoredDay *stored)
{
	Datum		values[WH_SUMMARY_NATTS];
	bool		nulls[WH_SUMMARY_NATTS] = {0};
	HeapTuple	tuple;

	values[WH_SUMMARY_EVENTS - 1] = ObjectIdGetDatum(c->events_relid);
	values[WH_SUMMARY_ORGANIZATION - 1] = PointerGetDatum(organization_id);
	values[WH_SUMMARY_DAY - 1] = Int64GetDatum(day);
	values[WH_SUMMARY_STATE - 1] = PointerGetDatum(stored->state);
	values[WH_SUMMARY_HOURS - 1] = PointerGetDatum(stored->hours);
	values[WH_SUMMARY_SLICES - 1] = PointerGetDatum(stored->slices);
	nulls[WH_SUMMARY_SLICES - 1] = stored->slices == NULL;
	tuple = heap_form_tuple(RelationGetDescr(c->summaries), values, nulls);
	simple_heap_insert(c->summaries, tuple);
	index_insert(c->index, values, nulls, &tuple->t_self, c->summaries,
				 UNIQUE_CHECK_NO, false, c->index_info);
	heap_freetuple(tuple);
}

/*
 * TryLockDay takes the transaction-level compaction try-lock of a day. It is
 * an object lock whose class is the summary table itself, so it shares no
 * key with advisory locks or any other object's lock (pg_locks shows it as
 * locktype object, classid = the summary table).
 */
static bool
TryLockDay(WhSummaryWriter *c, text *organization_id, int64 day)
{
	LOCKTAG		tag;
	uint32		key = hash_bytes((const unsigned char *) VARDATA(organization_id),
								 VARSIZE(organization_id) - VARHDRSZ) ^
		murmurhash32((uint32) day) ^ murmurhash32(c->events_relid);

	SET_LOCKTAG_OBJECT(tag, MyDatabaseId, RelationGetRelid(c->summaries), key, 0);
	return LockAcquire(&tag, ExclusiveLock, false, true) != LOCKACQUIRE_NOT_AVAIL;
}

/* A summary row seen by compaction: where it is and how big its values are. */
typedef struct WhSeenRow
{
	ItemPointerData tid;
	Size		size;
} WhSeenRow;

/* How a day's rows are merged. */
typedef enum WhCompaction
{
	WH_COMPACT_FULL,			/* every row into one */
	WH_COMPACT_DELTAS			/* the deltas into one, the merged day kept, unless they weigh enough */
} WhCompaction;

/* SeenRowSize is how big a summary row's values are, without detoasting them. */
static Size
SeenRowSize(TupleTableSlot *slot)
{
	bool		isnull;
	bool		no_slices;
	Datum		slices = slot_getattr(slot, WH_SUMMARY_SLICES, &no_slices);

	return toast_raw_datum_size(slot_getattr(slot, WH_SUMMARY_STATE, &isnull)) +
		toast_raw_datum_size(slot_getattr(slot, WH_SUMMARY_HOURS, &isnull)) +
		(no_slices ? 0 : toast_raw_datum_size(slices));
}

/* StoredSize is how big a day's stored values are. */
static Size
StoredSize(const WhStoredDay *stored)
{
	return VARSIZE(stored->state) + VARSIZE(stored->hours) +
		(stored->slices != NULL ? VARSIZE(stored->slices) : 0);
}

/* SeenStored copies a summary row's values out of the slot (slices NULL when the row has none). */
static void
SeenStored(TupleTableSlot *slot, WhStoredDay *stored)
{
	bool		isnull;
	Datum		slices;

	stored->state = DatumGetByteaPCopy(slot_getattr(slot, WH_SUMMARY_STATE, &isnull));
	stored->hours = DatumGetByteaPCopy(slot_getattr(slot, WH_SUMMARY_HOURS, &isnull));
	slices = slot_getattr(slot, WH_SUMMARY_SLICES, &isnull);
	stored->slices = isnull ? NULL : DatumGetByteaPCopy(slices);
}

/* CompareSeenSize orders seen rows by the size of their values, smallest first. */
static int
CompareSeenSize(const void *a, const void *b)
{
	Size		x = ((const WhSeenRow *) a)->size;
	Size		y = ((const WhSeenRow *) b)->size;

	return (x > y) - (x < y);
}

/*
 * ChooseRows sorts a day's rows by size and marks which to merge; false
 * when none need merging yet. WH_COMPACT_FULL merges them all. Otherwise
 * the biggest row is the merged day, the others its deltas: all of them
 * with it once the deltas weigh a 1/WH_COMPACT_BASE_SHARE of it, all the
 * deltas beyond WH_COMPACT_MAX_DELTAS, else the smallest deltas while each
 * next one is no bigger than those before it together. Merging like sizes
 * (a binary counter of deltas) rewrites each delta's bytes a few times, not
 * once per later statement, and leaves a day a handful of rows.
 */
static bool
ChooseRows(WhSeenRow *rows, int nrows, WhCompaction how, bool *merge)
{
	int			base = nrows - 1;
	Size		deltas = 0;
	int			n;

	if (nrows < 2)
		return false;
	qsort(rows, nrows, sizeof(WhSeenRow), CompareSeenSize);
	for (int i = 0; i < base; i++)
		deltas += rows[i].size;
	if (how == WH_COMPACT_FULL || deltas * WH_COMPACT_BASE_SHARE >= rows[base].size)
		n = nrows;
	else if (base > WH_COMPACT_MAX_DELTAS)
		n = base;
	else
	{
		Size		group = rows[0].size;

		for (n = 1; n < base && rows[n].size <= group; n++)
			group += rows[n].size;
		if (n < 2)
			return false;
	}
	for (int i = 0; i < nrows; i++)
		merge[i] = i < n;
	return true;
}

/*
 * CompactDay merges summary rows of one (organization, day) into one: all
 * of them, or (WH_COMPACT_DELTAS) those ChooseRows picks; so a day never
 * has more than a few rows, a delta is rewritten only a few times, and a
 * writer rewrites the big merged day only now and then. A delta not yet
 * stored (pending, with pending_set, the set it was encoded from; or both
 * NULL) counts as one of the day's rows: merged when chosen (the merge
 * starts from its set, so it is not decoded again), else stored as it is,
 * so a delta that is merged at once is never inserted and deleted.
 * It reads them with a plain index scan (which marks the index entries of
 * rows dead to everyone, so later scans skip them) under a new snapshot, as
 * a DELETE statement would; then deletes each chosen row directly and
 * merges it only if the delete succeeded, so a row another transaction
 * removed in the meantime is left out instead of raising a serialization
 * failure.
 */
static void
CompactDay(WhSummaryWriter *c, text *organization_id, int64 day, WhCompaction how,
		   const WhStoredDay *pending, WhBucketSet *pending_set)
{
	ScanKeyData keys[WH_SUMMARY_INDEX_KEYS];
	IndexScanDesc scan;
	TupleTableSlot *slot;
	WhSeenRow  *rows;
	bool	   *merge;
	int			nrows = 0;
	int			capacity = 16;
	MemoryContext old;

	Assert(pending == NULL || pending_set != NULL);
	if (!TryLockDay(c, organization_id, day))
	{
		/* another transaction is compacting it */
		if (pending != NULL)
			InsertSummary(c, organization_id, day, pending);
		return;
	}
	CommandCounterIncrement();	/* see the deltas this statement wrote before */
	PushActiveSnapshot(GetTransactionSnapshot());
	old = MemoryContextSwitchTo(c->day_context);
	rows = palloc(capacity * sizeof(WhSeenRow));
	if (pending != NULL)
	{
		/* the delta not yet stored, told apart by its invalid tid */
		ItemPointerSetInvalid(&rows[0].tid);
		rows[0].size = StoredSize(pending);
		nrows++;
	}
	ScanKeyInit(&keys[0], WH_SUMMARY_EVENTS, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(c->events_relid));
	ScanKeyInit(&keys[1], WH_SUMMARY_ORGANIZATION, BTEqualStrategyNumber, F_TEXTEQ,
				PointerGetDatum(organization_id));
	keys[1].sk_collation = c->index->rd_indcollation[1];
	ScanKeyInit(&keys[2], WH_SUMMARY_DAY, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(day));
	slot = table_slot_create(c->summaries, NULL);
	scan = index_beginscan(c->summaries, c->index, GetActiveSnapshot(), lengthof(keys), 0);
	index_rescan(scan, keys, lengthof(keys), NULL, 0);
	while (index_getnext_slot(scan, ForwardScanDirection, slot))
	{
		CHECK_FOR_INTERRUPTS();
		if (nrows == capacity)
		{
			capacity *= 2;
			rows = repalloc(rows, capacity * sizeof(WhSeenRow));
		}
		rows[nrows].tid = slot->tts_tid;
		rows[nrows].size = SeenRowSize(slot);
		nrows++;
	}
	index_endscan(scan);

	merge = palloc0(Max(nrows, 1) * sizeof(bool));
	if (ChooseRows(rows, nrows, how, merge))
	{
		bool		takes_pending = false;
		WhBucketSet *set;
		CommandId	cid = GetCurrentCommandId(true);
		WhStoredDay stored;

		for (int i = 0; i < nrows; i++)
			takes_pending |= merge[i] && !ItemPointerIsValid(&rows[i].tid);
		set = takes_pending ? pending_set : WhBucketSetCreate(c->day_context);
		for (int i = 0; i < nrows; i++)
		{
			TM_FailureData tmfd;

			if (!merge[i])
				continue;
			if (!ItemPointerIsValid(&rows[i].tid))
			{
				pending = NULL; /* in the set already: not stored apart */
				continue;
			}
			if (!table_tuple_fetch_row_version(c->summaries, &rows[i].tid, GetActiveSnapshot(), slot))
				continue;
			SeenStored(slot, &stored);
			if (table_tuple_delete(c->summaries, &rows[i].tid, cid, GetActiveSnapshot(),
								   InvalidSnapshot, true, &tmfd, false) == TM_Ok)
				WhBucketSetAddState(set, &stored);
			/* else already gone: not ours to merge */
		}
		/*
		 * nothing when nothing (or only zeros) was merged; deltas merged
		 * without the merged day stay a delta, without the day's detail
		 */
		if (WhStateEncode(set, merge[nrows - 1], &stored))
			InsertSummary(c, organization_id, day, &stored);
	}
	if (pending != NULL)
		InsertSummary(c, organization_id, day, pending);
	ExecDropSingleTupleTableSlot(slot);
	MemoryContextSwitchTo(old);
	MemoryContextReset(c->day_context);
	PopActiveSnapshot();
}

/*
 * NoteWrittenDays merges a chunk's days (sorted, distinct) into the days the
 * collector wrote, counting the chunks that wrote each.
 */
static void
NoteWrittenDays(WhCollector *c, const WhWrittenDay *chunk, int n)
{
	/* the days outlive the chunk and the trigger call: all of it in written_context */
	MemoryContext old = MemoryContextSwitchTo(c->written_context);
	WhWrittenDay *merged = palloc((c->nwritten + n + 1) * sizeof(WhWrittenDay));
	int			i = 0;
	int			j = 0;
	int			m = 0;

	while (i < c->nwritten || j < n)
	{
		int			cmp = i == c->nwritten ? 1 : j == n ? -1 :
			CompareOrgDay(c->written[i].organization_id, c->written[i].day,
						  chunk[j].organization_id, chunk[j].day);

		if (cmp <= 0)
		{
			merged[m] = c->written[i++];
			if (cmp == 0)
			{
				merged[m].chunks++;
				j++;
			}
		}
		else
		{
			merged[m] = chunk[j++];
			merged[m].organization_id =
				DatumGetTextPCopy(PointerGetDatum(merged[m].organization_id));
			merged[m].chunks = 1;
		}
		m++;
	}
	if (c->written != NULL)
		pfree(c->written);
	c->written = merged;
	c->nwritten = m;
	MemoryContextSwitchTo(old);
}

/*
 * CompactRewrittenDays merges the days that more than one chunk of this
 * collector wrote: a bulk statement leaves one delta per chunk for each day,
 * and reads should not pay for them.
 */
static void
CompactRewrittenDays(WhCollector *c)
{
	WhSummaryWriter writer;

	if (!c->may_compact || c->nflushes < 2 ||
		!WriterOpen(&writer, c->events_relid, c->day_context))
		return;
	for (int i = 0; i < c->nwritten; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (c->written[i].chunks > 1)
			CompactDay(&writer, c->written[i].organization_id, c->written[i].day, WH_COMPACT_FULL,
					   NULL, NULL);
	}
	WriterClose(&writer);
}

/* FlushChunk writes the collected rows as one delta per (organization, day). */
static void
FlushChunk(WhCollector *c)
{
	int			start = 0;
	int			ndays = 0;
	WhSummaryWriter writer;
	WhWrittenDay *days;
	WhDeltaRow **order;
	int			nwritten = 0;
	bool		compacts;

	if (c->nrows == 0)
		return;
	if (!WriterOpen(&writer, c->events_relid, c->day_context))
	{
		ResetChunk(c);			/* an older version's table: the update rebuilds it */
		return;
	}
	order = OrderRows(c);
	for (int i = 1; i <= c->nrows; i++)
		if (i == c->nrows || !SameDay(order[i], order[start]))
		{
			ndays++;
			start = i;
		}
	days = MemoryContextAlloc(c->chunk_context, ndays * sizeof(WhWrittenDay));
	/* a statement of few days merges its deltas (and the smallest leave out the day's detail) */
	compacts = c->may_compact && ndays <= WH_COMPACT_MAX_DAYS;

	start = 0;
	for (int i = 1; i <= c->nrows; i++)
	{
		WhDeltaRow *first = order[start];
		WhBucketSet *set;
		WhStoredDay stored;
		bool		nonzero;
		MemoryContext old;

		if (i < c->nrows && SameDay(order[i], first))
			continue;
		CHECK_FOR_INTERRUPTS();
		old = MemoryContextSwitchTo(c->day_context);
		set = WhBucketSetCreate(c->day_context);
		for (int r = start; r < i; r++)
		{
			WhDeltaRow *row = order[r];
			WhBucket   *bucket = row->webhook_id == NULL ? WhBucketFor(set, NULL, 0, true) :
				WhBucketFor(set, VARDATA(row->webhook_id), VARSIZE(row->webhook_id) - VARHDRSZ, false);

			if (row->old >= 0)
				WhBucketAddChange(set, bucket, &c->olds[row->old].delivery, c->olds[row->old].hour,
								  &row->delivery, row->hour, row->sign);
			else
				WhBucketAddDelivery(set, bucket, &row->delivery, row->hour, row->sign);
		}
		nonzero = WhStateEncode(set, !compacts || i - start > WH_SMALL_DELTA_ROWS, &stored);
		MemoryContextSwitchTo(old);
		if (nonzero)
		{
			days[nwritten].organization_id = first->organization_id;
			days[nwritten].day = first->day;
			nwritten++;
			if (compacts)
				CompactDay(&writer, first->organization_id, first->day, WH_COMPACT_DELTAS,
						   &stored, set);
			else
				InsertSummary(&writer, first->organization_id, first->day, &stored);
		}
		MemoryContextReset(c->day_context);
		start = i;
	}
	WriterClose(&writer);
	qsort(days, nwritten, sizeof(WhWrittenDay), CompareWrittenDays);
	NoteWrittenDays(c, days, nwritten);
	c->nflushes++;
	ResetChunk(c);
}

/*
 * ReadRow reads a row laid out as columns says into *row (sign +1 to add
 * it, -1 to take it away), interning its texts; false when it is in no
 * answer (no organization, or created_at infinite).
 */
static bool
ReadRow(WhCollector *c, TupleTableSlot *slot, const WhColumnMap *columns, int64 sign,
		WhDeltaRow *row)
{
	const WhColumnRef *col = columns->col;
	Datum	   *values;
	bool	   *nulls;
	MemoryContext old;

	slot_getallattrs(slot);
	values = slot->tts_values;
	nulls = slot->tts_isnull;
	if (nulls[col[WH_COL_ORGANIZATION_ID].position])
		return false;
	old = MemoryContextSwitchTo(c->chunk_context);
	if (!WhDeliveryRead(&row->delivery, values, nulls, columns))
	{
		MemoryContextSwitchTo(old);
		return false;
	}
	row->organization_id = Intern(c, values[col[WH_COL_ORGANIZATION_ID].position]);
	row->webhook_id = nulls[col[WH_COL_WEBHOOK_ID].position] ? NULL :
		Intern(c, values[col[WH_COL_WEBHOOK_ID].position]);
	row->day = WhDayOf(row->delivery.created_at);
	row->hour = (int) (WhHourOf(row->delivery.created_at) - row->day * WH_HOURS_PER_DAY);
	row->group = GroupOf(c, row->organization_id, row->webhook_id, row->day);
	row->old = -1;
	row->sign = sign;
	if (!row->delivery.event_null)
		row->delivery.event = PointerGetDatum(Intern(c, row->delivery.event));
	/* the summaries count only a failed delivery's URL (failed_urls) */
	if (!row->delivery.failed)
		row->delivery.url_null = true;
	if (!row->delivery.url_null)
		row->delivery.url = PointerGetDatum(Intern(c, row->delivery.url));
	MemoryContextSwitchTo(old);
	return true;
}

/* ReserveRows makes room for n more rows (a chunk never grows past WH_CHUNK_ROWS unless manual). */
static void
ReserveRows(WhCollector *c, int n)
{
	if (c->nrows + n <= c->capacity)
		return;
	c->capacity = c->manual ? Max(c->capacity * 4, c->nrows + n) :
		Min(Max(c->capacity * 4, c->nrows + n), WH_CHUNK_ROWS);
	c->rows = repalloc_huge(c->rows, c->capacity * sizeof(WhDeltaRow));
}

/* FlushIfFull writes the chunk once it has no room for another changed row (unless manual). */
static void
FlushIfFull(WhCollector *c)
{
	if (c->nrows >= WH_CHUNK_ROWS - 1 && !c->manual)
		FlushChunk(c);
}

/* WhCollectorAdd adds one row laid out as columns says (sign +1), or removes one (sign -1). */
void
WhCollectorAdd(WhCollector *c, TupleTableSlot *slot, const WhColumnMap *columns, int64 sign)
{
	ReserveRows(c, 1);
	if (ReadRow(c, slot, columns, sign, &c->rows[c->nrows]))
		c->nrows++;
	FlushIfFull(c);
}

/*
 * WhCollectorAddChange takes away an updated row as it was (old_slot) and
 * adds it as it is (new_slot): one row that remembers what it was when it
 * stays in its organization, day and webhook, else two.
 */
void
WhCollectorAddChange(WhCollector *c, TupleTableSlot *old_slot, TupleTableSlot *new_slot,
					 const WhColumnMap *columns)
{
	WhDeltaRow *pair;
	bool		has_old;
	bool		has_new;

	ReserveRows(c, 2);
	pair = &c->rows[c->nrows];
	has_old = ReadRow(c, old_slot, columns, -1, &pair[0]);
	has_new = ReadRow(c, new_slot, columns, 1, &pair[1]);
	if (has_old && has_new && SameDay(&pair[0], &pair[1]) && pair[0].webhook_id == pair[1].webhook_id)
	{
		if (c->nolds == c->olds_capacity)
		{
			c->olds_capacity *= 2;
			c->olds = repalloc_huge(c->olds, c->olds_capacity * sizeof(WhOldRow));
		}
		c->olds[c->nolds].delivery = pair[0].delivery;
		c->olds[c->nolds].hour = pair[0].hour;
		pair[0] = pair[1];
		pair[0].old = c->nolds++;
		c->nrows++;
	}
	else
	{
		if (!has_old && has_new)
			pair[0] = pair[1];
		c->nrows += (int) has_old + (int) has_new;
	}
	FlushIfFull(c);
}

/* WhCollectorRows is how many rows wait to be written. */
int
WhCollectorRows(const WhCollector *c)
{
	return c->nrows;
}

/*
 * WhCollectorForget drops the rows added after the first n (their memory,
 * and what the updated ones were, goes at the next flush).
 */
void
WhCollectorForget(WhCollector *c, int n)
{
	if (n < c->nrows)
		c->nrows = n;
	if (c->nrows == 0)
		c->nolds = 0;
}

/*
 * WhCollectorCancel adds, for each row collected so far, the same row with
 * the opposite sign (an updated row: what it was added, what it is taken
 * away), so that they add up to nothing (a TRUNCATE or a rebuild has taken
 * them into account); the additions can still be forgotten with a
 * rolled-back subtransaction, which brings the rows back.
 */
void
WhCollectorCancel(WhCollector *c)
{
	int			n = c->nrows;

	if (c->nrows + n > c->capacity)
	{
		c->capacity = Max(c->capacity * 2, c->nrows + n);
		c->rows = repalloc_huge(c->rows, c->capacity * sizeof(WhDeltaRow));
	}
	for (int i = 0; i < n; i++)
	{
		c->rows[c->nrows] = c->rows[i];
		c->rows[c->nrows].sign = -c->rows[i].sign;
		c->nrows++;
	}
}

/* WhCollectorFlush writes the rows collected so far. */
void
WhCollectorFlush(WhCollector *c)
{
	FlushChunk(c);
}

/* WhCollectorFinish writes what is left, merges the days it wrote repeatedly, and frees its memory. */
void
WhCollectorFinish(WhCollector *c)
{
	FlushChunk(c);
	CompactRewrittenDays(c);
	MemoryContextDelete(c->chunk_context);
	MemoryContextDelete(c->day_context);
	MemoryContextDelete(c->written_context);
	pfree(c->rows);
	pfree(c->olds);
	pfree(c);
}

/* AsOwner switches to the owner of relid for SQL on the extension's tables; returns the saved state. */
static void
AsOwner(Oid relid, Oid *save_user, int *save_sec)
{
	GetUserIdAndSecContext(save_user, save_sec);
	SetUserIdAndSecContext(WhRelationOwner(relid), *save_sec | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
}

/*
 * WhSummariesCompactAll merges the deltas of every day of events_relid
 * (InvalidOid: of every summarized table) that has more than one row.
 */
int64
WhSummariesCompactAll(Oid events_relid)
{
	MemoryContext day_context = AllocSetContextCreate(CurrentMemoryContext, "whanalytics compact day",
													  ALLOCSET_DEFAULT_SIZES);
	WhSummaryWriter writer;
	char	   *sql;
	SPITupleTable *days;
	uint64		n;
	Oid			save_user;
	int			save_sec;

	if (!WriterOpen(&writer, InvalidOid, day_context))
		return 0;
	sql = psprintf("SELECT events, organization_id, day FROM %s%s"
				   " GROUP BY events, organization_id, day HAVING pg_catalog.count(*) > 1",
				   WhQualifiedName(RelationGetRelid(writer.summaries)),
				   OidIsValid(events_relid) ?
				   psprintf(" WHERE events OPERATOR(pg_catalog.=) %u::pg_catalog.oid", events_relid) : "");
	AsOwner(RelationGetRelid(writer.summaries), &save_user, &save_sec);
	if (SPI_execute(sql, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "listing whanalytics summaries failed");
	days = SPI_tuptable;
	n = SPI_processed;
	for (uint64 i = 0; i < n; i++)
	{
		bool		isnull;
		Oid			events = DatumGetObjectId(SPI_getbinval(days->vals[i], days->tupdesc, 1, &isnull));
		text	   *org = DatumGetTextP(SPI_getbinval(days->vals[i], days->tupdesc, 2, &isnull));
		int64		day = DatumGetInt64(SPI_getbinval(days->vals[i], days->tupdesc, 3, &isnull));

		CHECK_FOR_INTERRUPTS();
		writer.events_relid = events;
		CompactDay(&writer, org, day, WH_COMPACT_FULL, NULL, NULL);
	}
	SetUserIdAndSecContext(save_user, save_sec);
	WriterClose(&writer);
	MemoryContextDelete(day_context);
	return (int64) n;
}

/*
 * WhSummariesDeleteAll deletes every summary row of events_relid the
 * transaction sees, as a DELETE would (readers with older snapshots keep
 * seeing them), and what this transaction collected for it and has not
 * written (the caller empties the table or summarizes its rows anew); the
 * caller holds a lock that keeps other writers out.
 */
void
WhSummariesDeleteAll(Oid events_relid)
{
	Relation	summaries = table_open(WhOwnTable("webhook_event_summaries"), RowExclusiveLock);
	Relation	index;
	Snapshot	snapshot;
	IndexScanDesc scan;
	ScanKeyData key;
	TupleTableSlot *slot;
	CommandId	cid = GetCurrentCommandId(true);

	WhForgetPendingRows(events_relid);
	if (!WhSummaryTableCurrent(summaries))
	{
		table_close(summaries, RowExclusiveLock);
		return;					/* an older version's table: the update rebuilds it */
	}
	index = index_open(WhOwnTable("webhook_event_summaries_org_day_idx"), RowExclusiveLock);
	slot = table_slot_create(summaries, NULL);

	PushActiveSnapshot(GetTransactionSnapshot());
	snapshot = GetActiveSnapshot();
	ScanKeyInit(&key, WH_SUMMARY_EVENTS, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(events_relid));
	scan = index_beginscan(summaries, index, snapshot, 1, 0);
	index_rescan(scan, &key, 1, NULL, 0);
	while (index_getnext_slot(scan, ForwardScanDirection, slot))
	{
		TM_FailureData tmfd;
		TM_Result	result;

		CHECK_FOR_INTERRUPTS();
		result = table_tuple_delete(summaries, &slot->tts_tid, cid, snapshot,
									InvalidSnapshot, true, &tmfd, false);
		if (result != TM_Ok && result != TM_Deleted && result != TM_SelfModified)
			ereport(ERROR,
					(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
					 errmsg("could not rebuild the whanalytics summaries due to a concurrent change"),
					 errhint("Run webhook_summaries_rebuild() again.")));
	}
	index_endscan(scan);
	PopActiveSnapshot();
	ExecDropSingleTupleTableSlot(slot);
	index_close(index, RowExclusiveLock);
	table_close(summaries, RowExclusiveLock);
}
