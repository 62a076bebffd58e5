import { randomUUID } from 'node:crypto';

import { errors, jwtVerify, SignJWT, type JWTHeaderParameters } from 'jose';
import { z } from 'zod';

import { AppError } from '../../lib/errors.js';
import { SIGNING_ALGORITHM, type SigningKeys } from './signing-keys.js';

/** `typ` in the header keeps an access token from being confused with any other JWT signed by the same keys. */
const ACCESS_TOKEN_TYPE = 'at+jwt';

export const ZAccessClaims = z.object({
  sub: z.uuid(),
  tenant_id: z.uuid(),
  /** The session (refresh-token family) the token belongs to: revoking the session ends its access tokens too. */
  sid: z.uuid(),
  roles: z.array(z.string()),
  permissions: z.array(z.string()),
  jti: z.string().min(1),
  exp: z.number(),
  iat: z.number(),
});
export type AccessClaims = z.infer<typeof ZAccessClaims>;

export type AccessTokenSettings = { issuer: string; audience: string; ttlSeconds: number };

export const createAccessTokens = (deps: { keys: SigningKeys; settings: AccessTokenSettings }) => {
  const { issuer, audience, ttlSeconds } = deps.settings;

  const keyFor = async (header: JWTHeaderParameters) => {
    const key = header.kid ? await deps.keys.verificationKey(header.kid) : undefined;
    if (!key) throw new errors.JWKSNoMatchingKey();
    return key;
  };

  return {
    issue: async (input: { userId: string; tenantId: string; sessionId: string; roles: string[]; permissions: string[] }) => {
      const key = await deps.keys.current();
      const jti = randomUUID();
      const token = await new SignJWT({ tenant_id: input.tenantId, sid: input.sessionId, roles: input.roles, permissions: input.permissions })
        .setProtectedHeader({ alg: SIGNING_ALGORITHM, kid: key.kid, typ: ACCESS_TOKEN_TYPE })
        .setSubject(input.userId)
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime(`${ttlSeconds}s`)
        .setJti(jti)
        .sign(key.privateKey);
      return { token, jti, expiresIn: ttlSeconds };
    },

    /**
     * Checks signature (ES256 only: `alg: none` and HMAC tricks fail here), kid, typ, audience, issuer and expiry.
     * Returns undefined for anything that is not a valid access token; an expired one is TOKEN_EXPIRED so clients
     * know to refresh.
     */
    verify: async (token: string): Promise<AccessClaims | undefined> => {
      try {
        const { payload } = await jwtVerify(token, keyFor, { algorithms: [SIGNING_ALGORITHM], issuer, audience, typ: ACCESS_TOKEN_TYPE });
        const claims = ZAccessClaims.safeParse(payload);
        return claims.success ? claims.data : undefined;
      } catch (error) {
        if (error instanceof errors.JWTExpired) throw new AppError('TOKEN_EXPIRED', 'The access token has expired: refresh it');
        if (error instanceof errors.JOSEError || error instanceof TypeError) return undefined;
        throw error;
      }
    },
  };
};

export type AccessTokens = ReturnType<typeof createAccessTokens>;
