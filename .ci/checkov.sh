#!/usr/bin/env bash
# checkov on the synthesized Terraform JSON of access.yaml, with .checkov.yaml. Installs the pinned checkov into its
# own virtual environment (once per machine: it is kept in the cache directory) and fails on any failed check and on
# any file checkov could not parse (checkov itself exits 0 then, with "Parsing errors: 1").
set -euo pipefail
cd "$(dirname "$0")/.."
CHECKOV_VERSION=3.3.30
venv="${XDG_CACHE_HOME:-$HOME/.cache}/checkov-$CHECKOV_VERSION"
if [ "$("$venv/bin/checkov" --version 2>/dev/null)" != "$CHECKOV_VERSION" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "checkov==$CHECKOV_VERSION"
fi

npm run --silent synth
scan="$(mktemp -d)"
trap 'rm -rf "$scan"' EXIT
for stack in cdktf.out/stacks/*/cdk.tf.json; do
  # checkov 3.3.30's terraform_json parser takes every top-level block type as labelled blocks and fails
  # ("this method receives only dicts", checkov/terraform_json/parser.py handle_block_type) on the unlabelled
  # `import` and `removed` blocks and on terraform.required_version. None of them declares a resource, so checkov's
  # resource checks see the same resources without them.
  name="$(basename "$(dirname "$stack")")"
  mkdir -p "$scan/stacks/$name"
  jq 'del(.import, .removed, .terraform.required_version)' "$stack" >"$scan/stacks/$name/cdk.tf.json"
done
"$venv/bin/checkov" --config-file .checkov.yaml -d "$scan/stacks" -o cli -o json --output-file-path "console,$scan/report.json"
# One report per framework, or a bare summary when nothing was scanned.
errors="$(jq '[.. | objects | .parsing_errors? | numbers] | add // 0' "$scan/report.json")"
# checkov prints nothing when no check applies; say what it did.
jq -r '[.. | objects | select(has("passed") and has("failed"))] | "checkov \(.[0].checkov_version // ""): \(map(.passed) | add // 0) passed, \(map(.failed) | add // 0) failed, \(map(.skipped) | add // 0) skipped"' "$scan/report.json"
if [ "$errors" != 0 ]; then
  echo "checkov could not parse $errors synthesized file(s): its checks did not run" >&2
  exit 1
fi
