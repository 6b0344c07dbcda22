import type {
  FastifyInstance,
  FastifyBaseLogger,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ApiVersion } from '../../../domain/campaigns/campaign-rules.js';
import type { Services } from '../../../services.js';
import type { ResponseCache } from '../../response-cache.js';

export type TypedApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** What a Kore route file gets: the encapsulated instance for one prefix, the services, and the API generation. */
export interface KoreRouteContext {
  app: TypedApp;
  services: Services;
  apiVersion: ApiVersion;
  /** Aliases of the primary prefix are left out of the OpenAPI document. */
  hide: boolean;
  /** Serialised Get responses, shared by every prefix (the view does not depend on it). */
  getCache: ResponseCache;
}

/** Every documented prefix (docs/kore-compatibility.md, inconsistency 5); the same routes are mounted under each. */
export const KORE_PREFIXES: { prefix: string; apiVersion: ApiVersion; primary: boolean }[] = [
  { prefix: '/agentassist/api/v1/public/:iid', apiVersion: 'v1', primary: true },
  { prefix: '/campaign/api/v1/public/:iid', apiVersion: 'v1', primary: false },
  { prefix: '/api/v1/public/:iid', apiVersion: 'v1', primary: false },
  { prefix: '/campaign/api/v2/public/:iid', apiVersion: 'v2', primary: false },
  { prefix: '/api/v2/public/:iid', apiVersion: 'v2', primary: false },
];

export const KORE_TAG = 'Kore campaign API';
export const koreSecurity = [{ koreAuth: [] }];
