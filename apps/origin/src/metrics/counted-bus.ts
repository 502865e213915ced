import type { ChangeBus } from '@vexil/bus';

/** The bus as the outbox publisher uses it, counting the calls that failed. */
export function countBusErrors(bus: ChangeBus, count: () => void): ChangeBus {
  const counted = <T>(call: Promise<T>): Promise<T> =>
    call.catch((e: unknown) => {
      count();
      throw e;
    });
  return {
    get kind() {
      return bus.kind;
    },
    get connected() {
      return bus.connected;
    },
    publish: (change) => counted(bus.publish(change)),
    putDirectoryEntry: (key, entry) => counted(bus.putDirectoryEntry(key, entry)),
    deleteDirectoryEntry: (key) => counted(bus.deleteDirectoryEntry(key)),
    getDirectoryEntry: (key) => counted(bus.getDirectoryEntry(key)),
    lastPublishedSeq: (environmentId) => counted(bus.lastPublishedSeq(environmentId)),
    subscribe: (options, onChange) => bus.subscribe(options, onChange),
    watchChanges: (onChange) => bus.watchChanges(onChange),
    watchDirectory: (onRecord) => bus.watchDirectory(onRecord),
    close: () => bus.close(),
  };
}
