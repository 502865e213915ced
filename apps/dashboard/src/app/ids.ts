// Ids for new rules. crypto.randomUUID exists only in secure contexts (https or localhost);
// getRandomValues works on a plain-http LAN address too.
export function newId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
