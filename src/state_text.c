/*
 * state_text.c
 *	  The text and binary forms shared by the state types of SPEC section 7
 *	  (webhook_latency_state, webhook_analytics_state): text is '\x' and
 *	  the state's bytes in hex, as bytea prints them; binary is the bytes.
 *	  Each type's input function checks the bytes with its own decoder; the
 *	  output and send functions are these, shared.
 */
#include "postgres.h"

#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "state_text.h"

PG_FUNCTION_INFO_V1(webhook_state_out);
PG_FUNCTION_INFO_V1(webhook_state_send);

/* HexValue is the value of a hex digit, or -1. */
static int
HexValue(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * WhStateFromHex reads '\x' and hex digits into bytes (22P02 otherwise; type
 * names the type, made_by what makes its values) and checks them with
 * check (the type's decoder), unless NULL.
 */
bytea *
WhStateFromHex(const char *text, const char *type, const char *made_by, WhStateCheck check)
{
	size_t		len = strlen(text);
	bytea	   *bytes;
	char	   *out;

	if (len < 2 || text[0] != '\\' || text[1] != 'x' || len % 2 != 0 || len - 2 > MaxAllocSize / 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type %s", type),
				 errdetail("A state is \\x followed by an even number of hex digits."),
				 errhint("Pass a value that %s returned.", made_by)));
	bytes = palloc(VARHDRSZ + (len - 2) / 2);
	SET_VARSIZE(bytes, VARHDRSZ + (len - 2) / 2);
	out = VARDATA(bytes);
	for (size_t i = 2; i < len; i += 2)
	{
		int			high = HexValue(text[i]);
		int			low = HexValue(text[i + 1]);

		if (high < 0 || low < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type %s", type),
					 errdetail("Character %zu is not a hex digit.", HexValue(text[i]) < 0 ? i + 1 : i + 2),
					 errhint("Pass a value that %s returned.", made_by)));
		*out++ = (char) (high << 4 | low);
	}
	if (check != NULL)
		check(bytes);
	return bytes;
}

/* WhStateToHex writes '\x' and the bytes in hex. */
char *
WhStateToHex(const bytea *bytes)
{
	size_t		len = VARSIZE_ANY_EXHDR(bytes);
	char	   *text = palloc(2 + 2 * len + 1);

	text[0] = '\\';
	text[1] = 'x';
	hex_encode(VARDATA_ANY(bytes), len, text + 2);
	text[2 + 2 * len] = '\0';
	return text;
}

/* WhStateFromMessage reads a binary form (the rest of the message, as bytes) and checks it with check. */
bytea *
WhStateFromMessage(StringInfo buf, WhStateCheck check)
{
	int			len = buf->len - buf->cursor;
	bytea	   *bytes = palloc(VARHDRSZ + len);

	SET_VARSIZE(bytes, VARHDRSZ + len);
	pq_copymsgbytes(buf, VARDATA(bytes), len);
	check(bytes);
	return bytes;
}

/* WhStateToMessage writes a binary form: the bytes. */
bytea *
WhStateToMessage(const bytea *bytes)
{
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbytes(&buf, VARDATA_ANY(bytes), VARSIZE_ANY_EXHDR(bytes));
	return pq_endtypsend(&buf);
}


/* webhook_state_out writes a state's text form (the output function of both state types). */
Datum
webhook_state_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(WhStateToHex(PG_GETARG_BYTEA_PP(0)));
}

/* webhook_state_send writes a state's binary form (the send function of both state types). */
Datum
webhook_state_send(PG_FUNCTION_ARGS)
{
	PG_RETURN_BYTEA_P(WhStateToMessage(PG_GETARG_BYTEA_PP(0)));
}
