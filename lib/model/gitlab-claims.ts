/**
 * What GitLab can put in each claim of a CI job's ID token (docs.gitlab.com "OpenID Connect (OIDC) Authentication
 * Using ID Tokens", token payload; lib/gitlab/ci/jwt_v2.rb): a bound-claim value outside this can never match a job,
 * so it is a mistake or an attempt to smuggle text into what the value reaches (the CI template's messages).
 */

const ID = /^[1-9][0-9]*$/;
const BOOLEAN = /^(true|false)$/;
const enumOf = (...values: string[]) => new RegExp(`^(${values.join("|")})$`);
/** A git ref name (git check-ref-format): no control characters, space, ~ ^ : ? * [ \, "..", "@{", "//"; no "/" or "." at its ends, no ".lock" at its end. */
const REF_NAME = "(?!.*\\.\\.)(?!.*@\\{)(?!.*//)(?!/)(?!.*[/.]$)(?!.*\\.lock$)[^\\x00-\\x20\\x7f~^:?*[\\\\]+";
/** A GitLab group or project path: segments of letters, digits, `_`, `.` and `-`, not starting with `-` or `.`. */
const PATH = "[A-Za-z0-9_][A-Za-z0-9_.-]*(/[A-Za-z0-9_][A-Za-z0-9_.-]*)*";

/** Each claim GitLab's ID tokens carry that a role may bind, with the values GitLab can put in it, in words. */
export const GITLAB_CLAIMS: Readonly<Record<string, readonly [pattern: RegExp, allowed: string]>> = {
  namespace_id: [ID, "a positive integer id"],
  project_id: [ID, "a positive integer id"],
  user_id: [ID, "a positive integer id"],
  pipeline_id: [ID, "a positive integer id"],
  job_id: [ID, "a positive integer id"],
  runner_id: [ID, "a positive integer id"],
  ref_protected: [BOOLEAN, '"true" or "false"'],
  environment_protected: [BOOLEAN, '"true" or "false"'],
  ref_type: [enumOf("branch", "tag"), '"branch" or "tag"'],
  deployment_tier: [enumOf("production", "staging", "testing", "development", "other"), "production, staging, testing, development or other"],
  runner_environment: [enumOf("gitlab-hosted", "self-hosted"), "gitlab-hosted or self-hosted"],
  project_visibility: [enumOf("public", "internal", "private"), "public, internal or private"],
  user_access_level: [enumOf("guest", "planner", "reporter", "developer", "maintainer", "owner"), "guest, planner, reporter, developer, maintainer or owner"],
  pipeline_source: [
    enumOf(
      "push",
      "web",
      "trigger",
      "schedule",
      "api",
      "external",
      "pipeline",
      "chat",
      "webide",
      "merge_request_event",
      "external_pull_request_event",
      "parent_pipeline",
      "ondemand_dast_scan",
      "ondemand_dast_validation",
      "security_orchestration_policy",
    ),
    "one of GitLab's pipeline sources (push, web, trigger, schedule, api, merge_request_event, parent_pipeline, ...)",
  ],
  ref: [new RegExp(`^${REF_NAME}$`), "a git branch or tag name (no spaces, control characters, ~ ^ : ? * [ \\ or ..)"],
  ref_path: [new RegExp(`^refs/(heads|tags)/${REF_NAME}$`), "refs/heads/<branch> or refs/tags/<tag>"],
  environment: [/^[A-Za-z0-9_/ -]+$/, "an environment name: letters, digits, spaces, -, _ and /"],
  namespace_path: [new RegExp(`^${PATH}$`), "a GitLab group path (letters, digits, _, . and -, segments separated by /)"],
  project_path: [new RegExp(`^${PATH}$`), "a GitLab project path (letters, digits, _, . and -, segments separated by /)"],
  user_login: [/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, "a GitLab username (letters, digits, _, . and -)"],
  user_email: [/^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/, "an e-mail address"],
  sha: [/^([0-9a-f]{40}|[0-9a-f]{64})$/, "a commit SHA (40 or 64 lower-case hex digits)"],
  ci_config_sha: [/^([0-9a-f]{40}|[0-9a-f]{64})$/, "a commit SHA (40 or 64 lower-case hex digits)"],
  sub: [new RegExp(`^project_path:${PATH}:ref_type:(branch|tag):ref:${REF_NAME}$`), "project_path:<group>/<project>:ref_type:<branch|tag>:ref:<name>"],
};

/** Why a bound-claim value is not one GitLab can put in that claim, or undefined when it is. */
export function claimValueProblem(claim: string, value: string): string | undefined {
  const known = GITLAB_CLAIMS[claim];
  if (!known) return `${claim} is not a claim of GitLab's ID tokens that a role may bind (${Object.keys(GITLAB_CLAIMS).join(", ")})`;
  return known[0].test(value) ? undefined : `${JSON.stringify(value)} is not a value GitLab can put in ${claim}: must be ${known[1]}`;
}
