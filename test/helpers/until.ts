// Waiting for something a test has set going, by looking at it again and again: the bound is how long a
// broken broker may take to fail the test, never a claim about how fast a working one is.

/** Polls `probe` every 10 ms until it returns true; fails naming `what` after `timeoutMs`. */
export async function until(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
