import { randomUUID } from 'node:crypto';
import type { TokenRecord, TokenRole } from '@vexil/store';
import { newApiToken, sha256Hex } from '../domain/secrets.js';
import { notFound } from '../http/api-error.js';
import { defineRoute, type Reply, type Route, type RouteContext } from '../http/router.js';
import { read, write, type ApiDeps } from './deps.js';
import { ref } from './schemas.js';

const view = (t: TokenRecord) => ({
  id: t.id,
  name: t.name,
  role: t.role,
  createdAt: t.createdAt,
  ...(t.revokedAt === undefined ? {} : { revokedAt: t.revokedAt }),
  ...(t.lastUsedAt === undefined ? {} : { lastUsedAt: t.lastUsedAt }),
});

const TOKENS = '/api/v1/tokens';
const TOKEN = `${TOKENS}/{tokenId}` as const;

export function tokenRoutes(deps: ApiDeps): Route[] {
  return [
    defineRoute({
      method: 'GET',
      path: TOKENS,
      summary: 'List API tokens (never their secrets), with when each was last used',
      tag: 'tokens',
      role: 'admin',
      responses: {
        200: {
          description: 'tokens',
          schema: { type: 'object', properties: { items: { type: 'array', items: ref('Token') } } },
        },
      },
      handle: () => listTokens(deps),
    }),
    defineRoute({
      method: 'POST',
      path: TOKENS,
      summary: 'Create an API token; the secret is in the response and nowhere else',
      tag: 'tokens',
      role: 'admin',
      body: { schema: ref('TokenInput') },
      responses: { 201: { description: 'created, with `token`', schema: ref('Token') } },
      handle: (ctx) => createToken(deps, ctx),
    }),
    defineRoute({
      method: 'DELETE',
      path: TOKEN,
      summary: 'Revoke an API token',
      tag: 'tokens',
      role: 'admin',
      responses: { 204: { description: 'revoked' }, 404: { description: 'no such token' } },
      handle: (ctx) => revokeToken(deps, ctx),
    }),
  ];
}

async function listTokens(deps: ApiDeps): Promise<Reply> {
  return { body: { items: (await read(() => deps.store.listTokens())).map(view) } };
}

async function createToken(
  deps: ApiDeps,
  { body, actor }: RouteContext<typeof TOKENS>,
): Promise<Reply> {
  const input = body as { name: string; role: TokenRole };
  const secret = newApiToken();
  const record: TokenRecord = {
    id: randomUUID(),
    name: input.name,
    role: input.role,
    hash: sha256Hex(secret),
    createdAt: deps.now(),
  };
  await write(deps, async (tx) => {
    await tx.putToken(record);
    await tx.appendAudit({
      at: record.createdAt,
      actor: actor.name,
      action: 'token.create',
      resourceKind: 'token',
      resourceKey: record.id,
      before: null,
      after: view(record),
    });
  });
  if (record.role === 'edge') deps.directoryChanged();
  return { status: 201, body: { ...view(record), token: secret } };
}

async function revokeToken(
  deps: ApiDeps,
  { params: { tokenId }, actor }: RouteContext<typeof TOKEN>,
): Promise<Reply> {
  await write(deps, async (tx) => {
    // Locked: a concurrent write of the token (its last use) cannot undo the revocation.
    const token = await tx.getTokenForUpdate(tokenId);
    if (token === undefined) throw notFound(`token "${tokenId}"`);
    if (token.revokedAt !== undefined) return;
    const revoked = { ...token, revokedAt: deps.now() };
    await tx.putToken(revoked);
    await tx.appendAudit({
      at: revoked.revokedAt,
      actor: actor.name,
      action: 'token.revoke',
      resourceKind: 'token',
      resourceKey: token.id,
      before: view(token),
      after: view(revoked),
    });
  });
  deps.directoryChanged();
  return { status: 204 };
}
