/**
 * The trainer's live page, as a user opens it: `disco train` prints its URL; headless Chromium
 * (Debian's, driven by playwright-core) loads it with nothing but the trainer to talk to (no
 * external request is made or needed); while the run trains, the loss, images/s and data-wait
 * curves grow, the kNN curve gets its first epoch, and the roles table shows the trainer, the
 * augment worker and the teacher (its health checked over gRPC); once the run is over and the
 * trainer gone, the page keeps its last picture and says the trainer is unreachable.
 * UPDATE_SCREENSHOT=1 rewrites docs/live-page.png (the README's picture).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

const CLI = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const SCREENSHOT = fileURLToPath(new URL('../../../docs/live-page.png', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const dir = mkdtempSync(join(tmpdir(), 'disco-live-'));
let child: ChildProcess | undefined;
let browser: Browser | undefined;
after(async () => {
  await browser?.close();
  if (child && child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

test('the live page shows the run as it trains: curves that grow, kNN by epoch, every role healthy', async () => {
  assert.ok(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM} (apt-get install chromium; .ci/run does)`);
  const runDir = join(dir, 'run');
  const config = join(dir, 'live.json');
  const loopback = { host: '127.0.0.1', port: 0, metricsPort: 0 };
  writeFileSync(config, JSON.stringify({
    trainer: { ...loopback, run: 'live', runDir, seed: 1, epochs: 6, batchSize: 8, size: 16, model: 'resnet18-cifar', width: 0.0625, limitImages: 96, checkpointEvery: 0, knnEvery: 1, knnBank: 64, knnQueries: 32 },
    algo: { k: 64, headHidden: 32, embedDim: 16, ghostBatchSize: 4 },
    teacher: { ...loopback, model: 'resnet18-cifar', width: 0.0625, headHidden: 32, embedDim: 16, seed: 3, checkpoint: '' },
    augment: { ...loopback, imagesInFlight: 2, batchesInFlight: 2 },
    local: { progress: 'lines' },
  }));
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('DISCO_') || k === 'DISCO_BACKEND'));
  child = spawn(process.execPath, ['--import', 'tsx', CLI, 'train', '--config', config], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /live page: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) {
        clearInterval(timer);
        resolve(m[1]);
      } else if (child!.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`disco train exited before printing the live page's URL:\n${out}`));
      }
    }, 100);
  });

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const foreign: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(url)) foreign.push(r.url());
  });
  await page.goto(url);
  const points = (id: string) => page.locator(`#${id}`).evaluate((el) => Number((el as unknown as { dataset: Record<string, string | undefined> }).dataset.points ?? 0));
  const until = async (what: string, ok: () => Promise<boolean>, ms = 120_000) => {
    const end = Date.now() + ms;
    while (!(await ok())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${out.slice(-2000)}`);
      await page.waitForTimeout(250);
    }
  };
  await until('the first points of the loss curve', async () => (await points('chart-loss')) >= 2);
  const first = await points('chart-loss');
  await until('the loss curve to grow', async () => (await points('chart-loss')) > first + 2);
  assert.ok((await points('chart-ips')) > 0 && (await points('chart-wait')) > 0);
  await until('the teacher checked healthy', async () => /teacher\s*127\.0\.0\.1:\d+\s*SERVING/.test(await page.locator('#roles').innerText()));
  const roles = await page.locator('#roles').innerText();
  assert.match(roles, /trainer\s*this process\s*(TRAINING|DONE)/);
  assert.match(roles, /augment\s*\S+:\d+:\w+\s*SERVING/);
  assert.match(await page.locator('#state').innerText(), /TRAINING|DONE/);
  await until('the first online kNN point', async () => (await points('chart-knn')) >= 1);
  assert.match(await page.locator('#knn').innerText(), /^\d+\.\d %$/);
  if (process.env.UPDATE_SCREENSHOT === '1') await page.screenshot({ path: SCREENSHOT, fullPage: true });

  assert.equal(await exited, 0, out);
  // The process is gone: the page keeps what it saw last and says the trainer is unreachable.
  await until('the unreachable note', async () => /trainer unreachable/.test(await page.locator('#error').innerText()), 10_000);
  assert.deepEqual(foreign, [], 'the page loads nothing from anywhere else');
});
