-- settings: whanalytics.env sets the response's "env"; whanalytics.events_table
-- and whanalytics.webhooks_table point every function at a user's own table or
-- view (schema-qualified or through search_path); bad relations are clear errors.
\i test/setup.sql
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';

-- whanalytics.env: "production" by default. (The first call loads the library;
-- before that, SET of a whanalytics.* name only makes a placeholder.)
SELECT webhook_analytics_json('org_settings_none', 'last_day', '2025-06-30 00:00+00') ->> 'env' AS env;
SHOW whanalytics.env;
SET whanalytics.env = 'development';
SELECT webhook_analytics_json('org_settings_none', 'last_day', '2025-06-30 00:00+00') ->> 'env' AS env,
       webhook_analytics_json('org_settings_none', 'last_day', '2025-06-30 00:00+00')
       = plain_analytics_json('org_settings_none', 'last_day', '2025-06-30 00:00+00') AS same_as_oracle;
SELECT error_of($$SET whanalytics.env = 'staging'$$);
SELECT error_of($$SET whanalytics.env = ''$$);
SHOW whanalytics.env;
RESET whanalytics.env;
SELECT webhook_analytics_json('org_settings_none', 'last_day', '2025-06-30 00:00+00') ->> 'env' AS env;
-- The prefix is reserved: a misspelt setting is an error, not a silent placeholder.
SELECT error_of($$SET whanalytics.event_table = 'x'$$);

-- A user's own deliveries: columns in another order, some of other but
-- compatible types (integer id, varchar url, smallint status, integer done),
-- plus a column of its own; a view on top; webhooks as a view too.
CREATE SCHEMA settings_user;
CREATE TABLE settings_user.deliveries (
    created_at      timestamptz NOT NULL,
    id              integer PRIMARY KEY,
    organization_id text NOT NULL,
    webhook_id      text NOT NULL,
    event           text NOT NULL,
    url             varchar(200) NOT NULL,
    response_status smallint,
    error           jsonb,
    retries         integer NOT NULL DEFAULT 0,
    delay_ms        integer,
    done            integer NOT NULL DEFAULT 0,
    first_sent_at   timestamptz,
    updated_at      timestamptz,
    resource_id     text,
    payload         jsonb,
    response_body   text,
    tenant_note     text
);
CREATE VIEW settings_user.webhook_events AS SELECT * FROM settings_user.deliveries;
CREATE TABLE settings_user.hooks (
    id              text PRIMARY KEY,
    organization_id text NOT NULL,
    events          varchar(40)[] NOT NULL
);
CREATE VIEW settings_user.webhooks AS SELECT * FROM settings_user.hooks;

INSERT INTO settings_user.deliveries (id, created_at, organization_id, webhook_id, event, url,
                                      response_status, error, retries, delay_ms, done,
                                      first_sent_at, resource_id, payload, response_body)
VALUES (1, '2025-06-29 09:10:00+00', 'org_settings_a', 'webhook_su_1', 'user.created', 'https://user.example/a', 200, NULL, 0, 12, 1, '2025-06-29 09:10:00.120+00', 'r1', '{"a": 1}', 'ok'),
       (2, '2025-06-29 09:20:00+00', 'org_settings_a', 'webhook_su_1', 'user.created', 'https://user.example/b', 500, '{"e": 1}', 2, 40, 0, '2025-06-29 09:20:01+00', 'r2', NULL, 'boom'),
       (3, '2025-06-29 10:05:00+00', 'org_settings_a', 'webhook_su_2', 'user.deleted', 'https://user.example/b', NULL, '{"e": 2}', 1, NULL, 0, NULL, NULL, NULL, NULL),
       (4, '2025-06-29 11:30:00+00', 'org_settings_a', 'webhook_su_2', 'user.updated', 'https://user.example/a', 204, NULL, 0, 7, 1, '2025-06-29 11:30:00.004+00', 'r4', '[1, 2]', ''),
       (5, '2025-06-29 23:59:59+00', 'org_settings_a', 'webhook_su_1', 'user.updated', 'https://user.example/c', 404, 'null', 0, 3, 0, '2025-06-29 23:59:58+00', 'r5', NULL, 'nf'),
       (6, '2025-06-30 00:00:00+00', 'org_settings_a', 'webhook_su_1', 'user.created', 'https://user.example/a', 200, NULL, 0, 1, 1, NULL, NULL, NULL, NULL),
       (7, '2025-06-28 12:00:00+00', 'org_settings_a', 'webhook_su_1', 'user.created', 'https://user.example/a', 200, NULL, 3, 9, 1, NULL, NULL, NULL, NULL),
       (8, '2025-06-29 12:00:00+00', 'org_settings_other', 'webhook_su_9', 'user.created', 'https://user.example/z', 500, NULL, 0, 1, 0, NULL, NULL, NULL, NULL);
INSERT INTO settings_user.hooks
VALUES ('webhook_su_1', 'org_settings_a', '{user.created,user.updated,user.deleted}'),
       ('webhook_su_2', 'org_settings_a', '{user.deleted}'),
       ('webhook_su_9', 'org_settings_other', '{user.created}');

-- Different rows for the same organization in the extension's own tables.
INSERT INTO webhook_events (webhook_id, organization_id, url, event, response_status, created_at, done)
VALUES ('webhook_so_1', 'org_settings_a', 'https://own.example', 'own.event', 200, '2025-06-29 08:00+00', 1),
       ('webhook_so_1', 'org_settings_a', 'https://own.example', 'own.event', 503, '2025-06-29 08:30+00', 0);
INSERT INTO webhooks (id, organization_id, url, events)
VALUES ('webhook_so_1', 'org_settings_a', 'https://own.example', '{own.event}');

-- What the oracle computes over the user's relations: it reads webhook_events
-- and webhooks through search_path, so put the user's schema first.
SET search_path = settings_user, public;
CREATE TEMP TABLE user_expected AS
SELECT plain_analytics_json_between('org_settings_a', '2025-06-28 00:00+00', '2025-07-01 00:00+00') AS between_json,
       plain_analytics_json('org_settings_a', 'last_day', '2025-06-30 00:00+00') AS period_json,
       plain_analytics_json_between('org_settings_a', '2025-06-28 00:00+00', '2025-07-01 00:00+00', 'webhook_su_2') AS webhook_json;
CREATE TEMP TABLE user_days AS
SELECT * FROM plain_day_metrics('org_settings_a', '2025-06-28 00:00+00', '2025-07-01 00:00+00') WITH ORDINALITY;
CREATE TEMP TABLE user_hours AS
SELECT * FROM plain_hourly_metrics('org_settings_a', '2025-06-29 00:00+00', '2025-06-30 00:00+00') WITH ORDINALITY;
RESET search_path;
-- ... which is not what the extension's own tables hold.
SELECT between_json -> 'data' -> 'day_metrics' -> 'total' AS user_total,
       plain_analytics_json_between('org_settings_a', '2025-06-28 00:00+00', '2025-07-01 00:00+00')
       -> 'data' -> 'day_metrics' -> 'total' AS own_total,
       between_json -> 'data' -> 'total' AS user_webhooks
FROM user_expected;

-- Every function, compared with the user's expected results: true in each
-- column means the function read the user's relations.
CREATE TEMP VIEW reads_user_relations AS
SELECT json_diff(webhook_analytics_json_between('org_settings_a', '2025-06-28 00:00+00', '2025-07-01 00:00+00'),
                 x.between_json) AS between_diff,
       webhook_analytics_json('org_settings_a', 'last_day', '2025-06-30 00:00+00') = x.period_json AS period_json,
       webhook_analytics_json_between('org_settings_a', '2025-06-28 00:00+00', '2025-07-01 00:00+00', 'webhook_su_2')
       = x.webhook_json AS webhook_json,
       NOT EXISTS (SELECT * FROM webhook_day_metrics('org_settings_a', '2025-06-28 00:00+00', '2025-07-01 00:00+00') WITH ORDINALITY
                   EXCEPT ALL TABLE user_days)
       AND NOT EXISTS (TABLE user_days EXCEPT ALL
                       SELECT * FROM webhook_day_metrics('org_settings_a', '2025-06-28 00:00+00', '2025-07-01 00:00+00') WITH ORDINALITY)
       AS day_metrics,
       NOT EXISTS (SELECT * FROM webhook_hourly_metrics('org_settings_a', '2025-06-29 00:00+00', '2025-06-30 00:00+00') WITH ORDINALITY
                   EXCEPT ALL TABLE user_hours)
       AND NOT EXISTS (TABLE user_hours EXCEPT ALL
                       SELECT * FROM webhook_hourly_metrics('org_settings_a', '2025-06-29 00:00+00', '2025-06-30 00:00+00') WITH ORDINALITY)
       AS hourly_metrics
FROM user_expected x;

-- Unset, the functions read the extension's own tables.
SELECT * FROM reads_user_relations;

-- Schema-qualified view names.
SET whanalytics.events_table = 'settings_user.webhook_events';
SET whanalytics.webhooks_table = 'settings_user.webhooks';
SELECT * FROM reads_user_relations;

-- The tables under the views, quoted and qualified.
SET whanalytics.events_table = '"settings_user"."deliveries"';
SET whanalytics.webhooks_table = 'settings_user.hooks';
SELECT * FROM reads_user_relations;

-- Unqualified names are looked up with the caller's search_path at each call.
SET whanalytics.events_table = 'webhook_events';
SET whanalytics.webhooks_table = 'webhooks';
SET search_path = settings_user, public;
SELECT * FROM reads_user_relations;
SET search_path = public, settings_user;
SELECT * FROM reads_user_relations;
SELECT webhook_analytics_json_between('org_settings_a', '2025-06-28 00:00+00', '2025-07-01 00:00+00')
       = plain_analytics_json_between('org_settings_a', '2025-06-28 00:00+00', '2025-07-01 00:00+00') AS reads_own_tables;
RESET search_path;

-- A relation created earlier on the search_path after a call is read by
-- the next call (a setting's resolution is kept only until the catalogs
-- change).
CREATE SCHEMA settings_shadow;
SET search_path = settings_shadow, settings_user, public;
SELECT webhook_analytics_json_between('org_settings_a', '2025-06-28 00:00+00', '2025-07-01 00:00+00')
       -> 'data' -> 'day_metrics' -> 'total' AS through_user_view;
CREATE VIEW settings_shadow.webhook_events AS SELECT * FROM settings_user.deliveries WHERE false;
SELECT webhook_analytics_json_between('org_settings_a', '2025-06-28 00:00+00', '2025-07-01 00:00+00')
       -> 'data' -> 'day_metrics' -> 'total' AS through_shadow_view;
DROP VIEW settings_shadow.webhook_events;
SELECT webhook_analytics_json_between('org_settings_a', '2025-06-28 00:00+00', '2025-07-01 00:00+00')
       -> 'data' -> 'day_metrics' -> 'total' AS after_dropping_it;
DROP SCHEMA settings_shadow;
RESET search_path;

-- Redefining the user's view takes effect at the next call.
SET whanalytics.events_table = 'settings_user.webhook_events';
SET whanalytics.webhooks_table = 'settings_user.webhooks';
SELECT webhook_analytics_json_between('org_settings_a', '2025-06-28 00:00+00', '2025-07-01 00:00+00')
       -> 'data' -> 'day_metrics' -> 'total' AS total;
CREATE OR REPLACE VIEW settings_user.webhook_events AS
SELECT * FROM settings_user.deliveries WHERE event <> 'user.created';
SELECT webhook_analytics_json_between('org_settings_a', '2025-06-28 00:00+00', '2025-07-01 00:00+00')
       -> 'data' -> 'day_metrics' -> 'total' AS total;
CREATE OR REPLACE VIEW settings_user.webhook_events AS SELECT * FROM settings_user.deliveries;

-- A missing relation, for each setting and each function that reads it.
SET whanalytics.events_table = 'settings_user.no_such_view';
SELECT error_of($$SELECT webhook_analytics_json('org_settings_a', 'last_day', '2025-06-30 00:00+00')$$);
SELECT error_of($$SELECT * FROM webhook_day_metrics('org_settings_a', '2025-06-29 00:00+00', '2025-06-30 00:00+00')$$);
SELECT error_of($$SELECT * FROM webhook_hourly_metrics('org_settings_a', '2025-06-29 00:00+00', '2025-06-30 00:00+00')$$);
SET whanalytics.events_table = 'no_such_table';
SELECT error_of($$SELECT webhook_analytics_json_between('org_settings_a', '2025-06-29 00:00+00', '2025-06-30 00:00+00')$$);
SET whanalytics.events_table = 'settings_user.webhook_events';
SET whanalytics.webhooks_table = 'settings_user.no_such_view';
SELECT error_of($$SELECT webhook_analytics_json_between('org_settings_a', '2025-06-29 00:00+00', '2025-06-30 00:00+00')$$);
-- A dropped view is missing too.
CREATE VIEW settings_user.dropped AS SELECT * FROM settings_user.deliveries;
SET whanalytics.webhooks_table = 'settings_user.webhooks';
SET whanalytics.events_table = 'settings_user.dropped';
SELECT error_of($$SELECT webhook_analytics_json('org_settings_a', 'last_day', '2025-06-30 00:00+00')$$);
DROP VIEW settings_user.dropped;
SELECT error_of($$SELECT webhook_analytics_json('org_settings_a', 'last_day', '2025-06-30 00:00+00')$$);

-- A relation that lacks a column: the error names it.
CREATE VIEW settings_user.no_delay AS
SELECT id, webhook_id, organization_id, url, event, resource_id, payload, response_status,
       response_body, error, retries, created_at, updated_at, first_sent_at, done
FROM settings_user.deliveries;
CREATE VIEW settings_user.no_events AS SELECT id, organization_id FROM settings_user.hooks;
SET whanalytics.events_table = 'settings_user.no_delay';
SELECT error_of($$SELECT webhook_analytics_json('org_settings_a', 'last_day', '2025-06-30 00:00+00')$$);
SELECT error_of($$SELECT * FROM webhook_day_metrics('org_settings_a', '2025-06-29 00:00+00', '2025-06-30 00:00+00')$$);
SET whanalytics.events_table = 'webhooks';  -- the extension's webhooks table is no deliveries table
SELECT error_of($$SELECT * FROM webhook_hourly_metrics('org_settings_a', '2025-06-29 00:00+00', '2025-06-30 00:00+00')$$);
SET whanalytics.events_table = 'settings_user.webhook_events';
SET whanalytics.webhooks_table = 'settings_user.no_events';
SELECT error_of($$SELECT webhook_analytics_json('org_settings_a', 'last_day', '2025-06-30 00:00+00')$$);

-- Names that are not tables or views, or not names at all.
CREATE SEQUENCE settings_user.a_sequence;
CREATE TYPE settings_user.a_type AS (id integer);
SET whanalytics.webhooks_table = 'settings_user.webhooks';
SET whanalytics.events_table = 'settings_user.a_sequence';
SELECT error_of($$SELECT webhook_analytics_json('org_settings_a', 'last_day', '2025-06-30 00:00+00')$$);
SET whanalytics.events_table = 'settings_user.a_type';
SELECT error_of($$SELECT * FROM webhook_day_metrics('org_settings_a', '2025-06-29 00:00+00', '2025-06-30 00:00+00')$$);
SET whanalytics.events_table = 'webhook_events_org_created_idx';
SELECT error_of($$SELECT webhook_analytics_json('org_settings_a', 'last_day', '2025-06-30 00:00+00')$$);
SET whanalytics.events_table = 'webhook_analytics_json';
SELECT error_of($$SELECT webhook_analytics_json('org_settings_a', 'last_day', '2025-06-30 00:00+00')$$);
SET whanalytics.events_table = 'a.b.c.d';
SELECT error_of($$SELECT webhook_analytics_json('org_settings_a', 'last_day', '2025-06-30 00:00+00')$$);
SET whanalytics.events_table = '"unterminated';
SELECT error_of($$SELECT webhook_analytics_json('org_settings_a', 'last_day', '2025-06-30 00:00+00')$$);

-- A call made while another builds its response (from inside the view the
-- outer call reads): each gets its own memory, both answers are whole.
CREATE FUNCTION settings_user.own_total() RETURNS bigint LANGUAGE sql
SET whanalytics.events_table = '' SET whanalytics.webhooks_table = '' AS $$
    SELECT (webhook_analytics_json_between('org_settings_a', '2025-06-29 08:00+00', '2025-06-29 09:00+00')
            -> 'data' -> 'day_metrics' ->> 'total')::bigint $$;
CREATE VIEW settings_user.nested AS
SELECT * FROM settings_user.deliveries WHERE settings_user.own_total() = 2;
SET search_path = settings_user, public;   -- the oracle reads the user's view of the same rows
SET whanalytics.events_table = 'settings_user.nested';
SET whanalytics.webhooks_table = 'settings_user.webhooks';
SELECT json_diff(webhook_analytics_json_between('org_settings_a', '2025-06-28 00:00+00', '2025-07-01 00:00+00'),
                 plain_analytics_json_between('org_settings_a', '2025-06-28 00:00+00', '2025-07-01 00:00+00'))
       AS diff_nested,
       webhook_analytics_json_between('org_settings_a', '2025-06-28 00:00+00', '2025-07-01 00:00+00')
       -> 'data' -> 'day_metrics' -> 'total' AS total;
RESET search_path;

-- RESET brings back the extension's own tables.
RESET whanalytics.events_table;
RESET whanalytics.webhooks_table;
SELECT current_setting('whanalytics.events_table') AS events_table,
       current_setting('whanalytics.webhooks_table') AS webhooks_table;
SELECT json_diff(webhook_analytics_json_between('org_settings_a', '2025-06-28 00:00+00', '2025-07-01 00:00+00'),
                 plain_analytics_json_between('org_settings_a', '2025-06-28 00:00+00', '2025-07-01 00:00+00')) AS diff_from_own,
       webhook_analytics_json_between('org_settings_a', '2025-06-28 00:00+00', '2025-07-01 00:00+00')
       -> 'data' -> 'day_metrics' -> 'total' AS total;

SET client_min_messages = warning;
DROP SCHEMA settings_user CASCADE;
\i test/teardown.sql
