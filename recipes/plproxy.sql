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
-- Tested by test/t/008_plproxy.pl (3 shard databases, 4 partitions): every
-- organization's responses equal one server's holding all the rows.

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
