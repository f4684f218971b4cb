/*
 * trigger_set.h
 *	  Which summary triggers a summarized table has: the canonical set for
 *	  each kind of table, each trigger in its firing mode.
 */
#ifndef WH_TRIGGER_SET_H
#define WH_TRIGGER_SET_H

#include "postgres.h"

#include "utils/relcache.h"

/* The kinds of summarized tables, each with its own set of summary triggers. */
typedef enum WhTriggerSet
{
	WH_TRIGGERS_STATEMENT,		/* a plain table: statement triggers, a replica row trigger */
	WH_TRIGGERS_PARTITIONED,	/* a partitioned table: the row trigger its partitions clone */
	WH_TRIGGERS_PARTITION		/* a partition of one: that clone and a TRUNCATE trigger */
} WhTriggerSet;

extern bool wh_changing_triggers;

extern bool WhTriggersCanonical(Relation rel, WhTriggerSet set);
extern bool WhRestoreTriggerModes(Oid relid, WhTriggerSet set);
extern void WhCreateTriggers(Oid relid, WhTriggerSet set);
extern void WhDropTriggers(Oid relid);

#endif							/* WH_TRIGGER_SET_H */
