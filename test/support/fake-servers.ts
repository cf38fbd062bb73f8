/**
 * A fake Vault (JWT login and KV v2 reads) and a fake GitLab notes API on 127.0.0.1, so that the generated CI
 * scripts run for real (curl, jq, sh) against every answer the JWT page's troubleshooting table lists.
 *
 * A login is answered the way Vault's JWT auth plugin answers it (hashicorp/vault-plugin-auth-jwt, path_login.go):
 * the checks in its order (role named, role found, role_type jwt, token present, then the token), and every refusal
 * of the login itself with HTTP 400 and the plugin's error text, which alone tells the causes apart (a job that is not
 * bound to the role is a 400 too, not the 403 of the JWT page). 403 is Vault's "permission denied", given before the
 * token is looked at (token_bound_cidrs). What a login with a known role returns is chosen by the JWT the script
 * sends; what a read returns by the token it got.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** JWT values the fake Vault knows, and what a login with them returns. */
export const JWT = {
  ok: "jwt-ok",
  wrongAudience: "jwt-wrong-aud",
  notBound: "jwt-not-bound",
  noToken: "jwt-no-token",
  limited: "jwt-limited",
  partial: "jwt-partial",
  expired: "jwt-expired",
  wrongIssuer: "jwt-wrong-iss",
  /** The audience refused by a plugin older than its move to hashicorp/cap (the other wording). */
  wrongAudienceOld: "jwt-wrong-aud-old",
  /** A login from an address outside the role's token_bound_cidrs. */
  outsideCidrs: "jwt-outside-cidrs",
  /** Its token reads `generatedSecrets`, in JSON as Node writes it (UTF-8 as it is). */
  values: "jwt-values",
  /** Its token reads `generatedSecrets` in JSON of ASCII only: every other character, and `/`, as a \u or \/ escape. */
  valuesEscaped: "jwt-values-escaped",
} as const;

/** What a scenario's Vault does to every request: never answer, answer sealed (503), or answer 503 twice, then serve. */
export type Fault = "hang" | "sealed" | "flaky";

/**
 * Vault's error text for each refused JWT (HTTP 400), as the plugin words it: role_type jwt with OIDC discovery,
 * validated by hashicorp/cap (jwt.go) and wrapped by path_login.go ("error validating token: %s",
 * "error validating claims: %s"); the older wording of the audience from claims.go validateAudience.
 */
export const LOGIN_ERRORS = {
  wrongAudience: "error validating token: invalid audience (aud) claim: audience claim does not match any expected audience",
  wrongAudienceOld: "error validating claims: aud claim does not match any bound audience",
  notBound: 'error validating claims: claim "namespace_id" does not match any associated bound claim values',
  expired: "error validating token: invalid expiration time (exp) claim: token is expired",
  wrongIssuer: "error validating token: invalid issuer (iss) claim",
  unknown: "error validating token: error verifying token signature: no known key verifies it (fake Vault)",
} as const;

export interface FakeServers {
  readonly url: string;
  /**
   * Every request, in order: the scenario (a first path segment `/s/<scenario>` that the fake strips, so that one
   * server serves many runs), method, path and the headers that matter.
   */
  readonly requests: { scenario: string; method: string; path: string; vaultToken?: string; privateToken?: string; body: string; userAgent?: string }[];
  /** The merge request's notes, as the fake GitLab keeps them. */
  readonly notes: { id: number; body: string }[];
  close(): Promise<void>;
}

export interface FakeServerOptions {
  /** KV v2 secrets by path inside the mount: key -> value. */
  readonly secrets: Record<string, Record<string, string>>;
  /** What the token of JWT.partial reads instead (secrets with a key missing, or missing altogether). */
  readonly partialSecrets: Record<string, Record<string, string>>;
  /** The Vault token a successful login returns. */
  readonly token: string;
  /** The roles on the JWT auth method, by name, with their role_type (a login to any other is refused). */
  readonly roles: Readonly<Record<string, "jwt" | "oidc">>;
  /** The token the GitLab notes API accepts, and the merge request it serves. */
  readonly gitlabToken: string;
  readonly mergeRequest: { project: string; iid: string };
  /** What the tokens of JWT.values and JWT.valuesEscaped read. */
  readonly generatedSecrets?: Record<string, Record<string, string>>;
  /** Faults by scenario. */
  readonly faults?: Readonly<Record<string, Fault>>;
}

/** JSON of ASCII only, as a cautious encoder writes it: `\/`, and `\uXXXX` (surrogate pairs above U+FFFF). */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]|\//g, (c) => (c === "/" ? "\\/" : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`));
}

export async function startFakeServers(options: FakeServerOptions): Promise<FakeServers> {
  const requests: FakeServers["requests"] = [];
  const notes: FakeServers["notes"] = [];
  const revoked = new Set<string>();
  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    const [, scenario, path] = /^\/s\/([^/]+)(\/.*)$/.exec((req.url ?? "").split("?")[0]) ?? [undefined, "", (req.url ?? "").split("?")[0]];
    requests.push({
      scenario,
      method: req.method ?? "",
      path,
      vaultToken: header(req, "x-vault-token"),
      privateToken: header(req, "private-token"),
      body,
      userAgent: header(req, "user-agent"),
    });
    const reply = (status: number, json: unknown, text = JSON.stringify(json)) => {
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(text);
    };
    const fault = options.faults?.[scenario];
    if (fault === "hang") return; // the connection stays open, unanswered, until the server closes
    // Vault's answer while sealed (or a standby without an active node): HTTP 503, "Vault is sealed".
    if (fault === "sealed") return reply(503, { errors: ["Vault is sealed"] });
    if (fault === "flaky" && requests.filter((r) => r.scenario === scenario).length <= 2)
      return reply(503, { request_id: `req-${scenario}-${requests.filter((r) => r.scenario === scenario).length}`, errors: ["Vault is sealed"] });

    const login = /^\/v1\/auth\/([^/]+)\/login$/.exec(path);
    if (login && req.method === "POST") {
      const { role = "", jwt = "" } = JSON.parse(body || "{}") as { role?: string; jwt?: string };
      // path_login.go's order. The auth method has no default_role, so an empty role is "missing role".
      if (!role) return reply(400, { errors: ["missing role"] });
      if (!Object.hasOwn(options.roles, role)) return reply(400, { errors: [`role "${role}" could not be found`] });
      if (options.roles[role] === "oidc") return reply(400, { errors: ["role with oidc role_type is not allowed"] });
      if (!jwt) return reply(400, { errors: ["missing token"] });
      if (jwt === JWT.outsideCidrs) return reply(403, { errors: ["permission denied"] });
      if (jwt === JWT.ok) return reply(200, { auth: { client_token: options.token, policies: ["x"] } });
      if (jwt === JWT.limited) return reply(200, { auth: { client_token: "limited-token" } });
      if (jwt === JWT.partial) return reply(200, { auth: { client_token: "partial-token" } });
      if (jwt === JWT.values) return reply(200, { auth: { client_token: "values-token" } });
      if (jwt === JWT.valuesEscaped) return reply(200, { auth: { client_token: "values-escaped-token" } });
      if (jwt === JWT.noToken) return reply(200, { auth: null, warnings: ["no token for you"] });
      const refused = (Object.keys(LOGIN_ERRORS) as (keyof typeof LOGIN_ERRORS)[]).find((k) => k !== "unknown" && JWT[k] === jwt);
      return reply(400, { errors: [LOGIN_ERRORS[refused ?? "unknown"]] });
    }

    const read = /^\/v1\/secret\/data\/(.+)$/.exec(path);
    if (read && req.method === "GET") {
      const token = header(req, "x-vault-token") ?? "";
      if (revoked.has(`${scenario} ${token}`)) return reply(403, { errors: ["permission denied"] });
      if (token === "values-token" || token === "values-escaped-token") {
        const secret = options.generatedSecrets?.[read[1]];
        if (!secret) return reply(404, { errors: [] });
        const json = { request_id: "req-read", data: { data: secret, metadata: { version: 1 } } };
        return reply(200, json, token === "values-token" ? JSON.stringify(json) : asciiJson(json));
      }
      if (token !== options.token && token !== "partial-token") return reply(403, { errors: ["1 error occurred:\n\t* permission denied\n\n"] });
      const secret = (token === options.token ? options.secrets : options.partialSecrets)[read[1]];
      if (!secret) return reply(404, { errors: [] });
      return reply(200, { data: { data: secret, metadata: { version: 3 } } });
    }

    // The token revokes itself: 204, and it is refused from then on.
    if (path === "/v1/auth/token/revoke-self" && req.method === "POST") {
      const token = header(req, "x-vault-token") ?? "";
      // Per scenario: scenarios side by side share the fake's tokens.
      if (!token || revoked.has(`${scenario} ${token}`)) return reply(403, { errors: ["permission denied"] });
      revoked.add(`${scenario} ${token}`);
      res.writeHead(204);
      return res.end();
    }

    const notesPath = `/api/v4/projects/${options.mergeRequest.project}/merge_requests/${options.mergeRequest.iid}/notes`;
    if (path.startsWith(notesPath)) {
      if (header(req, "private-token") !== options.gitlabToken) return reply(401, { message: "401 Unauthorized" });
      if (req.method === "GET" && path === notesPath) return reply(200, [...notes].reverse());
      if (req.method === "POST" && path === notesPath) {
        const note = { id: notes.length + 100, body: (JSON.parse(body) as { body: string }).body };
        notes.push(note);
        return reply(201, note);
      }
      const existing = notes.find((n) => path === `${notesPath}/${n.id}`);
      if (req.method === "PUT" && existing) {
        existing.body = (JSON.parse(body) as { body: string }).body;
        return reply(200, existing);
      }
    }
    return reply(404, { errors: [`no route ${req.method} ${path}`] });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    notes,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // the unanswered ones of the "hang" fault
      }),
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let data = "";
    req.on("data", (chunk) => (data += chunk));
    req.on("end", () => resolve(data));
  });
}
