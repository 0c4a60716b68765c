/**
 * deploy/docker checked statically (no Docker engine here): multi-stage builds on the agreed
 * bases, a non-root final stage, no remote ADD, an entrypoint that exists and runs the CLI
 * through tsx as PID 1, every workspace's manifest copied for `npm ci`, tsx available at run
 * time, and a build context (after the .dockerignore) that holds every file `disco serve` reads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DockerIgnore, contextFiles, readDockerfile, type Stage } from './dockerfile.ts';
import { DEPLOY_DIR, REPO_ROOT } from './prometheus_tools.ts';

const DOCKER = join(DEPLOY_DIR, 'docker');
const VARIANTS = ['cpu', 'gpu'] as const;

const final = (stages: Stage[]) => stages[stages.length - 1];
/** The registry image a stage finally builds on (following `FROM <stage>`). */
function rootImage(stages: Stage[], stage: Stage): string {
  const parent = stages.find((s) => s.name === stage.image);
  return parent ? rootImage(stages, parent) : stage.image;
}
const all = (stage: Stage, keyword: string) => stage.instructions.filter((i) => i.keyword === keyword);

function workspaceManifests(): string[] {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { workspaces: string[] };
  return pkg.workspaces.flatMap((entry) => {
    if (!entry.endsWith('/*')) return [`${entry}/package.json`]; // one folder, e.g. libs/tensor/native
    const dir = entry.slice(0, -2);
    return readdirSync(join(REPO_ROOT, dir)).filter((d) => existsSync(join(REPO_ROOT, dir, d, 'package.json'))).map((d) => `${dir}/${d}/package.json`);
  });
}

for (const variant of VARIANTS) {
  const file = join(DOCKER, `Dockerfile.${variant}`);
  const { stages } = readDockerfile(file);
  const runtime = final(stages);

  test(`Dockerfile.${variant}: multi-stage on the agreed bases, nothing fetched by ADD`, () => {
    assert.ok(stages.length >= 2, 'multi-stage');
    assert.equal(runtime.name, 'runtime');
    const images = stages.map((s) => s.image);
    assert.ok(images.some((i) => /^node:20-/.test(i)), `a node:20 stage in ${images.join(', ')}`);
    if (variant === 'gpu') {
      assert.match(rootImage(stages, runtime), /^nvidia\/cuda:11\.2\.\d+-cudnn8-runtime-/, 'CUDA 11.2 / cuDNN 8 runtime base');
      const cudaNode = stages.find((s) => s.name === runtime.image)!;
      assert.ok(all(cudaNode, 'COPY').some((c) => c.args.startsWith('--from=node /usr/local/bin/node')), 'Node 20 copied onto the CUDA base');
    } else assert.match(rootImage(stages, runtime), /^node:20-.*slim$/);
    for (const s of stages) for (const add of all(s, 'ADD')) assert.fail(`line ${add.line}: ADD (use COPY; never fetch URLs at build time): ${add.args}`);
    for (const s of stages) for (const run of all(s, 'RUN')) assert.doesNotMatch(run.args, /(curl|wget)[^|]*\|\s*(ba)?sh/, `line ${run.line} pipes a download into a shell`);
  });

  test(`Dockerfile.${variant}: the final stage runs as a numeric non-root user`, () => {
    const users = all(runtime, 'USER');
    assert.ok(users.length > 0, 'USER in the final stage');
    const user = users[users.length - 1].args;
    assert.match(user, /^\d+(:\d+)?$/, 'numeric, so runAsNonRoot can verify it');
    assert.notEqual(Number(user.split(':')[0]), 0, 'not root');
    // The user exists in the image (created in the same stage).
    assert.ok(all(runtime, 'RUN').some((r) => r.args.includes(`--uid ${user.split(':')[0]}`)));
  });

  test(`Dockerfile.${variant}: the entrypoint is Node running services/cli/src/main.ts through tsx, from /app`, () => {
    const [entry] = all(runtime, 'ENTRYPOINT');
    assert.deepEqual(entry.json?.slice(0, 3), ['node', '--import', 'tsx'], 'exec form: node is PID 1 and gets SIGTERM');
    const script = entry.json![3];
    assert.ok(existsSync(join(REPO_ROOT, script)), `${script} exists`);
    assert.equal(all(runtime, 'WORKDIR').at(-1)?.args, '/app', 'tsx resolves from the working directory');
    const copies = all(runtime, 'COPY').map((c) => c.args);
    assert.ok(copies.some((c) => c.startsWith('--from=deps /app/node_modules')), 'node_modules from the deps stage');
    assert.ok(copies.some((c) => c.startsWith('--from=deps /opt/tsx')), 'the side-installed tsx');
    const deps = stages.find((s) => s.name === 'deps')!;
    const runs = all(deps, 'RUN').map((r) => r.args).join('\n');
    assert.match(runs, /npm ci --omit=dev/);
    assert.match(runs, /ln -s \/opt\/tsx\/node_modules\/tsx node_modules\/tsx/);
    const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string }> };
    for (const pkg of ['tsx', 'esbuild']) assert.ok(lock.packages[`node_modules/${pkg}`]?.version, `the lockfile pins ${pkg}`);
    const backend = all(runtime, 'ENV').map((e) => e.args).join(' ');
    if (variant === 'gpu') {
      assert.match(backend, /DISCO_BACKEND=tfjs-node-gpu\b/);
      assert.match(runs, /allow-scripts=@tensorflow\/tfjs-node-gpu[^]*npm rebuild @tensorflow\/tfjs-node-gpu/);
    } else {
      // The native backend: built against libtorch-dev in deps (and required to exist), run
      // against libtorch's runtime package; not forced, so wasm stays the fallback.
      assert.doesNotMatch(backend, /DISCO_BACKEND=/);
      assert.match(runs, /apt-get install[^]*libtorch-dev[^]*g\+\+/);
      assert.match(runs, /node libs\/tensor\/native\/install\.mjs\s*\\?\s*&& test -f libs\/tensor\/native\/build\/Release\/disco_tensor_native\.node/);
      assert.match(all(runtime, 'RUN').map((r) => r.args).join('\n'), /apt-get install[^]*libtorch1\.13\b/);
    }
  });

  test(`Dockerfile.${variant}: every workspace manifest is copied before npm ci`, () => {
    const deps = stages.find((s) => s.name === 'deps')!;
    const copied = all(deps, 'COPY')
      .filter((c) => !c.args.startsWith('--'))
      .flatMap((c) => {
        const parts = c.args.split(/\s+/);
        const dest = parts.pop()!;
        return parts.map((src) => (dest.endsWith('/') && dest !== './' ? `${dest}${src.split('/').pop()}` : src));
      });
    for (const manifest of ['package.json', 'package-lock.json', ...workspaceManifests()]) assert.ok(copied.includes(manifest), `${manifest} is copied`);
  });

  test(`Dockerfile.${variant}: the build context keeps what disco serve reads and drops the rest`, () => {
    const ignore = new DockerIgnore(readFileSync(`${file}.dockerignore`, 'utf8'));
    const files = new Set(contextFiles(REPO_ROOT, ignore));
    for (const c of all(runtime, 'COPY').filter((x) => !x.args.startsWith('--'))) {
      for (const src of c.args.split(/\s+/).slice(0, -1)) {
        assert.ok([...files].some((f) => f === src || f.startsWith(`${src}/`)), `COPY ${src}: not in the build context`);
      }
    }
    const needed = ['services/cli/src/main.ts', 'protos/disco/v1', 'test/fixtures/sample/', 'libs/tensor/src/index.ts', 'tsconfig.base.json'];
    for (const n of needed) assert.ok([...files].some((f) => f.startsWith(n)), `${n} is in the context`);
    for (const f of files) assert.doesNotMatch(f, /(^|\/)node_modules\/|^\.git\/|^(libs|services)\/[^/]+\/test\/|^test\/(e2e|bench|reference|deploy)\//, `${f} should not be in the context`);
  });
}

test('the .dockerignore matcher: last match wins, parents match, ! re-includes, ** spans directories', () => {
  const ignore = new DockerIgnore('**/node_modules\ntest/*\n!test/fixtures\ntest/fixtures/*\n!test/fixtures/sample\n*.log\n');
  assert.equal(ignore.excludes('libs/a/node_modules/x/index.js'), true);
  assert.equal(ignore.excludes('node_modules/x'), true);
  assert.equal(ignore.excludes('test/e2e/a.ts'), true);
  assert.equal(ignore.excludes('test/fixtures/models/w.bin'), true);
  assert.equal(ignore.excludes('test/fixtures/sample/train-images-idx3-ubyte'), false);
  assert.equal(ignore.excludes('x.log'), true);
  assert.equal(ignore.excludes('libs/x.log'), false, '*.log matches only the top level');
  assert.equal(ignore.excludes('libs/tensor/src/index.ts'), false);
});
