#!/bin/sh
# Posts (or, on later pushes, updates) one note on the merge request with the access diff.
# Usage: sh .ci/mr-note.sh <markdown file>. Needs ACCESS_DIFF_NOTE_TOKEN, the pipeline's one static credential (a
# project access token of this project, Reporter, scope api only, masked: docs/enable-pipeline.md,
# "Enabling it"; CI_JOB_TOKEN cannot write notes), curl, jq and GitLab's predefined CI_API_V4_URL, CI_PROJECT_ID,
# CI_MERGE_REQUEST_IID. The token reaches curl on standard input, never on its command line or in the log. Never
# fails the job: the diff is the job's artifact as well.
set -u
file=$1
marker='<!-- access-diff -->'
if [ -z "${ACCESS_DIFF_NOTE_TOKEN:-}" ]; then
  echo "mr-note: ACCESS_DIFF_NOTE_TOKEN is not set, so the access diff is only the job's artifact."
  exit 0
fi
api="${CI_API_V4_URL%/}/projects/${CI_PROJECT_ID}/merge_requests/${CI_MERGE_REQUEST_IID}/notes"
auth() { printf 'header = "PRIVATE-TOKEN: %s"\n' "$ACCESS_DIFF_NOTE_TOKEN"; }
note_id=$(auth | curl -sSf --config - "${api}?per_page=100&sort=desc&order_by=updated_at" | jq -r --arg m "$marker" '[.[] | select(.body | startswith($m))][0].id // empty') || note_id=""
payload="${file}.note.json"
jq -Rs --arg m "$marker" '{body: ($m + "\n" + .)}' "$file" > "$payload" || { echo "mr-note: cannot read $file"; exit 0; }
if [ -n "$note_id" ]; then
  method=PUT url="${api}/${note_id}"
else
  method=POST url="${api}"
fi
if auth | curl -sSf --config - -X "$method" -H 'Content-Type: application/json' --data "@${payload}" "$url" >/dev/null; then
  echo "mr-note: ${method} note on merge request !${CI_MERGE_REQUEST_IID}"
else
  echo "mr-note: could not post the note (ACCESS_DIFF_NOTE_TOKEN needs Reporter on this project and scope api); the diff is still the job's artifact."
fi
rm -f "$payload"
exit 0
