# 004_concurrency.pl: pgbench writers (insert, retry update, delete) and
# readers (webhook_analytics_json, each response checked against itself by
# load_read) at once: no failed transaction, no deadlock, a row for every
# writer transaction, and afterwards every organization's response equals
# the plain-SQL oracle's. Then pg_cancel_backend stops a long call inside the
# extension and its session goes on. The load is a number of transactions,
# not a time, unless test/load.sh asks for seconds (see load_params).
use strict;
use warnings;
use PostgreSQL::Test::Utils;
use Test::More;
use FindBin;
use lib "$FindBin::RealBin/../perl";
use Time::HiRes qw(time);
use WhanalyticsTest;

my %p = load_params();
my $node = new_node('load', 'log_statement = none');    # not every write in the log
my $dir = PostgreSQL::Test::Utils::tempdir();
load_fixture($node, 'wh_load', $p{rows}, $dir);

# 1. writers and readers at once
my $readers = 2;
my @writer_length = defined $p{seconds} ? ('-T', $p{seconds}) : ('-t', $p{transactions});
my @reader_length = defined $p{seconds} ? ('-T', $p{seconds}) : ('-t', int($p{transactions} / 4));
my ($w, $w_out, $w_err) = pgbench_start($node, 'wh_load', '-f', "$dir/writers.pgbench",
	'-D', "rows=$p{rows}", '-c', $p{clients}, '-j', 2, @writer_length);
my ($r, $r_out, $r_err) = pgbench_start($node, 'wh_load', '-f', "$dir/readers.pgbench",
	'-c', $readers, '-j', 1, @reader_length);
ok($w->finish, 'the writers ran without an error') or diag($$w_out, $$w_err);
ok($r->finish, 'the readers ran without an error, every response consistent') or diag($$r_out, $$r_err);
my $written = pgbench_processed($$w_out) // 0;
my $read = pgbench_processed($$r_out) // 0;
if (defined $p{seconds})
{
	cmp_ok($written, '>', 0, "the writers committed transactions in $p{seconds} s");
	cmp_ok($read, '>', 0, "the readers got responses in $p{seconds} s");
}
else
{
	is($written, $p{clients} * $p{transactions}, 'every writer transaction committed');
	is($read, $readers * int($p{transactions} / 4), 'every reader transaction committed');
}
like($$w_out . $$r_out, qr/^number of failed transactions: 0 .*\n(?s:.*)^number of failed transactions: 0 /m,
	'pgbench counts no failed transaction');
is($node->safe_psql('wh_load', "SELECT count(*) FROM webhook_events WHERE resource_id = 'pgbench'"),
	$written, 'a row for every writer transaction');
is($node->safe_psql('wh_load', 'SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()'),
	0, 'no deadlock');
is(oracle_mismatches($node, 'wh_load'), '', "every organization's response equals the plain-SQL oracle's");
is( $node->safe_psql('wh_load',
		"SELECT string_agg(DISTINCT paths_agree(organization_id, '2025-12-25 07:00+00', '2026-01-01 00:00+00'), ', ')
		 FROM (SELECT DISTINCT organization_id FROM webhook_events) o"),
	'agree', 'summaries, rows and the oracle agree for every organization (a window with a partial day)');
note("$p{clients} writers: $written transactions; $readers readers: $read consistent responses");

# 2. pg_cancel_backend stops a long call (a 78-million-hour series), and the session goes on
my ($out, $err) = ("$dir/cancel.out", "$dir/cancel.err");
my $call = IPC::Run::start(
	[ 'psql', '-X', '-At', '-d', $node->connstr('wh_load'),
	  '-c', "SELECT count(*) FROM webhook_hourly_metrics('org_load_1', '0001-01-01 00:00+00', '9000-01-01 00:00+00')",
	  '-c', "SELECT 'session goes on'" ],
	'>', $out, '2>', $err);
my $running = "SELECT pid FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'SELECT count(*) FROM webhook_hourly_metrics(%'";
ok($node->poll_query_until('wh_load', "SELECT count(*) = 1 FROM ($running) a"), 'the long call runs');
my $pid = $node->safe_psql('wh_load', $running);
my $start = time;
is($node->safe_psql('wh_load', "SELECT pg_cancel_backend($pid)"), 't', 'pg_cancel_backend signals it');
$call->finish;
my $took = time - $start;
like(slurp_file($err), qr/ERROR:  canceling statement due to user request/, 'the call stops with the cancel error');
is(slurp_file($out), "session goes on\n", 'the same session runs its next statement');
note(sprintf('the call returned %.0f ms after pg_cancel_backend', 1000 * $took));

done_testing();
