# Shared by the suites that drive a page in headless Chromium
# (tests/clients/chromium-drive.js): `load helpers; load drive_helpers`.
# The test's teardown stops the driver (TERM first: it closes Chromium).

# Starts the page driver (tests/clients/chromium-drive.js) on URL $1; the
# test writes commands with `drive CMD` and reads answers from $DRIVE_OUT.
drive_start() {
	mkfifo "$BATS_TEST_TMPDIR/drive.in"
	DRIVE_OUT=$BATS_TEST_TMPDIR/drive.out
	# There before drive reads it: the driver's shell opens it only once
	# the FIFO has a writer (exec 7> below), after which drive may run.
	: >"$DRIVE_OUT"
	TIMEOUT_SECS=90 NODE_PATH=/usr/share/nodejs node "$ROOT/tests/clients/chromium-drive.js" "$1" \
		<"$BATS_TEST_TMPDIR/drive.in" >"$DRIVE_OUT" 2>"$BATS_TEST_TMPDIR/drive.err" 3>&- &
	DRIVE_PID=$!
	exec 7>"$BATS_TEST_TMPDIR/drive.in"
}

# Sends one command to the driver and waits for its answer (the page's status).
drive() {
	local n
	n=$(wc -l <"$DRIVE_OUT")
	echo "$*" >&7
	wait_lines "$DRIVE_OUT" $((n + 1)) 60 || { cat "$BATS_TEST_TMPDIR/drive.err" >&2; return 1; }
	sed -n "$((n + 1))p" "$DRIVE_OUT"
}

# Ends the driver: it closes Chromium and exits 0 when every command was done.
drive_stop() {
	exec 7>&-
	run timeout 20 tail --pid="$DRIVE_PID" -f /dev/null
	wait "$DRIVE_PID" || { cat "$BATS_TEST_TMPDIR/drive.err" >&2; return 1; }
	DRIVE_PID=
}
