# kafka-tools.sh: what the pipeline scripts share; sourced, not run.
#
# Finds kprod and kcons beside the script that sources it: $BIN when set
# (the tests), else ../bin (a built source tree: pipelines/ beside bin/),
# else ../../bin (installed: PREFIX/libexec/kafka-tools beside PREFIX/bin),
# else PATH. So a crontab line needs no PATH of its own.

# The folder of the running script, symlinks resolved.
KT_HERE=$(dirname "$(readlink -f "$0")")

# Prints the path of tool $1, or says it is missing and exits 2.
kt_tool() {
	local d
	for d in ${BIN:+"$BIN"} "$KT_HERE/../bin" "$KT_HERE/../../bin"; do
		if [ -x "$d/$1" ]; then
			printf '%s\n' "$d/$1"
			return 0
		fi
	done
	if command -v "$1" 2>/dev/null; then
		return 0
	fi
	printf '%s: %s not found beside %s nor on PATH (build with make, or make install)\n' \
		"${0##*/}" "$1" "$KT_HERE" >&2
	exit 2
}

# Checks that the brokers answer before any record moves, so a wrong address
# fails within seconds instead of after kprod's message.timeout.ms: runs
# kprod -L with the given options (-b, -X, -F). Prints the listing for the
# caller to read topics from. Exits 1 with kprod's reason when it fails.
kt_check_brokers() {
	local listing status
	listing=$("$KPROD" -L "$@")
	status=$?
	if [ "$status" -ne 0 ]; then
		printf '%s: cannot use the brokers (kprod -L exited %d): stopping before any record moves\n' \
			"${0##*/}" "$status" >&2
		exit 1
	fi
	printf '%s\n' "$listing"
}

# Prints the number of partitions of topic $1 in a kprod -L listing on stdin,
# or nothing when the listing lacks it.
kt_partitions() {
	sed -n "s/^  topic \"$(printf '%s' "$1" | sed 's/[.[\*^$/]/\\&/g')\" with \([0-9]*\) partitions:.*/\1/p"
}
