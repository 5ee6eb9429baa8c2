#!/bin/bash
# The committed Linux answers of tests/guest-cmp (expected/NAME.linux, which
# linux-compare.sh holds our guest to) are still what the pinned Linux guest
# prints: each program's three builds run there and must agree with the
# file. Skipped when the Linux guest's kernel was not fetched.
. "$(dirname "$0")/lib/e2e.sh"
exec tests/guest-cmp/linux-ref --check
