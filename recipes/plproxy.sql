-- recipes/plproxy.sql: route every whanalytics call to the shard that holds
-- the organization, with PL/Proxy (Debian: postgresql-15-plproxy).
--
-- Each shard is a database with CREATE EXTENSION whanalytics (in schema
-- public) holding whole organizations: the rows of an organization live on
-- the partition hashtext(organization_id) & (partitions - 1) picks, as
-- PL/Proxy's RUN ON does. Run this file in the proxy database after
-- CREATE EXTENSION plproxy and after naming the shards in a server called
-- whanalytics_shards (PL/Proxy wants a power of two partitions; several may
-- name one database):
--
--   CREATE SERVER whanalytics_shards FOREIGN DATA WRAPPER plproxy
--       OPTIONS (p0 'dbname=shard0 host=db0', p1 'dbname=shard1 host=db1',
--                p2 'dbname=shard2 host=db2', p3 'dbname=shard0 host=db0');
--   CREATE USER MAPPING FOR PUBLIC SERVER whanalytics_shards OPTIONS (user 'api');
--
-- The functions below have the extension's names, arguments and defaults,
-- in schema whanalytics_proxy, so an API layer calls them exactly as it
-- would call one server. A NULL organization is routed as '' (PL/Proxy
-- refuses a NULL hash): any shard answers it as the extension does (no
-- rows, or the 400 envelope of webhook_analytics_request). Defaults such as
-- as_of => now() are evaluated on the proxy and sent to the shard.
--
-- Answers across shards (SPEC section 7) need whanalytics in the proxy
-- database too (CREATE EXTENSION whanalytics there: its state types and
-- merge aggregates; its own tables stay empty). The *_states functions
-- below run on every shard (RUN ON ALL) and return each shard's state;
-- the SQL functions after them merge those on the proxy, so an
-- organization whose rows are spread over several shards (by time, by id)
-- and the whole platform get exact answers. PL/Proxy runs a RUN ON ALL
-- query once per database even when several partitions name it.
--
-- Tested by test/t/008_plproxy.pl: 3 shard databases holding whole
-- organizations (4 partitions), every organization's responses equal one
-- server's holding all the rows; and 3 databases holding the rows split
-- by id, where every organization's merged response, the platform's and
-- the latency percentiles equal one server's.

CREATE SCHEMA IF NOT EXISTS whanalytics_proxy;

CREATE OR REPLACE FUNCTION whanalytics_proxy.webhook_analytics_json(
    organization_id text,
    period text DEFAULT 'last_day',
    as_of timestamptz DEFAULT now(),
    webhook_id text DEFAULT NULL,
    top_n integer DEFAULT 5,
    last_n integer DEFAULT 10,
    include text[] DEFAULT '{}')
RETURNS jsonb LANGUAGE plproxy AS $$
    CLUSTER 'whanalytics_shards';
    RUN ON hashtext(coalesce(organization_id, ''));
    TARGET public.webhook_analytics_json;
$$;

CREATE OR REPLACE FUNCTION whanalytics_proxy.webhook_analytics_json_between(
    organization_id text,
    from_ts timestamptz,
    to_ts timestamptz,
    webhook_id text DEFAULT NULL,
    top_n integer DEFAULT 5,
    last_n integer DEFAULT 10,
    include text[] DEFAULT '{}')
RETURNS jsonb LANGUAGE plproxy AS $$
    CLUSTER 'whanalytics_shards';
    RUN ON hashtext(coalesce(organization_id, ''));
    TARGET public.webhook_analytics_json_between;
$$;

CREATE OR REPLACE FUNCTION whanalytics_proxy.webhook_analytics_request(
    organization_id text,
    query jsonb DEFAULT '{}')
RETURNS jsonb LANGUAGE plproxy AS $$
    CLUSTER 'whanalytics_shards';
    RUN ON hashtext(coalesce(organization_id, ''));
    TARGET public.webhook_analytics_request;
$$;

CREATE OR REPLACE FUNCTION whanalytics_proxy.webhook_day_metrics(
    organization_id text,
    from_ts timestamptz,
    to_ts timestamptz,
    webhook_id text DEFAULT NULL)
RETURNS TABLE (day date, total bigint, success bigint, failed bigint,
               pending bigint, retry_rate_pct numeric, avg_delay_ms numeric)
LANGUAGE plproxy AS $$
    CLUSTER 'whanalytics_shards';
    RUN ON hashtext(coalesce(organization_id, ''));
    TARGET public.webhook_day_metrics;
$$;

CREATE OR REPLACE FUNCTION whanalytics_proxy.webhook_hourly_metrics(
    organization_id text,
    from_ts timestamptz,
    to_ts timestamptz,
    webhook_id text DEFAULT NULL)
RETURNS TABLE ("hour" timestamptz, total bigint, success bigint, failed bigint,
               pending bigint, avg_delay_ms numeric)
LANGUAGE plproxy AS $$
    CLUSTER 'whanalytics_shards';
    RUN ON hashtext(coalesce(organization_id, ''));
    TARGET public.webhook_hourly_metrics;
$$;

CREATE OR REPLACE FUNCTION whanalytics_proxy.webhook_metrics_series(
    organization_id text,
    from_ts timestamptz,
    to_ts timestamptz,
    bucket interval DEFAULT '1 hour',
    group_by text DEFAULT NULL,
    webhook_id text DEFAULT NULL)
RETURNS TABLE (bucket timestamptz, key text, total bigint, success bigint, failed bigint,
               pending bigint, retried bigint, avg_delay_ms numeric,
               latency_p50 numeric, latency_p95 numeric, latency_p99 numeric)
LANGUAGE plproxy AS $$
    CLUSTER 'whanalytics_shards';
    RUN ON hashtext(coalesce(organization_id, ''));
    TARGET public.webhook_metrics_series;
$$;

-- Each shard's webhook_analytics_state of one organization's window.
CREATE OR REPLACE FUNCTION whanalytics_proxy.webhook_analytics_states(
    organization_id text,
    from_ts timestamptz,
    to_ts timestamptz,
    webhook_id text DEFAULT NULL,
    last_n integer DEFAULT 10)
RETURNS SETOF public.webhook_analytics_state LANGUAGE plproxy AS $$
    CLUSTER 'whanalytics_shards';
    RUN ON ALL;
    TARGET public.webhook_analytics_state;
$$;

-- Each shard's state of the whole platform's window: its organizations'
-- states (those with rows in the window or webhooks) merged on the shard.
CREATE OR REPLACE FUNCTION whanalytics_proxy.webhook_platform_states(
    from_ts timestamptz,
    to_ts timestamptz,
    last_n integer DEFAULT 10)
RETURNS SETOF public.webhook_analytics_state LANGUAGE plproxy AS $$
    CLUSTER 'whanalytics_shards';
    RUN ON ALL;
    SELECT public.webhook_analytics_merge(public.webhook_analytics_state(o, from_ts, to_ts, NULL, last_n))
    FROM (SELECT organization_id FROM public.webhooks
          UNION
          SELECT organization_id FROM public.webhook_events
          WHERE created_at >= from_ts AND created_at < to_ts) orgs(o);
$$;

-- Each shard's latency state of the window's deliveries (every
-- organization, or one): the response's latency, milliseconds from
-- created_at to first_sent_at (none when it was never sent; greatest()
-- alone would count that as 0 ms).
CREATE OR REPLACE FUNCTION whanalytics_proxy.webhook_latency_states(
    from_ts timestamptz,
    to_ts timestamptz,
    of_organization text DEFAULT NULL)
RETURNS SETOF public.webhook_latency_state LANGUAGE plproxy AS $$
    CLUSTER 'whanalytics_shards';
    RUN ON ALL;
    SELECT public.webhook_latency_state_agg(
               CASE WHEN e.first_sent_at IS NOT NULL THEN
                   greatest(0, round(extract(epoch FROM e.first_sent_at - e.created_at) * 1000))
               END)
    FROM public.webhook_events e
    WHERE e.created_at >= from_ts AND e.created_at < to_ts
      AND (of_organization IS NULL OR e.organization_id = of_organization);
$$;

-- The response for one organization's window over every shard's rows,
-- exactly as one server holding them all would give it.
CREATE OR REPLACE FUNCTION whanalytics_proxy.webhook_analytics_json_between_all(
    organization_id text,
    from_ts timestamptz,
    to_ts timestamptz,
    webhook_id text DEFAULT NULL,
    top_n integer DEFAULT 5,
    last_n integer DEFAULT 10,
    include text[] DEFAULT '{}')
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT public.webhook_analytics_json(public.webhook_analytics_merge(s), top_n, last_n, include)
    FROM whanalytics_proxy.webhook_analytics_states(organization_id, from_ts, to_ts, webhook_id,
                                                    greatest(last_n, 0)) s
$$;

-- The platform's response for a window: every organization on every shard.
CREATE OR REPLACE FUNCTION whanalytics_proxy.webhook_platform_json(
    from_ts timestamptz,
    to_ts timestamptz,
    top_n integer DEFAULT 5,
    last_n integer DEFAULT 10,
    include text[] DEFAULT '{}')
RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT public.webhook_analytics_json(public.webhook_analytics_merge(s), top_n, last_n, include)
    FROM whanalytics_proxy.webhook_platform_states(from_ts, to_ts, greatest(last_n, 0)) s
$$;

-- Exact latency percentiles of the window over every shard.
CREATE OR REPLACE FUNCTION whanalytics_proxy.webhook_latency_all(
    from_ts timestamptz,
    to_ts timestamptz,
    of_organization text DEFAULT NULL)
RETURNS public.webhook_latency LANGUAGE sql STABLE AS $$
    SELECT public.webhook_latency_from_state(public.webhook_latency_merge(s))
    FROM whanalytics_proxy.webhook_latency_states(from_ts, to_ts, of_organization) s
$$;
