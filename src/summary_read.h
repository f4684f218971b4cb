/*
 * summary_read.h
 *	  The read side of the hour summaries.
 */
#ifndef WH_SUMMARY_READ_H
#define WH_SUMMARY_READ_H

#include "summary_state.h"
#include "whanalytics.h"

/* Receives each summary row's hour before its contents go to the sink. */
typedef void (*WhHourCallback) (void *arg, int64 hour);

extern bool WhSummariesUsable(void);
extern void WhSummariesRead(const WhFilter *filter, int64 first_hour, int64 end_hour,
							WhHourCallback hour_callback, const WhStateSink *sink, void *arg);

#endif							/* WH_SUMMARY_READ_H */
