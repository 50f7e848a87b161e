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
