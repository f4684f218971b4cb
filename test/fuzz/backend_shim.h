/*
 * backend_shim.h
 *	  What the fuzz harnesses need from backend_shim.c beyond the backend's
 *	  own API (palloc, ereport, PG_TRY, ...), which the shim implements.
 */
#ifndef WH_BACKEND_SHIM_H
#define WH_BACKEND_SHIM_H

#include "postgres.h"

extern int64 WhShimLiveChunks(void);

#endif							/* WH_BACKEND_SHIM_H */
