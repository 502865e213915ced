/**
 * A fresh copy through JSON, so the memory store keeps exactly what the SQL stores would
 * (undefined properties dropped) and callers never share objects with the store.
 */
export function jsonCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
