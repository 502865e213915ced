import { createHash, randomBytes, randomUUID } from 'node:crypto';

// Credentials in LaunchDarkly's shapes (docs/protocol.md section 1) and API tokens.

export function newSdkKey(): string {
  return `sdk-${randomUUID()}`;
}

export function newMobileKey(): string {
  return `mob-${randomUUID()}`;
}

/** The public client-side ID, 24 lowercase hex digits like LaunchDarkly's. */
export function newClientSideId(): string {
  return randomBytes(12).toString('hex');
}

export function newApiToken(): string {
  return `vxl_${randomBytes(24).toString('base64url')}`;
}

export function newSalt(): string {
  return randomBytes(16).toString('hex');
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** For logs and errors: enough of a secret to recognise it, never enough to use it. */
export function redact(secret: string): string {
  return secret.length <= 8 ? '****' : `${secret.slice(0, 4)}****${secret.slice(-4)}`;
}
