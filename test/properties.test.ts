/**
 * Property-based tests (fast-check): for generated configurations, what the stack grants is exactly what the data
 * declares, read-only on exact data paths; and generated invalid names and paths never synthesize.
 */
import fc from "fast-check";
import { ConfigError, validateData } from "../lib/model/config";
import { trustAllowing } from "./support/data";
import { kvDataPath, readPolicyName, accountSecretPath } from "../lib/model/naming";
import { checkConfiguration } from "../rules";
import { parsePolicyRules } from "../rules/terraform-json";
import { synthesizedJson } from "./support/rule-input";

const GITLAB = "https://gitlab.example.org";
/** The group of generated data; no generated project id equals it (JWT-013: group 7 is not project 7). */
const GROUP_ID = 7;
const segment = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,6}$/);
// Starting with x: the CI template exports each key into <PATH>_<KEY>, which must be a name no runtime reads (VAR-004).
const kvPath = fc.array(segment, { minLength: 1, maxLength: 3 }).map((s) => `x${s.join("/")}`);
const roleName = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}[a-z0-9]$/);
const accountName = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,8}$/).map((s) => `svc-${s}`);
const SCOPES = ["docker:read", "docker:read-write", "rpm:read-write", "raw:read-write", "pypi:read-write", "maven:read", "npm:read-write", "helm:read"];

/**
 * A valid data file: distinct names, id-bound roles that read at least one path (JWT-011) and never bind the group id as
 * a project id (JWT-013), accounts read either by CI roles or by workloads (POL-006), and no path read by both a
 * project-scoped and a group-wide role (POL-007).
 */
const validData = fc
  .record({
    roles: fc.uniqueArray(fc.record({ name: roleName, id: fc.integer({ min: 1, max: 100000 }).filter((id) => id !== GROUP_ID), byProject: fc.boolean(), reads: fc.uniqueArray(kvPath, { minLength: 1, maxLength: 4 }) }), {
      minLength: 1,
      maxLength: 4,
      selector: (r) => r.name,
    }),
    accounts: fc.uniqueArray(fc.record({ name: accountName, scope: fc.subarray(SCOPES, { minLength: 1 }), readerPicks: fc.array(fc.nat(), { maxLength: 3 }), forWorkloads: fc.boolean() }), {
      maxLength: 4,
      selector: (a) => a.name,
    }),
  })
  .map(({ roles, accounts }) => {
    const roleNames = roles.map((r) => r.name);
    const byProject = new Map(roles.map((r) => [r.name, r.byProject]));
    // An account's CI readers are all project-scoped or all group-wide, like the kind of the first one picked.
    const sameScope = (readers: string[]) => readers.filter((r) => byProject.get(r) === byProject.get(readers[0]));
    return {
      stack: "generated",
      gitlab: { url: GITLAB, groupId: GROUP_ID },
      vault: { url: "https://vault.example.org", jwtMount: "jwt", kvMount: "kv" },
      roles: roles.map((r) => ({
        name: r.name,
        audiences: [GITLAB],
        boundClaims: r.byProject ? { project_id: String(r.id), ref_protected: "true" } : { namespace_id: String(r.id) },
        // A project-scoped role's paths are its own, under a first segment no generated path has (kvPath segments
        // are at most 7 characters); group-wide roles may share theirs.
        reads: r.reads.map((path) => ({ path: r.byProject ? `project-${r.name}/${path}` : path, keys: ["value"] })),
      })),
      workloads: [{ name: "kubernetes-pods", description: "pods" }],
      accounts: accounts.map((a, i) => ({
        name: a.name,
        permissions: a.scope,
        usedBy: "generated",
        readers: a.forWorkloads ? ["kubernetes-pods"] : sameScope([...new Set(a.readerPicks.map((p) => roleNames[p % roleNames.length]))]),
        // The same scope twice is allowed with a justification (ACC-004); generated data always gives one. Random
        // names may be look-alikes (svc-0 beside svc-a): ACC-006 allows them when a justification names the other.
        justification: `generated account number ${i} with its own audit trail, not ${accounts
          .filter((_, j) => j !== i)
          .map((b) => b.name)
          .join(", ")}`,
      })),
    };
  });

describe("for any valid configuration", () => {
  it("each role's tokens carry exactly the policies of its declared paths, each granting only read on that exact data path, and no guardrail objects", () => {
    fc.assert(
      fc.property(validData, (data) => {
        const source = validateData(data, "generated.yaml", trustAllowing(data));
        const tf = synthesizedJson(source.config);
        const policies = new Map(Object.values(tf.resource.vault_policy ?? {}).map((p: any) => [p.name, p.policy]));
        for (const role of source.config.roles) {
          const declared = [
            ...role.reads.map((r) => r.path),
            ...source.config.accounts.filter((a) => a.readers.includes(role.name)).map((a) => accountSecretPath(a.name)),
          ];
          const tfRole = tf.resource.vault_jwt_auth_backend_role[role.name];
          expect([...tfRole.token_policies].sort()).toEqual(declared.map((p) => readPolicyName("kv", p)).sort());
          for (const path of declared) {
            expect(parsePolicyRules(policies.get(readPolicyName("kv", path)))).toEqual([{ path: kvDataPath("kv", path), capabilities: ["read"] }]);
          }
        }
        expect(checkConfiguration({ ...source, tf }).violations).toEqual([]);
      }),
      { numRuns: 15 },
    );
  });
});

/** A character or shape that makes a path segment unsafe. */
const badSegment = fc.oneof(
  fc.constantFrom("*", "+", "..", "", "a*", "b+", "UP", "x.y", "a b", "%2e%2e", "a_b"),
  // Unsafe as a whole: a generated "a/b" is two safe segments, not a bad one.
  fc.string({ minLength: 1, maxLength: 4 }).filter((s) => s.split("/").some((part) => !/^[a-z0-9][a-z0-9-]*$/.test(part))),
);
const badAccountName = fc.oneof(
  fc.string({ maxLength: 12 }).filter((s) => !/^svc-[a-z0-9-]+$/.test(s)),
  segment.map((s) => `svc_${s}`),
  segment.map((s) => `SVC-${s}`),
);

function rejected(data: unknown): boolean {
  try {
    validateData(data, "generated.yaml", trustAllowing(data));
    return false;
  } catch (e) {
    if (e instanceof ConfigError) return true;
    throw e;
  }
}

describe("no invalid name or path ever synthesizes", () => {
  it("rejects any secret path with an unsafe segment, or a leading or trailing slash", () => {
    fc.assert(
      fc.property(validData, fc.array(segment, { maxLength: 2 }), badSegment, fc.array(segment, { maxLength: 2 }), fc.constantFrom("", "/"), (data, before, bad, after, edge) => {
        const path = [...before, bad, ...after].join("/");
        data.roles[0].reads = [{ path: edge === "/" ? `/${path}` : path, keys: ["value"] }];
        return rejected(data);
      }),
      { numRuns: 100 },
    );
  });

  it("rejects any account name outside ^svc-[a-z0-9-]+$", () => {
    fc.assert(
      fc.property(validData, badAccountName, (data, name) => {
        data.accounts = [{ name, permissions: ["docker:read"], usedBy: "x", readers: [], justification: "generated account with its own audit trail" }];
        return rejected(data);
      }),
      { numRuns: 100 },
    );
  });
});
