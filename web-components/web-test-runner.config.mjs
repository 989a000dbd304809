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
// events behave as for a user whatever page was in front before.
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
  // One test page at a time: a page behind another gets no animation frames in headless Chromium, and
  // the live speed chart draws on the next frame (its tests timed out beside another file's page).
  concurrency: 1,
  testsFinishTimeout: 180_000,
  plugins: [esbuildPlugin({ ts: true, tsconfig: here('./tsconfig.json'), target: 'auto' }), socketHubPlugin(), realHub, focusPagePlugin],
  middleware: [realHub.middleware],
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
        headless: true,
        // Timers and animation frames keep running in a page that is not in front.
        args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--no-first-run', '--disable-component-update', '--headless',
          '--disable-renderer-backgrounding', '--disable-background-timer-throttling', '--disable-backgrounding-occluded-windows'],
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
