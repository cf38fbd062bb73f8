/** Rules for GitLab CI/CD variables. */
import type { Finding, Rule } from "./rule";
import { stackFinding } from "./rule";
import { hostOf } from "./context";
import { resourcesOf, type TfGroupVariable } from "./terraform-json";
import { dataFinding } from "./rule";
import { deriveAccess } from "../lib/model/access";
import { secretVariableName } from "../lib/model/naming";
import { exportedVariableProblem } from "../lib/model/gitlab-variables";

const VARIABLE_TYPES = ["gitlab_group_variable", "gitlab_project_variable", "gitlab_instance_variable"];
const allVariables = (input: Parameters<Rule["check"]>[0]) => VARIABLE_TYPES.flatMap((type) => resourcesOf<TfGroupVariable>(input.tf, type));
const vaultAddr = (input: Parameters<Rule["check"]>[0]) => allVariables(input).filter(([, v]) => v.key === "VAULT_ADDR");

export const vaultAddrValue: Rule = {
  id: "VAR-001",
  explanation: "VAULT_ADDR is https on the declared Vault host, with no credentials, path, query or $ (it is expanded into every job's curl).",
  fix: "fix vault.url in the data file; VAULT_ADDR takes its value from there",
  check: (input) =>
    vaultAddr(input).flatMap(([address, v]) => {
      const value = v.value ?? "";
      const url = URL.canParse(value) ? new URL(value) : undefined;
      const ok = url !== undefined && url.protocol === "https:" && !url.username && !url.password && `${url.protocol}//${url.host}` === value && !value.includes("$");
      const findings: Finding[] = [];
      if (!ok) findings.push(stackFinding(`${address}.value`, `${JSON.stringify(value)} is not a bare https origin`));
      if (hostOf(value) !== hostOf(input.config.vault.url)) findings.push(stackFinding(`${address}.value`, `host ${hostOf(value)} is not the Vault host ${hostOf(input.config.vault.url)}`));
      return findings;
    }),
};

export const vaultAddrVisible: Rule = {
  id: "VAR-002",
  explanation: "VAULT_ADDR is unmasked, unprotected and raw: it is not a secret, merge-request pipelines need it, and nothing in it may expand. Documented exception to checkov CKV_GLB_5.",
  fix: "masked false, protected false, raw true (the VaultAddrVariable construct does)",
  check: (input) =>
    vaultAddr(input).flatMap(([address, v]) => [
      ...(v.masked === false ? [] : [stackFinding(`${address}.masked`, "must be false: a masked URL breaks job logs and is not a secret")]),
      ...(v.protected === false ? [] : [stackFinding(`${address}.protected`, "must be false: merge-request pipelines would lose VAULT_ADDR and fail with \"Could not resolve host\"")]),
      ...(v.raw === true ? [] : [stackFinding(`${address}.raw`, "must be true: no variable expansion in the Vault address")]),
    ]),
};

export const variableKeys: Rule = {
  id: "VAR-003",
  explanation: "Variable keys match ^[A-Z_][A-Z0-9_]*$ and never start with CI_ or GITLAB_ (GitLab's predefined variables would be shadowed).",
  fix: "rename the variable",
  check: (input) =>
    allVariables(input)
      .filter(([, v]) => !/^[A-Z_][A-Z0-9_]*$/.test(v.key ?? "") || /^(CI_|GITLAB_)/.test(v.key ?? ""))
      .map(([address, v]) => stackFinding(`${address}.key`, `${JSON.stringify(v.key)} is not an allowed key`)),
};

export const secretVariableNamesSafe: Rule = {
  id: "VAR-004",
  explanation:
    "The variables the CI template exports a secret into (<PATH>_<KEY>, upper case) are plain names that no shell, runtime, runner or GitLab reads: a secret landing in BASH_ENV, LD_PRELOAD, NODE_OPTIONS or CI_* would run code or change the job.",
  fix: "rename the path or the key so that its variable is not a reserved name (docs/ci-template.md)",
  check: (input) => {
    const { config } = input;
    return deriveAccess(config).grants.flatMap((grant) => {
      // Where the path is declared: a role's reads entry, else the account whose secret it is.
      const i = config.roles.findIndex((role) => role.reads.some((read) => read.path === grant.path));
      const at = i >= 0 ? `roles[${i}].reads[${config.roles[i].reads.findIndex((read) => read.path === grant.path)}].path` : `accounts[${config.accounts.findIndex((a) => a.name === grant.account)}].name`;
      return grant.keys.flatMap((key) => {
        const problem = exportedVariableProblem(secretVariableName(grant.path, key));
        return problem ? [dataFinding(at, `${JSON.stringify(grant.path)} key ${key}: ${problem}`)] : [];
      });
    });
  },
};

export const VARIABLE_RULES: readonly Rule[] = [vaultAddrValue, vaultAddrVisible, variableKeys, secretVariableNamesSafe];
