import type { FlagStorage } from '@vexil/openfeature-web';

/** localStorage's three methods over a Map, as Node has no localStorage by default. */
export class MapStorage implements FlagStorage {
  readonly items = new Map<string, string>();

  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }

  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }

  removeItem(key: string): void {
    this.items.delete(key);
  }

  /** The canonical keys of the contexts stored for a client-side ID, most recent first. */
  contexts(clientSideId: string): string[] {
    const text = this.items.get(`vexil:flags:${clientSideId}`);
    if (text === undefined) return [];
    return (JSON.parse(text) as { contexts: { context: string }[] }).contexts.map((c) => c.context);
  }
}
