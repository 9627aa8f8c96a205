// Whether a module is the program node was started with: the command-line tools run their main only then.
// NOTE: real paths are compared, not URL text: started through a symlink (npm's bin links), from a path with a
// space or a non-ASCII character, a text comparison fails, main never runs and the tool exits 0 having done nothing.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function isEntryPoint(moduleUrl: string): boolean {
  const started = process.argv[1];
  if (!started) return false;
  try {
    return realpathSync(started) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}
