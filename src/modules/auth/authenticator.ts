import type { Authenticator } from '../../app/plugins/auth.js';
import { tenantAccessOf } from '../../app/plugins/tenant-access.js';
import { API_KEY_PREFIX } from '../api-keys/api-keys.service.js';
import type { AccessTokens } from './access-tokens.js';
import type { Sessions } from './sessions.js';

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * The one authenticator behind every route: an API key (`sb_…`) or a user's access token (a JWT). A token is only
 * good while its signature, kid, audience, issuer and expiry check out AND its jti is not denied, its session is
 * not revoked, the user and the membership are active. Anything else (a refresh token, garbage) is not a credential.
 */
export const createAuthenticator = (deps: { apiKey: Authenticator; accessTokens: AccessTokens; sessions: Pick<Sessions, 'accessState'> }): Authenticator =>
  async (token) => {
    if (token.startsWith(API_KEY_PREFIX)) return deps.apiKey(token);
    if (!JWT_SHAPE.test(token)) return undefined;
    const claims = await deps.accessTokens.verify(token);
    if (!claims) return undefined;
    const state = await deps.sessions.accessState({ userId: claims.sub, tenantId: claims.tenant_id, jti: claims.jti, familyId: claims.sid });
    if (!state || state.isJtiDenied || state.isSessionRevoked) return undefined;
    return {
      tenantId: claims.tenant_id,
      tenant: tenantAccessOf({ status: state.tenantStatus, security: state.tenantSecurity }),
      actor: { type: 'user', id: claims.sub },
      permissions: new Set(claims.permissions),
    };
  };
