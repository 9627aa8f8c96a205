// Prisma's driver-adapter factories, wrapped: the broker puts its own layers (statement cache, transaction
// gate, the note of the connected adapter) between Prisma and each connection the factory opens.

/** A driver-adapter factory (Prisma's SqlMigrationAwareDriverAdapterFactory, as far as it is used here). */
export interface AdapterFactory<A> {
  readonly provider: 'sqlite' | 'postgres';
  readonly adapterName: string;
  connect(): Promise<A>;
  connectToShadowDb(): Promise<A>;
}

/**
 * The factory with `wrap` applied to every connection it opens, before Prisma sees it. `shadowToo: false`
 * leaves the shadow database's connections (migrations tooling only) as they are.
 */
export function wrappingConnections<A, F extends AdapterFactory<A>>(factory: F, wrap: (adapter: A) => A, shadowToo = true): F {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => wrap(await factory.connect()),
    connectToShadowDb: shadowToo ? async () => wrap(await factory.connectToShadowDb()) : () => factory.connectToShadowDb(),
  } as F;
}
