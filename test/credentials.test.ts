/**
 * ACC-003's credential formats, at their edges: each pattern finds its format at the shortest length and with every
 * character it allows, and leaves alone what falls just outside it (one character short, a wrong prefix, no word
 * boundary). Every fake credential is put together at run time, so that the repository holds none a secret scanner
 * would report.
 */
import { noLiteralSecrets } from "../rules/accounts";
import type { RuleInput } from "../rules/rule";

/** What ACC-003 says of one free-text value in the data file (`usedBy`), or "" when nothing. */
function verdict(value: string): string {
  const findings = noLiteralSecrets.check({ data: { accounts: [{ usedBy: value }] }, tf: {} } as unknown as RuleInput);
  return findings
    .map((f) => `${f.path}: ${f.message}`)
    .join("; ")
    .replace(/^accounts\[0\]\.usedBy: looks like /, "");
}

const join = (...parts: string[]) => parts.join("");
const rep = (text: string, count: number) => text.repeat(count);

describe("ACC-003 finds each credential format at its edges", () => {
  const FOUND: [string, string, string][] = [
    ["a Vault service token (hvs.) of 20 characters", join("hv", "s.", rep("A", 20)), "a Vault token"],
    ["a Vault batch token (hvb.) with lower case", join("hv", "b.", rep("a", 20)), "a Vault token"],
    ["a Vault recovery token (hvr.) with digits, _ and -", join("hv", "r.", "0123456789_-", rep("9", 8)), "a Vault token"],
    ["a legacy Vault token (s. and 24 letters or digits)", join("s", ".", rep("a1", 12)), "a legacy Vault token"],
    ...["pat", "dt", "rt", "cbt", "ptt", "ft", "oas", "soat"].map((kind): [string, string, string] => [
      `a GitLab ${kind} token of 16 characters`,
      join("gl", kind, "-", rep("x", 16)),
      "a GitLab token",
    ]),
    ["a GitLab token with _ and -", join("gl", "pat", "-", "ab_cd-ef", rep("Z", 8)), "a GitLab token"],
    ["an RSA private key", join("-----BEGIN ", "RSA PRIVATE", " KEY-----"), "a private key"],
    ["a bare private key", join("-----BEGIN ", "PRIVATE", " KEY-----"), "a private key"],
    ["an AWS access key", join("AK", "IA", rep("Z9", 8)), "an AWS access key"],
    ...["p", "o", "u", "s", "r"].map((kind): [string, string, string] => [`a GitHub gh${kind}_ token`, join("gh", kind, "_", rep("a", 36)), "a GitHub token"]),
    ["a GitHub token with digits and capitals", join("gh", "p_", rep("A1", 18)), "a GitHub token"],
    ["password: value", "password: x", "a password assignment"],
    ["pass=value", "pass=x", "a password assignment"],
    ["passwd = value", "passwd = y", "a password assignment"],
    ["pwd:value", "pwd:z", "a password assignment"],
    ["SECRET=value (any case)", "SECRET=1", "a password assignment"],
    ["token: value", "token: a", "a password assignment"],
    ["apikey=value", "apikey=1", "a password assignment"],
    ["a value that only starts like a placeholder", "token=...x", "a password assignment"],
    ["a value after an angle-bracket placeholder", "password: <x>y", "a password assignment"],
    ["api_key=value", "api_key=1", "a password assignment"],
    ["api-key=value", "api-key=1", "a password assignment"],
    ["user and password in a URL", "https://user:pw@host", "credentials in a URL"],
    ["user and password in a URL of any scheme", "git+ssh://u:p@host", "credentials in a URL"],
    ...["private_token", "job_token", "access_token", "token", "password", "api_key"].map((name): [string, string, string] => [
      `?${name}= in a URL`,
      `https://x.example/a?${name}=abc`,
      "a credential in a URL query",
    ]),
    ["&token= in a URL", "https://x.example/a?x=1&token=abc", "a credential in a URL query"],
    ["a URL query parameter in capitals", "https://x.example/a?PRIVATE_TOKEN=abc", "a credential in a URL query"],
    ["user and password in a URL in capitals", "HTTPS://U:P@HOST", "credentials in a URL"],
    ["prose in capitals", "THE PASSWORD IS WINTER!", "a password written as prose"],
    ["the password is ... (a symbol)", "the password is Winter!", "a password written as prose"],
    ["pwd for svc-x was ... (a digit)", "pwd for svc-x was s3cret", "a password written as prose"],
    ["api key equals ...", "the api key equals abc123def", "a password written as prose"],
    ["credentials were set to ...", "credentials were set to Pa55word", "a password written as prose"],
    ["passphrase are ... in quotes", 'passphrase are "abcdef1"', "a password written as prose"],
    ["a token is: ... six characters", "the token is: abcde1", "a password written as prose"],
    ["a 24-character random-looking string", join("aB3", rep("xY7", 7)), "a random-looking string (a key or token?)"],
    ["a random-looking string with + / _ = -", join("aB3+/_=-", rep("q", 16)), "a random-looking string (a key or token?)"],
  ];

  it.each(FOUND)("finds %s", (_what, value, format) => {
    expect(verdict(value)).toBe(format);
  });

  const LEFT_ALONE: [string, string][] = [
    ["a Vault token one character short", join("hv", "s.", rep("A", 19))],
    ["an hvx. prefix", join("hv", "x.", rep("A", 20))],
    ["hvs without its dot", join("hv", "s_", rep("A", 20))],
    ["hvs. inside a word", join("x", "hv", "s.", rep("A", 20))],
    ["a legacy Vault token one character short", join("s", ".", rep("a", 23))],
    ["a legacy Vault token one character long", join("s", ".", rep("a", 25))],
    ["s. inside a word", join("x", "s", ".", rep("a", 24))],
    ["a GitLab token one character short", join("gl", "pat", "-", rep("x", 15))],
    ["an unknown GitLab prefix", join("gl", "xyz", "-", rep("x", 16))],
    ["a GitLab prefix inside a word", join("x", "gl", "pat", "-", rep("x", 16))],
    ["a public key", join("-----BEGIN ", "PUBLIC", " KEY-----")],
    ["a private key line with four dashes", join("----BEGIN ", "PRIVATE", " KEY-----")],
    ["an AWS key one character short", join("AK", "IA", rep("Z", 15))],
    ["an AWS key one character long", join("AK", "IA", rep("Z", 17))],
    ["an AWS key in lower case", join("ak", "ia", rep("z", 16))],
    ["a GitHub token one character short", join("gh", "p_", rep("a", 35))],
    ["a GitHub token one character long", join("gh", "p_", rep("a", 37))],
    ["an unknown GitHub prefix", join("gh", "x_", rep("a", 36))],
    ["a credential word without a sign", "password rotation monthly"],
    ["a credential word inside a longer word", "mypassword: x"],
    ["a sign with nothing after it", "password:"],
    ["a placeholder of three dots (token=...)", "vault kv put secret/ci/x token=..."],
    ["a placeholder in angle brackets", "password: <the apply job's password>"],
    ["a user without a password in a URL", "https://user@host"],
    ["a port in a URL", "https://host:8443/path@x"],
    ["an empty token in a URL query", "https://x.example/a?token="],
    ["another parameter in a URL query", "https://x.example/a?tokens=abc"],
    ["prose about a password without a value", "the password is rotated monthly"],
    ["prose with a value of five characters", "the password is abc12"],
    ["prose with a plain word as the value", "the secret is kept in vault"],
    ["a random-looking string of 23 characters", join("aB3", rep("xY", 10))],
    ["a long string without a capital", join("ab3", rep("xy7", 7))],
    ["a long string without a small letter", join("AB3", rep("XY7", 7))],
    ["a long string without a digit", join("aBc", rep("xYz", 7))],
  ];

  it.each(LEFT_ALONE)("leaves alone %s", (_what, value) => {
    expect(verdict(value)).toBe("");
  });
});

describe("ACC-003 on secret-like field names", () => {
  const fieldVerdict = (key: string, value: unknown) =>
    noLiteralSecrets.check({ data: { accounts: [{ [key]: value }] }, tf: {} } as unknown as RuleInput).map((f) => `${f.path}: ${f.message}`);

  it.each([
    "password",
    "pass",
    "passwd",
    "pwd",
    "secret",
    "token",
    "apikey",
    "api_key",
    "api-key",
    "private_key",
    "privatekey",
    "private-key",
    "credential",
    "credentials",
    "Password",
    "TOKEN",
  ])("refuses a value under %s", (key) => {
    expect(fieldVerdict(key, "x")).toEqual([`accounts[0].${key}: field ${JSON.stringify(key)} holds a literal value`]);
    expect(fieldVerdict(key, 7)).toEqual([`accounts[0].${key}: field ${JSON.stringify(key)} holds a literal value`]);
  });

  it.each(["passwords", "mytoken", "secrets", "tokenTtl", "apikeys"])("reads %s as an ordinary field", (key) => {
    expect(fieldVerdict(key, "x")).toEqual([]);
  });

  it("looks inside a mapping or list under a secret-like name instead of refusing the name", () => {
    expect(fieldVerdict("token", { value: "ok" })).toEqual([]);
    expect(fieldVerdict("token", ["ok"])).toEqual([]);
    expect(fieldVerdict("token", [join("gh", "p_", rep("a", 36))])).toEqual(["accounts[0].token[0]: looks like a GitHub token"]);
  });
});
