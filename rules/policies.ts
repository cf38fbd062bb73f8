/** Rules for the policies that CI reader roles carry. */
import type { Finding, Rule, RuleInput } from "./rule";
import { dataFinding, stackFinding } from "./rule";
import { ciRoles, once, pipelineRoles, policiesByName } from "./context";
import { closest } from "../lib/model/config";
import { pathMatches } from "../lib/review/granted-access";
import { parsePolicyRules } from "./terraform-json";
import { accountSecretPath, kvDataPath, NEXUS_SECRET_FOLDER } from "../lib/model/naming";
import type { EntryRef } from "./rule";

interface Grant {
  readonly role: string;
  readonly entry: EntryRef;
  readonly policyAddress: string;
  readonly path: string;
  readonly capabilities: readonly string[];
}

/** Every (CI role, path, capabilities) the synthesized policies grant; unparseable policies are POL-004's concern. */
function ciGrants(input: RuleInput): Grant[] {
  return once(input, "ciGrants", () => findCiGrants(input));
}

function findCiGrants(input: RuleInput): Grant[] {
  const policies = policiesByName(input);
  return ciRoles(input).flatMap(({ name, entry, role }) =>
    (role.token_policies ?? []).flatMap((policyName) =>
      (policies.get(policyName) ?? []).flatMap(([policyAddress, policy]) =>
        (parsePolicyRules(policy.policy ?? "") ?? []).map((rule) => ({ role: name, entry, policyAddress, ...rule })),
      ),
    ),
  );
}

const SEGMENT = /^[a-z0-9][a-z0-9-]*$/;

export const exactDataPaths: Rule = {
  id: "POL-001",
  explanation: "A CI role reads exact KV v2 data paths <mount>/data/<segments> inside a declared KV mount: no *, +, .., empty segment or upper case.",
  fix: "name the secret's full path in lower case, without wildcards, under the KV mount",
  check: (input) =>
    ciGrants(input)
      .filter(({ path }) => {
        const [mount, data, ...segments] = path.split("/");
        return mount !== input.config.vault.kvMount || data !== "data" || segments.length === 0 || !segments.every((s) => SEGMENT.test(s));
      })
      .map(({ policyAddress, path, role, entry }) =>
        stackFinding(`${policyAddress}.policy`, `grants ${role} ${JSON.stringify(path)}, not an exact ${input.config.vault.kvMount}/data/<path>`, entry),
      ),
};

export const readOnly: Rule = {
  id: "POL-002",
  explanation: "CI roles get exactly read: list reveals key names, create/update/patch/delete write, sudo opens root-protected paths.",
  fix: 'grant capabilities ["read"] only (the policy renderer does)',
  check: (input) =>
    ciGrants(input)
      .filter(({ capabilities }) => capabilities.length !== 1 || capabilities[0] !== "read")
      .map(({ policyAddress, path, capabilities, role, entry }) =>
        stackFinding(`${policyAddress}.policy`, `grants ${role} ${JSON.stringify(capabilities)} on ${JSON.stringify(path)}, must be exactly ["read"]`, entry),
      ),
};

const FORBIDDEN_PREFIXES = ["sys/", "auth/", "identity/", "cubbyhole/", "+/", "*"];
const FORBIDDEN_SEGMENTS = ["metadata", "delete", "undelete", "destroy", "subkeys"];

export const noAdminOrVersionPaths: Rule = {
  id: "POL-003",
  explanation: "Never sys/, auth/, identity/ or a KV metadata/, delete/, undelete/, destroy/ path for a CI role: those configure Vault or erase secrets.",
  fix: "remove the path; CI reads secret/data/<path> only",
  check: (input) =>
    ciGrants(input)
      .filter(({ path }) => FORBIDDEN_PREFIXES.some((p) => path.startsWith(p)) || FORBIDDEN_SEGMENTS.includes(path.split("/")[1] ?? ""))
      .map(({ policyAddress, path, role, entry }) => stackFinding(`${policyAddress}.policy`, `grants ${role} the administrative path ${JSON.stringify(path)}`, entry)),
};

export const policyTextPlain: Rule = {
  id: "POL-004",
  explanation: "A CI role's policy holds only path blocks with capabilities: parameters constraints, wrapping TTLs or unknown syntax cannot be reviewed here.",
  fix: "render the policy with lib/model/policy.ts",
  check: (input) => {
    const policies = policiesByName(input);
    const seen = new Set<string>();
    const findings: Finding[] = [];
    for (const { role, entry } of ciRoles(input)) {
      for (const policyName of role.token_policies ?? []) {
        for (const [address, policy] of policies.get(policyName) ?? []) {
          if (seen.has(address)) continue;
          seen.add(address);
          const rules = parsePolicyRules(policy.policy ?? "");
          if (!rules || rules.length === 0) findings.push(stackFinding(`${address}.policy`, "is not a list of path blocks with capabilities", entry));
        }
      }
    }
    return findings;
  },
};

export const noPathTwice: Rule = {
  id: "POL-005",
  explanation: "No path is granted twice to the same role: a duplicate hides which grant a reviewer must remove.",
  fix: "keep one grant per path per role",
  check: (input) => {
    const seen = new Map<string, string>();
    const findings: Finding[] = [];
    for (const grant of ciGrants(input)) {
      const key = `${grant.role}\u0000${grant.path}`;
      const first = seen.get(key);
      if (first === undefined) seen.set(key, grant.policyAddress);
      else findings.push(stackFinding(`${grant.policyAddress}.policy`, `grants ${grant.role} ${JSON.stringify(grant.path)} again (also ${first})`, grant.entry));
    }
    return findings;
  },
};

export const workloadSecretsNotForCi: Rule = {
  id: "POL-006",
  explanation: "A secret read by workloads (Kubernetes, EC2: AppRole) belongs to them: no CI role may read it, so a pipeline can never borrow deploy credentials.",
  fix: "remove the CI role from the account's readers, or give CI its own account",
  check: (input) => {
    const workloads = new Set(input.config.workloads.map((w) => w.name));
    const roles = new Set(input.config.roles.map((r) => r.name));
    const workloadPaths = new Map<string, string>();
    const findings: Finding[] = [];
    input.config.accounts.forEach((account, i) => {
      if (!account.readers.some((r) => workloads.has(r))) return;
      workloadPaths.set(kvDataPath(input.config.vault.kvMount, accountSecretPath(account.name)), account.name);
      account.readers.forEach((reader, j) => {
        if (roles.has(reader)) {
          findings.push(dataFinding(`accounts[${i}].readers[${j}]`, `CI role ${reader} may not read ${account.name}, which workloads read`, { list: "accounts", name: account.name }));
        }
      });
    });
    for (const grant of ciGrants(input)) {
      const account = workloadPaths.get(grant.path);
      if (account) findings.push(stackFinding(`${grant.policyAddress}.policy`, `lets CI role ${grant.role} read ${account}'s secret, which workloads read`, grant.entry));
    }
    return findings;
  },
};

export const projectSecretsStayInProject: Rule = {
  id: "POL-007",
  explanation: "A secret that a project-scoped role reads (bound by project_id) is not also readable by a group-wide role (namespace_id only): every project of the group could read it, and the project binding would protect nothing.",
  fix: "remove the path from the group-wide role (its reads, or the account's readers), or suppress POL-007 on that role with the reason the whole group needs it",
  waivable: "a secret the whole group needs may also be read by one project's role; the group-wide role's own binding is still held by every JWT and TRUST rule, and the grant is a widening line in the access diff",
  check: (input) => {
    const projectScoped = new Set(ciRoles(input).filter(({ role }) => role.bound_claims?.project_id !== undefined).map(({ name }) => name));
    const grants = ciGrants(input);
    const projectReaders = new Map<string, string>();
    for (const grant of grants) if (projectScoped.has(grant.role) && !projectReaders.has(grant.path)) projectReaders.set(grant.path, grant.role);
    return grants
      .filter((grant) => !projectScoped.has(grant.role) && projectReaders.has(grant.path))
      .map((grant) =>
        stackFinding(
          `${grant.policyAddress}.policy`,
          `lets group-wide role ${grant.role} read ${JSON.stringify(grant.path)}, which project-scoped role ${projectReaders.get(grant.path)} reads`,
          grant.entry,
        ),
      );
  },
};

export const workloadOnlyNeverCi: Rule = {
  id: "POL-008",
  explanation:
    "An account marked workloadOnly (a deploy credential) is never read by a CI or pipeline role, whoever its readers are today: the mark, not the current readers, says who owns the secret.",
  fix: "remove the role from the account's readers; if CI really needs such a credential, give CI its own account (removing workloadOnly is a widening a security owner must approve)",
  check: (input) => {
    const roleNames = new Set([...input.config.roles.map((r) => r.name), ...pipelineRoles(input).map((r) => r.name)]);
    const findings: Finding[] = [];
    const guarded = new Map<string, string>();
    input.config.accounts.forEach((account, i) => {
      if (!account.workloadOnly) return;
      guarded.set(kvDataPath(input.config.vault.kvMount, accountSecretPath(account.name)), account.name);
      account.readers.forEach((reader, j) => {
        if (roleNames.has(reader)) findings.push(dataFinding(`accounts[${i}].readers[${j}]`, `CI role ${reader} may not read ${account.name}, which is workloadOnly`));
      });
    });
    // The stack as well: a policy path that covers the secret (a glob, a code change) is caught even if readers look right.
    const policies = policiesByName(input);
    for (const { address, name, role } of [...ciRoles(input), ...pipelineRoles(input)]) {
      for (const policyName of role.token_policies ?? []) {
        for (const [policyAddress, policy] of policies.get(policyName) ?? []) {
          // Reading is what is refused: the apply role writes the password (create, update) and never reads it.
          for (const rule of (parsePolicyRules(policy.policy ?? "") ?? []).filter((r) => r.capabilities.includes("read"))) {
            for (const [dataPath, account] of guarded) {
              if (pathMatches(rule.path, dataPath)) findings.push(stackFinding(`${policyAddress}.policy`, `lets ${name} (${address}) read ${account}'s secret, which is workloadOnly`));
            }
          }
        }
      }
    }
    return findings;
  },
};

/** The path a `reads` entry most likely meant, when it repeats the mount, `data/` or `metadata/`. */
function intendedPath(path: string, kvMount: string): string | undefined {
  const segments = path.split("/");
  if (segments[0] === kvMount) segments.shift();
  if (segments[0] === "data" || segments[0] === "metadata") segments.shift();
  const meant = segments.join("/");
  return meant !== path && meant !== "" ? meant : undefined;
}

export const readPathsRelative: Rule = {
  id: "POL-009",
  explanation: `A read path is relative to the KV mount, in CLI form (no <mount>/, data/ or metadata/ prefix: the policy adds <mount>/data/), and ${NEXUS_SECRET_FOLDER}/ holds only declared accounts' secrets, granted through their readers.`,
  fix: `write the path as the vault kv CLI shows it (sonarqube/svc-orchestrator); for a ${NEXUS_SECRET_FOLDER}/ secret, declare the account and list the role in its readers`,
  check: (input) => {
    const { kvMount } = input.config.vault;
    const accounts = input.config.accounts.map((a) => a.name);
    const paths: [string, string][] = [
      ...input.config.roles.flatMap((role, i) => role.reads.map((read, j): [string, string] => [`roles[${i}].reads[${j}].path`, read.path])),
      ...(input.config.pipeline ? [["pipeline.gitlabTokenPath", input.config.pipeline.gitlabTokenPath] as [string, string]] : []),
    ];
    return paths.flatMap(([at, path]) => {
      const meant = intendedPath(path, kvMount);
      if (meant) return [dataFinding(at, `${JSON.stringify(path)} would be read at ${kvDataPath(kvMount, path)}: did you mean ${JSON.stringify(meant)}?`)];
      const [folder, name, ...rest] = path.split("/");
      if (folder !== NEXUS_SECRET_FOLDER) return [];
      const guess = rest.length === 0 && name ? closest(name, accounts) : undefined;
      return [dataFinding(at, `${JSON.stringify(path)} is under ${NEXUS_SECRET_FOLDER}/, which holds only declared accounts' secrets${guess ? `: did you mean account ${guess} (list the role in its readers)?` : ` (accounts: ${accounts.join(", ") || "none"})`}`)];
    });
  },
};

export const POLICY_RULES: readonly Rule[] = [
  exactDataPaths,
  readOnly,
  noAdminOrVersionPaths,
  policyTextPlain,
  noPathTwice,
  workloadSecretsNotForCi,
  projectSecretsStayInProject,
  workloadOnlyNeverCi,
  readPathsRelative,
];
