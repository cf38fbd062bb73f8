// Jest global teardown of `npm run test:e2e`: ends any server process group a test file left running (a worker that
// was killed cannot stop its own; its watchdog would end it within a second, this makes sure), and says so. Then
// removes the run's folder (logs, certificates, the test CA's key), unless a test file failed: its logs stay.
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";

export default async function globalTeardown() {
  const runDir = process.env.E2E_RUN_DIR;
  if (!runDir) return;
  const dir = join(runDir, "process-groups");
  for (const pgid of existsSync(dir) ? readdirSync(dir) : []) {
    try {
      process.kill(-Number(pgid), "SIGKILL");
      process.stderr.write(`e2e teardown: killed ${readFileSync(join(dir, pgid), "utf8")} (process group ${pgid}), left running by a test file\n`);
    } catch {
      // already gone
    }
    rmSync(join(dir, pgid), { force: true });
  }
  if (existsSync(join(runDir, "failed"))) process.stderr.write(`e2e: the servers' logs are kept in ${runDir}\n`);
  else rmSync(runDir, { recursive: true, force: true });
}
