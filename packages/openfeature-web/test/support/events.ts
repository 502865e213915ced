import { ProviderEvents, type Client, type EventDetails } from '@openfeature/web-sdk';
import { until } from '@vexil/testkit';

// What a client's event handlers saw, in order, with the provider status at each event, and
// waits on it (conditions with a deadline, never timers).

export interface SeenEvent {
  readonly type: ProviderEvents;
  readonly details: EventDetails | undefined;
  /** The client's provider status when the handler ran. */
  readonly status: string;
}

export class EventLog {
  readonly seen: SeenEvent[] = [];

  constructor(private readonly client: Client) {
    for (const type of Object.values(ProviderEvents)) {
      client.addHandler(type, (details) => {
        this.seen.push({ type, details, status: client.providerStatus });
      });
    }
  }

  types(): ProviderEvents[] {
    return this.seen.map((e) => e.type);
  }

  /** The events from index `from` on. */
  since(from: number): SeenEvent[] {
    return this.seen.slice(from);
  }

  /** Waits for an event of `type` at or after index `from` that `match` accepts; returns it. */
  async next(
    type: ProviderEvents,
    from: number,
    match: (e: SeenEvent) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<SeenEvent> {
    let found: SeenEvent | undefined;
    await until(
      `${type} (events so far: ${JSON.stringify(this.since(from).map((e) => e.type))})`,
      () => (found = this.since(from).find((e) => e.type === type && match(e))) !== undefined,
      timeoutMs,
    );
    return found!;
  }

  /** Waits for a CONFIGURATION_CHANGED that names `flag`. */
  changed(flag: string, from: number): Promise<SeenEvent> {
    return this.next(ProviderEvents.ConfigurationChanged, from, (e) =>
      ((e.details?.flagsChanged as string[] | undefined) ?? []).includes(flag),
    );
  }
}
