#!/usr/bin/perl
# The floor of a prober that runs one ping per probe: a small process that forks and execs
# `ping -c1` for each host in turn, N probes a second spread evenly, and reaps them.
# Usage: spread.pl INTERVAL_S HOST...
use strict;
use warnings;
use POSIX ':sys_wait_h';
use Time::HiRes qw(time sleep);
my ($interval, @hosts) = @ARGV;
my $gap = $interval / @hosts;
my $next = time;
$SIG{TERM} = sub { exit 0 };
for (;;) {
  for my $h (@hosts) {
    my $pid = fork;
    if (defined $pid && $pid == 0) {
      open STDOUT, '>', '/dev/null';
      open STDERR, '>', '/dev/null';
      exec 'ping', '-n', '-c1', '-W1', $h or exit 127;
    }
    1 while waitpid(-1, WNOHANG) > 0;
    $next += $gap;
    my $d = $next - time;
    sleep $d if $d > 0;
  }
}
