#!/usr/bin/env bash
# Runs every test file of the main vitest suite on its own, in a fresh vitest process: a file that passes only after
# another one fails here. Not part of `npm test` (it takes several minutes); run it after changing shared test state:
#   bash scripts/each-test-file-alone.sh
set -uo pipefail
cd "$(dirname "$0")/.."
failed=()
files=$(find src test dev -name '*.test.ts' -not -path 'test/pacing/*' | sort)
for file in $files; do
  if npx vitest run "$file" > /tmp/each-test-file-alone.log 2>&1; then
    echo "pass  $file"
  else
    echo "FAIL  $file"
    failed+=("$file")
  fi
done
echo "${#failed[@]} file(s) failed alone${failed[*]:+: ${failed[*]}}"
[ "${#failed[@]}" -eq 0 ]
