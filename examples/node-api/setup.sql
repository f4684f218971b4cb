-- setup.sql - what the thin API (and the dashboard) needs in a database that
-- has whanalytics and demo/sample_data.sql: an API keys table, a NOLOGIN
-- tenant role, and row-level security that shows it one organization.
-- Idempotent: run it again on the same database at any time.
--     psql -X -v ON_ERROR_STOP=1 -f examples/node-api/setup.sql

SET client_min_messages = warning;

-- The API keys: only the SHA-256 of a key is stored (hex), never the key.
-- env is what the key's responses report as "env" (whanalytics.env).
CREATE TABLE IF NOT EXISTS api_keys (
    key_hash        text PRIMARY KEY,
    organization_id text NOT NULL,
    env             text NOT NULL DEFAULT 'production'
                    CHECK (env IN ('production', 'development'))
);

-- Two demo keys, one per organization of demo/sample_data.sql.
INSERT INTO api_keys (key_hash, organization_id, env)
SELECT encode(sha256(convert_to(k.key, 'UTF8')), 'hex'), k.org, k.env
FROM (VALUES
    ('sk_live_demo_acme_0196b0e9', 'org_0196b0e9-11d8-7f26-b1d2-bd47054e4827', 'production'),
    ('sk_test_demo_relay_0196b0f7', 'org_0196b0f7-8d21-7c4e-b5a3-2f9e6c1d0a58', 'development')
) AS k(key, org, env)
ON CONFLICT (key_hash) DO UPDATE
    SET organization_id = EXCLUDED.organization_id, env = EXCLUDED.env;

-- The role each request runs as (SET LOCAL ROLE): it cannot log in, reads the
-- two tables, and the connecting user may switch to it.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'whanalytics_tenant') THEN
        CREATE ROLE whanalytics_tenant NOLOGIN;
    END IF;
    IF NOT pg_has_role(current_user, 'whanalytics_tenant', 'MEMBER') THEN
        EXECUTE format('GRANT whanalytics_tenant TO %I', current_user);
    END IF;
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO whanalytics_tenant',
                   (SELECT extnamespace::regnamespace::text FROM pg_extension
                    WHERE extname = 'whanalytics'));
END
$$;

GRANT SELECT ON webhook_events, webhooks TO whanalytics_tenant;

-- Row-level security: the tenant sees the organization of app.org_id, which
-- the API sets per transaction (set_config(..., true)); none when unset.
-- The owner is not affected (no FORCE), and the tenant is not the owner.
ALTER TABLE webhook_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhooks ENABLE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS tenant_org ON webhook_events;
CREATE POLICY tenant_org ON webhook_events TO whanalytics_tenant
    USING (organization_id = current_setting('app.org_id', true));

DROP POLICY IF EXISTS tenant_org ON webhooks;
CREATE POLICY tenant_org ON webhooks TO whanalytics_tenant
    USING (organization_id = current_setting('app.org_id', true));
