/*
 * latency_hist.h
 *	  An exact histogram of integer values (whole-millisecond latencies,
 *	  response statuses, retries): value -> count.
 */
#ifndef WH_LATENCY_HIST_H
#define WH_LATENCY_HIST_H

#include "postgres.h"

#include "latency_state.h"

typedef struct WhLatencyHist WhLatencyHist;

/* One distinct value and how often it occurs. */
typedef struct WhLatencyBin
{
	int64		value;
	int64		count;
} WhLatencyBin;

extern WhLatencyHist *WhLatencyHistCreate(MemoryContext context, uint32 size, bool dense);
extern void WhLatencyHistAdd(WhLatencyHist *hist, int64 value, int64 count);
extern void WhLatencyHistChange(WhLatencyHist *hist, bool had, int64 was, bool has, int64 is,
								int64 sign);
extern void WhLatencyHistAddHist(WhLatencyHist *into, WhLatencyHist *from);
extern int64 WhLatencyHistBins(WhLatencyHist *hist, WhLatencyBin **bins);
extern const WhLatencyBin *WhLatencyHistSorted(WhLatencyHist *hist, int64 *n, bool *copied);
extern void WhLatencyBinsSort(WhLatencyBin *bins, size_t n);
extern bool WhLatencyBinsTotal(const WhLatencyBin *bins, int64 nbins, int64 *total);
extern void WhLatencyBinsStats(const WhLatencyBin *bins, int64 nbins, int64 total,
							   WhValueStats *stats);

#endif							/* WH_LATENCY_HIST_H */
