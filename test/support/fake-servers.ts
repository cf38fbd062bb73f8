/**
 * A fake Vault (JWT login and KV v2 reads) and a fake GitLab notes API on 127.0.0.1, so that the generated CI
 * scripts run for real (curl, jq, sh) against every answer the JWT page's troubleshooting table lists.
 * What a login returns is chosen by the JWT the script sends; what a read returns by the token it got.
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
} as const;

export interface FakeServers {
  readonly url: string;
  /**
   * Every request, in order: the scenario (a first path segment `/s/<scenario>` that the fake strips, so that one
   * server serves many runs), method, path and the headers that matter.
   */
  readonly requests: { scenario: string; method: string; path: string; vaultToken?: string; privateToken?: string; body: string }[];
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
  /** The token the GitLab notes API accepts, and the merge request it serves. */
  readonly gitlabToken: string;
  readonly mergeRequest: { project: string; iid: string };
}

export async function startFakeServers(options: FakeServerOptions): Promise<FakeServers> {
  const requests: FakeServers["requests"] = [];
  const notes: FakeServers["notes"] = [];
  const server: Server = createServer(async (req, res) => {
    const body = await readBody(req);
    const [, scenario, path] = /^\/s\/([^/]+)(\/.*)$/.exec((req.url ?? "").split("?")[0]) ?? [undefined, "", (req.url ?? "").split("?")[0]];
    requests.push({ scenario, method: req.method ?? "", path, vaultToken: header(req, "x-vault-token"), privateToken: header(req, "private-token"), body });
    const reply = (status: number, json: unknown) => {
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(JSON.stringify(json));
    };

    const login = /^\/v1\/auth\/([^/]+)\/login$/.exec(path);
    if (login && req.method === "POST") {
      const { jwt } = JSON.parse(body || "{}") as { jwt?: string };
      if (jwt === JWT.ok) return reply(200, { auth: { client_token: options.token, policies: ["x"] } });
      if (jwt === JWT.limited) return reply(200, { auth: { client_token: "limited-token" } });
      if (jwt === JWT.partial) return reply(200, { auth: { client_token: "partial-token" } });
      if (jwt === JWT.noToken) return reply(200, { auth: null, warnings: ["no token for you"] });
      if (jwt === JWT.wrongAudience) return reply(400, { errors: ["error validating token: invalid audience (aud) claim: audience claim does not match any expected audience"] });
      if (jwt === JWT.notBound) return reply(403, { errors: ['error validating claims: claim "namespace_id" does not match any associated bound claim values'] });
      return reply(400, { errors: ["missing or unknown jwt"] });
    }

    const read = /^\/v1\/secret\/data\/(.+)$/.exec(path);
    if (read && req.method === "GET") {
      const token = header(req, "x-vault-token");
      if (token !== options.token && token !== "partial-token") return reply(403, { errors: ["1 error occurred:\n\t* permission denied\n\n"] });
      const secret = (token === options.token ? options.secrets : options.partialSecrets)[read[1]];
      if (!secret) return reply(404, { errors: [] });
      return reply(200, { data: { data: secret, metadata: { version: 3 } } });
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
    close: () => new Promise((resolve) => server.close(() => resolve())),
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
