#!/usr/bin/env bash
# Makes the README's pictures with the project's own commands, as root: a daemon pinging
# 127.0.0.1 every 200 ms for about four minutes inside a private network namespace (so nothing
# leaves the machine), its echo requests made 40,000 bytes by a reload after a minute (which
# loopback barely notices), its loopback taken down for 40 s later on (an outage); then
# `ping-daemon graph` of that run, and its status page in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$PWD/docs/pictures
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cli="node $PWD/dist/cli.js"
export cli tmp out
unshare -n bash -c '
  set -e
  ip link set lo up
  echo "{\"host\": \"127.0.0.1\", \"interval\": \"200ms\", \"metricsListen\": \"127.0.0.1:9469\"}" > "$tmp/c.json"
  $cli start -c "$tmp/c.json" --log-file "$tmp/p.log" --pid-file "$tmp/d.pid" --service-log "$tmp/s.log"
  sleep 60
  echo "{\"host\": \"127.0.0.1\", \"interval\": \"200ms\", \"metricsListen\": \"127.0.0.1:9469\", \"size\": 40000}" > "$tmp/c.json"
  $cli reload --pid-file "$tmp/d.pid"
  sleep 60
  ip link set lo down; sleep 40; ip link set lo up
  sleep 80
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --screenshot="$out/status-page.png" \
    --window-size=860,520 --user-data-dir="$tmp/profile" http://127.0.0.1:9469/ 2>/dev/null
  $cli stop --pid-file "$tmp/d.pid"
'
$cli graph --log-file "$tmp/p.log" --since 5m -o "$out/graph.svg"
