# The README walkthrough's preamble (host/doctest). Every command of a
# README block is preceded by `__cmd FILE LINE EXPECT`; curl is wrapped so
# that a command whose status is not the expected one (EXPECT, or any 2xx
# when EXPECT is 0) stops the walkthrough, naming the README line, the
# status and the body. WALK_DIR holds the transcript and the failure.
set -euo pipefail
__fail="$WALK_DIR/failure"
__transcript="$WALK_DIR/transcript"
__where="preamble"
__expect=0

# __failed records the first failure only: what follows it is its consequence.
__failed() {
	[[ -e $__fail ]] || printf '%s\n' "$1" >"$__fail"
}

__cmd() {
	[[ -e $__fail ]] && exit 1
	__where="$1:$2"
	__expect="$3"
}

trap '__rc=$?; if (( __rc != 0 )) && [[ ! -e $__fail ]]; then
	printf "%s: the walkthrough stopped here (exit status %d)\n" "$__where" "$__rc" >"$__fail"; fi' EXIT

curl() {
	local out code method=GET url= arg prev=
	out=$(mktemp "$WALK_DIR/body.XXXXXX")
	for arg in "$@"; do
		case $prev in -X | --request) method=$arg ;; esac
		case $arg in -d | --data | --data-binary | --data-raw | -F | --form) [[ $method == GET ]] && method=POST ;; esac
		case $arg in *://* | localhost:* | 127.0.0.1:* | */api/*) url=$arg ;; esac
		prev=$arg
	done
	if ! code=$(command curl -sS -o "$out" -w '%{http_code}' "$@"); then
		__failed "$(printf '%s: curl %s %s failed: %s' "$__where" "$method" "$url" "$code")"
		return 1
	fi
	printf '%s: %s %s → %s\n%s\n' "$__where" "$method" "$url" "$code" "$(head -c 4000 "$out")" >>"$__transcript"
	cat "$out"
	if { (( __expect == 0 )) && [[ $code == 2?? ]]; } || [[ $code == "$__expect" ]]; then
		return 0
	fi
	local want="2xx"
	(( __expect != 0 )) && want=$__expect
	__failed "$(printf '%s: %s %s answered %s, want %s: %s' "$__where" "$method" "$url" "$code" "$want" "$(head -c 2000 "$out")")"
	return 1
}
