#!/bin/bash
# A shell loop of `ping -c1`, timestamps from bash itself ($EPOCHREALTIME, no `date` process).
# Usage: loop.sh HOST INTERVAL_SECONDS LOG
host=$1 interval=$2 log=$3 seq=0
while :; do
  seq=$((seq + 1))
  echo "start time---------:$EPOCHREALTIME seq=$seq" >> "$log"
  ping -n -c1 -W1 "$host" > /dev/null
  echo "end of time--------:$EPOCHREALTIME seq=$seq" >> "$log"
  sleep "$interval"
done
