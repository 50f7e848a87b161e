#!/bin/bash
# How fast /healthz turns 503 when acknowledgements stop, and 200 again when
# they flow: wsrecv --ack --ack-from | kprod --reports under traffic from
# Python websockets, kprod frozen with SIGSTOP, then SIGCONT. Prints the two
# times, the clients' ack counts and how many distinct messages Kafka holds.
#
#   bench/ack-wait.sh BROKERS      (make all first; e.g. a tests/kafka/cluster)
set -u
cd "$(dirname "$0")/.." || exit 2
[ $# -eq 1 ] || { echo "usage: bench/ack-wait.sh BROKERS" >&2; exit 2; }
B=$1; d=$(mktemp -d); t=ackwait-$RANDOM
kcat -b "$B" -L >/dev/null 2>&1
mkfifo $d/ws2k $d/reports
bin/wsrecv -p 0 --ack --ack-from $d/reports --ack-wait 2 >$d/ws2k 2>$d/err 3>&- & ws=$!
bin/kprod -b "$B" -t $t --reports $d/reports <$d/ws2k 2>$d/kerr 3>&- & kp=$!
for i in $(seq 100); do port=$(sed -n 's/.*listening on .*:\([0-9]*\)$/\1/p' $d/err); [ -n "$port" ] && break; sleep 0.05; done
code() { curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$port/healthz; }
timeout 120 /usr/bin/python3 tests/clients/wsclient.py ws://127.0.0.1:$port/ --count 20000 --acks >$d/c1 & c1=$!
sleep 1
kill -STOP $kp; t0=$(date +%s.%N)
timeout 60 /usr/bin/python3 tests/clients/wsclient.py ws://127.0.0.1:$port/ --prefix d --count 100 --acks >$d/c2 & c2=$!
while [ "$(code)" != 503 ]; do sleep 0.05; done; t1=$(date +%s.%N)
echo "503 after $(awk "BEGIN { print $t1 - $t0 }") s"
kill -CONT $kp; t2=$(date +%s.%N)
while [ "$(code)" != 200 ]; do sleep 0.05; done; t3=$(date +%s.%N)
echo "200 after $(awk "BEGIN { print $t3 - $t2 }") s of SIGCONT"
wait $c1 $c2; cat $d/c1 $d/c2
kill -TERM $ws $kp; wait $ws $kp
echo "in kafka: $(timeout 30 kcat -b "$B" -C -t $t -e -q | sort -u | wc -l)"
cat $d/err
rm -rf $d
