#!/usr/bin/env bats
# The build: install and uninstall, as packagers and newcomers use them.

load helpers

@test "make install puts the three tools and their man pages under DESTDIR/PREFIX; uninstall removes them" {
	dest=$BATS_TEST_TMPDIR/root
	run make -s -C "$ROOT" install DESTDIR="$dest" PREFIX=/opt/k
	assert_success
	for t in wsrecv kprod kcons; do
		assert_file_executable "$dest/opt/k/bin/$t"
		assert_file_exist "$dest/opt/k/share/man/man1/$t.1"
	done
	run "$dest/opt/k/bin/kprod" -h
	assert_success
	assert_line --index 0 --partial 'usage: kprod -t topic'
	run make -s -C "$ROOT" uninstall DESTDIR="$dest" PREFIX=/opt/k
	assert_success
	run find "$dest" -type f
	assert_output ''
}

@test "make install puts the pipelines in PREFIX/libexec/kafka-tools, where they run under cron's PATH with the installed tools" {
	dest=$BATS_TEST_TMPDIR/root
	run make -s -C "$ROOT" install DESTDIR="$dest" PREFIX=/opt/k
	assert_success
	for s in kafka-copy kafka-route kafka-to-file ws-to-kafka; do
		assert_file_executable "$dest/opt/k/libexec/kafka-tools/$s"
	done
	assert_file_exist "$dest/opt/k/libexec/kafka-tools/kafka-tools.sh"
	# No BIN, PATH as cron sets it: the script finds ../../bin/kprod.
	run env -i PATH=/usr/bin:/bin "$dest/opt/k/libexec/kafka-tools/kafka-copy" -b 127.0.0.1:1 -s a -d b
	assert_failure 1
	assert_line --partial "kprod: cannot reach the brokers at 127.0.0.1:1"
	ln -s "$dest/opt/k/libexec/kafka-tools/kafka-copy" "$BATS_TEST_TMPDIR/kafka-copy"
	run env -i PATH=/usr/bin:/bin "$BATS_TEST_TMPDIR/kafka-copy" -b 127.0.0.1:1 -s a -d b
	assert_line --partial "kprod: cannot reach the brokers at 127.0.0.1:1"
	run make -s -C "$ROOT" uninstall DESTDIR="$dest" PREFIX=/opt/k
	assert_success
	run find "$dest" -type f
	assert_output ''
}

@test "kprod and kcons take malloc from mimalloc (librdkafka's allocations too), wsrecv from the C library" {
	[[ $BIN != */asan/* ]] || skip "the sanitizers bring their own malloc: the release build has mimalloc"
	for t in kprod kcons; do
		run env MIMALLOC_VERBOSE=1 "$BIN/$t" --version
		assert_success
		assert_output --partial 'mimalloc: process init'
		assert_output --regexp "$t [0-9.]+ \\(librdkafka"
		# The one malloc the process has, librdkafka's calls included.
		run bash -c "LD_DEBUG=bindings '$BIN/$t' --version 2>&1 | grep -F 'librdkafka.so.1 ' | grep -F \"symbol \\\`malloc'\""
		assert_success
		assert_output --partial 'libmimalloc.so'
	done
	run bash -c "LD_DEBUG=bindings '$BIN/wsrecv' -h 2>&1 | grep -F \"symbol \\\`malloc'\""
	assert_success
	assert_output --partial 'libc.so.6'
	refute_output --partial 'mimalloc'
}
