/*
 * settings.h
 *	  The whanalytics.* configuration parameters.
 */
#ifndef WH_SETTINGS_H
#define WH_SETTINGS_H

extern char *wh_events_table;
extern char *wh_webhooks_table;
extern bool wh_use_summaries;
extern bool wh_state_with_previous;

extern void WhDefineSettings(void);
extern const char *WhEnvName(void);

#endif							/* WH_SETTINGS_H */
