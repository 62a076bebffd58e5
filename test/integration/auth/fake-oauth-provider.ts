import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type PendingCode = { clientId: string; redirectUri: string; challenge: string; profile: unknown; emails?: unknown };

const readBody = async (req: IncomingMessage) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

/**
 * A small OAuth 2.0 provider over real HTTP for the social sign-in tests: /<provider>/authorize (consents at once
 * for the profile queued with `nextSignIn`), /<provider>/token (checks client credentials, redirect URI and the
 * PKCE S256 verifier; codes work once) and /<provider>/userinfo (+ /userinfo/emails, GitHub style).
 */
export const startFakeOAuthProvider = async (clients: Record<string, { clientId: string; clientSecret: string }>) => {
  const codes = new Map<string, PendingCode>();
  const accessTokens = new Map<string, PendingCode>();
  let next: { profile: unknown; emails?: unknown } | undefined;
  const tokenRequests: { provider: string; hadVerifier: boolean }[] = [];

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const [, provider, endpoint, sub] = url.pathname.split('/');
      const client = clients[provider ?? ''];
      if (!client) return json(res, 404, { error: 'unknown provider' });

      if (endpoint === 'authorize' && req.method === 'GET') {
        const params = url.searchParams;
        if (params.get('client_id') !== client.clientId || params.get('code_challenge_method') !== 'S256' || !params.get('code_challenge') || !next) {
          return json(res, 400, { error: 'invalid_request' });
        }
        const code = randomBytes(16).toString('hex');
        codes.set(code, { clientId: client.clientId, redirectUri: params.get('redirect_uri')!, challenge: params.get('code_challenge')!, ...next });
        next = undefined;
        const back = new URL(params.get('redirect_uri')!);
        back.searchParams.set('code', code);
        back.searchParams.set('state', params.get('state')!);
        res.writeHead(302, { location: back.toString() });
        return res.end();
      }

      if (endpoint === 'token' && req.method === 'POST') {
        const form = new URLSearchParams(await readBody(req));
        const basic = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
        const [id, secret] = basic.split(':').map(decodeURIComponent);
        tokenRequests.push({ provider: provider!, hadVerifier: form.has('code_verifier') });
        if (id !== client.clientId || secret !== client.clientSecret) return json(res, 401, { error: 'invalid_client' });
        const pending = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? '');
        const challenge = createHash('sha256').update(form.get('code_verifier') ?? '').digest('base64url');
        if (!pending || pending.redirectUri !== form.get('redirect_uri') || pending.challenge !== challenge) {
          return json(res, 400, { error: 'invalid_grant' });
        }
        const accessToken = randomBytes(16).toString('hex');
        accessTokens.set(accessToken, pending);
        return json(res, 200, { access_token: accessToken, token_type: 'Bearer', expires_in: 3600 });
      }

      if (endpoint === 'userinfo' && req.method === 'GET') {
        const grant = accessTokens.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
        if (!grant) return json(res, 401, { error: 'invalid_token' });
        return json(res, 200, sub === 'emails' ? grant.emails : grant.profile);
      }
      return json(res, 404, { error: 'not found' });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    tokenRequests,
    /** The identity the next /authorize consents as (the userinfo body, and GitHub's /emails body). */
    nextSignIn: (profile: unknown, emails?: unknown) => {
      next = { profile, emails };
    },
    env: (provider: string, envName: string) => ({
      [`OAUTH_${envName}_CLIENT_ID`]: clients[provider]!.clientId,
      [`OAUTH_${envName}_CLIENT_SECRET`]: clients[provider]!.clientSecret,
      [`OAUTH_${envName}_AUTHORIZE_URL`]: `${base}/${provider}/authorize`,
      [`OAUTH_${envName}_TOKEN_URL`]: `${base}/${provider}/token`,
      [`OAUTH_${envName}_USERINFO_URL`]: `${base}/${provider}/userinfo`,
    }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};
