// Checks mermaid diagrams with mermaid's own parser (the npm package GitLab's renderer is built from), in a child
// process: mermaid is ES modules only, which jest's CommonJS runtime cannot import without experimental VM flags.
//   node test/support/mermaid-parse.mjs < diagrams.json   ->   [{ "ok": true, "type": "flowchart-v2" } | { "ok": false, "error": "..." }]
// DOMPurify, which mermaid calls to sanitize label HTML while it parses, needs a browser DOM and has none in Node:
// identity stand-ins let the parse run. Sanitizing changes what a label shows, never whether the diagram parses.
import DOMPurify from "dompurify";

DOMPurify.addHook ??= () => {};
DOMPurify.sanitize ??= (text) => text;
const { default: mermaid } = await import("mermaid");

let input = "";
for await (const chunk of process.stdin) input += chunk;
const results = [];
for (const diagram of JSON.parse(input)) {
  try {
    const { diagramType } = await mermaid.parse(diagram);
    results.push({ ok: true, type: diagramType });
  } catch (error) {
    results.push({ ok: false, error: String(error?.message ?? error) });
  }
}
process.stdout.write(JSON.stringify(results));
