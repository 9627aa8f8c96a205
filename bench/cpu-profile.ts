// Reads a V8 .cpuprofile (from node --cpu-prof) and attributes self time to functions, packages and the
// groups this report cares about (Prisma, express, zod, pino, crypto, XML, HTTP, ...). Only samples inside
// the measured load window count, so start-up, seeding and warm-up are left out.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Self time of one function. */
export interface FunctionTime {
  name: string;
  where: string;
  module: string;
  group: string;
  ms: number;
}

/** A profile cut to a window and summarized. */
export interface ProfileSummary {
  windowMs: number;
  sampledMs: number;
  idleMs: number;
  busyMs: number;
  groups: { group: string; ms: number }[];
  modules: { module: string; ms: number }[];
  functions: FunctionTime[];
}

const GROUPS: [RegExp, string][] = [
  [/^(@prisma\/|prisma\/generated)/, 'Prisma (client, wasm query compiler, adapter)'],
  [/^better-sqlite3/, 'better-sqlite3 (SQLite driver)'],
  [/^(pg|pg-protocol|pg-pool|pg-types|postgres-)/, 'pg (PostgreSQL driver)'],
  [
    /^(express|router|body-parser|raw-body|on-finished|finalhandler|send|path-to-regexp|qs|type-is|content-type|accepts|negotiator|mime-types|mime-db|statuses|http-errors|depd|iconv-lite|media-typer|parseurl|proxy-addr|fresh|etag|vary|encodeurl|escape-html|cookie|content-disposition|merge-descriptors|express-rate-limit|serve-static|setprototypeof|ee-first|unpipe|forwarded|ipaddr\.js|bytes|safe-buffer|inherits|toidentifier|utils-merge|range-parser|side-channel|get-intrinsic|call-bound|es-errors|gopd|hasown|function-bind|dunder-proto)$/,
    'express (+ its middleware deps)',
  ],
  [/^zod$/, 'zod'],
  [/^(pino|sonic-boom|pino-std-serializers|@pinojs\/.*|fast-redact|quick-format-unescaped|safe-stable-stringify|on-exit-leak-free|thread-stream|atomic-sleep)$/, 'pino (logging)'],
  [/^(fast-xml-parser|xmlbuilder2|@oozcitak\/.*|strnum|fast-xml-builder|@nodable\/.*|path-expression-matcher|xml-naming|libxml2-wasm|xml-crypto|@xmldom\/.*|xpath)( \(wasm\))?$/, 'XML (xmlbuilder2, fast-xml-parser, libxml2 XSD, xml-crypto/xmldom/xpath)'],
  [/^prom-client$/, 'metrics (prom-client)'],
  [/^cockatiel$/, 'resilience (cockatiel)'],
  [/^node:internal\/crypto/, 'node crypto (RSA sign/verify, hashes, uuids)'],
  [/^node:internal\/deps\/undici/, 'undici (fetch to the registers)'],
  [/^node:(_http_|http|https|net|internal\/http|internal\/stream_base_commons|internal\/js_stream_socket|internal\/net)/, 'node http/net'],
  [/^node:(stream|internal\/streams|internal\/webstreams)/, 'node streams (incl. web streams)'],
  [/^node:/, 'other node internals'],
  [/^broker\//, 'broker code'],
  [/^adapters\//, 'adapters code'],
  [/^consent\//, 'consent code'],
  [/^bench\//, 'bench code (child harness, proxy)'],
  [/^tsx$/, 'tsx (loader)'],
  [/^\(garbage collector\)$/, 'GC'],
  [/^\(program\)$/, '(program: native/VM, unattributed)'],
  [/^\(native\)$/, 'native builtins (JSON, RegExp, ...)'],
];

/** The package or repository folder a script belongs to. */
export function moduleOf(url: string, functionName: string): string {
  if (url === '') {
    if (functionName === '(idle)' || functionName === '(garbage collector)' || functionName === '(program)' || functionName === '(root)') return functionName;
    return '(native)';
  }
  if (url.startsWith('node:')) return url;
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = path.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const repo = /\/(broker|adapters|consent|bench|prisma\/generated|test)\/(.*)$/.exec(path);
  if (repo) return `${repo[1]}/${repo[2]}`;
  return path;
}

export function groupOf(module: string): string {
  const bare = module.replace(/ \(wasm\)$/, '');
  for (const [re, group] of GROUPS) if (re.test(module) || re.test(bare)) return group;
  return 'other packages';
}

/** Summarizes the samples between `fromUs` and `toUs` (monotonic µs, the profile's clock). */
export function summarizeProfile(file: string, window?: { fromUs: number; toUs: number }): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // WebAssembly has no package of its own in a profile: it belongs to the JavaScript that called it
  // (Prisma's query compiler, libxml2-wasm), found by walking up the stack.
  const wasmOwner = new Map<number, string>();
  const ownerOf = (id: number): string => {
    const cached = wasmOwner.get(id);
    if (cached !== undefined) return cached;
    let at = parent.get(id);
    let owner = 'unknown wasm';
    while (at !== undefined) {
      const frame = byId.get(at)!.callFrame;
      if (frame.url && !frame.url.startsWith('wasm://')) {
        owner = `${moduleOf(frame.url, frame.functionName)} (wasm)`;
        break;
      }
      at = parent.get(at);
    }
    wasmOwner.set(id, owner);
    return owner;
  };
  const self = new Map<number, number>();
  let t = profile.startTime;
  const from = window?.fromUs ?? -Infinity;
  const to = window?.toUs ?? Infinity;
  // V8 timestamps sample i at startTime + Σ timeDeltas[0..i]; the time until the next sample is spent in it.
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i]!;
    const next = profile.timeDeltas[i + 1] ?? 0;
    if (t < from || t > to) continue;
    const id = profile.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + next);
  }
  const functions = new Map<string, FunctionTime>();
  const modules = new Map<string, number>();
  const groups = new Map<string, number>();
  let idle = 0;
  let sampled = 0;
  for (const [id, us] of self) {
    const node = byId.get(id)!;
    const { functionName, url, lineNumber } = node.callFrame;
    const module = url.startsWith('wasm://') ? ownerOf(id) : moduleOf(url, functionName);
    sampled += us;
    if (module === '(idle)') {
      idle += us;
      continue;
    }
    const group = groupOf(module);
    const name = functionName || '(anonymous)';
    const key = `${name}|${url}|${lineNumber}`;
    const f = functions.get(key) ?? { name, where: url ? `${module}:${lineNumber + 1}` : module, module, group, ms: 0 };
    f.ms += us / 1000;
    functions.set(key, f);
    modules.set(module, (modules.get(module) ?? 0) + us / 1000);
    groups.set(group, (groups.get(group) ?? 0) + us / 1000);
  }
  const sorted = <K extends string>(m: Map<string, number>, k: K) =>
    [...m.entries()].sort((a, b) => b[1] - a[1]).map(([name, ms]) => ({ [k]: name, ms }) as { [P in K]: string } & { ms: number });
  return {
    windowMs: window ? (window.toUs - window.fromUs) / 1000 : (profile.endTime - profile.startTime) / 1000,
    sampledMs: sampled / 1000,
    idleMs: idle / 1000,
    busyMs: (sampled - idle) / 1000,
    groups: sorted(groups, 'group'),
    modules: sorted(modules, 'module'),
    functions: [...functions.values()].sort((a, b) => b.ms - a.ms),
  };
}

/** The time window of a profile (µs), to check that a window taken from the child's clock falls inside it. */
export function profileSpan(file: string): { startUs: number; endUs: number } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  return { startUs: profile.startTime, endUs: profile.endTime };
}
