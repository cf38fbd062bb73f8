/**
 * The GitLab CI templates generated from the data file (pure: data in, YAML text out).
 *
 * - templates/vault-secrets.gitlab-ci.yml: one hidden job per CI role (`.vault-secrets-<role>`) that platform jobs
 *   extend: an ID token with the role's audience, a login to the role, and each secret the role may read, key by key,
 *   in a CI variable named after path and key (lib/model/naming.ts secretVariableName).
 * - .ci/access-pipeline.gitlab-ci.yml: the login of this repository's own plan and apply jobs (the `pipeline`
 *   section), included by .gitlab-ci.yml.
 *
 * Because both are generated, a role, mount or path renamed in the data file cannot leave a template behind (a test
 * compares the committed files with a fresh render). Every value of the data reaches the shell through `sh`
 * (lib/model/quote.ts: quoted by construction, never pasted) and a YAML comment through `yamlComment`. The shell is
 * POSIX sh (BusyBox ash, dash, bash) with curl or, where an image has none, BusyBox wget; it parses Vault's JSON with
 * one awk program (JSON_AWK, no jq) and never prints a secret value: the JWT and the Vault token reach curl on
 * standard input, not on its command line (BusyBox wget: the token is on its command line, docs/ci-template.md), and
 * responses that may hold a token or a secret are never printed.
 */
import { Document } from "yaml";
import type { Config, PipelineConfig, RoleConfig } from "../model/config";
import { deriveAccess } from "../model/access";
import { kvDataPath, secretsTemplateJobName, secretVariableName } from "../model/naming";
import { pipelineBoundClaims } from "./pipeline-access";
import { exportedVariableProblem } from "../model/gitlab-variables";
import { casePattern, type ShellCode, sh, shellDefaults, shellName, shellNames, yamlComment } from "../model/quote";

export const SECRETS_TEMPLATE_FILE = "templates/vault-secrets.gitlab-ci.yml";
export const PIPELINE_TEMPLATE_FILE = ".ci/access-pipeline.gitlab-ci.yml";
/** The hidden jobs that this repository's plan and apply jobs extend. */
export const PIPELINE_JOBS = { plan: ".access-pipeline-plan-role", apply: ".access-pipeline-apply-role" } as const;
/** The variable the ID token lands in (GitLab sets it from `id_tokens`). */
export const ID_TOKEN_VARIABLE = "VAULT_ID_TOKEN";

/** GitLab's predefined variable holding each claim of a job's ID token, for the "not bound to the role" message. */
const CLAIM_VARIABLES: Readonly<Record<string, string>> = {
  namespace_id: "CI_PROJECT_NAMESPACE_ID",
  namespace_path: "CI_PROJECT_NAMESPACE",
  project_id: "CI_PROJECT_ID",
  project_path: "CI_PROJECT_PATH",
  ref: "CI_COMMIT_REF_NAME",
  ref_protected: "CI_COMMIT_REF_PROTECTED",
  environment: "CI_ENVIRONMENT_NAME",
  pipeline_source: "CI_PIPELINE_SOURCE",
  user_login: "GITLAB_USER_LOGIN",
};

/** A data file the templates cannot be generated from (two keys meeting in one variable name, a reserved name). */
export class TemplateError extends Error {}

export interface SecretVariable {
  /** Path inside the KV mount, CLI form. */
  readonly path: string;
  readonly key: string;
  readonly variable: string;
}

/** Every (path, key) a role may read, with its variable name, sorted by path. Refuses two keys meeting in one name. */
export function secretVariables(config: Config, role: string): SecretVariable[] {
  const access = deriveAccess(config);
  const variables = access.grants
    .filter((grant) => grant.readers.includes(role))
    .flatMap((grant) => grant.keys.map((key) => ({ path: grant.path, key, variable: secretVariableName(grant.path, key) })));
  const seen = new Map<string, SecretVariable>();
  for (const v of variables) {
    const other = seen.get(v.variable);
    if (other) throw new TemplateError(`role ${role}: ${other.path} key ${other.key} and ${v.path} key ${v.key} would both be read into ${v.variable}: rename a path or a key`);
    // The guardrail VAR-004 refuses the same before a synth; here for a template generated without one.
    const reserved = exportedVariableProblem(v.variable);
    if (reserved) throw new TemplateError(`role ${role}: ${v.path} key ${v.key} ${reserved}: rename the path or the key`);
    seen.set(v.variable, v);
  }
  return variables;
}

/** What a login needs to know about a role: its name, where it lives and whom it accepts (for the messages). */
interface LoginTarget {
  readonly role: string;
  readonly mount: string;
  readonly audience: string;
  readonly boundClaims: Readonly<Record<string, string>>;
  readonly groupId: number;
  /** The GitLab instance whose ID tokens the auth method trusts (its bound_issuer and OIDC discovery URL). */
  readonly issuer: string;
}

/** templates/vault-secrets.gitlab-ci.yml: one hidden job per CI role. */
export function renderSecretsTemplate(config: Config): string {
  const doc = new Document(
    Object.fromEntries(config.roles.map((role) => [secretsTemplateJobName(role.name), secretsJob(config, role)])),
  );
  // The usage example takes the first role's first path, so that it names what this file really offers.
  const sample = secretVariables(config, config.roles[0].name);
  const samplePath = sample[0]?.path ?? "<path>";
  const sampleVariables = sample.filter((v) => v.path === samplePath).map((v) => `$${v.variable}`);
  doc.commentBefore = comment([
    ` GENERATED from the access data file by \`npm run ci-template\`. Do not edit: change the data file and run it again`,
    ` (a test fails when this file is stale). docs/ci-template.md.`,
    ``,
    ` A platform job reads its role's secrets by extending the role's hidden job:`,
    ``,
    `   include:`,
    `     - project: <group>/<this repository>`,
    `       file: ${SECRETS_TEMPLATE_FILE}`,
    `   my-job:`,
    `     extends: ${secretsTemplateJobName(config.roles[0].name)}`,
    `     variables:`,
    `       VAULT_SECRETS: ${samplePath}   # optional: only these paths (default: every path of the role)`,
    `     script:`,
    `       - ./my-tool   # uses ${sampleVariables.join(", ")}`,
    ``,
    ` Each key lands in <PATH>_<KEY>, upper case, "/" and "-" as "_". A job with its own before_script starts it with`,
    ` !reference [<hidden job>, before_script]. Any image with a POSIX shell and curl or BusyBox wget will do.`,
  ]);
  config.roles.forEach((role, i) => {
    const lines = secretVariables(config, role.name).reduce<Map<string, string[]>>((byPath, v) => byPath.set(v.path, [...(byPath.get(v.path) ?? []), v.variable]), new Map());
    (doc.contents as { items: { key: { commentBefore?: string } }[] }).items[i].key.commentBefore = comment([
      ` Role ${role.name}${role.description ? `: ${role.description}` : ""}.`,
      ...[...lines].map(([path, variables]) => `   ${config.vault.kvMount}/${path} -> ${variables.join(", ")}`),
    ]);
  });
  return doc.toString({ lineWidth: 0 });
}

function secretsJob(config: Config, role: RoleConfig) {
  const variables = secretVariables(config, role.name);
  const paths = [...new Set(variables.map((v) => v.path))];
  const target: LoginTarget = {
    role: role.name,
    mount: config.vault.jwtMount,
    audience: role.audiences[0],
    boundClaims: role.boundClaims,
    groupId: config.gitlab.groupId,
    issuer: config.gitlab.url,
  };
  return {
    id_tokens: { [ID_TOKEN_VARIABLE]: { aud: target.audience } },
    variables: { VAULT_AUTH_MOUNT: target.mount, VAULT_AUTH_ROLE: target.role, VAULT_SECRETS: paths.join(" "), ...limitVariables() },
    before_script: [
      script([
        sh`# Log in to Vault as the role below and read the secrets named in VAULT_SECRETS. Never prints a value.`,
        ...checkScript(target),
        sh`set -f  # VAULT_SECRETS holds paths, not file patterns`,
        sh`for vs_path in $VAULT_SECRETS; do`,
        sh`  case "$vs_path" in`,
        sh`    ${casePattern(paths)}) ;;`,
        sh`    *) vs_fail "VAULT_SECRETS names '$vs_path', which role ${role.name} may not read. It may read: ${paths.join(", ")}." ;;`,
        sh`  esac`,
        sh`done`,
        ...loginScript(target),
        ...readFunctions(config.vault.kvMount, role.name),
        sh`vs_read_secret() {`,
        sh`  case "$1" in`,
        ...paths.flatMap((path) => readCase(config.vault.kvMount, path, variables.filter((v) => v.path === path))),
        sh`  esac`,
        sh`}`,
        sh`for vs_path in $VAULT_SECRETS; do vs_read_secret "$vs_path"; done`,
        sh`set +f`,
        sh`unset vs_token vs_body vs_response vs_path vs_data`,
      ]),
    ],
  };
}

function readCase(kvMount: string, path: string, variables: readonly SecretVariable[]): ShellCode[] {
  const names = variables.map((v) => v.variable);
  const keys = variables.map((x) => x.key).join(", ");
  return [
    sh`    ${casePattern([path])})`,
    sh`      vs_read ${path}`,
    ...variables.map((v) => sh`      ${shellName(v.variable)}=$(vs_key ${v.key}) || vs_fail "${kvDataPath(kvMount, path)} has no key ${v.key} (the data file lists ${keys})."; ${shellName(v.variable)}=\${${shellName(v.variable)}%.}`),
    sh`      export ${shellNames(names)}`,
    sh`      echo "vault-secrets: read ${kvDataPath(kvMount, path)} into ${names.join(", ")}"`,
    sh`      ;;`,
  ];
}

/** The before_script: one block of shell lines. */
function script(lines: readonly ShellCode[]): string {
  return `${lines.map((line) => line.text).join("\n")}\n`;
}

/** A YAML comment of several lines, each kept on its line whatever the data in it. */
function comment(lines: readonly string[]): string {
  return lines.map(yamlComment).join("\n");
}

/** .ci/access-pipeline.gitlab-ci.yml: the plan and apply logins of this repository's own pipeline. */
export function renderPipelineTemplate(config: Config): string {
  const pipeline = config.pipeline;
  const doc = new Document({
    variables: {
      // Read by the rules of the plan and apply jobs in .gitlab-ci.yml: without pipeline roles they are skipped.
      ACCESS_PIPELINE_CONFIGURED: pipeline ? "true" : "false",
      ACCESS_STACK: config.stack,
    },
    [PIPELINE_JOBS.plan]: pipeline ? pipelineJob(config, pipeline, "plan") : unconfiguredJob(),
    [PIPELINE_JOBS.apply]: pipeline ? pipelineJob(config, pipeline, "apply") : unconfiguredJob(),
  });
  doc.commentBefore = comment([
    ` GENERATED from the access data file (its \`pipeline\` section) by \`npm run ci-template\`. Do not edit.`,
    ` Included by .gitlab-ci.yml: the Vault login of this repository's plan and apply jobs. docs/enable-pipeline.md.`,
    ...(pipeline
      ? [` Plan: role ${pipeline.plan.name} (project ${pipeline.projectId}). Apply: role ${pipeline.apply.name} (project ${pipeline.projectId}, protected refs).`]
      : [` The data file has no \`pipeline\` section, so there are no pipeline roles and the plan and apply jobs are skipped.`]),
  ]);
  return doc.toString({ lineWidth: 0 });
}

function pipelineJob(config: Config, pipeline: PipelineConfig, kind: "plan" | "apply") {
  const role = pipeline[kind];
  const target: LoginTarget = {
    role: role.name,
    mount: config.vault.jwtMount,
    audience: role.audiences[0],
    boundClaims: pipelineBoundClaims(pipeline, kind),
    groupId: config.gitlab.groupId,
    issuer: config.gitlab.url,
  };
  const tokenPath = pipeline.gitlabTokenPath;
  return {
    id_tokens: { [ID_TOKEN_VARIABLE]: { aud: target.audience } },
    variables: { VAULT_ADDR: config.vault.url, VAULT_AUTH_MOUNT: target.mount, VAULT_AUTH_ROLE: target.role, ...limitVariables() },
    before_script: [
      script([
        kind === "plan"
          ? sh`# Log in to Vault as the plan role (reads configuration, never a secret) and hand the token to Terraform.`
          : sh`# Log in to Vault as the apply role, hand the token to Terraform, and read the GitLab provider's token.`,
        ...checkScript(target),
        ...loginScript(target),
        sh`VAULT_TOKEN=$vs_token`,
        sh`export VAULT_TOKEN`,
        ...(kind === "apply"
          ? [
              ...readFunctions(config.vault.kvMount, role.name),
              sh`vs_read ${tokenPath}`,
              sh`GITLAB_TOKEN=$(vs_key token) || vs_fail "${kvDataPath(config.vault.kvMount, tokenPath)} has no key token: put the GitLab token there (docs/enable-pipeline.md)."; GITLAB_TOKEN=\${GITLAB_TOKEN%.}`,
              sh`export GITLAB_TOKEN`,
              sh`echo "vault-secrets: read ${kvDataPath(config.vault.kvMount, tokenPath)} into GITLAB_TOKEN"`,
            ]
          : []),
        sh`unset vs_token vs_body vs_response vs_data`,
      ]),
    ],
  };
}

function unconfiguredJob() {
  return {
    before_script: ["echo 'access-pipeline: the data file has no pipeline section, so this job has no Vault role (docs/enable-pipeline.md).' >&2; exit 1"],
  };
}

/** Defines vs_fail, picks the transfer tool (curl, else BusyBox wget) and checks the variables a login needs. */
function checkScript(t: LoginTarget): ShellCode[] {
  const idToken = shellName(ID_TOKEN_VARIABLE);
  return [
    sh`vs_fail() { echo "vault-secrets: ERROR: $*" >&2; exit 1; }`,
    sh`vs_nl='
'`,
    // curl first: it keeps the token off its command line and verifies Vault's certificate; BusyBox wget does neither.
    sh`if command -v curl >/dev/null 2>&1; then vs_tool=curl`,
    sh`else case "$(wget --help 2>&1)" in *BusyBox*) command -v timeout >/dev/null 2>&1 || vs_fail "this image has BusyBox wget but no timeout, which bounds each request: install curl." ; vs_tool=wget ;; *) vs_fail "neither curl nor BusyBox wget is in this image: install curl ('apk add --no-cache curl', 'apt-get install -y curl'), or use an image with BusyBox (docs/ci-template.md)." ;; esac; fi`,
    ...limitsScript(),
    sh`command -v awk >/dev/null 2>&1 || vs_fail "awk is not in this image: it parses Vault's answers (BusyBox, mawk and gawk all do)."`,
    sh`[ -n "\${VAULT_ADDR:-}" ] || vs_fail "VAULT_ADDR is not set or empty. It comes from the CI/CD variable VAULT_ADDR of group ${t.groupId}: check that it exists and is neither protected (merge-request pipelines would not get it) nor masked. Without it curl fails with 'Could not resolve host'."`,
    sh`[ -n "\${${idToken}:-}" ] || vs_fail "${idToken} is empty: the job has no ID token. Extend the template without overriding its id_tokens (aud ${t.audience})."`,
    sh`case "$vs_tool:$VAULT_ADDR" in wget:https:*) echo "vault-secrets: WARNING: no curl in this image, so BusyBox wget talks to Vault, and it does not verify Vault's TLS certificate (docs/ci-template.md): use an image with curl where you can." >&2 ;; esac`,
    ...transferScript(),
  ];
}

/** The request limits: job variables with defaults, each a whole number in its range (checked in the script). */
export const REQUEST_LIMITS: readonly { name: string; default: number; min: number; max: number; means: string }[] = [
  { name: "VAULT_RETRIES", default: 4, min: 0, max: 10, means: "retries of a request that cannot connect, times out, or gets HTTP 429 or 5xx" },
  { name: "VAULT_TIMEOUT", default: 10, min: 1, max: 300, means: "seconds one attempt of a request may take in all" },
  { name: "VAULT_CONNECT_TIMEOUT", default: 5, min: 1, max: 300, means: "seconds to connect (curl; BusyBox wget has VAULT_TIMEOUT only)" },
];

/** The job variables of the request limits, at their defaults. */
function limitVariables(): Record<string, string> {
  return Object.fromEntries(REQUEST_LIMITS.map((l) => [l.name, String(l.default)]));
}

function limitsScript(): ShellCode[] {
  return REQUEST_LIMITS.map((l) => {
    const name = shellName(l.name);
    return sh`: "\${${name}:=${l.default}}"; case "$${name}" in ''|*[!0-9]*) false ;; *) [ "$${name}" -ge ${l.min} ] && [ "$${name}" -le ${l.max} ] ;; esac || vs_fail "${l.name}='$${name}' is not a whole number from ${l.min} to ${l.max} (${l.means}; default ${l.default})."`;
  });
}

/**
 * Vault's JSON, read by awk (POSIX, as BusyBox, mawk and gawk have it; run with LC_ALL=C so that it counts bytes and
 * writes the UTF-8 of a \uXXXX escape byte by byte). `awk "$vs_awk" value <key>...`: the string at that path, decoded
 * (quotes, backslashes, \n, \t, \/, \uXXXX and surrogate pairs), or any other JSON value as it is written;
 * `join <key>...`: the strings of an array joined with "; ". Exit 1: no such value (or null); 2: not JSON; 3: a
 * \u0000, which no shell variable can hold. The keys come as arguments and are blanked before the input is read.
 */
const JSON_AWK = String.raw`BEGIN {
  mode = ARGV[1]
  for (i = 2; i < ARGC; i++) want = want SUBSEP ARGV[i]
  for (i = 1; i < ARGC; i++) ARGV[i] = ""
}
{ s = s $0 "\n" }
END {
  n = length(s); p = 1
  value("")
  ws()
  if (p <= n) exit 2
  if (!found) exit 1
  printf "%s", out
}
function ws() { while (p <= n && index(" \t\r\n", substr(s, p, 1)) > 0) p++ }
function value(path,   c, start, k, i, v) {
  ws(); c = substr(s, p, 1); start = p
  if (c == "\"") {
    v = str()
    if (path == want) { found = 1; out = v }
    return
  }
  if (c == "{") {
    p++; ws()
    if (substr(s, p, 1) == "}") p++
    else for (;;) {
      ws()
      if (substr(s, p, 1) != "\"") exit 2
      k = str(); ws()
      if (substr(s, p, 1) != ":") exit 2
      p++; value(path SUBSEP k); ws()
      c = substr(s, p++, 1)
      if (c == "}") break
      if (c != ",") exit 2
    }
  } else if (c == "[") {
    p++; ws()
    if (substr(s, p, 1) == "]") p++
    else for (i = 0; ; i++) {
      ws()
      if (mode == "join" && path == want && substr(s, p, 1) == "\"") { v = str(); out = out (found++ ? "; " : "") v }
      else value(path SUBSEP i)
      ws(); c = substr(s, p++, 1)
      if (c == "]") break
      if (c != ",") exit 2
    }
  } else if (match(substr(s, p), /^(true|false|null|-?[0-9][0-9.eE+-]*)/)) {
    p += RLENGTH
    if (c == "n") return
  } else exit 2
  if (path == want && mode == "value") { found = 1; out = substr(s, start, p - start) }
}
function str(   o, c, u, lo, q) {
  p++; o = ""
  for (;;) {
    if (match(substr(s, p), /^[^"\\]+/)) { o = o substr(s, p, RLENGTH); p += RLENGTH }
    c = substr(s, p, 1)
    if (c == "\"") { p++; return o }
    if (c != "\\") exit 2
    c = substr(s, p + 1, 1); p += 2
    if (c == "u") {
      u = hex4()
      if (u >= 55296 && u < 56320 && substr(s, p, 2) == "\\u") {
        q = p; p += 2; lo = hex4()
        if (lo >= 56320 && lo < 57344) u = 65536 + (u - 55296) * 1024 + lo - 56320
        else p = q
      }
      if (u >= 55296 && u < 57344) u = 65533
      if (u == 0) exit 3
      o = o utf8(u)
    } else if (c == "n") o = o "\n"
    else if (c == "t") o = o "\t"
    else if (c == "r") o = o "\r"
    else if (c == "b") o = o "\b"
    else if (c == "f") o = o "\f"
    else if (c == "\"" || c == "\\" || c == "/") o = o c
    else exit 2
  }
}
function hex4(   i, d, u) {
  u = 0
  for (i = 0; i < 4; i++) {
    d = index("0123456789abcdef", tolower(substr(s, p + i, 1)))
    if (d == 0) exit 2
    u = u * 16 + d - 1
  }
  p += 4
  return u
}
function utf8(u) {
  if (u < 128) return sprintf("%c", u)
  if (u < 2048) return sprintf("%c%c", 192 + int(u / 64), 128 + u % 64)
  if (u < 65536) return sprintf("%c%c%c", 224 + int(u / 4096), 128 + int(u / 64) % 64, 128 + u % 64)
  return sprintf("%c%c%c%c", 240 + int(u / 262144), 128 + int(u / 4096) % 64, 128 + int(u / 64) % 64, 128 + u % 64)
}`;

/** vs_request <what> <method> <path>: Vault's answer in vs_status and vs_body, with the token (vs_token) or body (vs_data). */
function transferScript(): ShellCode[] {
  const url = sh`"\${VAULT_ADDR%/}/v1/$3"`;
  return [
    sh`vs_awk=${JSON_AWK}`,
    sh`vs_json() { printf '%s' "$vs_body" | LC_ALL=C awk "$vs_awk" "$@"; }`,
    sh`vs_errors() { vs_json join errors 2>/dev/null || true; }`,
    // curl -w appends the HTTP status on a line of its own.
    sh`vs_split() { vs_status=\${vs_response##*$vs_nl}; vs_body=\${vs_response%$vs_nl*}; }`,
    // BusyBox wget: 2xx is exit 0 with the body; any other status is exit 1 with "server returned error: HTTP/1.1 503
    // ...", the body dropped; its other messages name the transport error. The codes below are curl's for the same.
    sh`vs_wget_split() {`,
    sh`  vs_why="wget: \${vs_response##*wget: }"`,
    sh`  case "$vs_rc:$vs_response" in`,
    sh`    0:*{*) vs_status=200; vs_body=\${vs_response#*"{"}; vs_body="{$vs_body" ;;`,
    sh`    0:*) vs_status=200; vs_body= ;;`,
    sh`    124:*|137:*|143:*) vs_rc=28; vs_why="wget stopped by timeout after $VAULT_TIMEOUT s" ;;`,
    sh`    *"server returned error: HTTP/"*) vs_status=\${vs_response##*server returned error: HTTP/}; vs_status=\${vs_status#* }; vs_status=\${vs_status%% *}; vs_body=; vs_rc=0 ;;`,
    sh`    *"bad address"*) vs_rc=6 ;;`,
    sh`    *"can't connect"*) vs_rc=7 ;;`,
    sh`  esac`,
    sh`}`,
    // Every attempt has a time limit; connection errors, timeouts, 429 and 5xx (sealed, standby, failing over) are
    // tried again after 1, 2, 4, ... s, up to VAULT_RETRIES times, each retry one line of the log.
    sh`vs_request() {`,
    sh`  vs_try=0`,
    sh`  vs_delay=1`,
    sh`  while :; do`,
    sh`    vs_rc=0`,
    sh`    vs_status=`,
    sh`    vs_body=`,
    sh`    if [ "$vs_tool" = curl ]; then`,
    // The JWT (the login's body) and the token reach curl on standard input, never on its command line.
    sh`      if [ -n "\${vs_data:-}" ]; then vs_response=$(printf '%s' "$vs_data" | curl -sS --connect-timeout "$VAULT_CONNECT_TIMEOUT" --max-time "$VAULT_TIMEOUT" -w '\\n%{http_code}' -X "$2" -H 'Content-Type: application/json' --data @- ${url}) || vs_rc=$?`,
    sh`      else vs_response=$(printf 'header = "X-Vault-Token: %s"\\n' "\${vs_token:-}" | curl -sS --connect-timeout "$VAULT_CONNECT_TIMEOUT" --max-time "$VAULT_TIMEOUT" -w '\\n%{http_code}' -X "$2" --config - ${url}) || vs_rc=$?; fi`,
    sh`      vs_why="curl exit $vs_rc"`,
    sh`      [ "$vs_rc" -ne 0 ] || vs_split`,
    sh`    else`,
    // BusyBox wget takes headers on its command line only: the token is there (docs/ci-template.md), the JWT is not.
    // Its -T is not in every build (Debian's has none), so `timeout` bounds the whole request.
    sh`      if [ -n "\${vs_data:-}" ]; then vs_response=$(printf '%s' "$vs_data" | timeout "$VAULT_TIMEOUT" wget -q -O - --header 'Content-Type: application/json' --post-file /dev/stdin ${url} 2>&1) || vs_rc=$?`,
    sh`      elif [ "$2" = POST ]; then vs_response=$(timeout "$VAULT_TIMEOUT" wget -q -O - --header "X-Vault-Token: $vs_token" --post-data '' ${url} 2>&1) || vs_rc=$?`,
    sh`      else vs_response=$(timeout "$VAULT_TIMEOUT" wget -q -O - --header "X-Vault-Token: $vs_token" ${url} 2>&1) || vs_rc=$?; fi`,
    sh`      vs_wget_split`,
    sh`    fi`,
    sh`    vs_retry=`,
    sh`    case "$vs_rc:$vs_status" in`,
    sh`      0:429|0:5??) vs_retry="HTTP $vs_status" ;;`,
    sh`      7:*|28:*|52:*|56:*) vs_retry=$vs_why ;;`,
    sh`    esac`,
    sh`    [ -n "$vs_retry" ] && [ "$vs_try" -lt "$VAULT_RETRIES" ] || break`,
    sh`    vs_try=$((vs_try + 1))`,
    sh`    vs_id=$(vs_json value request_id 2>/dev/null) || vs_id=`,
    sh`    echo "vault-secrets: $1: $vs_retry\${vs_id:+ (request_id $vs_id)}, retry $vs_try of $VAULT_RETRIES in $vs_delay s" >&2`,
    sh`    sleep "$vs_delay"`,
    sh`    vs_delay=$((vs_delay * 2))`,
    sh`  done`,
    sh`  vs_tries="$((vs_try + 1)) attempt(s), VAULT_RETRIES=$VAULT_RETRIES"`,
    sh`  case "$vs_rc:$vs_status" in`,
    sh`    0:429|0:5??) vs_fail "$1 failed with HTTP $vs_status ($vs_tries): Vault is sealed, a standby without an active node, or over its rate limit. Vault said: $(vs_errors)" ;;`,
    sh`    0:*) ;;`,
    sh`    6:*) vs_fail "could not resolve the host of VAULT_ADDR=$VAULT_ADDR ($vs_why): check the group variable VAULT_ADDR (set, not masked, https://<host>)." ;;`,
    sh`    7:*) vs_fail "could not connect to VAULT_ADDR=$VAULT_ADDR ($vs_why): Vault is down or not reachable from this runner ($vs_tries)." ;;`,
    sh`    28:*) vs_fail "$1: no answer from VAULT_ADDR=$VAULT_ADDR within VAULT_TIMEOUT=$VAULT_TIMEOUT s ($vs_why; $vs_tries): Vault or a proxy in front of it holds the connection." ;;`,
    sh`    *) vs_fail "$1 at $VAULT_ADDR failed ($vs_why; $vs_tries)." ;;`,
    sh`  esac`,
    sh`}`,
  ];
}

/**
 * Which login failure Vault's error text names (a `case` on the text). Vault's JWT auth plugin (path_login.go) answers
 * nearly every refused login with HTTP 400 (logical.ErrorResponse) and tells the causes apart only in the text, so
 * the message follows the text and the status code is the fallback. In order (the first match wins):
 * - `role "<name>" could not be found` (older: `role could not be found`);
 * - the audience: `error validating token: invalid audience (aud) claim: audience claim does not match any expected
 *   audience` (older: `error validating claims: aud claim does not match any bound audience`), before the next two,
 *   which would also match it;
 * - a bound claim: `error validating claims: claim "namespace_id" does not match any associated bound claim values`,
 *   or `... claim "x" is missing`;
 * - the token itself (signature, issuer, expiry): `error validating token: ...` (`invalid issuer (iss) claim`,
 *   `invalid expiration time (exp) claim: token is expired`, `error verifying token signature: ...`), older
 *   `error validating signature: ...`;
 * - `missing token`, `missing role`, `role with oidc role_type is not allowed`.
 */
const LOGIN_ERROR_KINDS: readonly (readonly [kind: string, texts: readonly string[]])[] = [
  ["role_missing", ["could not be found"]],
  ["audience", ["audience", "aud claim"]],
  ["not_bound", ["error validating claims: claim "]],
  ["token", ["error validating token", "error validating signature", "error verifying token", "error parsing token", "no known key", "validation failed"]],
  ["no_token", ["missing token"]],
  ["no_role", ["missing role"]],
  ["oidc_role", ["oidc role_type"]],
];

/** A case pattern matching any text that contains one of `texts`: `*'a b'*|*'c'*`. */
function containsPattern(texts: readonly string[]): ShellCode {
  return texts.map((text) => sh`*${text}*`).reduce((pattern, next) => sh`${pattern}|${next}`);
}

/** Logs in and leaves the token in vs_token (never exported, never printed). */
function loginScript(t: LoginTarget): ShellCode[] {
  const loginPath = `/v1/auth/${t.mount}/login`;
  const idToken = shellName(ID_TOKEN_VARIABLE);
  const accepts = Object.entries(t.boundClaims).map(([claim, value]) => `${claim}=${value}`).join(", ");
  // What the job's own claims are, from GitLab's predefined variables: `namespace_id=${CI_PROJECT_NAMESPACE_ID:-unknown}`.
  const known = Object.keys(t.boundClaims).filter((claim) => CLAIM_VARIABLES[claim]);
  const has = known.length === 0 ? "other claims" : shellDefaults(known.map((claim) => [claim, CLAIM_VARIABLES[claim]] as const), "unknown");
  const subgroupHint = "namespace_id" in t.boundClaims ? " namespace_id is the project's own group: projects in its subgroups do not match." : "";
  return [
    // Vault answers most refused logins with 400 and names the cause only in its error text (lib/operations/ci-template.ts).
    sh`vs_login_error() {`,
    sh`  case "$(vs_errors)" in`,
    ...LOGIN_ERROR_KINDS.map(([kind, texts]) => sh`    ${containsPattern(texts)}) echo ${kind} ;;`),
    sh`  esac`,
    sh`}`,
    // A JWT is three base64url segments and a role name is [a-z0-9-], so both go into the JSON as they are: checked
    // here, because a job may override VAULT_AUTH_ROLE (an empty one is Vault's to refuse: "missing role").
    sh`case "$${idToken}" in *[!A-Za-z0-9._-]*) vs_fail "${idToken} is not a JWT (only letters, digits, '.', '_' and '-' are expected)." ;; esac`,
    sh`case "$VAULT_AUTH_ROLE" in *[!a-z0-9-]*) vs_fail "VAULT_AUTH_ROLE='$VAULT_AUTH_ROLE' is not a role name (lower-case letters, digits and '-'): this template logs in as ${t.role}; do not override it." ;; esac`,
    sh`vs_token=`,
    sh`vs_data=$(printf '{"role": "%s", "jwt": "%s"}' "$VAULT_AUTH_ROLE" "$${idToken}")`,
    sh`vs_request "the login to role ${t.role}" POST "auth/$VAULT_AUTH_MOUNT/login"`,
    sh`vs_data=`,
    sh`if [ "$vs_status" != 200 ]; then`,
    sh`  case "$(vs_login_error)" in`,
    sh`    role_missing) vs_fail "Vault has no role '$VAULT_AUTH_ROLE' on auth/$VAULT_AUTH_MOUNT (HTTP $vs_status from ${loginPath}): the configuration that declares role ${t.role} is not applied to this Vault yet (ask the infra team to apply it), or VAULT_AUTH_ROLE names the wrong role (this template logs in as ${t.role}). Vault said: $(vs_errors)" ;;`,
    sh`    audience) vs_fail "Vault refused the ID token's audience for role ${t.role} (HTTP $vs_status from ${loginPath}): the job's id_tokens ${idToken} aud must be ${t.audience}, the role's bound audience. Extend the template without overriding its id_tokens. Vault said: $(vs_errors)" ;;`,
    sh`    not_bound) vs_fail "Vault refused the login (HTTP $vs_status from ${loginPath}): this job is not bound to role ${t.role}, which accepts jobs with ${accepts}; this job has ${has}.${subgroupHint} Vault said: $(vs_errors)" ;;`,
    sh`    token) vs_fail "Vault did not accept the ID token itself for role ${t.role} (HTTP $vs_status from ${loginPath}): its signature, issuer or expiry. Vault trusts only ID tokens issued by ${t.issuer} (the auth method's bound_issuer, keys from its OIDC discovery), unexpired: use the job's own ${idToken}, not a token from another job or GitLab instance, and retry the job if it expired. Vault said: $(vs_errors)" ;;`,
    sh`    no_token) vs_fail "Vault received no ID token (HTTP $vs_status from ${loginPath}): ${idToken} reached the login empty. Extend the template without overriding its id_tokens (aud ${t.audience}). Vault said: $(vs_errors)" ;;`,
    sh`    no_role) vs_fail "Vault received no role (HTTP $vs_status from ${loginPath}): VAULT_AUTH_ROLE is empty, and auth/$VAULT_AUTH_MOUNT has no default role. Do not override VAULT_AUTH_ROLE (this template logs in as ${t.role}). Vault said: $(vs_errors)" ;;`,
    sh`    oidc_role) vs_fail "role '$VAULT_AUTH_ROLE' is an OIDC role in Vault (role_type oidc, for browser logins) (HTTP $vs_status from ${loginPath}): a CI job logs in only to a role_type jwt role. This configuration declares ${t.role} with role_type jwt: if VAULT_AUTH_ROLE is ${t.role}, Vault does not have the applied configuration (ask the infra team to apply it). Vault said: $(vs_errors)" ;;`,
    sh`  esac`,
    sh`  case "$vs_status" in`,
    sh`    403) vs_fail "Vault denied the login to role ${t.role} (HTTP 403 from ${loginPath}, permission denied). Not the ID token (Vault answers those with 400) but where the login comes from, for example the role's token_bound_cidrs leave out this runner's address: this stack never sets token_bound_cidrs, so compare the role in Vault with the applied configuration. Vault said: $(vs_errors)" ;;`,
    sh`    *) vs_fail "the login to role ${t.role} failed with HTTP $vs_status from ${loginPath}. Vault said: $(vs_errors)" ;;`,
    sh`  esac`,
    sh`fi`,
    sh`vs_token=$(vs_json value auth client_token 2>/dev/null) || vs_token=""`,
    sh`[ -n "$vs_token" ] || vs_fail "Vault answered the login to role ${t.role} with HTTP 200 but without a token (.auth.client_token is empty). The response is not printed: a successful one holds a token."`,
    sh`echo "vault-secrets: logged in to Vault as role ${t.role}"`,
  ];
}

/** vs_read <path>: the secret's JSON in vs_body; vs_key <key>: one key's value on stdout (for a variable, never the log). */
function readFunctions(kvMount: string, role: string): ShellCode[] {
  return [
    sh`vs_read() {`,
    sh`  vs_request "reading ${kvMount}/data/$1" GET "${kvMount}/data/$1"`,
    sh`  case "$vs_status" in`,
    sh`    200) ;;`,
    sh`    403) vs_fail "role ${role} may not read ${kvMount}/data/$1 (HTTP 403): the path is not in the role's policy in Vault. The data file grants it, so Vault does not have the applied configuration yet: ask the infra team to apply it. Vault said: $(vs_errors)" ;;`,
    sh`    404) vs_fail "there is no secret at ${kvMount}/data/$1 (HTTP 404): it was never written, or it was deleted." ;;`,
    sh`    *) vs_fail "reading ${kvMount}/data/$1 failed with HTTP $vs_status. Vault said: $(vs_errors)" ;;`,
    sh`  esac`,
    sh`}`,
    // The value and a "." after it, which the caller removes: $( ) would drop the value's own trailing line breaks.
    sh`vs_key() { vs_json value data data "$1" && printf .; }`,
  ];
}
