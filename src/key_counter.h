/*
 * key_counter.h
 *	  Exact (signed) counts of distinct strings, and their top N.
 */
#ifndef WH_KEY_COUNTER_H
#define WH_KEY_COUNTER_H

#include "postgres.h"

typedef struct WhCounter WhCounter;

/* One string with its count; isnull marks the SQL NULL group. */
typedef struct WhCount
{
	const char *data;
	int			len;
	bool		isnull;
	int64		count;
} WhCount;

extern WhCounter *WhCounterCreate(MemoryContext context, uint32 size);
extern void WhCounterAdd(WhCounter *counter, const char *data, int len, int64 count);
extern void WhCounterAddNull(WhCounter *counter, int64 count);
extern void WhCounterAddKey(WhCounter *counter, const char *data, int len, bool isnull,
							int64 count);
extern void WhCounterAddText(WhCounter *counter, Datum value, bool isnull, int64 count);
extern int	WhCounterTop(WhCounter *counter, int n, WhCount **top);

#endif							/* WH_KEY_COUNTER_H */
