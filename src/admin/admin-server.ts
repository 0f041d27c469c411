import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import type { FastifyError, FastifyInstance } from 'fastify';
import type { Broker } from '../broker/broker.js';
import { ConfigError, MetaqError } from '../common/errors.js';
import { TransactionRefusal, XaException } from '../broker/transactions/xa-error.js';
import { createBrokerMetrics } from './metrics.js';
import type { BrokerMetrics } from './metrics.js';
import { RateSampler } from './rate-sampler.js';
import { tokenGuard } from './token-guard.js';
import { resolveAdminToken } from './admin-token.js';
import type { TokenSource } from './admin-token.js';
import { AdminUrlRegistration, advertisedAdminUrl } from './admin-url-registration.js';
import { httpTimeouts, limitHttpConnections } from './http-limits.js';
import { readGroups } from './views/group-view.js';
import { HttpError } from './api/http-errors.js';
import { namesGuard } from './api/names-guard.js';
import { brokerRoutes } from './api/broker-routes.js';
import { topicRoutes } from './api/topic-routes.js';
import { topicAdminRoutes } from './api/topic-admin-routes.js';
import { groupRoutes } from './api/group-routes.js';
import { transactionRoutes } from './api/transaction-routes.js';
import { traceRoutes } from './api/trace-routes.js';
import { userRoutes } from './api/user-routes.js';
import { clockRoutes } from './api/clock-routes.js';
import { configRoutes } from './api/config-routes.js';
import { clusterRoutes } from './api/cluster-routes.js';
import { healthRoutes } from './api/health-routes.js';
import { frontEndRoutes } from './front-end/front-end-routes.js';
import { putAdmission } from './front-end/put-admission.js';
import { consoleRoutes } from './console/console-routes.js';

export interface AdminServerOptions {
  /** Defaults: `[system] dashboardHttpPort`, `[http] host` (else hostName), token and frontEnd. */
  port?: number;
  host?: string;
  token?: string;
  frontEnd?: boolean;
  /** How often rates and lag are sampled for the console. */
  sampleIntervalMs?: number;
}

/**
 * The broker's HTTP side on one port: `/metrics` (Prometheus and OpenMetrics), `/healthz` and
 * `/readyz`, the admin API under `/api` (bearer token), the web console at `/`, and MetaQ's
 * `/put` `/get` `/offset`.
 */
export class AdminServer {
  private constructor(
    private readonly app: FastifyInstance,
    private readonly metrics: BrokerMetrics,
    private readonly rates: RateSampler,
    /** The token the admin API and the console require. */
    readonly token: string,
    /** Where the token came from (admin-token.ts): the start-up banner says so. */
    readonly tokenSource: TokenSource,
    private readonly secure: boolean,
  ) {}

  /** In cluster mode, this broker's admin URL in ZooKeeper. */
  private registration: AdminUrlRegistration | undefined;

  get generatedToken(): boolean {
    return this.tokenSource === 'generated';
  }

  static async start(broker: Broker, options: AdminServerOptions = {}): Promise<AdminServer> {
    const http = broker.config.http;
    const { token, source } = await resolveAdminToken(broker, options.token);
    // With a `[tls]` identity the HTTP side is HTTPS too (the token is a credential); no client certificate is asked.
    const https = broker.tls === undefined ? null : { cert: broker.tls.cert, key: broker.tls.key };
    const app = Fastify({
      logger: false,
      https,
      bodyLimit: broker.config.system.maxRequestBodySize,
      ...httpTimeouts(broker.config.system),
      ajv: { customOptions: { coerceTypes: true, allErrors: false, removeAdditional: false } },
    });
    limitHttpConnections(app.server, broker, https !== null);
    const groups = () => readGroups(broker);
    const metrics = createBrokerMetrics(broker, groups);
    const rates = new RateSampler(broker, groups, options.sampleIntervalMs);
    const server = new AdminServer(app, metrics, rates, token, source, https !== null);

    app.setErrorHandler((error: FastifyError, request, reply) => {
      const status =
        error instanceof HttpError
          ? error.statusCode
          : error instanceof MetaqError && error.code === 'NOT_FOUND'
            ? 404
            : error.validation !== undefined || error instanceof ConfigError
              ? 400
              : error instanceof MetaqError || error instanceof TransactionRefusal || error instanceof XaException
                ? 409
                : (error.statusCode ?? 500);
      if (status >= 500) broker.logger.error({ component: 'admin', err: error, url: request.url }, 'admin request failed');
      void reply
        .code(status)
        .send({ error: status === 400 ? 'Bad Request' : status === 404 ? 'Not Found' : status === 409 ? 'Conflict' : 'Error', message: error.message });
    });
    app.setNotFoundHandler((request, reply) => {
      void reply
        .code(404)
        .send({ error: 'Not Found', message: `no route ${request.method} ${request.url.split('?')[0]}; the admin API is under /api (see docs/admin-api.md)` });
    });

    healthRoutes(app, broker);
    // With [auth] on, /metrics (names of topics and groups, the data path) needs the admin token too.
    const metricsAuth = http.metricsAuth === 'auto' ? (broker.users === undefined ? 'open' : 'token') : http.metricsAuth;
    const metricsGuard = metricsAuth === 'token' ? { onRequest: tokenGuard(token) } : {};
    app.get('/metrics', metricsGuard, async (request, reply) => {
      const open = (request.headers.accept ?? '').includes('application/openmetrics-text');
      const registry = open ? metrics.openMetrics : metrics.prometheus;
      return reply.type(registry.contentType).send(await registry.metrics());
    });
    // eslint-disable-next-line @typescript-eslint/require-await -- fastify takes an async plugin to scope the token hook to /api
    await app.register(async (api) => {
      api.addHook('onRequest', tokenGuard(token));
      api.addHook('preValidation', namesGuard);
      brokerRoutes(api, broker, () => server.url, rates);
      topicRoutes(api, broker, rates);
      topicAdminRoutes(api, broker);
      groupRoutes(api, broker, groups, rates);
      transactionRoutes(api, broker);
      traceRoutes(api, broker);
      userRoutes(api, broker);
      clockRoutes(api, broker);
      configRoutes(api, broker);
      clusterRoutes(api, broker);
    });
    if (options.frontEnd ?? http.frontEnd) {
      // eslint-disable-next-line @typescript-eslint/require-await -- an encapsulated context for the front end's own body parsing
      await app.register(async (frontEnd) => {
        // /put bodies are the encoded payload as bytes, whatever content type a client sends.
        frontEnd.removeAllContentTypeParsers();
        frontEnd.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
        // Login and the body budget before a body is buffered.
        frontEnd.addHook('onRequest', putAdmission(broker));
        frontEndRoutes(frontEnd, broker);
      });
    }
    await consoleRoutes(app);

    try {
      await app.listen({ port: options.port ?? broker.config.system.dashboardHttpPort, host: options.host ?? (http.host || broker.config.system.hostName) });
    } catch (error) {
      await server.close();
      throw new MetaqError(
        'HTTP_LISTEN',
        `the HTTP server could not listen (${(error as Error).message}); set [system] dashboardHttpPort to a free port, or [http] enabled=false`,
        { cause: error },
      );
    }
    void rates.sample();
    try {
      const port = (app.server.address() as AddressInfo).port;
      server.registration = await AdminUrlRegistration.start(
        broker,
        advertisedAdminUrl(broker.config.system.hostName, options.host ?? http.host, port, https !== null),
      );
    } catch (error) {
      await server.close();
      throw error;
    }
    return server;
  }

  get url(): string {
    const address = this.app.server.address() as AddressInfo | null;
    if (address === null) return '';
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `${this.secure ? 'https' : 'http'}://${host}:${address.port}`;
  }

  /** Where an operator opens the console; the token rides in the fragment, which browsers never send. */
  get consoleUrl(): string {
    return `${this.url}/#token=${encodeURIComponent(this.token)}`;
  }

  async close(): Promise<void> {
    await this.registration?.close();
    this.rates.close();
    this.metrics.close();
    await this.app.close();
  }
}
