/** Rules for the JWT auth method that trusts GitLab. */
import type { Rule } from "./rule";
import { stackFinding } from "./rule";
import { hostOf } from "./context";
import { resourcesOf, type TfAuthBackend } from "./terraform-json";

const jwtBackends = (input: Parameters<Rule["check"]>[0]) =>
  resourcesOf<TfAuthBackend>(input.tf, "vault_jwt_auth_backend").filter(([, b]) => (b.type ?? "jwt") === "jwt");

export const issuerIsGitlab: Rule = {
  id: "AUTH-001",
  explanation: "bound_issuer must equal the GitLab URL exactly (https, no path, no trailing slash): Vault compares it with the token's iss as a string.",
  fix: "fix gitlab.url in the data file; the backend takes its issuer from there",
  check: (input) =>
    jwtBackends(input)
      .filter(([, b]) => b.bound_issuer !== input.config.gitlab.url || !/^https:\/\/[^/\s@?#]+$/.test(b.bound_issuer ?? ""))
      .map(([address, b]) => stackFinding(`${address}.bound_issuer`, `is ${JSON.stringify(b.bound_issuer ?? null)}, must be exactly ${JSON.stringify(input.config.gitlab.url)}`)),
};

export const oneKeySource: Rule = {
  id: "AUTH-002",
  explanation: "Exactly one source of signing keys (OIDC discovery, JWKS URL or static public keys): two sources make it unclear which keys are trusted.",
  fix: "keep only oidc_discovery_url",
  check: (input) =>
    jwtBackends(input).flatMap(([address, b]) => {
      const sources = [b.oidc_discovery_url && "oidc_discovery_url", b.jwks_url && "jwks_url", (b.jwt_validation_pubkeys?.length ?? 0) > 0 && "jwt_validation_pubkeys"].filter(Boolean);
      return sources.length === 1 ? [] : [stackFinding(address, `has ${sources.length} key sources (${sources.join(", ") || "none"}), must have exactly one`)];
    }),
};

export const discoveryHostIsIssuer: Rule = {
  id: "AUTH-003",
  explanation: "Keys must come from the issuer itself: a discovery or JWKS URL on another host could serve keys that sign any token.",
  fix: "point oidc_discovery_url at the GitLab URL",
  check: (input) =>
    jwtBackends(input).flatMap(([address, b]) => {
      const issuerHost = hostOf(b.bound_issuer);
      return (["oidc_discovery_url", "jwks_url"] as const)
        .filter((field) => b[field] !== undefined && (!b[field]!.startsWith("https://") || hostOf(b[field]) !== issuerHost))
        .map((field) => stackFinding(`${address}.${field}`, `${JSON.stringify(b[field])} is not https on the issuer's host ${issuerHost}`));
    }),
};

export const noDefaultRole: Rule = {
  id: "AUTH-004",
  explanation: "No default_role: a login must name its role, so a job never lands in a role by accident.",
  fix: "remove default_role",
  check: (input) =>
    jwtBackends(input)
      .filter(([, b]) => b.default_role !== undefined && b.default_role !== "")
      .map(([address, b]) => stackFinding(`${address}.default_role`, `is ${JSON.stringify(b.default_role)}`)),
};

export const AUTH_RULES: readonly Rule[] = [issuerIsGitlab, oneKeySource, discoveryHostIsIssuer, noDefaultRole];
