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

/* A string as a hash table key: bytes, not NUL-terminated. */
typedef struct WhStringKey
{
	const char *data;
	int			len;
} WhStringKey;

/* WhStringKeysEqual compares two string keys byte for byte. */
static inline bool
WhStringKeysEqual(WhStringKey a, WhStringKey b)
{
	return a.len == b.len && memcmp(a.data, b.data, a.len) == 0;
}

/*
 * WhStringHash hashes len bytes eight at a time (a multiply-xorshift per
 * word and murmur3's 64-bit finalizer): for the hash tables of strings,
 * where hash_bytes's byte-wise rounds cost more than the lookup.
 */
static inline uint32
WhStringHash(const char *data, int len)
{
	uint64		h = (uint64) len * UINT64CONST(0x9E3779B97F4A7C15);
	uint64		w;

	for (; len >= 8; data += 8, len -= 8)
	{
		memcpy(&w, data, 8);
		h = (h ^ w) * UINT64CONST(0xff51afd7ed558ccd);
		h ^= h >> 29;
	}
	if (len > 0)
	{
		w = 0;
		memcpy(&w, data, len);
		h = (h ^ w) * UINT64CONST(0xff51afd7ed558ccd);
	}
	h ^= h >> 33;
	h *= UINT64CONST(0xc4ceb9fe1a85ec53);
	h ^= h >> 33;
	return (uint32) h;
}

extern WhCounter *WhCounterCreate(MemoryContext context, uint32 size);
extern int64 *WhCounterSlot(WhCounter *counter, const char *data, int len, bool isnull,
							const char **stored);
extern void WhCounterAdd(WhCounter *counter, const char *data, int len, int64 count);
extern void WhCounterAddNull(WhCounter *counter, int64 count);
extern void WhCounterAddKey(WhCounter *counter, const char *data, int len, bool isnull,
							int64 count);
extern void WhCounterAddCounter(WhCounter *into, WhCounter *from);
extern void WhCounterAddText(WhCounter *counter, Datum value, bool isnull, int64 count);
extern int	WhCounterTop(WhCounter *counter, int n, WhCount **top);

#endif							/* WH_KEY_COUNTER_H */
