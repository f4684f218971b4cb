/*
 * state_text.h
 *	  The text and binary forms of the state types (state_text.c).
 */
#ifndef WH_STATE_TEXT_H
#define WH_STATE_TEXT_H

#include "postgres.h"

#include "fmgr.h"
#include "lib/stringinfo.h"

extern bytea *WhStateFromHex(const char *text, const char *type, const char *made_by);
extern char *WhStateToHex(const bytea *bytes);
extern bytea *WhStateFromMessage(StringInfo buf);
extern bytea *WhStateToMessage(const bytea *bytes);

#endif							/* WH_STATE_TEXT_H */
