import type { EventBus, EventHandler } from './host-context.ts';

/**
 * A minimal in-process bus for hosts that have none. Handlers run in order and are awaited,
 * so an emit returns once every listener has done its work (or one has thrown).
 */
export function createEventBus(): EventBus {
  const handlers = new Map<string, EventHandler[]>();
  return {
    on(event, handler) {
      const list = handlers.get(event) ?? [];
      list.push(handler);
      handlers.set(event, list);
      return () => {
        const current = handlers.get(event) ?? [];
        handlers.set(
          event,
          current.filter((h) => h !== handler),
        );
      };
    },
    async emit(event, payload) {
      for (const handler of handlers.get(event) ?? []) await handler(payload);
    },
  };
}
