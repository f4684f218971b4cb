/*
 * wire.h
 *	  The byte encoding shared by the stored summaries (summary_format.c)
 *	  and the merge states (analytics_state.c): LEB128 varints, zigzag
 *	  signed varints, counters, keyed counts and value histograms; and a
 *	  reader that checks every read against the bytes left and reports
 *	  what is wrong through its own error function.
 */
#ifndef WH_WIRE_H
#define WH_WIRE_H

#include "lib/stringinfo.h"

#include "key_counter.h"
#include "latency_hist.h"
#include "whanalytics.h"

/* A cursor over bytes, their format version (which counters they hold), and how to fail. */
typedef struct WhWireReader
{
	const uint8 *p;
	const uint8 *end;
	int			version;		/* the WH_METRIC_FIELDS version of the counters */
	void		(*fail) (const char *what) pg_attribute_noreturn();
} WhWireReader;

/* WhWirePutVarint appends an unsigned LEB128 varint (at most 10 bytes, room made once). */
static inline void
WhWirePutVarint(StringInfo buf, uint64 value)
{
	uint8	   *out;

	if (buf->len + 11 > buf->maxlen)
		enlargeStringInfo(buf, 11);
	out = (uint8 *) buf->data + buf->len;
	while (value >= 0x80)
	{
		*out++ = (uint8) (value | 0x80);
		value >>= 7;
	}
	*out++ = (uint8) value;
	buf->len = (char *) out - buf->data;
	buf->data[buf->len] = '\0';
}

/* WhWirePutSigned appends a zigzag-encoded signed varint. */
static inline void
WhWirePutSigned(StringInfo buf, int64 value)
{
	WhWirePutVarint(buf, ((uint64) value << 1) ^ (uint64) (value >> 63));
}

extern void WhWirePutMetrics(StringInfo buf, const WhMetrics *m);
extern int	WhWirePutCounts(StringInfo buf, WhCounter *counter);
extern int64 WhWirePutBins(StringInfo buf, WhLatencyHist *hist);

extern uint64 WhWireGetVarint(WhWireReader *r);
extern int64 WhWireGetSigned(WhWireReader *r);
extern const char *WhWireGetBytes(WhWireReader *r, uint64 len);
extern WhWireReader WhWireGetSubReader(WhWireReader *r);
extern void WhWireGetMetrics(WhWireReader *r, WhMetrics *m);
extern void WhWireGetCounts(WhWireReader *r, void (*put) (void *, const char *, int, bool, int64),
							void *arg, int64 sign);
extern void WhWireGetBins(WhWireReader *r, void (*put) (void *, int64, int64), void *arg,
						  int64 sign);

#endif							/* WH_WIRE_H */
