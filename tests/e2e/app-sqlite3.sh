#!/bin/bash
# apps/sqlite3 and apps/speedtest1 (docs/apps.md): a SQL script on stdin
# gives the same output in the guest as the host's own run of the same
# binary; the shell's version through the manifest; speedtest1 runs a
# small size to its TOTAL line with exit 0 (its timings are not checked).
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
need_app speedtest1 sqlite3
need_app sqlite3 sqlite3
export UNUM_KERNEL=$KERNEL BUILD=$B
cat >"$TMP/script.sql" <<'SQL'
create table t(id integer primary key, name text, n real);
insert into t(name, n) values ('one', 1.5), ('two', 2.25), ('three', 3.125);
with recursive c(x) as (select 1 union all select x + 1 from c where x < 1000)
insert into t(name, n) select 'gen' || x, x * 0.5 from c;
create index t_name on t(name);
select count(*), sum(n), min(name), max(name) from t;
select name, n from t where name like 't%' order by name;
select group_concat(id, ',') from (select id from t order by n desc limit 5);
select printf('%.3f', avg(n)), total(id) from t;
select json_object('a', 1, 'b', json_array(2, 3));
select 6 * 7;
SQL
"$APP_BIN" -batch :memory: <"$TMP/script.sql" >"$TMP/host.out" 2>&1 || fail "host run of $APP_BIN failed"
[ "$(tail -1 "$TMP/host.out")" = 42 ] || fail "host run: last line not 42"
rc=0
"$UNUM" run --manifest apps/sqlite3/manifest --timeout "$BOOT_TIMEOUT" -- -batch :memory: \
	<"$TMP/script.sql" >"$OUT" 2>"$ERR" || rc=$?
cmd="tools/unum run --manifest apps/sqlite3/manifest -- -batch :memory: <script.sql"
expect_status 0
diff "$TMP/host.out" "$OUT" >&2 || fail "guest output differs from the host's (diff above)"

run "$UNUM" run --manifest apps/sqlite3/manifest --timeout "$BOOT_TIMEOUT"
expect_status 0
[ "$(cat "$OUT")" = 3.40.1 ] || fail "expected the manifest's 'select sqlite_version()' to print 3.40.1"

run "$UNUM" run --manifest apps/speedtest1/manifest --timeout 300 -- --memdb --size 5
expect_status 0
grep -q '990 - ANALYZE' "$OUT" && grep -q 'TOTAL\.\.\.' "$OUT" || fail "speedtest1 did not run to its TOTAL line"
exit 0
