/**
 * Data never becomes code (lib/model/quote.ts): arbitrary strings quoted by `sh` come out of dash, bash and BusyBox's
 * sh byte for byte, and nothing in them runs; the CI template rendered from hostile data runs its "not bound"
 * branch against the fake Vault with the payloads printed as text; its YAML comments stay comments.
 */
import { execFileSync, execFile } from "node:child_process";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { parse, parseDocument } from "yaml";
import { casePattern, QuoteError, sh, shellDefaults, shellName, shellNames, shellQuote, yamlComment } from "../lib/model/quote";
import { renderPipelineTemplate, renderSecretsTemplate } from "../lib/operations/ci-template";
import type { Config } from "../lib/model/config";
import { claimValueProblem } from "../lib/model/gitlab-claims";
import { configFrom, defaultData } from "./support/data";
import { JWT, startFakeServers } from "./support/fake-servers";

/** The shells the template must work in: Debian's sh (dash), bash, and BusyBox's sh (Alpine and Kaniko's debug image). */
const SHELLS: readonly (readonly [name: string, argv: readonly string[]])[] = [
  ["dash", ["dash"]],
  ["bash", ["bash", "--posix"]],
  ["busybox sh", ["busybox", "sh"]],
];

/** Characters that mean something to a shell, mixed with any unicode text (never NUL, never a lone surrogate). */
const SHELLY = fc.constantFrom(
  "'",
  '"',
  "$",
  "`",
  "\\",
  "\n",
  "\r",
  "\t",
  " ",
  "!",
  "#",
  "~",
  "(",
  ")",
  ";",
  "&",
  "|",
  "<",
  ">",
  "*",
  "?",
  "[",
  "]",
  "{",
  "}",
  "=",
  "%",
  "-",
  "\u00e9",
  "\u202e",
  "\u{1f600}",
);
const hostile = fc
  .string({ unit: fc.oneof(SHELLY, fc.string({ unit: "binary", minLength: 1, maxLength: 1 })), maxLength: 40 })
  .filter((s) => !s.includes("\u0000") && !/\p{Cs}/u.test(s));
/** Payloads that would run if pasted: each would create a file in the run's folder. */
const PAYLOADS = (dir: string) => [
  `$(touch ${dir}/p1)`,
  `\`touch ${dir}/p2\``,
  `x" >${dir}/p3 "`,
  `'; touch ${dir}/p4; '`,
  `\\"; touch ${dir}/p5; #`,
  `\n touch ${dir}/p6`,
  `$(touch${"${IFS}"}${dir}/p7)`,
];

/** Runs a script in a shell and returns what it printed; the values come back NUL-separated. */
function run(argv: readonly string[], script: string, cwd: string): string[] {
  const file = join(cwd, "script.sh");
  writeFileSync(file, script);
  return execFileSync(argv[0], [...argv.slice(1), file], { cwd, encoding: "utf8", env: { PATH: process.env.PATH ?? "" } })
    .split("\u0000")
    .slice(0, -1);
}

describe("shellQuote and sh: a value is one word of exactly its text, in every shell", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "quote-"));
  });

  it.each(SHELLS)("arbitrary strings come out of %s verbatim, outside and inside double quotes and in $( )", (_name, argv) => {
    fc.assert(
      fc.property(fc.array(hostile, { minLength: 1, maxLength: 30 }), (values) => {
        // Each value three times: a word of its own, inside a double-quoted string, and inside $( ) in double quotes.
        const lines = values.flatMap((v) => [
          sh`printf '%s\\000' ${v}`.text,
          sh`printf '%s\\000' "<${v}>"`.text,
          sh`x="$(printf '%s.' ${v})"; printf '%s\\000' "\${x%.}"`.text,
        ]);
        const out = run(argv, `${lines.join("\n")}\n`, dir);
        expect(out).toEqual(values.flatMap((v) => [v, `<${v}>`, v]));
      }),
      { numRuns: 25 },
    );
  });

  it.each(SHELLS)("runs none of the payloads in %s, wherever they land", (_name, argv) => {
    const payloads = PAYLOADS(dir);
    const script = payloads.flatMap((p) => [
      sh`printf '%s\\000' ${p}`.text,
      sh`echo "role ${p} may not" >/dev/null`.text,
      sh`case x in ${casePattern([p])}) ;; esac`.text,
    ]);
    expect(run(argv, `${script.join("\n")}\n`, dir)).toEqual(payloads);
    expect(readdirSync(dir).filter((f) => /^p\d$/.test(f))).toEqual([]);
  });

  it("leaves a value of plain characters as it is, and quotes everything else", () => {
    expect(shellQuote("nexus-ci")).toBe("nexus-ci");
    expect(shellQuote("secret/data/nexus/svc-executor")).toBe("secret/data/nexus/svc-executor");
    expect(shellQuote("https://gitlab.example:8443")).toBe("https://gitlab.example:8443");
    expect(shellQuote("")).toBe("''");
    expect(shellQuote("a b")).toBe("'a b'");
    expect(shellQuote("~root")).toBe("'~root'");
    expect(shellQuote("#x")).toBe("'#x'");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote("a b", true)).toBe("a b");
    expect(shellQuote("$HOME", true)).toBe(`"'$HOME'"`);
    for (const c of ["$", "`", '"', "\\", "!"]) expect(shellQuote(`a${c}b`, true)).toBe(`"'a${c}b'"`);
  });

  it("refuses what no shell word can hold, and values where quoting cannot work", () => {
    expect(() => shellQuote("a\u0000b")).toThrow(new QuoteError('"a\\u0000b" holds a NUL byte, which no shell word can hold'));
    expect(() => sh`echo '${"x"}'`).toThrow(/a value cannot go inside single quotes/);
    expect(() => sh`# role ${"x\nrm -rf /"}`).toThrow(/a value cannot go inside a comment/);
    expect(() => sh`true  # role ${"x"}`).toThrow(/a value cannot go inside a comment/);
    expect(() => sh`echo "${sh`x`}"`).toThrow(/shell code cannot go inside double quotes/);
    expect(() => sh`echo "unterminated`).toThrow(/an unterminated quote or \$\( in/);
    expect(() => sh`echo $(true`).toThrow(/an unterminated quote or \$\( in/);
    expect(() => shellName("A-B")).toThrow(/is not a shell variable name/);
    expect(() => shellName("1A")).toThrow(/is not a shell variable name/);
    expect(() => shellNames(["A", "$(x)"])).toThrow(/is not a shell variable name/);
    expect(() => casePattern([])).toThrow(/at least one alternative/);
    expect(() => shellDefaults([["a-b", "X"]], "unknown")).toThrow(/is not a plain label/);
    expect(() => shellDefaults([["a", "X"]], "un known")).toThrow(/is not a plain word/);
  });

  it("reads quotes, escapes, comments and $( ) as the shell does", () => {
    // A # inside a word, in quotes, or in ${x#y} is no comment; after a space it is.
    expect(sh`x=a#b; echo "#" '#' \${x#a} ${"v"}`.text).toBe("x=a#b; echo \"#\" '#' ${x#a} v");
    expect(sh`echo \\' ${"a b"}`.text).toBe("echo \\' 'a b'");
    expect(sh`echo "\\"" ${"a b"}`.text).toBe(`echo "\\"" 'a b'`);
    expect(sh`echo "$(printf '%s' "${"a$b"}")"`.text).toBe(`echo "$(printf '%s' ""'a$b'"")"`);
    expect(sh`echo "${shellName("HOME")} \${${shellName("X")}:-y}"`.text).toBe('echo "HOME ${X:-y}"');
    expect(sh`echo "${shellDefaults([["project_id", "CI_PROJECT_ID"]], "unknown")}"`.text).toBe('echo "project_id=${CI_PROJECT_ID:-unknown}"');
    expect(sh`# a comment\necho ${"a b"}`.text).toBe("# a comment\necho 'a b'");
  });
});

describe("yamlComment: data in a YAML comment stays in the comment", () => {
  it("never adds a key, a value or a document, whatever the text", () => {
    fc.assert(
      fc.property(hostile, (text) => {
        const doc = parseDocument("a: 1\n");
        doc.commentBefore = yamlComment(`Role x: ${text}`);
        const written = doc.toString();
        expect(parse(written)).toEqual({ a: 1 });
        const lines = written.split("\n");
        expect(lines.slice(lines.indexOf("a: 1"))).toEqual(["a: 1", ""]);
        expect(lines.slice(0, lines.indexOf("a: 1")).every((line) => line === "" || line.startsWith("#"))).toBe(true);
      }),
    );
  });
});

/**
 * Refs GitLab can issue (git's ref-name characters, no comma, wildcard or brace), so JWT-014 and JWT-006 let them
 * through: only the quoting keeps them text. Each would create a file in the job's folder if it ran.
 */
const VALID_REF_PAYLOADS = ["$(>p8)", "`>p9`"];

/** A role whose data would run code if it were pasted into the template's shell. */
function hostileConfig(dir: string): Config {
  const data = defaultData();
  const [p1, p2, p3, p4] = PAYLOADS(dir);
  data.roles[0].description = `shared ${p1}`;
  data.roles[0].boundClaims = {
    namespace_id: "9",
    ref: p1,
    environment: p2,
    project_path: p3,
    user_login: p4,
    ref_path: `refs/heads/${VALID_REF_PAYLOADS[0]}`,
    sub: `project_path:a/b:ref_type:branch:ref:${VALID_REF_PAYLOADS[1]}`,
  };
  return configFrom(data);
}

describe("the CI template rendered from hostile data (the guardrails would refuse it: the template holds anyway)", () => {
  let dir: string;
  let stderr: string;
  let rc: number;
  let templateText: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "hostile-"));
    templateText = renderSecretsTemplate(hostileConfig(dir));
    const job = parse(templateText)[".vault-secrets-nexus-ci"];
    writeFileSync(join(dir, "job.sh"), job.before_script.join("\n"));
    const servers = await startFakeServers({
      roles: { "nexus-ci": "jwt" },
      secrets: {},
      partialSecrets: {},
      token: "t",
      gitlabToken: "n",
      mergeRequest: { project: "1", iid: "1" },
    });
    try {
      const env = { PATH: process.env.PATH ?? "", VAULT_ADDR: `${servers.url}/s/hostile`, VAULT_ID_TOKEN: JWT.notBound, ...job.variables };
      [rc, stderr] = await new Promise((resolve) =>
        execFile("sh", [join(dir, "job.sh")], { cwd: dir, env }, (error, _out, err) => resolve([error ? Number(error.code) : 0, err])),
      );
    } finally {
      await servers.close();
    }
  }, 20_000);

  it("takes the not-bound branch and prints every payload as text", () => {
    expect(rc).toBe(1);
    const [p1, p2, p3, p4] = PAYLOADS(dir);
    expect(stderr).toContain(`which accepts jobs with namespace_id=9, ref=${p1}, environment=${p2}, project_path=${p3}, user_login=${p4}, ref_path=`);
  });

  it("runs none of them, not even the ones no guardrail refuses", () => {
    expect(VALID_REF_PAYLOADS.map((ref) => [claimValueProblem("ref", ref), /[,*?[\]{}]/.test(ref)])).toEqual([
      [undefined, false],
      [undefined, false],
    ]);
    expect(stderr).toContain(`ref_path=refs/heads/${VALID_REF_PAYLOADS[0]}, sub=project_path:a/b:ref_type:branch:ref:${VALID_REF_PAYLOADS[1]};`);
    expect(readdirSync(dir).filter((f) => /^p\d$/.test(f))).toEqual([]);
  });

  it("keeps the description with a line break in its comment", () => {
    const data = defaultData();
    data.roles[0].description = "shared\nevil: true\n- x";
    const text = renderSecretsTemplate(configFrom(data));
    expect(Object.keys(parse(text))).toEqual([".vault-secrets-nexus-ci"]);
    expect(text).toContain("# Role nexus-ci: shared\\u000aevil: true\\u000a- x.");
    const pipelineData = {
      ...data,
      pipeline: {
        projectId: 42,
        plan: { name: "p-plan", audiences: data.roles[0].audiences },
        apply: { name: "p-apply", audiences: data.roles[0].audiences },
        gitlabTokenPath: "ci/token",
      },
    };
    expect(Object.keys(parse(renderPipelineTemplate(configFrom(pipelineData))))).toEqual([
      "variables",
      ".access-pipeline-plan-role",
      ".access-pipeline-apply-role",
    ]);
  });
});
