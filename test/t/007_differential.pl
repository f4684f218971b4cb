# 007_differential.pl: a randomized differential test of whanalytics against
# the plain-SQL oracle (test/plain_sql.sql).
#
# One node; rounds of random writes of every kind over a few organizations
# and webhooks (timestamps clustered at UTC day and hour boundaries, +-1
# microsecond, and spread over ~10 days), each followed by random calls of
# the C functions compared with the oracle in the same statement (one
# snapshot): webhook_analytics_json_between, webhook_analytics_json (period,
# as_of), webhook_day_metrics, webhook_hourly_metrics and paths_agree
# (test/helpers.sql: summaries on, summaries off, oracle). Transactions are
# also read before they commit or roll back.
#
# Besides the ordinary writes, five harder paths are kinds of their own:
# disable_triggers, replica_role, child_table, user_trigger and alter_type.
# For them an answer equal to plain SQL is right, and so is a DDL statement
# refused with a clean SQLSTATE (counted as 'refused'); any differing answer,
# and any XX000 anywhere, is a failure. After a failing round the summaries
# are rebuilt, so the next round is judged on its own. The oracle reads
# webhook_events through a view that reads error as jsonb, so it stays valid
# when alter_type makes the column json.
#
# Environment:
#   WHANALYTICS_DIFF_SEED     the seed (default: random); the operations are a function
#                             of the seed (and, for a given build, of which statements
#                             fail), so setting it replays a run
#   WHANALYTICS_DIFF_SECONDS  time budget (default 30)
#   WHANALYTICS_DIFF_ROUNDS   most rounds (default 50 per second of budget); it stops at
#                             whichever bound comes first
#   WHANALYTICS_DIFF_KINDS    operation kinds, comma-separated (default all):
#                             kind names, 'ordinary', 'hard', 'all', '-kind' drops one
#   WHANALYTICS_DIFF_PORT     the server's port (default: the test framework picks)
#   WHANALYTICS_DIFF_VERBOSE  1: log every statement and result (else one line per round)
#
# A longer run:
#   WHANALYTICS_DIFF_SECONDS=600 make installcheck PROVE_TESTS=test/t/007_differential.pl

use strict;
use warnings;

use File::Basename qw(dirname);
use File::Spec;
use Time::HiRes ();
use Time::Local qw(timegm);

use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

# ------------------------------------------------------------------ settings

my @ORDINARY = qw(insert_multi insert_one update delete copy merge upsert truncate
  savepoint rollback open_txn compact rebuild webhooks);
my @HARD = qw(disable_triggers replica_role child_table user_trigger alter_type);
my @SIMPLE = qw(insert_multi insert_one update delete copy merge upsert truncate);
my @CHECKS = qw(json_between json_period day_metrics hourly_metrics paths_agree in_trigger);

my $seconds = $ENV{WHANALYTICS_DIFF_SECONDS} // 30;
my $max_rounds = $ENV{WHANALYTICS_DIFF_ROUNDS} // 50 * $seconds;
my $kinds_text = $ENV{WHANALYTICS_DIFF_KINDS} // 'all';
my $seed = $ENV{WHANALYTICS_DIFF_SEED} // fresh_seed();
die "WHANALYTICS_DIFF_SEED must be a non-negative integer\n" unless $seed =~ /^\d+$/;
my %enabled = enabled_kinds($kinds_text);

my $test_dir = dirname(File::Spec->rel2abs(__FILE__));

# The session notes every query and its result; that would fill the log, and the seed replays it all.
if (!$ENV{WHANALYTICS_DIFF_VERBOSE})
{
	no warnings 'redefine';
	*PostgreSQL::Test::BackgroundPsql::note = sub { };
}
my $replay = "WHANALYTICS_DIFF_SEED=$seed WHANALYTICS_DIFF_KINDS=$kinds_text";

# ------------------------------------------------------------- the generator

my @xs;    # xorshift128 state: four 32-bit words

# fresh_seed returns a random seed from /dev/urandom (or the clock).
sub fresh_seed
{
	if (open(my $fh, '<:raw', '/dev/urandom'))
	{
		read($fh, my $bytes, 4) == 4 or die "short read from /dev/urandom";
		close($fh);
		return unpack('L', $bytes) & 0x7fffffff;
	}
	return int(Time::HiRes::time() * 1000 ^ $$) & 0x7fffffff;
}

# prng_seed sets the generator's state from the seed.
sub prng_seed
{
	my ($s) = @_;
	@xs = (($s & 0xffffffff) ^ 0x3c6ef372, (($s >> 32) & 0xffffffff) ^ 0x6c078965,
		0x8f1bbcdc, 0x2545f491);
	rand32() for 1 .. 128;
	return;
}

# rand32 returns the next unsigned 32-bit number (Marsaglia's xorshift128).
sub rand32
{
	my $t = $xs[0] ^ (($xs[0] << 11) & 0xffffffff);
	@xs[ 0 .. 2 ] = @xs[ 1 .. 3 ];
	$xs[3] = $xs[3] ^ ($xs[3] >> 19) ^ $t ^ ($t >> 8);
	return $xs[3];
}

# below returns an integer in [0, n), for n up to 2^40.
sub below
{
	my ($n) = @_;
	return 0 if $n <= 1;
	return rand32() % $n if $n <= 0xffffffff;
	return ((rand32() & 0xff) * 4294967296 + rand32()) % $n;
}

# between returns an integer in [lo, hi].
sub between { my ($lo, $hi) = @_; return $lo + below($hi - $lo + 1); }

# pick returns one of its arguments.
sub pick { return $_[ below(scalar @_) ]; }

# chance is true with probability p.
sub chance { my ($p) = @_; return rand32() < $p * 4294967296; }

# weighted picks a name from (name => integer weight, ...) pairs, in their order.
sub weighted
{
	my @pairs = @_;
	my $total = 0;
	for (my $i = 1; $i < @pairs; $i += 2) { $total += $pairs[$i]; }
	my $r = below($total);
	for (my $i = 0; $i < @pairs; $i += 2)
	{
		return $pairs[$i] if $r < $pairs[ $i + 1 ];
		$r -= $pairs[ $i + 1 ];
	}
	die "weighted: no weight";
}

# enabled_kinds parses WHANALYTICS_DIFF_KINDS into a set of kind names.
sub enabled_kinds
{
	my ($text) = @_;
	my %known = map { $_ => 1 } @ORDINARY, @HARD;
	my %set;
	for my $item (split /\s*,\s*/, $text)
	{
		my $drop = $item =~ s/^-//;
		my @names =
			$item eq 'all' ? (@ORDINARY, @HARD)
		  : $item eq 'ordinary' ? @ORDINARY
		  : $item eq 'hard' ? @HARD
		  : $known{$item} ? ($item)
		  : die "WHANALYTICS_DIFF_KINDS: unknown kind '$item' (known: all, ordinary, hard, "
		  . join(', ', @ORDINARY, @HARD) . ")\n";
		if ($drop) { delete @set{@names}; }
		else { $set{$_} = 1 for @names; }
	}
	die "WHANALYTICS_DIFF_KINDS enables no kind\n" unless %set;
	return %set;
}

# ------------------------------------------------------------------ the data

use constant {
	US => 1_000_000,
	HOUR => 3_600_000_000,
	DAY => 86_400_000_000,
};
my $BASE = timegm(0, 0, 0, 20, 5, 2025);    # 2025-06-20 00:00:00 UTC: offsets are from here
my ($RANGE_FROM, $RANGE_TO) = (-3 * DAY, 13 * DAY);    # every row stays in here

my @ORGS = qw(org_0196b0e9-alpha org_0196b0e9-beta org_0196b0e9-gamma);
my %HOOKS = (
	$ORGS[0] => [qw(webhook_alpha_1 webhook_alpha_2)],
	$ORGS[1] => [qw(webhook_beta_1 webhook_beta_2)],
	$ORGS[2] => [qw(webhook_gamma_1)]);
my @ALL_HOOKS = map { @{ $HOOKS{$_} } } @ORGS;
my @EVENTS = ('api_key.created', 'api_key.updated', 'customer.deleted', 'invoice.paid',
	'Zeta.event', "\xc3\xa9t\xc3\xa9.event");    # the last one in UTF-8 bytes
my @URLS = ('https://a.example/h', 'https://b.example/h', 'https://a.example/h?x=1',
	'HTTPS://C.EXAMPLE');
my @COLS = qw(webhook_id organization_id url event resource_id payload response_status
  response_body error retries created_at updated_at first_sent_at delay_ms done);

# The columns' current types (alter_type widens some) and what they were.
my %TYPE = (
	webhook_id => 'text', organization_id => 'text', url => 'text', event => 'text',
	resource_id => 'text', payload => 'jsonb', response_status => 'integer',
	response_body => 'text', error => 'jsonb', retries => 'integer',
	created_at => 'timestamptz', updated_at => 'timestamptz', first_sent_at => 'timestamptz',
	delay_ms => 'integer', done => 'smallint');
my %NARROW = (response_status => 'integer', delay_ms => 'integer', retries => 'integer',
	done => 'smallint', error => 'jsonb');
my %WIDE = (response_status => 'bigint', delay_ms => 'bigint', retries => 'bigint',
	done => 'integer', error => 'json');

# ts_text renders a microsecond offset from $BASE as a UTC timestamptz literal's text.
sub ts_text
{
	my ($us) = @_;
	my $s = int($us / US);
	my $f = $us - $s * US;
	if ($f < 0) { $s--; $f += US; }
	my @t = gmtime($BASE + $s);
	return sprintf('%04d-%02d-%02d %02d:%02d:%02d.%06d+00',
		$t[5] + 1900, $t[4] + 1, @t[ 3, 2, 1, 0 ], $f);
}

# quote renders a SQL string literal.
sub quote { my ($s) = @_; $s =~ s/'/''/g; return "'$s'"; }

# ts renders a microsecond offset as a timestamptz literal.
sub ts { my ($us) = @_; return quote(ts_text($us)) . '::timestamptz'; }

# lit renders a value for a column, cast to the column's current type (undef is NULL).
sub lit
{
	my ($col, $v) = @_;
	my $type = $TYPE{$col};
	return "NULL::$type" unless defined $v;
	return "($v)::$type" if $type =~ /int/;
	return quote($v) . "::$type";
}

# wide is true when a column is widened and this value should use the room.
sub wide { my ($col, $want) = @_; return $want && $TYPE{$col} ne $NARROW{$col} && chance(0.5); }

# rand_ts returns a microsecond offset: at a day or hour boundary (+-1 us), or anywhere.
sub rand_ts
{
	my $jitter = pick(-1, 0, 0, 1);
	my $r = below(100);
	return between(0, 10) * DAY + $jitter if $r < 30;
	return between(0, 9) * DAY + between(0, 23) * HOUR + $jitter if $r < 65;
	return -12 * HOUR + below(11 * DAY);
}

# rand_status returns a response_status (NULL and odd values included).
sub rand_status
{
	my ($w) = @_;
	return pick(4294967496, 4294967700, -4294967096, 2147483848) if wide('response_status', $w);
	return pick(200, 200, 200, 201, 204, 299, 199, 100, 300, 301, 404, 404, 500, 503,
		undef, undef, 0, 99, 600, -1);
}

# rand_error returns an error: SQL NULL, JSON null, or a JSON value.
sub rand_error
{
	my ($w) = @_;
	return pick(' null ', '{"a": 1, "a": 2}', '[1,  2]', "\tnull") if wide('error', $w);
	return pick(undef, undef, undef, 'null', '{"error": "timeout"}', '{"code": 500}',
		'"text"', '[]', '0', 'false');
}

# rand_retries returns a retries count.
sub rand_retries
{
	my ($w) = @_;
	return pick(4294967296, 2147483648, -4294967295) if wide('retries', $w);
	return pick(0, 0, 0, 0, 0, 1, 2, 3, 10, -1, 2147483647);
}

# rand_delay returns a delay_ms (NULL and negative included).
sub rand_delay
{
	my ($w) = @_;
	return pick(3000000000, -3000000000, 1099511627776, 9007199254740993) if wide('delay_ms', $w);
	return pick(undef, undef, 0, 1, 5, 17, 250, 999, 1000, 30000, -1, -250,
		2147483647, -2147483648);
}

# rand_done returns a done flag.
sub rand_done
{
	my ($w) = @_;
	return pick(65536, 65537, -65536, 32768) if wide('done', $w);
	return pick(0, 0, 1, 1, 2);
}

# rand_sent returns a first_sent_at for a created_at: NULL, after it, or before it.
sub rand_sent
{
	my ($created) = @_;
	return undef if chance(0.4);
	return ts_text($created + pick(0, 1, 499_000, 499_500, 500_000, 999_999, 1_000_000,
		2_500_500, 86_400_000_000, -1, -1_000_000));
}

# rand_org_hook returns an organization and one of its webhooks (now and then another's).
sub rand_org_hook
{
	my $org = pick(@ORGS);
	my $hook = chance(0.85) ? pick(@{ $HOOKS{$org} }) : pick(@ALL_HOOKS);
	return ($org, $hook);
}

# rand_row returns a delivery as column => value (wide: use widened columns' room).
sub rand_row
{
	my ($w) = @_;
	my ($org, $hook) = rand_org_hook();
	my $created = rand_ts();
	return {
		webhook_id => $hook,
		organization_id => $org,
		url => pick(@URLS),
		event => pick(@EVENTS),
		resource_id => pick(undef, '1', 'res_x'),
		payload => pick(undef, '{"n": 1}', '{"k": "v", "arr": [1, 2]}', '[]', '"s"'),
		response_status => rand_status($w),
		response_body => pick(undef, '{"body": "123"}', 'ok', ''),
		error => rand_error($w),
		retries => rand_retries($w),
		created_at => ts_text($created),
		updated_at => chance(0.5) ? undef : ts_text($created + below(HOUR)),
		first_sent_at => rand_sent($created),
		delay_ms => rand_delay($w),
		done => rand_done($w),
	};
}

# values_row renders a row as a parenthesized list of literals, in @COLS order.
sub values_row
{
	my ($row, @prefix) = @_;
	return '(' . join(', ', @prefix, map { lit($_, $row->{$_}) } @COLS) . ')';
}

# ------------------------------------------------------------ write builders

my $live = 0;    # rows in webhook_events at the round's start (chooses offsets)

# sql_insert builds a multi-row INSERT into a table (wh_child takes ids from the parent's sequence).
sub sql_insert
{
	my ($table, $n, $w) = @_;
	my $child = $table eq 'wh_child';
	my @prefix = $child ? ("nextval('webhook_events_id_seq')") : ();
	return "INSERT INTO $table (" . ($child ? 'id, ' : '') . join(', ', @COLS) . ') VALUES '
	  . join(', ', map { values_row(rand_row($w), @prefix) } 1 .. $n);
}

# copy_field renders a value for COPY's text format.
sub copy_field
{
	my ($v) = @_;
	return '\N' unless defined $v;
	$v =~ s/\\/\\\\/g;
	$v =~ s/\t/\\t/g;
	$v =~ s/\n/\\n/g;
	return $v;
}

# sql_copy builds a COPY FROM STDIN with its data, for psql. An empty SELECT
# follows: on the bare ';' the session sends after each query, psql would
# run the COPY again.
sub sql_copy
{
	my ($n, $w) = @_;
	my @lines = map { my $r = rand_row($w); join("\t", map { copy_field($r->{$_}) } @COLS) } 1 .. $n;
	return 'COPY webhook_events (' . join(', ', @COLS) . ") FROM STDIN;\n"
	  . join("\n", @lines) . "\n\\.\nSELECT 1 WHERE false";
}

# rand_boundary returns a random UTC day or hour boundary.
sub rand_boundary
{
	return chance(0.5) ? between(0, 10) * DAY : between(0, 9) * DAY + between(0, 23) * HOUR;
}

# rand_selector builds a WHERE condition choosing some rows of a table.
sub rand_selector
{
	my ($table) = @_;
	my $r = below(5);
	my $rows = $table eq 'wh_child' ? 50 : ($live > 0 ? $live : 1);
	if ($r == 0)
	{
		return sprintf('id IN (SELECT id FROM %s ORDER BY id OFFSET %d LIMIT %d)',
			$table, below($rows), between(1, 20));
	}
	if ($r == 1)
	{
		my $from = rand_ts();
		return sprintf('organization_id = %s AND created_at >= %s AND created_at < %s',
			quote(pick(@ORGS)), ts($from), ts($from + between(1, 6) * HOUR));
	}
	return sprintf('id %% %d = %d', between(5, 40), below(5)) if $r == 2;
	return sprintf('webhook_id = %s AND done = 0', quote(pick(@ALL_HOOKS))) if $r == 3;
	my $b = rand_boundary();
	return sprintf('created_at BETWEEN %s AND %s', ts($b - 1), ts($b + 1));
}

# rand_assignment builds "column = new value" for a summarized (or other) column.
sub rand_assignment
{
	my ($col, $w) = @_;
	my %simple = (response_status => \&rand_status, error => \&rand_error,
		delay_ms => \&rand_delay, done => \&rand_done);
	return "$col = " . lit($col, $simple{$col}->($w)) if $simple{$col};
	if ($col eq 'retries')
	{
		return chance(0.4) ? 'retries = least(retries, 100) + 1' : 'retries = ' . lit($col, rand_retries($w));
	}
	if ($col eq 'created_at')
	{
		return 'created_at = ' . ts(rand_ts()) if chance(0.3);
		my $step = pick('1 hour', '-1 hour', '1 day', '-1 day', '1 microsecond', '-1 microsecond',
			'1 day -1 microsecond', '-25 hours', '59 minutes 59.999999 seconds');
		return sprintf("created_at = least(greatest(created_at + interval '%s', %s), %s)",
			$step, ts($RANGE_FROM), ts($RANGE_TO - 1));
	}
	if ($col eq 'first_sent_at')
	{
		return pick('first_sent_at = NULL',
			"first_sent_at = created_at + interval '" . pick(0, 1, 500, 999999, 2500500) . " microseconds'",
			"first_sent_at = created_at - interval '1 second'");
	}
	return "organization_id = " . quote(pick(@ORGS)) if $col eq 'organization_id';
	return "webhook_id = " . quote(pick(@ALL_HOOKS)) if $col eq 'webhook_id';
	return "event = " . quote(pick(@EVENTS)) if $col eq 'event';
	return "url = " . quote(pick(@URLS)) if $col eq 'url';
	return "updated_at = " . ts(rand_ts());
}

# rand_set_list builds 1-4 distinct assignments.
sub rand_set_list
{
	my ($w) = @_;
	my @cols = qw(response_status error retries delay_ms done created_at first_sent_at
	  organization_id webhook_id event url updated_at);
	my (%seen, @set);
	for (1 .. between(1, 4))
	{
		my $col = pick(@cols);
		push @set, rand_assignment($col, $w) unless $seen{$col}++;
	}
	return join(', ', @set);
}

# sql_update builds an UPDATE of some rows of a table.
sub sql_update
{
	my ($table, $w) = @_;
	return "UPDATE $table SET " . rand_set_list($w) . ' WHERE ' . rand_selector($table);
}

# sql_delete builds a DELETE of some rows of a table.
sub sql_delete
{
	my ($table) = @_;
	return "DELETE FROM $table WHERE " . rand_selector($table);
}

# rand_from_source lists "col = s.col" (or EXCLUDED) for a random subset of the columns.
sub rand_from_source
{
	my ($source) = @_;
	my @cols = grep { chance(0.5) } @COLS;
	@cols = ('response_status') unless @cols;
	return join(', ', map { "$_ = $source.$_" } @cols);
}

# sql_merge builds a MERGE that updates, deletes and inserts.
sub sql_merge
{
	my ($w) = @_;
	my $n = between(1, 8);
	my @vals = map { values_row(rand_row($w), $_, chance(0.3) ? "'d'" : "'u'") } 1 .. $n;
	return sprintf(
		'MERGE INTO webhook_events t USING (SELECT p.id, v.* FROM (VALUES %s) AS v(rn, action, %s)'
		  . ' LEFT JOIN (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM (SELECT DISTINCT id FROM'
		  . ' webhook_events ORDER BY id OFFSET %d LIMIT %d) x) p ON p.rn = v.rn) s ON t.id = s.id'
		  . " WHEN MATCHED AND s.action = 'd' THEN DELETE WHEN MATCHED THEN UPDATE SET %s"
		  . ' WHEN NOT MATCHED THEN INSERT (%s) VALUES (%s)',
		join(', ', @vals), join(', ', @COLS), below($live || 1), between(0, $n),
		rand_from_source('s'), join(', ', @COLS), join(', ', map { "s.$_" } @COLS));
}

# sql_upsert builds an INSERT ... ON CONFLICT (id) DO UPDATE on existing and free ids.
sub sql_upsert
{
	my ($w) = @_;
	my @vals = map { values_row(rand_row($w), $_, sprintf('%.6f', below(1_000_000) / 1_000_000)) }
	  1 .. between(1, 8);
	return sprintf(
		'INSERT INTO webhook_events AS t (id, %s) SELECT DISTINCT ON (q.id) q.id, %s FROM'
		  . ' (SELECT (floor(v.f * (s.last_value - 1)) + 1)::bigint AS id, v.* FROM (VALUES %s)'
		  . ' AS v(rn, f, %s) CROSS JOIN webhook_events_id_seq s WHERE s.is_called) q'
		  . ' ORDER BY q.id, q.rn ON CONFLICT (id) DO UPDATE SET %s%s',
		join(', ', @COLS), join(', ', map { "q.$_" } @COLS), join(', ', @vals),
		join(', ', @COLS), rand_from_source('EXCLUDED'),
		pick('', '', ' WHERE t.done = 0', ' WHERE t.retries < 3'));
}

# --------------------------------------------------------------- the session

my $node;
my $session;
my $in_txn = 0;    # an explicit transaction block is open
my $round = 0;
my (%calls, %mismatches, %ops, %refused, %errors, @failures, %failed_rounds);
my $failure_count = 0;
my %round_kinds;    # the kinds active in the current round (for attribution)
my %state = (child => 0, inherits => 0, origin_pending => 0, trigger_checks_seen => 0);

# open_session starts the psql session the test drives and sets it up.
sub open_session
{
	$session = $node->background_psql('postgres', on_error_stop => 0);
	$session->set_query_timer_restart();
	$in_txn = 0;
	run_sql("\\set VERBOSITY verbose\nSET client_min_messages = warning; SET search_path = public, oracle;"
		  . " SET statement_timeout = '120s'; SET TimeZone = "
		  . quote(pick('UTC', 'Pacific/Chatham', 'America/St_Johns', 'Asia/Kathmandu', 'Europe/Berlin')));
	return;
}

# run_sql runs statements in the session; returns {out, state, message}, state undef when no error.
sub run_sql
{
	my ($text) = @_;
	my $out = eval { scalar $session->query($text) };
	if (!defined $out)
	{
		my $why = $@ || 'no output';
		$session->{stderr} .= "\nERROR:  CRASH: psql session lost: $why";
	}
	my $err = $session->{stderr};
	$session->{stderr} = '';
	my ($state, $message) = $err =~ /ERROR:\s+([0-9A-Z]{5}|CRASH):\s*([^\n]*)/;
	return { out => $out // '', state => $state, message => $message // '' };
}

# failure records a failure with everything needed to replay it.
sub failure
{
	my ($what, $call, $detail) = @_;
	$failure_count++;
	my $where = $in_txn ? 'inside an open transaction' : 'autocommit';
	push @failures,
	  sprintf("round %d, %s, %s\n    call: %s\n    got: %s\n    round kinds: %s\n"
		  . "    replay: %s WHANALYTICS_DIFF_ROUNDS=%d",
		$round, $what, $where, $call, $detail, join(' ', sort keys %round_kinds), $replay, $round);
	note("FAILURE seed $seed $failures[-1]");
	return;
}

# restart_if_crashed reconnects after the server went away (the failure is already recorded).
sub restart_if_crashed
{
	my ($r) = @_;
	return unless ($r->{state} // '') eq 'CRASH';
	eval { $session->quit };
	$node->poll_query_until('postgres', 'SELECT true') or BAIL_OUT("server did not come back (seed $seed)");
	open_session();
	die "aborted\n";
}

# note_error counts an error: XX000 and crashes always fail, others fail unless a DDL may be refused.
sub note_error
{
	my ($kind, $sql, $r, $ddl) = @_;
	my $code = $r->{state};
	# documented: TRUNCATE in a savepoint after replica-mode changes outside it is refused
	$ddl = 1 if $code eq '0A000' && $sql =~ /^TRUNCATE/;
	if ($ddl && $code ne 'XX000' && $code ne 'CRASH')
	{
		$refused{$kind}++;
		note("seed $seed round $round: $kind refused ($code: $r->{message}): $sql");
	}
	else
	{
		$errors{$code}++;
		failure("$kind: error $code", $sql, $r->{message});
	}
	restart_if_crashed($r);
	if ($in_txn)
	{
		run_sql('ROLLBACK');
		$in_txn = 0;
	}
	die "aborted\n";
}

# write runs one write statement of a kind; an error aborts the operation.
sub write_sql
{
	my ($kind, $sql) = @_;
	my $r = run_sql($sql);
	note_error($kind, $sql, $r, 0) if defined $r->{state};
	return $r;
}

# ddl runs a DDL statement that may be refused cleanly; a refusal aborts the operation.
sub ddl
{
	my ($kind, $sql) = @_;
	my $r = run_sql($sql);
	note_error($kind, $sql, $r, 1) if defined $r->{state};
	return $r;
}

# begin opens a transaction block, in a random isolation level.
sub begin
{
	write_sql('begin',
		'BEGIN ISOLATION LEVEL ' . pick('READ COMMITTED', 'REPEATABLE READ', 'SERIALIZABLE'));
	$in_txn = 1;
	return;
}

# finish ends the open transaction block with COMMIT or ROLLBACK.
sub finish
{
	my ($how) = @_;
	write_sql('commit', $how);
	$in_txn = 0;
	return;
}

# ------------------------------------------------------------------- checks

# rand_window returns [from, to) offsets: day or hour aligned (+-1 us), random, tiny or whole.
sub rand_window
{
	my $r = below(100);
	my ($from, $to);
	if ($r < 25)
	{
		$from = between(-1, 9) * DAY;
		$to = $from + between(1, 6) * DAY;
		$from += pick(0, 0, -1, 1);
		$to += pick(0, 0, -1, 1);
	}
	elsif ($r < 45)
	{
		$from = between(-1, 9) * DAY + between(0, 23) * HOUR + pick(0, -1, 1);
		$to = $from + between(1, 60) * HOUR + pick(0, -1, 1);
	}
	elsif ($r < 65) { ($from, $to) = sort { $a <=> $b } (rand_ts(), rand_ts()); }
	elsif ($r < 75)
	{
		$from = rand_boundary() - pick(0, 1);
		$to = $from + pick(1, 2);
	}
	elsif ($r < 90) { ($from, $to) = ($RANGE_FROM, $RANGE_TO); }
	else
	{
		$from = between(0, 9) * DAY - 1;
		$to = rand_ts() + 9 * DAY;
	}
	$to = $from + 1 if $to <= $from;
	return ($from, $to);
}

# rand_check_args returns the organization, window and webhook of a call, as SQL.
sub rand_check_args
{
	my $org = chance(0.05) ? 'org_none' : pick(@ORGS);
	my ($from, $to) = rand_window();
	my $hook = chance(0.55) ? 'NULL' : quote(chance(0.1) ? 'webhook_none' : pick(@ALL_HOOKS));
	return (quote($org), ts($from), ts($to), $hook);
}

# rand_check returns a check: [kind, the comparison's SQL, the call, the detail's SQL].
sub rand_check
{
	my ($o, $f, $t, $w) = rand_check_args();
	my ($tn, $ln) = (pick(0, 1, 2, 3, 5, 5, 10, 50), pick(0, 1, 3, 10, 10, 20, 1000));
	my $r = below(100);
	if ($r < 35)
	{
		my $args = "$o, $f, $t, $w, $tn, $ln";
		return json_check('json_between', "webhook_analytics_json_between($args)",
			"plain_analytics_json_between($args)");
	}
	if ($r < 55)
	{
		my $period = pick(qw(last_day last_7_days prev_last_day prev_last_7_days last_30_days
			  prev_last_30_days last_90_days last_365_days prev_last_365_days));
		my $args = "$o, '$period', " . ts(rand_ts() + pick(0, 0, DAY, 3 * DAY)) . ", $w, $tn, $ln";
		return json_check('json_period', "webhook_analytics_json($args)", "plain_analytics_json($args)");
	}
	return series_check('day_metrics', 'day', "$o, $f, $t, $w") if $r < 72;
	return series_check('hourly_metrics', 'hour', "$o, $f, $t, $w") if $r < 89;
	my $call = "paths_agree($o, $f, $t, $w)";
	return [ 'paths_agree', "SELECT $call = 'agree'", $call, "SELECT $call" ];
}

# json_check compares a C response with the oracle's.
sub json_check
{
	my ($kind, $c, $plain) = @_;
	return [ $kind, "SELECT $c = $plain", $c, "SELECT json_diff($c, $plain)" ];
}

# series_check compares a C set-returning function with the oracle's, row by row.
sub series_check
{
	my ($kind, $key, $args) = @_;
	my ($c, $plain) = ("webhook_$kind($args)", "plain_$kind($args)");
	return [
		$kind,
		"SELECT (SELECT array_agg(x ORDER BY x.$key) FROM $c x)"
		  . " IS NOT DISTINCT FROM (SELECT array_agg(x ORDER BY x.$key) FROM $plain x)",
		$c,
		"SELECT string_agg(coalesce(d.a, '-') || ' <> ' || coalesce(d.b, '-'), '; ')"
		  . " FROM (SELECT a::text AS a, b::text AS b FROM $c a FULL JOIN $plain b ON a.$key = b.$key"
		  . " WHERE a::text IS DISTINCT FROM b::text LIMIT 3) d"
	];
}

# run_check runs one comparison and records its outcome.
sub run_check
{
	my ($check) = @_;
	my ($kind, $sql, $call, $detail_sql) = @$check;
	$calls{$kind}++;
	my $r = run_sql($sql);
	return if !defined $r->{state} && $r->{out} eq 't';
	$mismatches{$kind}++;
	if (defined $r->{state})
	{
		$errors{ $r->{state} }++ if $r->{state} eq 'XX000' || $r->{state} eq 'CRASH';
		failure("$kind: error $r->{state}", $call, $r->{message});
		restart_if_crashed($r);
		if ($in_txn)
		{
			run_sql('ROLLBACK');
			$in_txn = 0;
			die "aborted\n";
		}
		return;
	}
	my $detail = run_sql($detail_sql);
	failure("$kind: differs from plain SQL", $call,
		defined $detail->{state} ? "(detail failed: $detail->{message})" : "differs in: $detail->{out}");
	return;
}

# some_checks runs n random checks.
sub some_checks
{
	my ($n) = @_;
	run_check(rand_check()) for 1 .. $n;
	return;
}

# maybe_checks runs 1-3 random checks now and then (reads in the middle of an operation).
sub maybe_checks
{
	some_checks(between(1, 3)) if chance(0.5);
	return;
}

# whole_range_checks compares every organization's whole-range response.
sub whole_range_checks
{
	for my $org (@ORGS)
	{
		my $args = join(', ', quote($org), ts($RANGE_FROM), ts($RANGE_TO), 'NULL', 50, 20);
		run_check(json_check('json_between', "webhook_analytics_json_between($args)",
			"plain_analytics_json_between($args)"));
	}
	return;
}

# ------------------------------------------------------------ ordinary kinds

# simple_write runs one write of a simple kind (the enabled ones, else any); w: use widened room.
sub simple_write
{
	my ($w, $no_truncate) = @_;
	my @kinds = grep { $enabled{$_} && !($no_truncate && $_ eq 'truncate') } @SIMPLE;
	@kinds = grep { $_ ne 'truncate' } @SIMPLE unless @kinds;
	my $kind = pick(@kinds);
	$kind = pick(@kinds) while $kind eq 'truncate' && @kinds > 1 && !chance(0.2);
	run_kind($kind, $w);
	return;
}

# %KIND maps each kind to the sub that runs one operation of it.
my %KIND = (
	insert_multi => sub { write_sql('insert_multi', sql_insert('webhook_events', between(2, 40), $_[0])) },
	insert_one => sub { write_sql('insert_one', sql_insert('webhook_events', 1, $_[0])) },
	update => sub { write_sql('update', sql_update('webhook_events', $_[0])) },
	delete => sub { write_sql('delete', sql_delete('webhook_events')) },
	copy => sub { write_sql('copy', sql_copy(between(1, 60), $_[0])) },
	merge => sub { write_sql('merge', sql_merge($_[0])) },
	upsert => sub { write_sql('upsert', sql_upsert($_[0])) },
	truncate => \&op_truncate,
	savepoint => \&op_savepoint,
	rollback => \&op_rollback,
	open_txn => \&op_open_txn,
	compact => sub { write_sql('compact', 'SELECT webhook_summaries_compact()') },
	# refused (55000) while a child or parent table exists: then every call reads rows
	rebuild => sub { ddl('rebuild', 'SELECT webhook_summaries_rebuild()') },
	webhooks => \&op_webhooks,
	disable_triggers => \&op_disable_triggers,
	replica_role => \&op_replica_role,
	child_table => \&op_child_table,
	user_trigger => \&op_user_trigger,
	alter_type => \&op_alter_type,
);

# run_kind runs one operation of a kind and counts it.
sub run_kind
{
	my ($kind, $w) = @_;
	$ops{$kind}++;
	$round_kinds{$kind} = 1;
	$KIND{$kind}->($w);
	return;
}

# op_truncate empties webhook_events (and its children), then refills some rows.
sub op_truncate
{
	write_sql('truncate', 'TRUNCATE webhook_events' . pick('', '', ' RESTART IDENTITY'));
	write_sql('truncate', sql_insert('webhook_events', between(0, 1) ? 30 : 5, $_[0])) if chance(0.8);
	return;
}

# op_savepoint writes, rolls back to savepoints, writes again, reading in between, and commits.
sub op_savepoint
{
	begin();
	simple_write();
	write_sql('savepoint', 'SAVEPOINT a');
	simple_write() for 1 .. between(1, 2);
	if (chance(0.4))
	{
		write_sql('savepoint', 'SAVEPOINT b');
		simple_write();
		maybe_checks();
		write_sql('savepoint', pick('ROLLBACK TO SAVEPOINT b', 'RELEASE SAVEPOINT b'));
	}
	maybe_checks();
	write_sql('savepoint', 'ROLLBACK TO SAVEPOINT a');
	some_checks(1);
	simple_write();
	maybe_checks();
	finish('COMMIT');
	return;
}

# op_rollback writes in a transaction, reads, and rolls the whole of it back.
sub op_rollback
{
	begin();
	for (1 .. between(1, 3))
	{
		simple_write();
		maybe_checks();
	}
	some_checks(1);
	finish('ROLLBACK');
	return;
}

# op_open_txn interleaves writes and reads in one transaction, then commits.
sub op_open_txn
{
	begin();
	for (1 .. between(1, 4))
	{
		chance(0.15) ? run_kind('compact') : simple_write();
		some_checks(between(1, 2));
	}
	finish('COMMIT');
	return;
}

# op_webhooks inserts, deletes or changes rows of webhooks (total.webhooks, events_subscribed).
sub op_webhooks
{
	my $org = pick(@ORGS);
	my $events = 'ARRAY[' . join(', ', map { quote(pick(@EVENTS)) } 1 .. between(0, 4)) . ']::text[]';
	my $id = quote(chance(0.7) ? pick(@ALL_HOOKS) : 'webhook_extra_' . below(6));
	write_sql('webhooks', pick(
		"INSERT INTO webhooks (id, organization_id, url, events)"
		  . " VALUES ($id, '$org', 'https://x.example', $events) ON CONFLICT (id) DO NOTHING",
		"DELETE FROM webhooks WHERE id = $id",
		"UPDATE webhooks SET events = $events WHERE id = $id",
		"UPDATE webhooks SET organization_id = '$org' WHERE id = $id"));
	return;
}

# ---------------------------------------------------------------- hard kinds

my @SUMMARY_TRIGGERS = map { "webhook_events_summarize_$_" } qw(begin insert update delete truncate replica);

# The ALTER TABLE statements that put the summary triggers back in the modes the install script gives them.
my @RESTORE_MODES = (
	(map { "ALTER TABLE webhook_events ENABLE TRIGGER webhook_events_summarize_$_" } qw(begin insert update delete)),
	'ALTER TABLE webhook_events ENABLE ALWAYS TRIGGER webhook_events_summarize_truncate',
	'ALTER TABLE webhook_events ENABLE REPLICA TRIGGER webhook_events_summarize_replica');

# restore_always puts the summary triggers back in their installed modes (the summaries stay stale until a rebuild).
sub restore_always
{
	ddl('disable_triggers', $_) for @RESTORE_MODES;
	$state{origin_pending} = 0;
	return;
}

# op_disable_triggers disables the triggers (ALL, USER or one), writes, enables them, reads.
sub op_disable_triggers
{
	my $txn = chance(0.3);
	my $which = pick('ALL', 'ALL', 'USER', 'USER', pick(@SUMMARY_TRIGGERS));
	begin() if $txn;
	ddl('disable_triggers', "ALTER TABLE webhook_events DISABLE TRIGGER $which");
	my $ok = guard(sub {
		for (1 .. between(1, 3))
		{
			simple_write();
			maybe_checks();
		}
		ddl('disable_triggers', 'ALTER TABLE webhook_events ENABLE TRIGGER '
			  . ($which =~ /^(ALL|USER)$/ ? pick('ALL', 'USER') : $which));
		maybe_checks();
		if (chance(0.75)) { restore_always(); }
		else { $state{origin_pending} = 1; }
		finish('COMMIT') if $txn;
	});
	# an aborted autocommit run leaves the triggers disabled: enable them as installed
	run_sql($_) for $ok || $txn ? () : @RESTORE_MODES;
	die "aborted\n" unless $ok;
	return;
}

# op_replica_role writes under session_replication_role = replica.
sub op_replica_role
{
	my $txn = chance(0.4);
	if ($txn)
	{
		begin();
		ddl('replica_role', 'SET LOCAL session_replication_role = replica');
	}
	else { ddl('replica_role', 'SET session_replication_role = replica'); }
	my $ok = guard(sub {
		for (1 .. between(1, 3))
		{
			simple_write();
			maybe_checks();
		}
	});
	run_sql('RESET session_replication_role') unless $in_txn;
	die "aborted\n" unless $ok;
	finish('COMMIT') if $txn;
	return;
}

# op_child_table keeps a child table wh_child INHERITS (webhook_events) and
# writes to it, directly and through the parent.
sub op_child_table
{
	if (!$state{child} && chance(0.7))
	{
		ddl('child_table', 'CREATE TABLE wh_child () INHERITS (webhook_events)');
		@state{qw(child inherits)} = (1, 1);
	}
	elsif (!$state{child})
	{
		ddl('child_table', 'CREATE TABLE wh_child (LIKE webhook_events)');    # rows first, then attach
		$state{child} = 1;
		write_sql('child_table', sql_insert('wh_child', between(1, 10)));
		ddl('child_table', 'ALTER TABLE wh_child INHERIT webhook_events');
		$state{inherits} = 1;
	}
	elsif (!$state{inherits})
	{
		ddl('child_table', 'ALTER TABLE wh_child INHERIT webhook_events');
		$state{inherits} = 1;
	}
	child_step() for 1 .. between(1, 3);
	return;
}

# child_step writes to the child table one way or another, or detaches or drops it.
sub child_step
{
	my $step = weighted(insert => 6, parent_update => 4, parent_delete => 3, child_update => 2,
		child_delete => 1, truncate => 1, no_inherit => 1, drop => 1);
	my $ids = sprintf('id IN (SELECT id FROM wh_child ORDER BY id OFFSET %d LIMIT %d)',
		below(30), between(1, 10));
	if ($step eq 'insert') { write_sql('child_table', sql_insert('wh_child', between(1, 20))); }
	elsif ($step eq 'parent_update')
	{
		write_sql('child_table', 'UPDATE webhook_events SET ' . rand_set_list() . " WHERE $ids");
	}
	elsif ($step eq 'parent_delete') { write_sql('child_table', "DELETE FROM webhook_events WHERE $ids"); }
	elsif ($step eq 'child_update') { write_sql('child_table', sql_update('wh_child')); }
	elsif ($step eq 'child_delete') { write_sql('child_table', sql_delete('wh_child')); }
	elsif ($step eq 'truncate') { write_sql('child_table', 'TRUNCATE wh_child'); }
	elsif ($step eq 'no_inherit')
	{
		ddl('child_table', 'ALTER TABLE wh_child NO INHERIT webhook_events');
		$state{inherits} = 0;
		die "aborted\n";    # the child is detached: nothing more to do through the parent
	}
	else
	{
		ddl('child_table', 'DROP TABLE wh_child');
		@state{qw(child inherits)} = (0, 0);
		die "aborted\n";
	}
	return;
}

# setup_trigger_checks creates the side table and the functions of the user triggers.
sub setup_trigger_checks
{
	my $orgs = join(', ', map { quote($_) } @ORGS);
	my ($from, $to) = (ts($RANGE_FROM), ts($RANGE_TO));
	$node->safe_psql('postgres', <<"SQL");
SET search_path = public, oracle;
CREATE TABLE wh_trigger_checks (n bigserial PRIMARY KEY, trigger_name text NOT NULL,
                                call text NOT NULL, agree boolean NOT NULL);
-- wh_check_row compares the 3 UTC days around the new row with plain SQL.
CREATE FUNCTION wh_check_row() RETURNS trigger LANGUAGE plpgsql AS \$\$
DECLARE
    f timestamptz := (date_trunc('day', NEW.created_at AT TIME ZONE 'UTC') - interval '1 day')
                     AT TIME ZONE 'UTC';
    t timestamptz := f + interval '72 hours';
BEGIN
    INSERT INTO wh_trigger_checks (trigger_name, call, agree)
    VALUES (TG_NAME,
            format('webhook_analytics_json_between(%L, %L, %L, NULL, 50, 20)', NEW.organization_id, f, t),
            webhook_analytics_json_between(NEW.organization_id, f, t, NULL, 50, 20)
              = plain_analytics_json_between(NEW.organization_id, f, t, NULL, 50, 20));
    RETURN NULL;
END \$\$;
-- wh_check_statement compares every organization's whole range with plain SQL.
CREATE FUNCTION wh_check_statement() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN
    INSERT INTO wh_trigger_checks (trigger_name, call, agree)
    SELECT TG_NAME || ' ' || TG_OP,
           format('webhook_analytics_json_between(%L, %L, %L, NULL, 50, 20)', o, $from, $to),
           webhook_analytics_json_between(o, $from, $to, NULL, 50, 20)
             = plain_analytics_json_between(o, $from, $to, NULL, 50, 20)
    FROM unnest(ARRAY[$orgs]) AS o;
    RETURN NULL;
END \$\$;
SQL
	return;
}

# op_user_trigger adds row and statement triggers that check from inside, writes, and drops them.
sub op_user_trigger
{
	my @triggers = (
		'wh_check_row AFTER INSERT ON webhook_events FOR EACH ROW EXECUTE FUNCTION wh_check_row()',
		'a_wh_check_statement AFTER INSERT OR UPDATE OR DELETE ON webhook_events'
		  . ' FOR EACH STATEMENT EXECUTE FUNCTION wh_check_statement()',
		'z_wh_check_statement AFTER INSERT OR UPDATE OR DELETE ON webhook_events'
		  . ' FOR EACH STATEMENT EXECUTE FUNCTION wh_check_statement()');
	begin();
	ddl('user_trigger', "CREATE TRIGGER $_") for @triggers;
	simple_write(undef, 1) for 1 .. between(1, 3);
	finish('COMMIT');
	run_sql("DROP TRIGGER IF EXISTS $_ ON webhook_events")
	  for qw(wh_check_row a_wh_check_statement z_wh_check_statement);
	harvest_trigger_checks();
	return;
}

# harvest_trigger_checks counts the checks the user triggers recorded since the last harvest.
sub harvest_trigger_checks
{
	my $r = run_sql('SELECT count(*), count(*) FILTER (WHERE NOT agree), coalesce(max(n), 0),'
		  . " coalesce(string_agg(trigger_name || ': ' || call, E'\\n') FILTER (WHERE NOT agree), '')"
		  . " FROM wh_trigger_checks WHERE n > $state{trigger_checks_seen}");
	my ($n, $bad, $max, $calls) = split /\|/, $r->{out}, 4;
	return if defined $r->{state} || !defined $max;
	$calls{in_trigger} += $n;
	$mismatches{in_trigger} += $bad;
	$state{trigger_checks_seen} = $max;
	my @bad = split /\n/, $calls;
	failure('in_trigger: differs from plain SQL inside a user trigger', $_, 'f')
	  for @bad[ 0 .. ($#bad < 2 ? $#bad : 2) ];
	return;
}

# oracle_view is the oracle's view of webhook_events: error read as jsonb (it may be json).
sub oracle_view
{
	my @cols = map { $_ eq 'error' ? 'error::jsonb AS error' : $_ } ('id', @COLS);
	return 'CREATE VIEW oracle.webhook_events AS SELECT ' . join(', ', @cols)
	  . ' FROM public.webhook_events';
}

# op_alter_type widens (or narrows back) a summarized column, then writes values that use its room.
sub op_alter_type
{
	my @wide = grep { $TYPE{$_} ne $NARROW{$_} } sort keys %NARROW;
	my @narrow = grep { $TYPE{$_} eq $NARROW{$_} } sort keys %NARROW;
	my ($col, $to);
	if (@wide && (!@narrow || chance(0.3))) { $col = pick(@wide); $to = $NARROW{$col}; }
	elsif (@narrow) { $col = pick(@narrow); $to = $WIDE{$col}; }
	begin();
	if ($to eq $NARROW{$col} && $to =~ /int/)
	{
		my $max = $to eq 'smallint' ? 32767 : 2147483647;
		write_sql('alter_type',
			"UPDATE webhook_events SET $col = $col % $max WHERE $col NOT BETWEEN -$max AND $max");
	}
	write_sql('alter_type', 'DROP VIEW oracle.webhook_events');
	ddl('alter_type', "ALTER TABLE webhook_events ALTER COLUMN $col TYPE $to USING $col\::$to");
	# a detached child must keep the parent's types to be attached again
	if ($state{child} && !$state{inherits})
	{
		ddl('alter_type', "ALTER TABLE wh_child ALTER COLUMN $col TYPE $to USING $col\::$to");
	}
	write_sql('alter_type', oracle_view());
	finish('COMMIT');
	$TYPE{$col} = $to;
	simple_write(1, 1) for 1 .. between(1, 3);
	return;
}

# ------------------------------------------------------------------- rounds

# pick_kind picks an enabled kind, weighted (more deletes when the table is large).
sub pick_kind
{
	my %w = (insert_multi => 60, insert_one => 40, update => 80, delete => 40, copy => 30,
		merge => 30, upsert => 30, truncate => 3, savepoint => 30, rollback => 30, open_txn => 40,
		compact => 20, rebuild => 8, webhooks => 15, map { $_ => 20 } @HARD);
	$w{delete} *= 4, $w{truncate} *= 4 if $live > 2500;
	$w{insert_multi} *= 3 if $live < 100;
	return weighted(map { ($_ => $w{$_}) } grep { $enabled{$_} } @ORDINARY, @HARD);
}

# guard runs a sub; false when it was aborted (its failure or refusal is recorded already).
sub guard
{
	my ($code) = @_;
	return 1 if eval { $code->(); 1 };
	die $@ if $@ ne "aborted\n";
	return 0;
}

# run_op runs one top-level operation of a kind.
sub run_op
{
	my ($kind) = @_;
	guard(sub { run_kind($kind) });
	return;
}

# active_states marks the kinds whose effects outlive their operation.
sub active_states
{
	$round_kinds{child_table} = 1 if $state{child} && $state{inherits};
	$round_kinds{alter_type} = 1 if grep { $TYPE{$_} ne $NARROW{$_} } keys %NARROW;
	$round_kinds{disable_triggers} = 1 if $state{origin_pending};
	return;
}

# run_round runs a batch of writes, then the checks; a failing round is followed by a rebuild.
sub run_round
{
	my $before = $failure_count;
	%round_kinds = ();
	active_states();
	guard(\&restore_always) if $state{origin_pending};
	$live = run_sql('SELECT count(*) FROM webhook_events')->{out} || 0;
	run_op(pick_kind()) for 1 .. between(1, 5);
	active_states();
	note(sprintf('seed %s round %d: %d rows, kinds %s',
		$seed, $round, $live, join(' ', sort keys %round_kinds)));
	guard(sub { whole_range_checks(); some_checks(between(4, 10)); });
	return if $failure_count == $before;
	my @hard = grep { $round_kinds{$_} } @HARD;
	$failed_rounds{$_}++ for (@hard ? @hard : ('ordinary'));
	my $r = run_sql('SELECT webhook_summaries_rebuild()');    # start the next round afresh
	failure('resync rebuild: error', 'SELECT webhook_summaries_rebuild()', $r->{message})
	  if defined $r->{state} && $r->{state} ne '55000';
	guard(sub { restart_if_crashed($r) });
	return;
}

# setup starts the node, creates the extension, loads the oracle and the first rows.
sub setup
{
	$node = PostgreSQL::Test::Cluster->new('differential',
		defined $ENV{WHANALYTICS_DIFF_PORT} ? (port => $ENV{WHANALYTICS_DIFF_PORT}) : ());
	$node->init;
	$node->append_conf('postgresql.conf', 'log_statement = none');    # thousands of statements a minute
	$node->start;
	my $oracle = slurp_file("$test_dir/../plain_sql.sql");
	my $helpers = slurp_file("$test_dir/../helpers.sql");
	$node->safe_psql('postgres', 'CREATE EXTENSION whanalytics; CREATE SCHEMA oracle;'
		  . ' CREATE VIEW oracle.webhooks AS SELECT * FROM public.webhooks; ' . oracle_view());
	$node->safe_psql('postgres', "SET search_path = oracle, public;\n$oracle\n$helpers");
	$node->safe_psql('postgres', q{
		DO $$ DECLARE f regprocedure; BEGIN
		FOR f IN SELECT p.oid FROM pg_proc p
		         WHERE p.pronamespace = 'oracle'::regnamespace AND p.proname LIKE 'plain\_%' LOOP
			EXECUTE format('ALTER FUNCTION %s SET search_path = oracle, public', f);
		END LOOP; END $$});
	setup_trigger_checks();
	my @hooks;
	for my $org (@ORGS)
	{
		push @hooks, "('$_', '$org', 'https://x.example', '{api_key.created,invoice.paid}')"
		  for @{ $HOOKS{$org} };
	}
	$node->safe_psql('postgres',
		'INSERT INTO webhooks (id, organization_id, url, events) VALUES ' . join(', ', @hooks));
	open_session();
	guard(sub { write_sql('insert_multi', sql_insert('webhook_events', 40)) for 1 .. 5; })
	  or BAIL_OUT("the first rows could not be written (seed $seed): " . join("\n", @failures));
	return;
}

# report prints the summary line and one test per check kind.
sub report
{
	my ($rounds, $elapsed) = @_;
	my $total_calls = 0;
	$total_calls += $calls{$_} // 0 for @CHECKS;
	diag($_) for @failures[ 0 .. ($#failures < 24 ? $#failures : 24) ];
	diag(scalar(@failures) - 25 . ' more failures (all are in the log)') if @failures > 25;
	for my $kind (@CHECKS)
	{
		is($mismatches{$kind} // 0, 0,
			sprintf('%s: %d calls compared with plain SQL, none differs (seed %s)',
				$kind, $calls{$kind} // 0, $seed));
	}
	is($errors{XX000} // 0, 0, "no internal error XX000 (seed $seed)");
	my $other = 0;
	$other += $errors{$_} for grep { $_ ne 'XX000' } keys %errors;
	is($other, 0, "no write failed with another error, no crash (seed $seed)");
	ok($total_calls > 0, "some calls were compared (seed $seed)");
	diag(sprintf('seed %s: %d rounds in %.1f s; operations %s; calls compared %d %s; mismatches %s;'
		  . ' errors %s; refused DDL %s; failing rounds by kind %s; failures %d',
		$seed, $rounds, $elapsed, counts(\%ops), $total_calls, counts(\%calls), counts(\%mismatches),
		counts(\%errors), counts(\%refused), counts(\%failed_rounds), $failure_count));
	return;
}

# counts renders a hash of counts as "k=v ..." in name order.
sub counts
{
	my ($h) = @_;
	return '{' . join(' ', map { "$_=$h->{$_}" } sort keys %$h) . '}';
}

# main runs the rounds within the budget.
prng_seed($seed);
diag("whanalytics differential test: seed $seed, budget ${seconds}s or $max_rounds rounds,"
	  . " kinds $kinds_text (replay: $replay)");
my $start = Time::HiRes::time();
setup();
while ($round < $max_rounds && Time::HiRes::time() - $start < $seconds)
{
	$round++;
	run_round();
}
$session->quit;
report($round, Time::HiRes::time() - $start);
done_testing();
