#!/usr/bin/env bash
# RUSTC_WRAPPER for scripts/bench-deploy: runs rustc as given and appends one
# line per crate it compiles to $RUSTC_TIMES: start and end (unix seconds),
# crate name, crate type and target. A function's binary is its crate of type
# bin for the Lambda target: that one invocation holds its LTO and link.
start=$(date +%s.%N)
"$@"
status=$?
end=$(date +%s.%N)
name="" type="lib" target="host"
args=("$@")
for ((i = 1; i < ${#args[@]}; i++)); do
  case "${args[i]}" in
    --crate-name) name=${args[i + 1]} ;;
    --crate-type) type=${args[i + 1]} ;;
    --target) target=${args[i + 1]} ;;
  esac
done
[ -n "$name" ] && [ -n "${RUSTC_TIMES:-}" ] && printf '%s %s %s %s %s\n' "$start" "$end" "$name" "$type" "$target" >> "$RUSTC_TIMES"
exit "$status"
