# The tutorial's loop (docs/README.md), in the foreground (the benchmark measures the loop, not the
# double fork), with `ping -c 1` so that it does not leak a ping per tick.
# Usage: python3 tutorial.py HOST INTERVAL_SECONDS LOG
import os
import sys
import threading
import time

host, interval, log = sys.argv[1], float(sys.argv[2]), sys.argv[3]


def probe():
    os.system("ping -c 1 %s >/dev/null" % host)


while True:
    f = open(log, "a")
    f.write("start time---------:%s\n" % time.ctime())
    f.flush()
    threading.Thread(target=probe).start()
    time.sleep(interval)
    f.write("end of time--------:%s\n" % time.ctime())
    f.close()
