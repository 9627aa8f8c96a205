// Every example in README.md and docs/*.md works as printed against a broker started as `npm start` starts it
// (demo mode, its banner's tokens): each `curl` runs with the real curl binary, each XML document is valid
// against its schema and a request is answered, each JSON document parses and means what it says. The rules,
// and the markers that change them, are in docs/development.md ("Examples in the docs").
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { EVIDENCE_TYPE_LIST } from '../adapters/index.ts';
import { schemaErrors } from '../adapters/xml-schemas.ts';
import { transferLogSchema } from '../broker/audit/transfer-log-xml.ts';
import { ConsentBody, EvidenceRequestBody } from '../broker/http/schemas.ts';
import { answerSchema, readEvidenceAnswer } from '../broker/http/xml-api/answer-document.ts';
import { readEvidenceRequest, requestSchema } from '../broker/http/xml-api/request-document.ts';
import { checkDefinition } from '../broker/ops/directory-file.ts';
import { startBrokerProcess, type BrokerProcess } from './helpers/broker-process.ts';
import { errorSchema, readXmlError } from './xml/helpers.ts';

const ROOT = new URL('../', import.meta.url);
const DOCS = ['README.md', ...readdirSync(new URL('docs/', ROOT)).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
/** Where the docs say the broker and the simulators listen: `npm start`'s defaults. */
const DOC_BROKER = 'http://127.0.0.1:8080';
const DOC_SIMULATOR_PORT = (i: number) => 8091 + i;

interface Fence {
  file: string;
  line: number;
  lang: string;
  body: string;
  marker: string | null;
}

function fencesOf(file: string): Fence[] {
  const lines = readFileSync(new URL(file, ROOT), 'utf8').split('\n');
  const fences: Fence[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    const open = /^```(\w*)\s*$/.exec(lines[i]!);
    if (!open) {
      // A fence inside a list item would be missed by the rule above: there are none, and there must be none.
      if (/^\s+```/.test(lines[i]!)) throw new Error(`${file}:${i + 1}: an indented fence; the examples test reads only fences at the line start`);
      continue;
    }
    const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
    if (end < 0) throw new Error(`${file}:${i + 1}: a fence that is never closed`);
    const marker = /^<!-- example: (.+?) -->$/.exec(lines[i - 1] ?? '')?.[1] ?? null;
    fences.push({ file, line: i + 1, lang: open[1]!, body: lines.slice(i + 1, end).join('\n') + '\n', marker });
    i = end;
  }
  return fences;
}

const where = (f: Fence) => `${f.file}:${f.line}`;

/** The commands of an sh fence that are curl commands (continuation lines joined); the others are not run. */
function curlCommands(body: string): string[] {
  return body
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /(^|\|\s*)curl\s/.test(l) && !l.startsWith('#') && !/^\S+=|^export\s|^npm\s/.test(l));
}

/** Every field of `example`, with its JSON type, is in `actual` (array items by position). */
function shapeProblems(example: unknown, actual: unknown, at = '$'): string[] {
  const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  if (kind(example) !== kind(actual)) return [`${at}: the example has ${kind(example)}, the answer ${kind(actual)}`];
  if (Array.isArray(example)) {
    const a = actual as unknown[];
    if (a.length < example.length) return [`${at}: the example shows ${example.length} items, the answer has ${a.length}`];
    return example.flatMap((e, i) => shapeProblems(e, a[i], `${at}[${i}]`));
  }
  if (kind(example) === 'object') {
    const a = actual as Record<string, unknown>;
    return Object.entries(example as Record<string, unknown>).flatMap(([k, v]) => (k in a ? shapeProblems(v, a[k], `${at}.${k}`) : [`${at}.${k}: not in the answer`]));
  }
  return [];
}

/** GitHub's heading anchors of a Markdown file. */
function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const m of markdown.replace(/^```[\s\S]*?^```/gm, '').matchAll(/^#{1,6}\s+(.+)$/gm)) {
    const base = m[1]!
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

describe('the examples in README.md and docs/ (against a broker started as `npm start` starts it)', function () {
  this.timeout(300_000);
  const dir = mkdtempSync(path.join(tmpdir(), 'docs-examples-'));
  const work = mkdtempSync(path.join(tmpdir(), 'docs-examples-work-'));
  let broker: BrokerProcess;
  let env: Record<string, string>;
  const substitute = (command: string) =>
    EVIDENCE_TYPE_LIST.reduce(
      (c, t, i) => c.replaceAll(`http://127.0.0.1:${DOC_SIMULATOR_PORT(i)}`, broker.registers[t.code]!),
      command.replaceAll(DOC_BROKER, broker.url),
    );

  before(async () => {
    broker = await startBrokerProcess({
      DATABASE_URL: `file:${path.join(dir, 'broker.db')}`,
      DATA_KEY_FILE: path.join(dir, 'data.key'),
      AUDIT_SIGNING_KEY_FILE: path.join(dir, 'audit-signing.key'),
      CA_DIR: path.join(dir, 'ca'),
    });
    // The reader's shell: the banner's tokens and consent id in the variables the docs use; curl's answer
    // status printed after the body, through curl's own configuration file, so commands run as printed.
    writeFileSync(path.join(work, '.curlrc'), 'silent\nshow-error\nwrite-out = "\\n@@status %{http_code}\\n"\n');
    env = {
      PATH: process.env.PATH!,
      HOME: work,
      LANG: 'C.UTF-8',
      AUTHORITY_TOKEN: broker.authorityToken,
      CITIZEN_TOKEN: broker.citizenToken,
      OPERATOR_TOKEN: broker.operatorToken,
      CONSENT_ID: broker.consentId,
    };
  });

  after(async () => {
    if (broker) {
      broker.child.kill('SIGTERM');
      await broker.exited;
    }
    rmSync(dir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it('README.md stays at most 200 lines', () => {
    expect(readFileSync(new URL('README.md', ROOT), 'utf8').trimEnd().split('\n').length).to.be.at.most(200);
  });

  it('every relative link and image leads to a file that exists, and every #anchor to a heading in it', () => {
    const problems: string[] = [];
    for (const file of DOCS) {
      const text = readFileSync(new URL(file, ROOT), 'utf8').replace(/^```[\s\S]*?^```/gm, '');
      const targets = [...text.matchAll(/\]\(([^)\s]+)\)/g), ...text.matchAll(/<img src="([^"]+)"/g)].map((m) => m[1]!);
      for (const target of targets) {
        if (/^(https?:|mailto:)/.test(target)) continue;
        const [rel, anchor] = target.split('#') as [string, string | undefined];
        const resolved = rel === '' ? new URL(file, ROOT) : new URL(rel, new URL(file, ROOT));
        if (!existsSync(resolved)) {
          problems.push(`${file}: ${target} — no such file`);
          continue;
        }
        if (anchor !== undefined && !anchorsOf(readFileSync(resolved, 'utf8')).has(anchor)) problems.push(`${file}: ${target} — no such heading`);
      }
    }
    expect(problems).to.deep.equal([]);
  });

  it('the addresses the README says to open in a browser answer', async () => {
    const readme = readFileSync(new URL('README.md', ROOT), 'utf8');
    const addresses = [...readme.matchAll(/<(http:\/\/127\.0\.0\.1:8080\/[^>]*)>/g)].map((m) => m[1]!);
    expect(addresses).to.have.length.of.at.least(3);
    for (const address of addresses) {
      const res = await fetch(substitute(address));
      expect(res.status, address).to.equal(200);
      expect(res.headers.get('content-type'), address).to.match(/^text\/html/);
    }
  });

  it('every curl command answers as documented, every XML document is valid and answered, every JSON document means what it says', () => {
    const counts = { curl: 0, readmeCurl: 0, xml: 0, json: 0, notRunnable: 0 };
    let lastAnswer: string | null = null;
    let lastRequest: { messageId: string; answer: string } | null = null;
    for (const file of DOCS) {
      for (const fence of fencesOf(file)) {
        const marker = fence.marker;
        if (marker?.startsWith('not-runnable')) {
          expect(marker, `${where(fence)}: say why it cannot run`).to.match(/^not-runnable \(.+\)$/);
          counts.notRunnable += 1;
          continue;
        }
        if (marker !== null && !/^(status \d{3}|answer|file [\w.-]+)$/.test(marker)) throw new Error(`${where(fence)}: unknown marker "${marker}"`);
        const fileName = /^file ([\w.-]+)$/.exec(marker ?? '')?.[1];
        if (fileName) writeFileSync(path.join(work, fileName), fence.body);

        if (fence.lang === 'sh') {
          const expected = /^status (\d{3})$/.exec(marker ?? '')?.[1];
          for (const command of curlCommands(fence.body)) {
            const out = execFileSync('sh', ['-uc', substitute(command)], { cwd: work, env, encoding: 'utf8', timeout: 60_000 });
            const status = /\n@@status (\d{3})\n$/.exec(out)?.[1];
            const shown = `${where(fence)}: ${command}\n→ ${out.slice(0, 600)}`;
            expect(status, shown).to.be.a('string');
            if (expected) expect(status, shown).to.equal(expected);
            else expect(Number(status), shown).to.be.within(200, 299);
            lastAnswer = out.slice(0, out.lastIndexOf('\n@@status '));
            counts.curl += 1;
            if (file === 'README.md') counts.readmeCurl += 1;
          }
        } else if (fence.lang === 'xml') {
          counts.xml += 1;
          const root = /<(?:\w+:)?(\w+)[\s>]/.exec(fence.body.replace(/^<\?xml[^>]*\?>\s*/, ''))?.[1];
          if (root === 'nachweisAnfrage') {
            expect(schemaErrors(fence.body, requestSchema), where(fence)).to.deep.equal([]);
            const answer = execFileSync(
              'curl',
              ['-s', '-w', '\n@@status %{http_code}\n', '-X', 'POST', `${broker.url}/v1/evidence-requests`, '-H', `Authorization: Bearer ${broker.authorityToken}`, '-H', 'Content-Type: application/xml', '--data-binary', '@-'],
              { input: fence.body, encoding: 'utf8', env, timeout: 60_000 },
            );
            const status = /\n@@status (\d{3})\n$/.exec(answer)?.[1];
            expect(status, `${where(fence)}: the request, posted with the demo authority's token\n→ ${answer.slice(0, 800)}`).to.equal(/^status (\d{3})$/.exec(marker ?? '')?.[1] ?? '201');
            lastRequest = { messageId: readEvidenceRequest(fence.body).header.messageId, answer: answer.slice(0, answer.lastIndexOf('\n@@status ')) };
          } else if (root === 'nachweisAntwort') {
            expect(schemaErrors(fence.body, answerSchema), where(fence)).to.deep.equal([]);
            expect(lastRequest, `${where(fence)}: an answer with no request before it`).not.to.equal(null);
            const shown = readEvidenceAnswer(fence.body);
            const real = readEvidenceAnswer(lastRequest!.answer);
            expect(shown.header.inReplyTo, `${where(fence)}: replies to the request before it`).to.equal(lastRequest!.messageId);
            expect(shown.answer.status, where(fence)).to.equal(real.answer.status);
            expect(shown.answer.evidence.map((e) => [e.type, e.status]), where(fence)).to.deep.equal(real.answer.evidence.map((e) => [e.type, e.status]));
          } else if (root === 'fehlermeldung') {
            expect(schemaErrors(fence.body, errorSchema), where(fence)).to.deep.equal([]);
            const error = readXmlError(fence.body);
            if (lastRequest) expect(error.inReplyTo, `${where(fence)}: replies to the request before it`).to.equal(lastRequest.messageId);
          } else if (root === 'protokollauszug') {
            expect(schemaErrors(fence.body, transferLogSchema), where(fence)).to.deep.equal([]);
          } else {
            throw new Error(`${where(fence)}: an XML example of <${root}>, which this test does not know: add its schema here`);
          }
        } else if (fence.lang === 'json') {
          counts.json += 1;
          const value = JSON.parse(fence.body) as Record<string, unknown>;
          if (marker === 'answer') {
            expect(lastAnswer, `${where(fence)}: an answer with no curl before it`).not.to.equal(null);
            expect(shapeProblems(value, JSON.parse(lastAnswer!)), `${where(fence)}: the example against the answer of the curl before it`).to.deep.equal([]);
          } else if (fileName) {
            // A file a curl after it sends: that curl's answer checks it.
          } else if ('evidenceTypes' in value && 'caseReference' in value) {
            const parsed = EvidenceRequestBody.safeParse(value);
            expect(parsed.success, `${where(fence)}: ${parsed.error?.message}`).to.equal(true);
          } else if ('grantee' in value) {
            const parsed = ConsentBody.safeParse(value);
            expect(parsed.success, `${where(fence)}: ${parsed.error?.message}`).to.equal(true);
          } else if (Array.isArray(value.registers)) {
            for (const entry of value.registers as Record<string, unknown>[]) {
              const { certificates: _certificates, ...definition } = entry;
              const checked = checkDefinition(definition, false);
              expect('problems' in checked ? checked.problems : [], `${where(fence)}: ${String(entry.id)}`).to.deep.equal([]);
            }
          } else {
            throw new Error(`${where(fence)}: a JSON example this test does not know: mark it "answer" or "file <name>", or teach the test its schema`);
          }
        }
      }
    }
    // The test found what it should: a regular expression that matches nothing proves nothing.
    expect(counts.readmeCurl, 'curl commands in the README').to.be.at.least(4);
    expect(counts.curl, 'curl commands in all').to.be.at.least(20);
    expect(counts.xml, 'XML examples').to.be.at.least(3);
    expect(counts.json, 'JSON examples').to.be.at.least(5);
    expect(counts.notRunnable, 'examples marked not runnable: keep them rare').to.be.at.most(3);
  });
});
