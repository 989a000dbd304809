// Browser tests of the web components in Debian's Chromium. Run from the repo root:
//   npx wtr --config web-components/web-test-runner.config.mjs
import { fileURLToPath } from 'node:url';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import { socketHubPlugin } from './test/socket-hub-plugin.mjs';
import { realHubPlugin } from './test/real-hub-plugin.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const realHub = realHubPlugin();
// `executeServerCommand('focus-page')`: brings the test's page to the front, so CSS :focus and focus
// events behave as for a user while another test file's page runs beside it (concurrency 2).
const focusPagePlugin = {
  name: 'focus-page',
  async executeCommand({ command, session }) {
    if (command !== 'focus-page') return undefined;
    await session.browser.getPage(session.id).bringToFront();
    return true;
  },
};

export default {
  rootDir: here('..'),
  files: [here('./test/**/*.test.ts')],
  nodeResolve: { browser: true, exportConditions: ['browser'] },
  concurrency: 2,
  testsFinishTimeout: 180_000,
  plugins: [esbuildPlugin({ ts: true, tsconfig: here('./tsconfig.json'), target: 'auto' }), socketHubPlugin(), realHub, focusPagePlugin],
  middleware: [realHub.middleware],
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--no-first-run', '--disable-component-update', '--headless'],
      },
    }),
  ],
  // ECharts' modular build reads process.env.NODE_ENV; the published bundle defines it at build time.
  testRunnerHtml: (testFramework) => `<!doctype html>
    <html><head><meta charset="utf-8"></head><body>
      <script>window.process = { env: { NODE_ENV: 'development' } };</script>
      <script type="module" src="${testFramework}"></script>
    </body></html>`,
  testFramework: { config: { timeout: 15_000 } },
};
