# 001_dump_restore.pl: the extension's rows survive pg_dump -Fc and
# pg_restore into a fresh database of another server: every row, the
# identity counter and the responses are the same, the next row gets the
# next id, and the summaries the restore rebuilt answer what the rows and the
# plain-SQL oracle do. A data-only restore with --disable-triggers (the
# summary triggers are off while the rows arrive) leaves the summaries marked
# out of date: every answer still equals plain SQL, read from rows, until
# webhook_summaries_rebuild() makes them complete.
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

done_testing();
