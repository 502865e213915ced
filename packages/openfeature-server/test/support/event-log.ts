import { ProviderEvents, type Client, type EventDetails } from '@openfeature/server-sdk';

// What an application sees of a provider: the events its OpenFeature client receives, in order.

export interface LoggedEvent {
  readonly type: ProviderEvents;
  readonly details: EventDetails | undefined;
}

export class EventLog {
  readonly events: LoggedEvent[] = [];

  constructor(client: Client) {
    for (const type of Object.values(ProviderEvents)) {
      client.addHandler(type, (details?: EventDetails) => {
        this.events.push({ type, details });
      });
    }
  }

  /** The event types so far, e.g. to check an order of statuses. */
  types(): ProviderEvents[] {
    return this.events.map((e) => e.type);
  }

  /** Every `flagsChanged` list of CONFIGURATION_CHANGED events so far. */
  changes(): string[][] {
    return this.events
      .filter((e) => e.type === ProviderEvents.ConfigurationChanged)
      .map((e) => (e.details?.['flagsChanged'] as string[] | undefined) ?? []);
  }

  /** Whether some CONFIGURATION_CHANGED event named `flagKey`. */
  changed(flagKey: string): boolean {
    return this.changes().some((keys) => keys.includes(flagKey));
  }

  count(type: ProviderEvents): number {
    return this.events.filter((e) => e.type === type).length;
  }
}
