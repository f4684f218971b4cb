/*
 * summary_read.h
 *	  The read side of the day summaries.
 */
#ifndef WH_SUMMARY_READ_H
#define WH_SUMMARY_READ_H

#include "nodes/pg_list.h"

#include "summary_format.h"
#include "whanalytics.h"

/* Receives each summary row's day before its contents go to the sink. */
typedef void (*WhDayCallback) (void *arg, int64 day);

extern void WhSummariesRead(List *parts, const WhFilter *filter, int64 first_hour, int64 end_hour,
							bool by_hour, WhDayCallback day_callback, const WhStateSink *sink,
							void *arg);
extern bool WhSlicesRead(List *parts, const WhFilter *filter, int64 first_slice, int64 end_slice,
						 WhDayCallback day_callback, const WhSliceSink *sink, void *arg);

#endif							/* WH_SUMMARY_READ_H */
