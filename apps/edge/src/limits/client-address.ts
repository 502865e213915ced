import { BlockList, isIP } from 'node:net';

// Which address a request comes from, for the per-address rate limits. By default it is the
// socket's peer: a header is whatever the client chose to send. Behind a reverse proxy or a load
// balancer the peer is the proxy, so the operator names the proxies it trusts (`--trust-proxy`);
// a request whose peer is one of them is from the address its `X-Forwarded-For` names: the
// rightmost entry that is not itself a trusted proxy (each proxy appends the address it got the
// request from, so the entries left of that one are the client's to invent).

/** An address or CIDR block of `--trust-proxy`, parsed. */
export interface ProxyBlock {
  readonly address: string;
  readonly prefix: number;
  readonly family: 'ipv4' | 'ipv6';
}

/** `10.0.0.0/8`, `127.0.0.1`, `fd00::/8` or `::1`; undefined when it is none of these. */
export function parseProxyBlock(text: string): ProxyBlock | undefined {
  const [address = '', prefixText, extra] = text.trim().split('/');
  if (extra !== undefined) return undefined;
  const version = isIP(address);
  if (version === 0) return undefined;
  const bits = version === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = prefixText === undefined ? bits : Number(prefixText);
  if (prefix > bits) return undefined;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** The proxies whose `X-Forwarded-For` is believed. */
export class TrustedProxies {
  private readonly list = new BlockList();
  readonly empty: boolean;

  constructor(blocks: readonly ProxyBlock[]) {
    for (const { address, prefix, family } of blocks) this.list.addSubnet(address, prefix, family);
    this.empty = blocks.length === 0;
  }

  has(address: string): boolean {
    const version = isIP(address);
    return version !== 0 && this.list.check(address, version === 4 ? 'ipv4' : 'ipv6');
  }
}

/** `::ffff:10.1.2.3` (an IPv4 client of a dual-stack socket) is `10.1.2.3`. */
export function plainAddress(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

/** The client's address: the peer, or what trusted proxies say the peer was. */
export function clientAddress(
  peer: string | undefined,
  forwardedFor: string | readonly string[] | undefined,
  trusted: TrustedProxies,
): string {
  let address = plainAddress(peer ?? '');
  if (trusted.empty || forwardedFor === undefined || !trusted.has(address)) return address;
  const hops = (typeof forwardedFor === 'string' ? forwardedFor : forwardedFor.join(',')).split(
    ',',
  );
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = plainAddress(hops[i]!.trim());
    // Garbage from a trusted proxy: stop at the proxy that passed it on.
    if (isIP(hop) === 0) return address;
    address = hop;
    if (!trusted.has(hop)) return hop;
  }
  return address;
}
