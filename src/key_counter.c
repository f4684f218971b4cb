/*
 * key_counter.c
 *	  Counts distinct strings exactly (no truncation, no sampling) in a
 *	  simplehash table, and lists the top N by count descending, ties in
 *	  byte order as COLLATE "C" sorts them, NULL after every string.
 */
#include "postgres.h"

#include "fmgr.h"

#include "key_counter.h"

typedef struct WhCounterEntry
{
	WhStringKey key;
	uint32		hash;
	char		status;
	int64		count;
} WhCounterEntry;

#define SH_PREFIX counter_map
#define SH_ELEMENT_TYPE WhCounterEntry
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

struct WhCounter
{
	MemoryContext context;
	counter_map_hash *map;		/* NULL until the first string (most summary details count few) */
	uint32		map_size;		/* the map's size when it is made */
	int64		null_count;
};

/* WhCounterCreate makes an empty counter in context, sized for about 'size' strings. */
WhCounter *
WhCounterCreate(MemoryContext context, uint32 size)
{
	WhCounter  *counter = MemoryContextAllocZero(context, sizeof(WhCounter));

	counter->context = context;
	counter->map_size = size;
	return counter;
}

/*
 * WhCounterSlot returns the count of a key that may be SQL NULL, made 0
 * when new (the bytes copied, the copy's address in *stored, NULL for the
 * NULL key): for a caller that keeps something else than a count there.
 */
int64 *
WhCounterSlot(WhCounter *counter, const char *data, int len, bool isnull, const char **stored)
{
	WhStringKey key = {data, len};
	WhCounterEntry *entry;
	bool		found;

	if (isnull)
	{
		*stored = NULL;
		return &counter->null_count;
	}
	if (counter->map == NULL)
		counter->map = counter_map_create(counter->context, counter->map_size, NULL);
	entry = counter_map_insert(counter->map, key, &found);
	if (!found)
	{
		char	   *copy = MemoryContextAlloc(counter->context, len + 1);

		memcpy(copy, data, len);
		copy[len] = '\0';
		entry->key.data = copy;
		entry->count = 0;
	}
	*stored = entry->key.data;
	return &entry->count;
}

/* WhCounterAdd adds count (possibly negative) to the len bytes at data (copied when new). */
void
WhCounterAdd(WhCounter *counter, const char *data, int len, int64 count)
{
	const char *stored;

	*WhCounterSlot(counter, data, len, false, &stored) += count;
}

/* WhCounterAddNull adds count to the SQL NULL group. */
void
WhCounterAddNull(WhCounter *counter, int64 count)
{
	counter->null_count += count;
}

/* WhCounterAddKey adds count under a key that may be SQL NULL. */
void
WhCounterAddKey(WhCounter *counter, const char *data, int len, bool isnull, int64 count)
{
	if (isnull)
		WhCounterAddNull(counter, count);
	else
		WhCounterAdd(counter, data, len, count);
}

/* WhCounterAddCounter adds every count of another counter (into and from must differ). */
void
WhCounterAddCounter(WhCounter *into, WhCounter *from)
{
	counter_map_iterator it;
	WhCounterEntry *entry;

	into->null_count += from->null_count;
	if (from->map == NULL)
		return;
	counter_map_start_iterate(from->map, &it);
	while ((entry = counter_map_iterate(from->map, &it)) != NULL)
		if (entry->count != 0)
			WhCounterAdd(into, entry->key.data, entry->key.len, entry->count);
}

/* WhCounterAddText adds count under a text datum (or SQL NULL), detoasting it briefly. */
void
WhCounterAddText(WhCounter *counter, Datum value, bool isnull, int64 count)
{
	text	   *t;

	if (isnull)
	{
		WhCounterAddNull(counter, count);
		return;
	}
	t = DatumGetTextPP(value);
	WhCounterAdd(counter, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), count);
	if ((Pointer) t != DatumGetPointer(value))
		pfree(t);
}

/* CompareCounts orders by count descending, then bytes ascending, NULL last. */
static inline int
CompareCounts(const WhCount *x, const WhCount *y)
{
	int			cmp;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if (x->isnull || y->isnull)
		return (int) x->isnull - (int) y->isnull;
	cmp = memcmp(x->data, y->data, Min(x->len, y->len));
	if (cmp != 0)
		return cmp;
	return (x->len > y->len) - (x->len < y->len);
}

/* SortCounts sorts counts by CompareCounts (inlined: every detail a summary writes sorts its counts). */
#define ST_SORT SortCounts
#define ST_ELEMENT_TYPE WhCount
#define ST_COMPARE(a, b) CompareCounts(a, b)
#define ST_SCOPE static
#define ST_DEFINE
#include "lib/sort_template.h"

/*
 * WhCounterTop sets *top to the non-zero counts in result order and returns
 * how many of them (at most n) to use.
 */
int
WhCounterTop(WhCounter *counter, int n, WhCount **top)
{
	int64		distinct = (counter->map != NULL ? counter->map->members : 0) +
		(counter->null_count != 0);
	WhCount    *all = palloc_extended(Max(distinct, 1) * sizeof(WhCount), MCXT_ALLOC_HUGE);
	counter_map_iterator it;
	WhCounterEntry *entry;
	int64		i = 0;

	if (counter->map != NULL)
	{
		counter_map_start_iterate(counter->map, &it);
		while ((entry = counter_map_iterate(counter->map, &it)) != NULL)
		{
			if (entry->count == 0)
				continue;		/* summary deltas that cancelled out */
			all[i].data = entry->key.data;
			all[i].len = entry->key.len;
			all[i].isnull = false;
			all[i].count = entry->count;
			i++;
		}
	}
	if (counter->null_count != 0)
	{
		all[i].data = NULL;
		all[i].len = 0;
		all[i].isnull = true;
		all[i].count = counter->null_count;
		i++;
	}
	SortCounts(all, i);
	*top = all;
	return (int) Min(i, (int64) n);
}
