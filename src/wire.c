/*
 * wire.c
 *	  Writes and reads the byte encoding of summaries and merge states:
 *	  unsigned LEB128 varints; signed values zigzag-encoded; counters as a
 *	  signed varint per field of WH_METRIC_FIELDS (of the reader's
 *	  version); keyed counts as varint n, n x (varint key length + 1, or 0
 *	  for NULL, key bytes, signed count); histograms as varint n, n x
 *	  (signed value delta, signed count), values ascending. Every read is
 *	  checked against the end; a list may not claim more entries than it
 *	  has bytes.
 */
#include "postgres.h"

#include <limits.h>

#include "wire.h"

/* WhWirePutMetrics appends counters, a signed varint per field of WH_METRIC_FIELDS. */
void
WhWirePutMetrics(StringInfo buf, const WhMetrics *m)
{
#define WH_PUT_FIELD(name, since) WhWirePutSigned(buf, m->name);
	WH_METRIC_FIELDS(WH_PUT_FIELD)
#undef WH_PUT_FIELD
}

/* WhWirePutCounts appends the non-zero counts of a counter and returns how many. */
int
WhWirePutCounts(StringInfo buf, WhCounter *counter)
{
	WhCount    *counts;
	int			n = WhCounterTop(counter, INT_MAX, &counts);

	WhWirePutVarint(buf, n);
	for (int i = 0; i < n; i++)
	{
		if (counts[i].isnull)
			WhWirePutVarint(buf, 0);
		else
		{
			WhWirePutVarint(buf, (uint64) counts[i].len + 1);
			appendBinaryStringInfo(buf, counts[i].data, counts[i].len);
		}
		WhWirePutSigned(buf, counts[i].count);
	}
	return n;
}

/* WhWirePutBins appends the non-zero bins of a histogram, values as deltas; returns how many. */
int64
WhWirePutBins(StringInfo buf, WhLatencyHist *hist)
{
	bool		copied;
	int64		nbins;
	const WhLatencyBin *bins = WhLatencyHistSorted(hist, &nbins, &copied);
	int64		previous = 0;

	WhWirePutVarint(buf, nbins);
	for (int64 i = 0; i < nbins; i++)
	{
		/* wraps like the decoder's sum, for values far apart */
		WhWirePutSigned(buf, (int64) ((uint64) bins[i].value - (uint64) previous));
		WhWirePutSigned(buf, bins[i].count);
		previous = bins[i].value;
	}
	if (copied)
		pfree((void *) bins);
	return nbins;
}

/* WhWireGetVarint reads an unsigned varint. */
uint64
WhWireGetVarint(WhWireReader *r)
{
	uint64		value = 0;

	if (likely(r->p < r->end && *r->p < 0x80))
		return *r->p++;			/* the common one-byte case */
	for (int shift = 0; shift < 64; shift += 7)
	{
		uint8		byte;

		if (r->p >= r->end)
			r->fail("truncated number");
		byte = *r->p++;
		value |= (uint64) (byte & 0x7F) << shift;
		if ((byte & 0x80) == 0)
			return value;
	}
	r->fail("number too long");
}

/* WhWireGetSigned reads a zigzag-encoded signed varint. */
int64
WhWireGetSigned(WhWireReader *r)
{
	uint64		raw = WhWireGetVarint(r);

	return (int64) (raw >> 1) ^ -(int64) (raw & 1);
}

/* WhWireGetBytes returns a pointer to the next len bytes. */
const char *
WhWireGetBytes(WhWireReader *r, uint64 len)
{
	const char *data = (const char *) r->p;

	if (len > (uint64) (r->end - r->p))
		r->fail("length beyond the end");
	r->p += len;
	return data;
}

/* WhWireGetSubReader reads a length and returns a reader over that many following bytes. */
WhWireReader
WhWireGetSubReader(WhWireReader *r)
{
	uint64		len = WhWireGetVarint(r);
	WhWireReader sub = *r;

	sub.p = (const uint8 *) WhWireGetBytes(r, len);
	sub.end = sub.p + len;
	return sub;
}

/* WhWireGetMetrics reads counters, the fields of WH_METRIC_FIELDS the reader's version has. */
void
WhWireGetMetrics(WhWireReader *r, WhMetrics *m)
{
#define WH_GET_FIELD(name, since) m->name = r->version >= (since) ? WhWireGetSigned(r) : 0;
	WH_METRIC_FIELDS(WH_GET_FIELD)
#undef WH_GET_FIELD
}

/* Signed is count times sign (1 or -1); a count that cannot be negated is an error. */
static inline int64
Signed(WhWireReader *r, int64 count, int64 sign)
{
	if (sign < 0)
	{
		if (count == PG_INT64_MIN)
			r->fail("a count beyond int64");
		return -count;
	}
	return count;
}

/* WhWireGetCounts reads a list of keyed counts into a callback (NULL: skip), counts times sign. */
void
WhWireGetCounts(WhWireReader *r, void (*put) (void *, const char *, int, bool, int64), void *arg,
				int64 sign)
{
	uint64		n = WhWireGetVarint(r);

	if (n > (uint64) (r->end - r->p))
		r->fail("list longer than its bytes");
	for (uint64 i = 0; i < n; i++)
	{
		uint64		len_plus_one = WhWireGetVarint(r);
		const char *key;
		int64		count;

		/* a key's length is below its bytes, so within an int */
		key = len_plus_one == 0 ? NULL : WhWireGetBytes(r, len_plus_one - 1);
		count = Signed(r, WhWireGetSigned(r), sign);
		if (put != NULL)
			put(arg, key, len_plus_one == 0 ? 0 : (int) (len_plus_one - 1),
				len_plus_one == 0, count);
	}
}

/* WhWireGetBins reads a histogram's bins into a callback (NULL: skip), counts times sign. */
void
WhWireGetBins(WhWireReader *r, void (*put) (void *, int64, int64), void *arg, int64 sign)
{
	uint64		nbins = WhWireGetVarint(r);
	int64		value = 0;

	if (nbins > (uint64) (r->end - r->p))
		r->fail("histogram longer than its bytes");
	for (uint64 i = 0; i < nbins; i++)
	{
		int64		count;

		value = (int64) ((uint64) value + (uint64) WhWireGetSigned(r));
		count = Signed(r, WhWireGetSigned(r), sign);
		if (put != NULL)
			put(arg, value, count);
	}
}
