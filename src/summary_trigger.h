/*
 * summary_trigger.h
 *	  The summary triggers, and what they know of the current transaction's
 *	  changes that the summaries do not show yet.
 */
#ifndef WH_SUMMARY_TRIGGER_H
#define WH_SUMMARY_TRIGGER_H

#include "postgres.h"

extern bool WhUnsummarizedChanges(Oid relid);
extern void WhForgetPendingRows(Oid relid);
extern void WhSummaryTriggersInit(void);

#endif							/* WH_SUMMARY_TRIGGER_H */
