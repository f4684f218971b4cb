/*
 * state_text.h
 *	  The text and binary forms of the state types (state_text.c).
 */
#ifndef WH_STATE_TEXT_H
#define WH_STATE_TEXT_H

#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"

/* Checks a state's bytes, failing (22P02) unless they are a state of the type. */
typedef void (*WhStateCheck) (const bytea *bytes);

extern bytea *WhStateFromHex(const char *text, const char *type, const char *made_by,
							 WhStateCheck check);
extern char *WhStateToHex(const bytea *bytes);
extern bytea *WhStateFromMessage(StringInfo buf, WhStateCheck check);
extern bytea *WhStateToMessage(const bytea *bytes);

#endif							/* WH_STATE_TEXT_H */
