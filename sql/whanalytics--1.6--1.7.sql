-- whanalytics 1.6 -> 1.7: states that merge across databases (SPEC
-- section 7). webhook_latency_state is an exact latency multiset with its
-- aggregates (webhook_latency_state_agg over values, webhook_latency_merge
-- over states; the state type itself is their transition type, so Citus
-- can split them over workers) and webhook_latency_from_state;
-- webhook_analytics_state is what one database's rows of a window add up
-- to, webhook_analytics_merge the state of the union, and
-- webhook_analytics_json(state, ...) its response. Nothing existing changes.

\echo Use "ALTER EXTENSION whanalytics UPDATE TO '1.7'" to load this file. \quit

-- The latency multiset. Text is '\x' and the bytes in hex, as bytea prints.
CREATE TYPE @extschema@.webhook_latency_state;

CREATE FUNCTION @extschema@.webhook_latency_state_in(cstring)
RETURNS @extschema@.webhook_latency_state
AS 'MODULE_PATHNAME', 'webhook_latency_state_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.webhook_latency_state_out(@extschema@.webhook_latency_state)
RETURNS cstring
AS 'MODULE_PATHNAME', 'webhook_state_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.webhook_latency_state_recv(internal)
RETURNS @extschema@.webhook_latency_state
AS 'MODULE_PATHNAME', 'webhook_latency_state_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.webhook_latency_state_send(@extschema@.webhook_latency_state)
RETURNS bytea
AS 'MODULE_PATHNAME', 'webhook_state_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.webhook_latency_state (
    INPUT = @extschema@.webhook_latency_state_in,
    OUTPUT = @extschema@.webhook_latency_state_out,
    RECEIVE = @extschema@.webhook_latency_state_recv,
    SEND = @extschema@.webhook_latency_state_send,
    INTERNALLENGTH = VARIABLE,
    STORAGE = extended
);

COMMENT ON TYPE @extschema@.webhook_latency_state IS
'An exact multiset of latencies that merges across databases (webhook_latency_merge)';

CREATE FUNCTION @extschema@.webhook_latency_state_accum(@extschema@.webhook_latency_state, double precision)
RETURNS @extschema@.webhook_latency_state
AS 'MODULE_PATHNAME', 'webhook_latency_state_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.webhook_latency_state_combine(@extschema@.webhook_latency_state, @extschema@.webhook_latency_state)
RETURNS @extschema@.webhook_latency_state
AS 'MODULE_PATHNAME', 'webhook_latency_state_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.webhook_latency_state_final(@extschema@.webhook_latency_state)
RETURNS @extschema@.webhook_latency_state
AS 'MODULE_PATHNAME', 'webhook_latency_state_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE @extschema@.webhook_latency_state_agg(double precision) (
    SFUNC = @extschema@.webhook_latency_state_accum,
    STYPE = @extschema@.webhook_latency_state,
    FINALFUNC = @extschema@.webhook_latency_state_final,
    COMBINEFUNC = @extschema@.webhook_latency_state_combine,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.webhook_latency_state_agg(double precision) IS
'The webhook_latency_state of the non-NULL inputs (the empty state when there are none)';

CREATE AGGREGATE @extschema@.webhook_latency_merge(@extschema@.webhook_latency_state) (
    SFUNC = @extschema@.webhook_latency_state_combine,
    STYPE = @extschema@.webhook_latency_state,
    FINALFUNC = @extschema@.webhook_latency_state_final,
    COMBINEFUNC = @extschema@.webhook_latency_state_combine,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.webhook_latency_merge(@extschema@.webhook_latency_state) IS
'The webhook_latency_state of the union of the input states (NULLs are skipped)';

CREATE FUNCTION @extschema@.webhook_latency_from_state(state @extschema@.webhook_latency_state)
RETURNS @extschema@.webhook_latency
AS 'MODULE_PATHNAME', 'webhook_latency_from_state'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.webhook_latency_from_state(@extschema@.webhook_latency_state) IS
'Exact min, max, avg, p50, p90, p95, p99 of a state, as webhook_latency_percentiles gives them over the same values';

-- What one database's rows of a window add up to.
CREATE TYPE @extschema@.webhook_analytics_state;

CREATE FUNCTION @extschema@.webhook_analytics_state_in(cstring)
RETURNS @extschema@.webhook_analytics_state
AS 'MODULE_PATHNAME', 'webhook_analytics_state_in'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.webhook_analytics_state_out(@extschema@.webhook_analytics_state)
RETURNS cstring
AS 'MODULE_PATHNAME', 'webhook_state_out'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.webhook_analytics_state_recv(internal)
RETURNS @extschema@.webhook_analytics_state
AS 'MODULE_PATHNAME', 'webhook_analytics_state_recv'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.webhook_analytics_state_send(@extschema@.webhook_analytics_state)
RETURNS bytea
AS 'MODULE_PATHNAME', 'webhook_state_send'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.webhook_analytics_state (
    INPUT = @extschema@.webhook_analytics_state_in,
    OUTPUT = @extschema@.webhook_analytics_state_out,
    RECEIVE = @extschema@.webhook_analytics_state_recv,
    SEND = @extschema@.webhook_analytics_state_send,
    INTERNALLENGTH = VARIABLE,
    STORAGE = extended
);

COMMENT ON TYPE @extschema@.webhook_analytics_state IS
'What one database''s deliveries of a window add up to; merges across databases (webhook_analytics_merge)';

-- PARALLEL RESTRICTED and STABLE as the responses (it reads the rows and
-- summaries through this backend's transaction).
CREATE FUNCTION @extschema@.webhook_analytics_state(
    organization_id text,
    from_ts timestamptz,
    to_ts timestamptz,
    webhook_id text DEFAULT NULL,
    last_n integer DEFAULT 10)
RETURNS @extschema@.webhook_analytics_state
AS 'MODULE_PATHNAME', 'webhook_analytics_state'
LANGUAGE C STABLE PARALLEL RESTRICTED SECURITY INVOKER;

COMMENT ON FUNCTION @extschema@.webhook_analytics_state(text, timestamptz, timestamptz, text, integer) IS
'This database''s webhook_analytics_state of one organization''s deliveries in [from_ts, to_ts), over the rows the caller sees';

CREATE FUNCTION @extschema@.webhook_analytics_merge_accum(internal, @extschema@.webhook_analytics_state)
RETURNS internal
AS 'MODULE_PATHNAME', 'webhook_analytics_merge_accum'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.webhook_analytics_merge_combine(internal, internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'webhook_analytics_merge_combine'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE FUNCTION @extschema@.webhook_analytics_merge_serialize(internal)
RETURNS bytea
AS 'MODULE_PATHNAME', 'webhook_analytics_merge_serialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.webhook_analytics_merge_deserialize(bytea, internal)
RETURNS internal
AS 'MODULE_PATHNAME', 'webhook_analytics_merge_deserialize'
LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION @extschema@.webhook_analytics_merge_final(internal)
RETURNS @extschema@.webhook_analytics_state
AS 'MODULE_PATHNAME', 'webhook_analytics_merge_final'
LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE @extschema@.webhook_analytics_merge(@extschema@.webhook_analytics_state) (
    SFUNC = @extschema@.webhook_analytics_merge_accum,
    STYPE = internal,
    FINALFUNC = @extschema@.webhook_analytics_merge_final,
    COMBINEFUNC = @extschema@.webhook_analytics_merge_combine,
    SERIALFUNC = @extschema@.webhook_analytics_merge_serialize,
    DESERIALFUNC = @extschema@.webhook_analytics_merge_deserialize,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE @extschema@.webhook_analytics_merge(@extschema@.webhook_analytics_state) IS
'The webhook_analytics_state of the union of the input states (of one window and webhook filter; NULLs are skipped)';

-- last_n of webhook_analytics_json(state, ...) is a webhook_last_n: an
-- integer (integers cast to it implicitly) in the date/time type category.
-- Declared integer, the overload would make PostgreSQL refuse every call
-- of webhook_analytics_json(organization_id, period, as_of) whose as_of is
-- an untyped literal ('2025-01-02 00:00+00'): at the third position one
-- candidate would take a timestamp and the other an integer, two
-- categories it cannot choose between. In one category, timestamptz (its
-- preferred type) wins, as it did before the overload.
CREATE TYPE @extschema@.webhook_last_n;

CREATE FUNCTION @extschema@.webhook_last_n_in(cstring) RETURNS @extschema@.webhook_last_n
LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'int4in';
CREATE FUNCTION @extschema@.webhook_last_n_out(@extschema@.webhook_last_n) RETURNS cstring
LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'int4out';
CREATE FUNCTION @extschema@.webhook_last_n_recv(internal) RETURNS @extschema@.webhook_last_n
LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'int4recv';
CREATE FUNCTION @extschema@.webhook_last_n_send(@extschema@.webhook_last_n) RETURNS bytea
LANGUAGE internal IMMUTABLE STRICT PARALLEL SAFE AS 'int4send';

CREATE TYPE @extschema@.webhook_last_n (
    INPUT = @extschema@.webhook_last_n_in,
    OUTPUT = @extschema@.webhook_last_n_out,
    RECEIVE = @extschema@.webhook_last_n_recv,
    SEND = @extschema@.webhook_last_n_send,
    LIKE = pg_catalog.int4,
    CATEGORY = 'D'
);

COMMENT ON TYPE @extschema@.webhook_last_n IS
'An integer: the last_n of webhook_analytics_json(webhook_analytics_state, ...)';

CREATE CAST (integer AS @extschema@.webhook_last_n) WITHOUT FUNCTION AS IMPLICIT;
CREATE CAST (@extschema@.webhook_last_n AS integer) WITHOUT FUNCTION AS IMPLICIT;

-- The response of a state. STABLE: the response names whanalytics.env.
CREATE FUNCTION @extschema@.webhook_analytics_json(
    state @extschema@.webhook_analytics_state,
    top_n integer DEFAULT 5,
    last_n @extschema@.webhook_last_n DEFAULT 10,
    include text[] DEFAULT '{}')
RETURNS jsonb
AS 'MODULE_PATHNAME', 'webhook_analytics_json_state'
LANGUAGE C STABLE PARALLEL SAFE;

COMMENT ON FUNCTION @extschema@.webhook_analytics_json(@extschema@.webhook_analytics_state, integer, @extschema@.webhook_last_n, text[]) IS
'Webhook analytics response (jsonb) of a webhook_analytics_state, with the optional parts named in include';

-- What the support functions are (every function of the extension has a comment).
COMMENT ON FUNCTION @extschema@.webhook_latency_state_in(cstring) IS 'Input function of webhook_latency_state';
COMMENT ON FUNCTION @extschema@.webhook_latency_state_out(@extschema@.webhook_latency_state) IS 'Output function of webhook_latency_state';
COMMENT ON FUNCTION @extschema@.webhook_latency_state_recv(internal) IS 'Binary input function of webhook_latency_state';
COMMENT ON FUNCTION @extschema@.webhook_latency_state_send(@extschema@.webhook_latency_state) IS 'Binary output function of webhook_latency_state';
COMMENT ON FUNCTION @extschema@.webhook_latency_state_accum(@extschema@.webhook_latency_state, double precision) IS 'Transition function of webhook_latency_state_agg';
COMMENT ON FUNCTION @extschema@.webhook_latency_state_combine(@extschema@.webhook_latency_state, @extschema@.webhook_latency_state) IS 'Transition function of webhook_latency_merge, combine function of both latency state aggregates';
COMMENT ON FUNCTION @extschema@.webhook_latency_state_final(@extschema@.webhook_latency_state) IS 'Final function of the latency state aggregates';
COMMENT ON FUNCTION @extschema@.webhook_analytics_state_in(cstring) IS 'Input function of webhook_analytics_state';
COMMENT ON FUNCTION @extschema@.webhook_analytics_state_out(@extschema@.webhook_analytics_state) IS 'Output function of webhook_analytics_state';
COMMENT ON FUNCTION @extschema@.webhook_analytics_state_recv(internal) IS 'Binary input function of webhook_analytics_state';
COMMENT ON FUNCTION @extschema@.webhook_analytics_state_send(@extschema@.webhook_analytics_state) IS 'Binary output function of webhook_analytics_state';
COMMENT ON FUNCTION @extschema@.webhook_analytics_merge_accum(internal, @extschema@.webhook_analytics_state) IS 'Transition function of webhook_analytics_merge';
COMMENT ON FUNCTION @extschema@.webhook_analytics_merge_combine(internal, internal) IS 'Combine function of webhook_analytics_merge';
COMMENT ON FUNCTION @extschema@.webhook_analytics_merge_serialize(internal) IS 'Serialization function of webhook_analytics_merge';
COMMENT ON FUNCTION @extschema@.webhook_analytics_merge_deserialize(bytea, internal) IS 'Deserialization function of webhook_analytics_merge';
COMMENT ON FUNCTION @extschema@.webhook_analytics_merge_final(internal) IS 'Final function of webhook_analytics_merge';
COMMENT ON FUNCTION @extschema@.webhook_last_n_in(cstring) IS 'Input function of webhook_last_n';
COMMENT ON FUNCTION @extschema@.webhook_last_n_out(@extschema@.webhook_last_n) IS 'Output function of webhook_last_n';
COMMENT ON FUNCTION @extschema@.webhook_last_n_recv(internal) IS 'Binary input function of webhook_last_n';
COMMENT ON FUNCTION @extschema@.webhook_last_n_send(@extschema@.webhook_last_n) IS 'Binary output function of webhook_last_n';
