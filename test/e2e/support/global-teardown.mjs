// Jest global teardown of `npm run test:e2e`: ends any server process group a test file left running (a worker that
// was killed cannot stop its own; its watchdog would end it within a second, this makes sure), and says so.
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

export default async function globalTeardown() {
  const dir = process.env.E2E_RUN_DIR && join(process.env.E2E_RUN_DIR, "process-groups");
  if (!dir || !existsSync(dir)) return;
  for (const pgid of readdirSync(dir)) {
    try {
      process.kill(-Number(pgid), "SIGKILL");
      process.stderr.write(`e2e teardown: killed ${readFileSync(join(dir, pgid), "utf8")} (process group ${pgid}), left running by a test file\n`);
    } catch {
      // already gone
    }
    rmSync(join(dir, pgid), { force: true });
  }
}
