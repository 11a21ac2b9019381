import { AdapterOptionError, type AdapterFactoryContext, type RegistrarAdapter, type RegistrarAdapterFactory } from './types.ts';
import { sandboxAdapterFactory } from './sandbox/index.ts';
import { manualAdapterFactory } from './manual/index.ts';
import { eppAdapterFactory } from './epp/index.ts';
import { alibabaCloudAdapterFactory } from './alibaba-cloud/index.ts';

/** Adapter types that ship with the module; a host may add its own. */
export const BUILT_IN_ADAPTER_FACTORIES: readonly RegistrarAdapterFactory<any>[] = [
  sandboxAdapterFactory,
  manualAdapterFactory,
  eppAdapterFactory,
  alibabaCloudAdapterFactory,
];

export function factoryMap(extra: readonly RegistrarAdapterFactory<any>[] = []): Map<string, RegistrarAdapterFactory<any>> {
  return new Map([...BUILT_IN_ADAPTER_FACTORIES, ...extra].map((f) => [f.type, f]));
}

/** Adapters by id, and the TLD routing table that picks one for a domain. */
export class RegistrarRegistry {
  private readonly adapters = new Map<string, RegistrarAdapter>();

  constructor(
    registrars: Record<string, { adapter: string; label?: string; options: Record<string, unknown> }>,
    private readonly tldRouting: Record<string, string>,
    factories: ReadonlyMap<string, RegistrarAdapterFactory<any>>,
    context: AdapterFactoryContext,
  ) {
    for (const [id, registrar] of Object.entries(registrars)) {
      const factory = factories.get(registrar.adapter);
      if (!factory) throw new Error(`unknown adapter type ${registrar.adapter}`);
      try {
        this.adapters.set(id, factory.create(id, registrar.options, { ...context, logger: context.logger.child({ registrar: id }) }));
      } catch (error) {
        // The option's full config key, so the message names what to change.
        if (error instanceof AdapterOptionError) throw new AdapterOptionError(`registrars.${id}.options.${error.option}`, error.message);
        throw error;
      }
    }
  }

  get(id: string): RegistrarAdapter | undefined {
    return this.adapters.get(id);
  }

  all(): RegistrarAdapter[] {
    return [...this.adapters.values()];
  }

  /**
   * The registrar id for a domain: the longest configured suffix wins, so `co.uk` can route
   * apart from `uk`.
   */
  routeFor(domain: string): string | undefined {
    const labels = domain.toLowerCase().split('.');
    for (let i = 1; i < labels.length; i++) {
      const suffix = labels.slice(i).join('.');
      const id = this.tldRouting[suffix];
      if (id) return id;
    }
    return undefined;
  }

  adapterFor(domain: string): { id: string; adapter: RegistrarAdapter } | undefined {
    const id = this.routeFor(domain);
    const adapter = id ? this.adapters.get(id) : undefined;
    return id && adapter ? { id, adapter } : undefined;
  }

  async close(): Promise<void> {
    await Promise.all(this.all().map((a) => a.close?.()));
  }
}
