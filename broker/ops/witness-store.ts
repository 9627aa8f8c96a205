// What a witness keeps on disk, one directory per log it watches:
//   log-key                      the log's verifier key, pinned on the first run
//   checkpoint                   the last checkpoint note it accepted (as the log served it)
//   cosignature                  its own cosignature line on that checkpoint
//   checkpoints/<size>.note      every checkpoint note it accepted
//   incidents/<time>-<reason>.json   evidence of each refusal: both notes and the proof the log served
// Every file is written whole and renamed into place: a crash leaves the previous state, never half a note.
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';

/** The evidence of one refusal, as kept in its incident file. */
export interface WitnessIncident {
  detectedAt: string;
  log: string;
  reason: string;
  detail: string;
  /** The pinned log key and, for a changed key, the one the log served. */
  logKey: string;
  servedLogKey?: string;
  /** The last checkpoint note the witness accepted, and the one it refused. */
  old: string | null;
  new: string | null;
  /** The consistency proof the log served (hex hashes), when one was asked for. */
  proof: string[] | null;
}

/** The witness's directory for one log. */
export class WitnessStore {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  pinnedLogKey(): string | null {
    return this.read('log-key')?.trim() ?? null;
  }

  pinLogKey(key: string): void {
    this.write('log-key', `${key}\n`);
  }

  lastCheckpoint(): string | null {
    return this.read('checkpoint');
  }

  lastCosignature(): string | null {
    return this.read('cosignature');
  }

  /** Keeps an accepted checkpoint (the latest, and in the history by size) with this witness's cosignature on it. */
  accept(note: string, size: number, cosignature: string): void {
    this.write(path.join('checkpoints', `${size}.note`), note);
    this.write('cosignature', cosignature);
    this.write('checkpoint', note);
  }

  /** Keeps the evidence of a refusal in a file of its own; returns its path. */
  recordIncident(incident: WitnessIncident): string {
    const name = `${incident.detectedAt.replace(/[:.]/g, '-')}-${incident.reason}.json`;
    this.write(path.join('incidents', name), `${JSON.stringify(incident, null, 2)}\n`);
    return path.join(this.dir, 'incidents', name);
  }

  private read(name: string): string | null {
    const file = path.join(this.dir, name);
    return existsSync(file) ? readFileSync(file, 'utf8') : null;
  }

  private write(name: string, content: string): void {
    const file = path.join(this.dir, name);
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(`${file}.tmp`, content, { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  }
}
