# 001_dump_restore.pl: the extension's rows survive pg_dump -Fc and
# pg_restore into a fresh database of another server: every row, the
# identity counter and the responses are the same, the next row gets the
# next id, and the summaries the restore rebuilt answer what the rows and the
# plain-SQL oracle do. A data-only restore with --disable-triggers (the
# summary triggers are off while the rows arrive) leaves the summaries marked
# out of date: every answer still equals plain SQL, read from rows, until
# webhook_summaries_rebuild() makes them complete. A user's own table,
# partitioned by day and attached, restores with its triggers but without
# its summaries (not dumped): calls read its rows, exact, until it is
# attached again.
use strict;
use warnings;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use WhanalyticsTest;

my $source = new_node('source');
$source->safe_psql('postgres', 'CREATE DATABASE wh_dump');
$source->safe_psql('wh_dump', 'CREATE EXTENSION whanalytics');
psql_files($source, 'wh_dump', 'demo/sample_data.sql', 'test/pinned_demo.sql');
my $before = fingerprint($source, 'wh_dump');

my $dump = PostgreSQL::Test::Utils::tempdir() . '/wh_dump.dump';
command_ok([ 'pg_dump', '-Fc', '-f', $dump, '-d', $source->connstr('wh_dump') ],
	'pg_dump -Fc of a database with the extension and its rows');

my $target = new_node('target');
$target->safe_psql('postgres', 'CREATE DATABASE wh_restored');
command_ok(
	[ 'pg_restore', '--exit-on-error', '-d', $target->connstr('wh_restored'), $dump ],
	'pg_restore into a fresh database of another server');

is(fingerprint($target, 'wh_restored'), $before,
	'every row, the identity counter and every response are the same after the restore');
cmp_ok($target->safe_psql('wh_restored', 'SELECT count(*) FROM webhook_events'),
	'>', 1000, 'the demo deliveries were restored');
is( $target->safe_psql('wh_restored',
		"INSERT INTO webhook_events (webhook_id, organization_id, url, event)
		 VALUES ('webhook_edge', 'org_edge', 'https://edge', 'after.restore') RETURNING id"),
	$source->safe_psql('wh_dump', 'SELECT last_value + 1 FROM webhook_events_id_seq'),
	'the next delivery gets the id after the last one dumped');
$target->safe_psql('wh_restored', "DELETE FROM webhook_events WHERE event = 'after.restore'");

psql_files($target, 'wh_restored', 'test/plain_sql.sql', 'test/helpers.sql');
cmp_ok($target->safe_psql('wh_restored', 'SELECT count(*) FROM webhook_event_summaries'),
	'>', 0, 'the restore rebuilt the summaries (they are not dumped)');
is(agreement($target, 'wh_restored'), 'agree',
	'after the restore, summaries, rows and the plain-SQL oracle agree');

# Data only, triggers disabled while the rows arrive: the summaries miss them.
my $data = PostgreSQL::Test::Utils::tempdir() . '/wh_data.dump';
command_ok([ 'pg_dump', '-Fc', '--data-only', '-f', $data, '-d', $source->connstr('wh_dump') ],
	'pg_dump --data-only');
$target->safe_psql('postgres', 'CREATE DATABASE wh_data');
$target->safe_psql('wh_data', 'CREATE EXTENSION whanalytics');
command_ok(
	[ 'pg_restore', '--exit-on-error', '--disable-triggers', '-d', $target->connstr('wh_data'), $data ],
	'pg_restore --data-only --disable-triggers');
psql_files($target, 'wh_data', 'test/plain_sql.sql', 'test/helpers.sql');
is($target->safe_psql('wh_data', 'SELECT usable, stale_since IS NOT NULL FROM webhook_summaries_status()'),
	'f|t', 'after --disable-triggers the summaries are marked out of date');
is(agreement($target, 'wh_data'), 'agree',
	'after --disable-triggers, every answer equals the rows and the plain-SQL oracle');
is(fingerprint($target, 'wh_data'), $before,
	'after --disable-triggers, every row and response is the source\'s');
$target->safe_psql('wh_data', 'SELECT webhook_summaries_rebuild()');
is($target->safe_psql('wh_data', 'SELECT usable FROM webhook_summaries_status()'),
	't', 'webhook_summaries_rebuild() makes the summaries answer again');
is(agreement($target, 'wh_data'), 'agree', 'after the rebuild, summaries, rows and oracle agree');

# A user's own table, partitioned by day and attached (the oracle reads it
# through search_path: it is called webhook_events in its own schema).
$source->safe_psql('postgres', 'CREATE DATABASE wh_own');
$source->safe_psql('wh_own', 'CREATE EXTENSION whanalytics');
psql_files($source, 'wh_own', 'demo/sample_data.sql', 'test/pinned_demo.sql');
$source->safe_psql(
	'wh_own', q{
CREATE SCHEMA own;
CREATE TABLE own.webhook_events (LIKE public.webhook_events INCLUDING DEFAULTS) PARTITION BY RANGE (created_at);
DO $$
DECLARE
    first date := (SELECT min(created_at AT TIME ZONE 'UTC')::date FROM public.webhook_events);
    last date := (SELECT max(created_at AT TIME ZONE 'UTC')::date FROM public.webhook_events);
BEGIN
    FOR d IN 0 .. last - first LOOP
        EXECUTE format('CREATE TABLE own.%I PARTITION OF own.webhook_events FOR VALUES FROM (%L) TO (%L)',
                       'd' || d, (first + d)::timestamp AT TIME ZONE 'UTC', (first + d + 1)::timestamp AT TIME ZONE 'UTC');
    END LOOP;
END $$;
INSERT INTO own.webhook_events SELECT * FROM public.webhook_events;
CREATE INDEX ON own.webhook_events (organization_id, created_at, id);
SELECT webhook_summaries_attach('own.webhook_events');
ALTER DATABASE wh_own SET whanalytics.events_table = 'own.webhook_events';
ALTER DATABASE wh_own SET search_path = own, public;});
psql_files($source, 'wh_own', 'test/plain_sql.sql', 'test/helpers.sql');
is($source->safe_psql('wh_own', "SELECT usable FROM webhook_summaries_status() WHERE events = 'own.webhook_events'::regclass"),
	't', 'an attached partitioned table of the user\'s answers from its summaries');
is(agreement($source, 'wh_own'), 'agree', 'the attached table: summaries, rows and the oracle agree');
my $own_dump = PostgreSQL::Test::Utils::tempdir() . '/wh_own.dump';
command_ok([ 'pg_dump', '-Fc', '-f', $own_dump, '-d', $source->connstr('wh_own') ],
	'pg_dump -Fc of a database with an attached table');
$target->safe_psql('postgres', 'CREATE DATABASE wh_own_restored');
command_ok(
	[ 'pg_restore', '--exit-on-error', '-d', $target->connstr('wh_own_restored'), $own_dump ],
	'pg_restore of the attached table');
$target->safe_psql('wh_own_restored',
	"ALTER DATABASE wh_own_restored SET whanalytics.events_table = 'own.webhook_events';
	 ALTER DATABASE wh_own_restored SET search_path = own, public;");
psql_files($target, 'wh_own_restored', 'test/plain_sql.sql', 'test/helpers.sql');
is($target->safe_psql('wh_own_restored',
		"SELECT usable, reason FROM webhook_summaries_status() WHERE events = 'own.webhook_events'::regclass"),
	'f|whanalytics.events_table names a relation without summaries (webhook_summaries_attach adds them)',
	'after the restore the attached table has no summaries yet: calls read its rows');
is(agreement($target, 'wh_own_restored'), 'agree', 'before attaching again, every answer equals the oracle (rows)');
$target->safe_psql('wh_own_restored', "SELECT webhook_summaries_attach('own.webhook_events')");
is($target->safe_psql('wh_own_restored',
		"SELECT usable FROM webhook_summaries_status() WHERE events = 'own.webhook_events'::regclass"),
	't', 'attached again, its summaries answer');
is(agreement($target, 'wh_own_restored'), 'agree', 'attached again: summaries, rows and the oracle agree');

done_testing();
