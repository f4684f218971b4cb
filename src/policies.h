/*
 * policies.h
 *	  What the caller's row-level security policies let it see of one
 *	  organization, when that can be known without reading its rows.
 */
#ifndef WH_POLICIES_H
#define WH_POLICIES_H

#include "postgres.h"

/* How much of an organization's rows the caller's policies show. */
typedef enum WhVisibility
{
	WH_VISIBLE_ALL,				/* every row: the summaries show what the rows would */
	WH_VISIBLE_NONE,			/* no row */
	WH_VISIBLE_PER_ROW			/* depends on the row: read the rows */
} WhVisibility;

extern bool WhPoliciesOrganizationOnly(Oid events_relid);
extern WhVisibility WhPoliciesVisibility(Oid events_relid, text *organization_id);

#endif							/* WH_POLICIES_H */
