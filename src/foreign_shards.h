/*
 * foreign_shards.h
 *	  A result gathered from the states of postgres_fdw shards (foreign_shards.c).
 */
#ifndef WH_FOREIGN_SHARDS_H
#define WH_FOREIGN_SHARDS_H

#include "response.h"
#include "whanalytics.h"

extern bool WhGatherFromShards(const WhFilter *filter, int last_n, int include, WhResult *result);

#endif							/* WH_FOREIGN_SHARDS_H */
