// The last lines of a server's log, as printed when a test fails, after its error lines from anywhere in the log
// (Vault prints a failed start on stdout, ahead of its buffered log lines); with the dev server's root token and
// unseal key (its start-up banner) redacted. CommonJS, for the test environment (environment.js) and the TypeScript
// support.
const { existsSync, readFileSync } = require("node:fs");

function logTail(file, lines = 40) {
  if (!existsSync(file)) return "(no log)";
  const all = readFileSync(file, "utf8").replace(/(Root Token|Unseal Key): \S+/g, "$1: (redacted)").trimEnd().split("\n");
  const tail = all.slice(-lines);
  const errors = all.slice(0, -lines).filter((line) => /^Error|\[ERROR\]/.test(line)).slice(0, 10);
  return [...(errors.length ? ["(error lines before the last lines:)", ...errors, "(last lines:)"] : []), ...tail].join("\n");
}

module.exports = { logTail };
