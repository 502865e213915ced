// SHA-1 of a string's UTF-8 bytes, returning the first two 32-bit words of the digest: all that
// bucketing needs (docs/evaluation.md, "Bucketing"). Written here rather than taken from
// node:crypto so that evaluation stays free of node:* and runs in browsers; on the short inputs
// bucketing hashes it is also faster than crossing into native code. A property test checks it
// against node:crypto over random strings.

const W = new Int32Array(80);
let block = new Uint8Array(256);

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (
      c >= 0xd800 &&
      c <= 0xdbff &&
      i + 1 < s.length &&
      isLowSurrogate(s.charCodeAt(i + 1))
    ) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

function writeUtf8(s: string, out: Uint8Array): void {
  let o = 0;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out[o++] = c;
    } else if (c < 0x800) {
      out[o++] = 0xc0 | (c >> 6);
      out[o++] = 0x80 | (c & 63);
    } else if (
      c >= 0xd800 &&
      c <= 0xdbff &&
      i + 1 < s.length &&
      isLowSurrogate(s.charCodeAt(i + 1))
    ) {
      c = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00);
      out[o++] = 0xf0 | (c >> 18);
      out[o++] = 0x80 | ((c >> 12) & 63);
      out[o++] = 0x80 | ((c >> 6) & 63);
      out[o++] = 0x80 | (c & 63);
    } else {
      // Lone surrogates encode as U+FFFD, as TextEncoder and Buffer do.
      if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
      out[o++] = 0xe0 | (c >> 12);
      out[o++] = 0x80 | ((c >> 6) & 63);
      out[o++] = 0x80 | (c & 63);
    }
  }
}

/** Returns [h0, h1] of SHA-1(utf8(input)) as unsigned 32-bit integers. */
export function sha1Head(input: string): [number, number] {
  const length = utf8Length(input);
  const padded = (((length + 8) >> 6) + 1) << 6;
  if (block.length < padded) block = new Uint8Array(padded * 2);
  const bytes = block;
  bytes.fill(0, 0, padded);
  writeUtf8(input, bytes);
  bytes[length] = 0x80;
  const bitLength = length * 8;
  bytes[padded - 4] = (bitLength >>> 24) & 0xff;
  bytes[padded - 3] = (bitLength >>> 16) & 0xff;
  bytes[padded - 2] = (bitLength >>> 8) & 0xff;
  bytes[padded - 1] = bitLength & 0xff;
  bytes[padded - 5] = Math.floor(bitLength / 0x100000000) & 0xff;

  let h0 = 0x67452301;
  let h1 = 0xefcdab89 | 0;
  let h2 = 0x98badcfe | 0;
  let h3 = 0x10325476;
  let h4 = 0xc3d2e1f0 | 0;
  for (let offset = 0; offset < padded; offset += 64) {
    for (let t = 0; t < 16; t++) {
      const p = offset + t * 4;
      W[t] = (bytes[p]! << 24) | (bytes[p + 1]! << 16) | (bytes[p + 2]! << 8) | bytes[p + 3]!;
    }
    for (let t = 16; t < 80; t++) {
      const x = W[t - 3]! ^ W[t - 8]! ^ W[t - 14]! ^ W[t - 16]!;
      W[t] = (x << 1) | (x >>> 31);
    }
    let a = h0;
    let b = h1;
    let c = h2;
    let d = h3;
    let e = h4;
    for (let t = 0; t < 80; t++) {
      let f: number;
      let k: number;
      if (t < 20) {
        f = (b & c) | (~b & d);
        k = 0x5a827999;
      } else if (t < 40) {
        f = b ^ c ^ d;
        k = 0x6ed9eba1;
      } else if (t < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8f1bbcdc | 0;
      } else {
        f = b ^ c ^ d;
        k = 0xca62c1d6 | 0;
      }
      const temp = (((a << 5) | (a >>> 27)) + f + e + k + W[t]!) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = temp;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + b) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
  }
  return [h0 >>> 0, h1 >>> 0];
}
