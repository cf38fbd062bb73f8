/**
 * Which names a variable exported from a secret may take in a CI job. The job's shell, the runtimes it starts and the
 * runner read some variables as instructions (BASH_ENV and ENV run a file, LD_PRELOAD loads a library, NODE_OPTIONS
 * and JAVA_TOOL_OPTIONS load code, PATH picks the programs, *_PROXY redirects traffic, SSL_CERT_FILE swaps the trust
 * store), and GitLab and the runner reserve CI_*, GITLAB_*, FF_* and RUNNER_*: a secret landing in one of them would
 * change what the job runs. The template's own VAULT_* names are reserved too.
 */

/** Upper-case letters, digits and `_`, starting with a letter, as GitLab's variable keys (and every shell) take. */
const NAME = /^[A-Z][A-Z0-9_]*$/;

/** Names read as instructions, exactly. */
const RESERVED_NAMES = new Set([
  "PATH",
  "HOME",
  "SHELL",
  "ENV",
  "BASH_ENV",
  "IFS",
  "PS1",
  "PS2",
  "PS4",
  "CDPATH",
  "SHELLOPTS",
  "BASHOPTS",
  "GLOBIGNORE",
  "POSIXLY_CORRECT",
  "LANG",
  "LANGUAGE",
  "TERM",
  "TZ",
  "TMPDIR",
  "USER",
  "LOGNAME",
  "PWD",
  "OLDPWD",
  "EDITOR",
  "VISUAL",
  "PAGER",
  "CLASSPATH",
  "CI",
  "NO_PROXY",
  "ALL_PROXY",
  "FTP_PROXY",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "KUBECONFIG",
  "MAKEFLAGS",
  "PROMPT_COMMAND",
]);

/** Families of names read as instructions, or reserved by GitLab, the runner and this template. */
const RESERVED_PREFIXES = [
  "CI_",
  "GITLAB_",
  "FF_",
  "RUNNER_",
  "VAULT_",
  "DOCKER_",
  "LD_",
  "DYLD_",
  "BASH_",
  "NODE_",
  "NPM_CONFIG_",
  "YARN_",
  "PYTHON",
  "PIP_",
  "PERL",
  "RUBY",
  "GEM_",
  "BUNDLE_",
  "JAVA_",
  "_JAVA",
  "JDK_",
  "MAVEN_",
  "GRADLE_",
  "GO",
  "CARGO_",
  "RUST",
  "GIT_",
  "SSH_",
  "SSL_",
  "CURL_",
  "REQUESTS_",
  "LC_",
  "TF_",
];

/** Why a variable name may not receive a secret, or undefined when it may. */
export function exportedVariableProblem(name: string): string | undefined {
  if (!NAME.test(name))
    return `would be read into ${JSON.stringify(name)}, which is not a variable name (upper-case letters, digits and _, starting with a letter)`;
  if (RESERVED_NAMES.has(name)) return `would be read into ${name}, which a shell, a runtime or GitLab reads as an instruction`;
  const prefix = RESERVED_PREFIXES.find((p) => name.startsWith(p));
  if (prefix) return `would be read into ${name}, and ${prefix}* names are read by a shell, a runtime, the runner or GitLab, or reserved by this template`;
  return undefined;
}
