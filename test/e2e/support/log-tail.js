// The last lines of a server's log, as printed when a test fails: with the dev server's root token and unseal key
// (its start-up banner) redacted. CommonJS, for the test environment (environment.js) and the TypeScript support.
const { existsSync, readFileSync } = require("node:fs");

function logTail(file, lines = 40) {
  if (!existsSync(file)) return "(no log)";
  return readFileSync(file, "utf8")
    .replace(/(Root Token|Unseal Key): \S+/g, "$1: (redacted)")
    .trimEnd()
    .split("\n")
    .slice(-lines)
    .join("\n");
}

module.exports = { logTail };
