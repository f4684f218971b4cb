/*
 * settings.c
 *	  Defines the whanalytics.* settings: the "env" value of every response,
 *	  the relations the functions read their rows from, whether summaries
 *	  may answer, and whether a state holds the window before its own.
 */
#include "postgres.h"

#include "utils/guc.h"

#include "settings.h"

/* Values of whanalytics.env. */
typedef enum WhEnv
{
	WH_ENV_PRODUCTION,
	WH_ENV_DEVELOPMENT
} WhEnv;

static const struct config_enum_entry wh_env_options[] = {
	{"production", WH_ENV_PRODUCTION, false},
	{"development", WH_ENV_DEVELOPMENT, false},
	{NULL, 0, false}
};

static int	wh_env = WH_ENV_PRODUCTION;
char	   *wh_events_table = NULL;
char	   *wh_webhooks_table = NULL;
bool		wh_use_summaries = true;
bool		wh_state_with_previous = true;

/* WhDefineSettings registers the settings; called once from _PG_init. */
void
WhDefineSettings(void)
{
	DefineCustomEnumVariable("whanalytics.env",
							 "Sets the \"env\" field of every analytics response.",
							 "Accepted values are production and development.",
							 &wh_env,
							 WH_ENV_PRODUCTION,
							 wh_env_options,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomStringVariable("whanalytics.events_table",
							   "Sets the table or view the functions read deliveries from.",
							   "A relation name, optionally schema-qualified, with the columns of webhook_events; empty means the extension's own webhook_events table.",
							   &wh_events_table,
							   "",
							   PGC_USERSET,
							   0,
							   NULL, NULL, NULL);

	DefineCustomStringVariable("whanalytics.webhooks_table",
							   "Sets the table or view the functions read webhooks from.",
							   "A relation name, optionally schema-qualified, with the columns of webhooks; empty means the extension's own webhooks table.",
							   &wh_webhooks_table,
							   "",
							   PGC_USERSET,
							   0,
							   NULL, NULL, NULL);

	DefineCustomBoolVariable("whanalytics.use_summaries",
							 "Lets the functions answer from the day summaries where they may.",
							 "Off makes every call read the raw rows; answers are the same either way.",
							 &wh_use_summaries,
							 true,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);

	DefineCustomBoolVariable("whanalytics.state_with_previous",
							 "Makes webhook_analytics_state hold the window before its own.",
							 "Off leaves it out: the state answers every part but previous, at about half the cost.",
							 &wh_state_with_previous,
							 true,
							 PGC_USERSET,
							 0,
							 NULL, NULL, NULL);

	MarkGUCPrefixReserved("whanalytics");
}

/* WhEnvName returns the current value of whanalytics.env as text. */
const char *
WhEnvName(void)
{
	return wh_env == WH_ENV_DEVELOPMENT ? "development" : "production";
}
