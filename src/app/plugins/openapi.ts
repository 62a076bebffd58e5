import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';

import type { Config } from '../../config/env.js';

export const registerOpenApi = async (app: FastifyInstance, config: Config, version: string) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Switchboard API',
        version,
        description: 'Multi-tenant platform for AI agents that talk to customers. Every response uses the envelope ' +
          '{ success, data | error, requestId, timestamp }.',
        license: { name: 'MIT' },
      },
      servers: [{ url: config.publicUrl }],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'API key (sb_...) or access token' },
        },
      },
    },
    transform: (input) => {
      const transformed = jsonSchemaTransform(input);
      const { permission, platformAdmin, signedIn } = input.route.config ?? {};
      if (!permission && !platformAdmin && !signedIn) return transformed;
      const requirement = permission
        ? `Requires permission \`${permission}\`.`
        : platformAdmin
          ? 'Requires a platform administrator (user access token).'
          : 'Requires a signed-in user (access token; API keys are refused).';
      return {
        ...transformed,
        schema: {
          ...transformed.schema,
          security: [{ bearerAuth: [] }],
          description: [transformed.schema.description, requirement]
            .filter(Boolean)
            .join('\n\n'),
        },
      };
    },
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    uiConfig: { deepLinking: true },
    uiHooks: {},
  });
  app.get(
    '/openapi.json',
    { schema: { operationId: 'getOpenApiDocument', tags: ['meta'], summary: 'OpenAPI 3 document' }, config: { public: true, rateLimit: false } },
    async () => app.swagger(),
  );
};
