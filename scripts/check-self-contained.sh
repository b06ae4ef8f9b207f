#!/usr/bin/env bash
# The repository stands on its own: comments and docs point at files inside it (docs/…,
# contracts/…), never at a document outside it. Fails when a tracked file under the listed
# paths cites the product specification or an issue number instead.
set -euo pipefail
cd "$(dirname "$0")/.."

# Spelled in two halves so that this line does not match itself.
spec='SPEC'
pattern="${spec} §|${spec}\\.md|issue #?[0-9]+"
paths=(apps packages contracts integration docs bench scripts packaging README.md .ci)
if hits=$(git grep -nIiE "$pattern" -- "${paths[@]}"); then
  echo "check-self-contained: these lines point outside the repository; write the rule into docs/ and point there:" >&2
  echo "$hits" >&2
  exit 1
fi
echo "check-self-contained: no reference outside the repository"
