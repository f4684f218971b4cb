/*
 * jsonb_build.h
 *	  Small helpers that push object members onto a JsonbParseState.
 */
#ifndef WH_JSONB_BUILD_H
#define WH_JSONB_BUILD_H

#include "postgres.h"

#include "utils/jsonb.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

extern void WhJsonBeginObject(JsonbParseState **state, const char *key);
extern JsonbValue *WhJsonEndObject(JsonbParseState **state);
extern void WhJsonBeginArray(JsonbParseState **state, const char *key);
extern void WhJsonEndArray(JsonbParseState **state);
extern void WhJsonPutString(JsonbParseState **state, const char *key,
							const char *data, int len);
extern void WhJsonPutCString(JsonbParseState **state, const char *key, const char *value);
extern void WhJsonPutText(JsonbParseState **state, const char *key, Datum value, bool isnull);
extern void WhJsonPutNumeric(JsonbParseState **state, const char *key, Numeric value);
extern void WhJsonPutInt(JsonbParseState **state, const char *key, int64 value);
extern void WhJsonPutNull(JsonbParseState **state, const char *key);
extern void WhJsonPutTimestamp(JsonbParseState **state, const char *key,
							   TimestampTz value, bool isnull);
extern void WhJsonPutHour(JsonbParseState **state, const char *key, int64 hour);
extern void WhJsonPutJsonb(JsonbParseState **state, const char *key, Datum value, bool isnull);

#endif							/* WH_JSONB_BUILD_H */
