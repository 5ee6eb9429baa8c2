#!/bin/bash
# apps/lua5.4 (docs/apps.md): the manifest's `lua5.4 -v`, then a script
# baked in with --add whose output in the guest equals the host's run of
# the same static binary (strings, tables, closures, coroutines, integer
# and float arithmetic, string.pack, pcall errors, io to a file).
. "$(dirname "$0")/lib/e2e.sh"
need "$KERNEL"
need_app lua5.4 lua5.4
export UNUM_KERNEL=$KERNEL BUILD=$B
M=apps/lua5.4/manifest
run "$UNUM" run --manifest $M --timeout "$BOOT_TIMEOUT"
expect_status 0
grep -q '^Lua 5\.4\.4 ' "$OUT" || fail "expected 'Lua 5.4.4' from lua5.4 -v"

mkdir "$TMP/lua"
cat >"$TMP/lua/script.lua" <<'LUA'
local t = {}
for i = 1, 100 do t[#t + 1] = i * i end
print(#t, t[10], table.concat(t, ",", 1, 5))
table.sort(t, function(a, b) return a > b end)
print(t[1], t[100])
local function counter()
	local n = 0
	return function() n = n + 1; return n end
end
local c = counter(); c(); c()
print("closure", c())
local co = coroutine.wrap(function(a)
	for i = 1, 3 do a = coroutine.yield(a * 2) end
	return "done"
end)
print(co(1), co(5), co(7), co(0))
print(math.maxinteger, 7 // 2, 7 / 2, 2 ^ 10, math.pi)
print(string.format("%5.2f|%x|%q", 3.14159, 255, "a\nb"))
print(("hello world"):gsub("o", "0"), ("x=1, y=22"):match("y=(%d+)"))
print(#string.pack("<i4d", 7, 1.5), string.unpack("<i4", string.pack("<i4", -2)))
local ok, e = pcall(error, {code = 42})
print(ok, type(e), e.code)
print(select(2, pcall(function() return nil + 1 end)))
local f = assert(io.open("/tmp/lua-test.txt", "w"))
f:write("line1\n", 42, "\n")
f:close()
for l in io.lines("/tmp/lua-test.txt") do io.write("[", l, "]") end
print()
local keys = {}
for k in pairs({a = 1, b = 2, c = 3}) do keys[#keys + 1] = k end
table.sort(keys)
print(table.concat(keys))
print(utf8.char(72, 228, 8364), utf8.len("Hä€"))
os.exit(3)
LUA
hrc=0
LUA=$(realpath "$APP_BIN")
(cd "$TMP/lua" && exec "$LUA" script.lua) >"$TMP/host.out" 2>&1 || hrc=$?
[ "$hrc" = 3 ] || fail "host run: status $hrc, expected 3"
run "$UNUM" run --manifest $M --add "$TMP/lua/script.lua:/script.lua" \
	--timeout "$BOOT_TIMEOUT" -- script.lua # the guest's cwd is /
expect_status 3
diff "$TMP/host.out" "$OUT" >&2 || fail "guest output differs from the host's (diff above)"
exit 0
