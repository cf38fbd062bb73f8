/**
 * cdktf records where each of its token objects was created: a JavaScript stack trace of unlimited depth, formatted
 * into strings, for every nested-block object that a provider class creates (three per account, 9000 at 3000
 * accounts). It appears only in the message of a token that fails to resolve. Measured at 3000 accounts: 0.3 s of a
 * 1.75 s synth and about 25 MB of its peak memory (BENCHMARKS.md).
 *
 * The synth command turns the recording off before it builds the stack; tests leave it on, so that a resolution error
 * in a test still says where the token came from. The output does not change (test/cli.test.ts compares the command's
 * cdk.tf.json with an in-process synth's). If a cdktf upgrade moves the helper, this does nothing: the synth is slower,
 * never different.
 */
export function skipCreationStackTraces(): void {
  try {
    // require, not import: the module object itself must change, the one cdktf's own modules call through.
    const stackTrace = require("cdktf/lib/tokens/private/stack-trace") as { captureStackTrace?: unknown };
    if (typeof stackTrace.captureStackTrace === "function") stackTrace.captureStackTrace = (): string[] => [];
  } catch {
    // moved or renamed by a cdktf upgrade: keep cdktf's behaviour
  }
}
