#!/bin/sh
# Checks that LIBRARY exports every dynamic symbol that REFERENCE defines.
# Usage: check_symbols.sh NM REFERENCE LIBRARY
set -eu
nm_tool=$1
reference=$2
library=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$nm_tool" -D --defined-only "$reference" | awk '{print $3}' | sort > "$work/reference"
"$nm_tool" -D --defined-only "$library" | awk '{print $3}' | sort > "$work/library"
count=$(wc -l < "$work/reference")
if [ "$count" -eq 0 ]; then
  echo "no dynamic symbols found in $reference"
  exit 1
fi
missing=$(comm -23 "$work/reference" "$work/library")
if [ -n "$missing" ]; then
  echo "missing from $library:"
  echo "$missing"
  exit 1
fi
echo "all $count symbols of $reference are exported by $library"
