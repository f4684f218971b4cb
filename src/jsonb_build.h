/*
 * jsonb_build.h
 *	  Writes a jsonb response member by member, straight to jsonb's binary form.
 */
#ifndef WH_JSONB_BUILD_H
#define WH_JSONB_BUILD_H

#include "postgres.h"

#include "utils/jsonb.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

typedef struct WhJson WhJson;	/* a response being written */

extern WhJson *WhJsonBegin(void);
extern Jsonb *WhJsonFinish(WhJson *json);
extern void WhJsonBeginObject(WhJson *json, const char *key);
extern void WhJsonEndObject(WhJson *json);
extern void WhJsonBeginArray(WhJson *json, const char *key);
extern void WhJsonEndArray(WhJson *json);
extern void WhJsonPutString(WhJson *json, const char *key, const char *data, int len);
extern void WhJsonPutCString(WhJson *json, const char *key, const char *value);
extern void WhJsonPutText(WhJson *json, const char *key, Datum value, bool isnull);
extern void WhJsonPutNumeric(WhJson *json, const char *key, Numeric value);
extern void WhJsonPutInt(WhJson *json, const char *key, int64 value);
extern void WhJsonPutNull(WhJson *json, const char *key);
extern void WhJsonPutTimestamp(WhJson *json, const char *key,
							   TimestampTz value, bool isnull);
extern void WhJsonPutHour(WhJson *json, const char *key, int64 hour);
extern void WhJsonPutJsonb(WhJson *json, const char *key, Datum value, bool isnull);

#endif							/* WH_JSONB_BUILD_H */
