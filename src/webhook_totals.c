/*
 * webhook_totals.c
 *	  Each webhook's counters and latency histogram within one window, kept
 *	  by webhook_id (a key counter holds each one's position), and ranked
 *	  as SPEC 5.1 orders them: failed descending, then total descending,
 *	  then webhook_id in byte order, NULL last.
 */
#include "postgres.h"

#include "webhook_totals.h"

/* WhWebhookSetCreate makes an empty set in context. */
WhWebhookSet *
WhWebhookSetCreate(MemoryContext context)
{
	WhWebhookSet *set = MemoryContextAllocZero(context, sizeof(WhWebhookSet));

	set->context = context;
	set->positions = WhCounterCreate(context, 16);
	set->capacity = 16;
	set->items = MemoryContextAlloc(context, set->capacity * sizeof(WhWebhookTotals));
	return set;
}

/* WhWebhookSetFor returns a webhook's totals, made empty when new. */
WhWebhookTotals *
WhWebhookSetFor(WhWebhookSet *set, const char *id, int len, bool isnull)
{
	const char *stored;
	int64	   *position = WhCounterSlot(set->positions, id, len, isnull, &stored);
	WhWebhookTotals *totals;

	if (*position > 0)
		return &set->items[*position - 1];
	if (set->count == set->capacity)
	{
		set->capacity *= 2;
		set->items = repalloc_huge(set->items, set->capacity * sizeof(WhWebhookTotals));
	}
	totals = &set->items[set->count++];
	*position = set->count;
	totals->id = stored;
	totals->len = isnull ? 0 : len;
	memset(&totals->metrics, 0, sizeof(WhMetrics));
	totals->latency = WhLatencyHistCreate(set->context, 16, true);
	return totals;
}

/* CompareRank orders webhooks by failed and total descending, then id in byte order, NULL last. */
static int
CompareRank(const void *a, const void *b)
{
	const WhWebhookTotals *x = a;
	const WhWebhookTotals *y = b;
	int			cmp;

	if (x->metrics.failed != y->metrics.failed)
		return x->metrics.failed > y->metrics.failed ? -1 : 1;
	if (x->metrics.total != y->metrics.total)
		return x->metrics.total > y->metrics.total ? -1 : 1;
	if (x->id == NULL || y->id == NULL)
		return (x->id == NULL) - (y->id == NULL);
	cmp = memcmp(x->id, y->id, Min(x->len, y->len));
	if (cmp != 0)
		return cmp;
	return (x->len > y->len) - (x->len < y->len);
}

/*
 * WhWebhookSetRanked sorts the webhooks holding rows (summary deltas may
 * leave one with none) into *ranked and returns how many.
 */
int
WhWebhookSetRanked(WhWebhookSet *set, WhWebhookTotals **ranked)
{
	WhWebhookTotals *out = palloc_extended(Max(set->count, 1) * sizeof(WhWebhookTotals),
										   MCXT_ALLOC_HUGE);
	int			n = 0;

	for (int i = 0; i < set->count; i++)
		if (set->items[i].metrics.total != 0)
			out[n++] = set->items[i];
	qsort(out, n, sizeof(WhWebhookTotals), CompareRank);
	*ranked = out;
	return n;
}
