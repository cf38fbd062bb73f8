/**
 * The GitLab of the end-to-end tests, on https://127.0.0.1:<port> with the run's test certificate:
 *
 * - an OIDC issuer, as GitLab is one for its CI ID tokens: the discovery document at
 *   /.well-known/openid-configuration and the JWKS at /oauth/discovery/keys (GitLab's paths), and RS256 ID tokens with
 *   GitLab's documented claim set ("OpenID Connect (OIDC) Authentication Using ID Tokens", docs.gitlab.com
 *   ci/secrets/id_token_authentication: namespace_id, namespace_path, project_id, project_path, user_id, user_login,
 *   user_email, pipeline_id, pipeline_source, job_id, ref, ref_type, ref_path, ref_protected, environment, ...,
 *   with iss, sub, aud, iat, nbf, exp, jti); a second key, never published, signs "another signing key" tokens;
 * - GitLab's Terraform state API (docs.gitlab.com user/infrastructure/iac/terraform_state, lib/api/terraform/state.rb):
 *   GET, POST and DELETE of /api/v4/projects/:id/terraform/state/:name, POST .../lock and DELETE .../lock, HTTP basic
 *   auth with any user name and the token as password; a locked state refuses another lock and a write with another
 *   lock id (409). Every request is recorded (method, path, user name, whether the token matched; never the token).
 */
import { createHash, generateKeyPairSync, randomUUID, sign, type KeyObject } from "node:crypto";
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestTls } from "./tls";

export const JWKS_PATH = "/oauth/discovery/keys";

/** The claims of one CI job's ID token, as GitLab issues them (ids are strings, times are seconds). */
export type IdTokenClaims = Record<string, string | number | boolean>;

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  /** Basic auth user name, if any. */
  readonly user?: string;
  /** Whether the basic auth password was the token. */
  readonly authorized: boolean;
  readonly bodyBytes: number;
}

export interface FakeGitlab {
  /** https://127.0.0.1:<port>: the issuer (gitlab.url of the data file). */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Terraform states by "<project>/<name>": the last body written, and the lock if locked. */
  readonly states: Map<string, { body?: string; lock?: { ID: string; [k: string]: unknown } }>;
  /** The claims GitLab puts in a job's ID token: a job of project 42 in group 9 on main, unless overridden. */
  jobClaims(overrides?: Partial<IdTokenClaims>, omit?: string[]): IdTokenClaims;
  /** Signs claims as an RS256 JWT with the published key, or with a second key that the JWKS does not publish. */
  sign(claims: IdTokenClaims, key?: "published" | "unpublished"): string;
  close(): Promise<void>;
}

function keyPair(): { privateKey: KeyObject; jwk: Record<string, string> } {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = publicKey.export({ format: "jwk" }) as Record<string, string>;
  // kid as GitLab makes it: the key's RFC 7638 thumbprint.
  const kid = createHash("sha256").update(JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n })).digest("base64url");
  return { privateKey, jwk: { ...jwk, kid, use: "sig", alg: "RS256" } };
}

export async function startFakeGitlab(options: { tls: TestTls; stateToken: string }): Promise<FakeGitlab> {
  const published = keyPair();
  const unpublished = keyPair();
  const requests: RecordedRequest[] = [];
  const states: FakeGitlab["states"] = new Map();
  let url = "";

  const server: Server = createServer({ cert: options.tls.cert, key: options.tls.key }, async (req, res) => {
    const body = await readBody(req);
    const [path, query = ""] = (req.url ?? "").split("?");
    const auth = basicAuth(req);
    requests.push({ method: req.method ?? "", path, query, user: auth?.user, authorized: auth?.password === options.stateToken, bodyBytes: body.length });
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(JSON.stringify(value));
    };
    if (req.method === "GET" && path === "/.well-known/openid-configuration") {
      return json(200, {
        issuer: url,
        jwks_uri: `${url}${JWKS_PATH}`,
        authorization_endpoint: `${url}/oauth/authorize`,
        token_endpoint: `${url}/oauth/token`,
        response_types_supported: ["code"],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ["RS256"],
        claims_supported: ["iss", "sub", "aud", "exp", "iat", "nbf", "jti", "namespace_id", "project_id"],
      });
    }
    if (req.method === "GET" && path === JWKS_PATH) return json(200, { keys: [published.jwk] });
    const state = /^\/api\/v4\/projects\/([^/]+)\/terraform\/state\/([^/]+)(\/lock)?$/.exec(path);
    if (state) return stateApi(req.method ?? "", `${decodeURIComponent(state[1])}/${decodeURIComponent(state[2])}`, Boolean(state[3]), new URLSearchParams(query), body, auth?.password === options.stateToken, res, json);
    return json(404, { message: "404 Not Found" });
  });

  function stateApi(method: string, key: string, lockPath: boolean, query: URLSearchParams, body: string, authorized: boolean, res: ServerResponse, json: (s: number, v: unknown) => void) {
    if (!authorized) return json(401, { message: "401 Unauthorized" });
    const entry = states.get(key) ?? {};
    states.set(key, entry);
    if (lockPath) {
      if (method === "POST") {
        if (entry.lock) return json(409, entry.lock);
        entry.lock = JSON.parse(body);
        return json(200, {});
      }
      if (method === "DELETE") {
        const id = query.get("ID") ?? (body ? JSON.parse(body).ID : undefined);
        if (entry.lock && id && id !== entry.lock.ID) return json(409, entry.lock);
        delete entry.lock;
        return json(200, {});
      }
      return json(405, { message: "405 Method Not Allowed" });
    }
    if (method === "GET") {
      if (entry.body === undefined) {
        res.writeHead(204);
        return res.end();
      }
      res.writeHead(200, { "Content-Type": "application/json" });
      return res.end(entry.body);
    }
    if (method === "POST") {
      if (entry.lock && query.get("ID") !== entry.lock.ID) return json(409, entry.lock);
      entry.body = body;
      return json(200, {});
    }
    if (method === "DELETE") {
      states.delete(key);
      return json(200, {});
    }
    return json(405, { message: "405 Method Not Allowed" });
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    requests,
    states,
    jobClaims(overrides = {}, omit = []) {
      const now = Math.floor(Date.now() / 1000);
      const claims: IdTokenClaims = {
        namespace_id: "9",
        namespace_path: "orchestrator",
        project_id: "42",
        project_path: "orchestrator/platform",
        user_id: "7",
        user_login: "ci-user",
        user_email: "ci-user@example.invalid",
        user_access_level: "developer",
        pipeline_id: "1001",
        pipeline_source: "push",
        job_id: "5001",
        ref: "main",
        ref_type: "branch",
        ref_path: "refs/heads/main",
        ref_protected: "true",
        environment: "production",
        environment_protected: "true",
        deployment_tier: "production",
        runner_id: 3,
        runner_environment: "self-hosted",
        sha: "0123456789abcdef0123456789abcdef01234567",
        project_visibility: "private",
        ci_config_ref_uri: "gitlab.example/orchestrator/platform//.gitlab-ci.yml@refs/heads/main",
        ci_config_sha: "0123456789abcdef0123456789abcdef01234567",
        jti: randomUUID(),
        iss: url,
        aud: "https://gitlab.shared.cwiq.io",
        iat: now,
        nbf: now - 5,
        exp: now + 300,
        ...overrides,
      };
      claims.sub ??= `project_path:${claims.project_path}:ref_type:${claims.ref_type}:ref:${claims.ref}`;
      for (const name of omit) delete claims[name];
      return claims;
    },
    sign(claims, key = "published") {
      const { privateKey, jwk } = key === "published" ? published : unpublished;
      const segment = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
      const input = `${segment({ alg: "RS256", typ: "JWT", kid: jwk.kid })}.${segment(claims)}`;
      return `${input}.${sign("sha256", Buffer.from(input), privateKey).toString("base64url")}`;
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // Vault keeps its connections to the issuer alive
      }),
  };
}

function basicAuth(req: IncomingMessage): { user: string; password: string } | undefined {
  const match = /^Basic (.+)$/i.exec(req.headers.authorization ?? "");
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let data = "";
    req.on("data", (chunk) => (data += chunk));
    req.on("end", () => resolve(data));
  });
}
