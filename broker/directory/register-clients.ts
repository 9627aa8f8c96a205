// The broker's adapter for each register instance, made from the directory entry: the type's message family
// and mapping, the instance's endpoint and id, the broker key of the instance's crypto profile, and its pinned
// certificates read at every answer (so a retired certificate is refused from the next answer on).
import { Agent, type Dispatcher } from 'undici';
import { createAdapter } from '../../adapters/index.ts';
import type { RegisterAdapter } from '../../adapters/contract.ts';
import { signatureProfileOf } from '../../adapters/signing-keys.ts';
import type { SignatureOperation } from '../../adapters/signing.ts';
import type { BrokerSigning } from '../config/secrets.ts';
import { certificateStatus, type RegisterInstance } from './register-instance.ts';
import type { RegisterDirectory } from './register-directory.ts';

export interface RegisterClientsConfig {
  /** The broker's Behördenkennung, the sender of every query. */
  sender: string;
  clock: () => Date;
  signing: BrokerSigning;
  signatureOperation?: SignatureOperation;
  /** The connection pool presenting the broker's client certificate, for instances asking for mutual TLS; null when none is configured. */
  mutualTls: Dispatcher | null;
}

/** A pool that never connects: an instance asks for mutual TLS and the broker has no client certificate. */
const NO_CLIENT_CERTIFICATE = new Agent({
  connect: (_options, callback) => callback(new Error('no client certificate is configured for registers that ask for mutual TLS (REGISTER_CLIENT_CERT_FILE)'), null),
});

/** Makes and keeps one adapter per instance; a directory change makes it anew. */
export class RegisterClients {
  private readonly made = new Map<string, { version: number; adapter: RegisterAdapter }>();

  constructor(
    private readonly directory: RegisterDirectory,
    private readonly cfg: RegisterClientsConfig,
  ) {}

  adapterFor(instance: RegisterInstance): RegisterAdapter {
    const version = this.directory.version;
    const kept = this.made.get(instance.id);
    if (kept && kept.version === version) return kept.adapter;
    const adapter = createAdapter(instance.evidenceType, {
      ...this.transportFor(instance),
      baseUrl: instance.endpointUrl,
      recipient: instance.id,
      sender: this.cfg.sender,
      clock: this.cfg.clock,
      signing: this.signingFor(instance),
      signatureOperation: this.cfg.signatureOperation,
      registerCertificates: () => this.directory.pinnedCertificates(instance.id),
    }) as RegisterAdapter;
    this.made.set(instance.id, { version, adapter });
    return adapter;
  }

  /** Mutual TLS where the instance asks for it; refused at the call when the broker has no client certificate. */
  private transportFor(instance: RegisterInstance): { dispatcher?: Dispatcher } {
    if (!instance.mutualTls) return {};
    if (this.cfg.mutualTls === null) return { dispatcher: NO_CLIENT_CERTIFICATE };
    return { dispatcher: this.cfg.mutualTls };
  }

  /** The broker identity of the instance's profile: that of its newest valid certificate (RSA when it has none). */
  private signingFor(instance: RegisterInstance): BrokerSigning['rsa'] {
    const now = this.cfg.clock();
    const newest = instance.certificates.filter((c) => certificateStatus(c, now) === 'valid').at(-1);
    if (newest === undefined || signatureProfileOf(newest.pem) === 'rsa-pss-sha256') return this.cfg.signing.rsa;
    const ecdsa = this.cfg.signing.ecdsa;
    if (ecdsa === null) return () => Promise.reject(new Error(`no ECDSA signing identity is configured (BROKER_ECDSA_SIGNING_KEY_FILE) for register ${instance.id}`));
    return ecdsa;
  }
}
