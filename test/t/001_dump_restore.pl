# 001_dump_restore.pl: the extension's rows survive pg_dump -Fc and
# pg_restore into a fresh database of another server: every row, the
# identity counter and the responses are the same, the next row gets the
# next id, and the summaries the restore rebuilt answer what the rows and the
# plain-SQL oracle do.
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

done_testing();
