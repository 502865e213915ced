import { randomUUID } from 'node:crypto';
import type { TokenRecord, TokenRole } from '@vexil/store';
import { newApiToken, sha256Hex } from '../domain/secrets.js';
import { notFound } from '../http/api-error.js';
import type { Route } from '../http/router.js';
import { read, write, type ApiDeps } from './deps.js';
import { ref } from './schemas.js';

const view = (t: TokenRecord) => ({
  id: t.id,
  name: t.name,
  role: t.role,
  createdAt: t.createdAt,
  ...(t.revokedAt === undefined ? {} : { revokedAt: t.revokedAt }),
});

export function tokenRoutes(deps: ApiDeps): Route[] {
  const base = '/api/v1/tokens';
  return [
    {
      method: 'GET',
      path: base,
      summary: 'List API tokens (never their secrets)',
      tag: 'tokens',
      role: 'admin',
      responses: {
        200: {
          description: 'tokens',
          schema: { type: 'object', properties: { items: { type: 'array', items: ref('Token') } } },
        },
      },
      handle: async () => ({
        body: { items: (await read(() => deps.store.listTokens())).map(view) },
      }),
    },
    {
      method: 'POST',
      path: base,
      summary: 'Create an API token; the secret is in the response and nowhere else',
      tag: 'tokens',
      role: 'admin',
      body: { schema: ref('TokenInput') },
      responses: { 201: { description: 'created, with `token`', schema: ref('Token') } },
      handle: async ({ body, actor }) => {
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
      },
    },
    {
      method: 'DELETE',
      path: `${base}/{tokenId}`,
      summary: 'Revoke an API token',
      tag: 'tokens',
      role: 'admin',
      responses: { 204: { description: 'revoked' }, 404: { description: 'no such token' } },
      handle: async ({ params, actor }) => {
        await write(deps, async (tx) => {
          const token = (await tx.listTokens()).find((t) => t.id === params['tokenId']);
          if (token === undefined) throw notFound(`token "${params['tokenId']!}"`);
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
      },
    },
  ];
}
