/** An FDv1 stream opened on `/all`: the `event:` name and `id:` of every event received so far. */
export interface SseStream {
  readonly status: number;
  readonly events: string[];
  readonly ids: number[];
  close(): void;
}

/** Opens `/all` with an SDK key; a non-200 answer is returned with its body discarded. */
export async function openStream(url: string, sdkKey: string): Promise<SseStream> {
  const controller = new AbortController();
  const res = await fetch(`${url}/all`, {
    headers: { authorization: sdkKey },
    signal: controller.signal,
  });
  const events: string[] = [];
  const ids: number[] = [];
  if (res.status !== 200) {
    await res.body?.cancel();
    return { status: res.status, events, ids, close: () => undefined };
  }
  void (async () => {
    let buffer = '';
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (\S+)$/m.exec(block);
          if (event !== null) events.push(event[1]!);
          const id = /^id: (\d+)$/m.exec(block);
          if (id !== null) ids.push(Number(id[1]));
        }
      }
    } catch {
      // aborted
    }
  })();
  return { status: res.status, events, ids, close: () => controller.abort() };
}
