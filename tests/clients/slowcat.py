#!/usr/bin/python3
"""A slow reader for backpressure tests: waits DELAY seconds, then copies
stdin to stdout at about RATE bytes a second (64 KiB reads).

  slowcat.py DELAY RATE
"""
import os
import sys
import time


def main():
    delay, rate = float(sys.argv[1]), float(sys.argv[2])
    time.sleep(delay)
    start, total = time.monotonic(), 0
    while True:
        chunk = os.read(0, 65536)
        if not chunk:
            return 0
        os.write(1, chunk)
        total += len(chunk)
        ahead = total / rate - (time.monotonic() - start)
        if ahead > 0:
            time.sleep(ahead)


if __name__ == "__main__":
    sys.exit(main())
