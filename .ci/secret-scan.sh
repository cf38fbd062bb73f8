#!/usr/bin/env bash
# A maintained secret scanner on every file of the repository: secretlint's recommended rules (pinned in package.json;
# .secretlintrc.yml says what it allows and why), in addition to the data file's own ACC-003 and TEXT-002 rules and the
# loader's comment scan. Tracked files, and new ones not ignored (so that a local run sees a file before `git add`).
# Findings are printed masked. `.ci/secret-scan.sh <dir>` scans another git folder with this configuration (the test).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "${1:-$root}"
files=()
while IFS= read -r -d '' file; do
  [ -f "$file" ] && files+=("$file") # a tracked file deleted in the work tree is not there to scan
done < <(git ls-files -z --cached --others --exclude-standard)
"$root/node_modules/.bin/secretlint" --maskSecrets --secretlintrc "$root/.secretlintrc.yml" "${files[@]}"
echo "secretlint: ${#files[@]} files, no secret found"
