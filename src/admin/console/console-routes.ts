import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

const require = createRequire(import.meta.url);

/** A package's folder, found the way Node finds it (htm exports no package.json, so walk up from its main file). */
function packageDir(name: string, main: string): string {
  const file = require.resolve(main);
  return file.slice(0, file.lastIndexOf(`/node_modules/${name}/`) + `/node_modules/${name}`.length);
}

const here = dirname(fileURLToPath(import.meta.url));
/** The console's page and style sheet (console/public) and its compiled browser code (console/src, built to dist/console). */
const CONSOLE_DIRS = [join(here, '../../../../console/public'), join(here, '../../../console')];

/**
 * The web console: a single page at `/` with its scripts, and the browser modules it imports
 * (preact, htm, uPlot) served from node_modules under `/vendor/`. The page holds no data: it
 * reads everything from the admin API with the operator's token.
 */
export async function consoleRoutes(app: FastifyInstance): Promise<void> {
  await app.register(fastifyStatic, { root: CONSOLE_DIRS, prefix: '/', index: 'index.html', wildcard: false });
  for (const [name, main] of [
    ['preact', 'preact'],
    ['htm', 'htm'],
    ['uplot', 'uplot'],
  ] as const) {
    await app.register(fastifyStatic, {
      root: packageDir(name, main),
      prefix: `/vendor/${name}/`,
      decorateReply: false,
      allowedPath: (path) => /(^|\/)dist\//.test(path),
    });
  }
}
