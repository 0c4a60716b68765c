// `npm install` step of @disco/tensor-native: builds the addon with node-gyp when libtorch and
// a C++ compiler are present. Never fails the install: without them (or when the build fails)
// it prints why, records it in build/skipped.json ({reason, libtorchMissing}: the backend's
// refusal message and the native tests read it) and exits 0; disco then runs on wasm.
// DISCO_NATIVE_BUILD=0 skips on purpose. libtorch: Debian's libtorch-dev by default;
// DISCO_TORCH_INCLUDE and DISCO_TORCH_LIB point elsewhere (binding.gyp reads the same two).
//
// DISCO_NATIVE_SANITIZE=address (or undefined, or address,undefined) builds a sanitizer variant
// beside the normal addon, in build-sanitize-<name>/ (`npm run build -w libs/tensor/native`);
// disco loads it when the same variable is set at run time, with the sanitizer's runtime
// preloaded (test/engine runs the native tests that way). Unlike the normal build it fails loudly.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const SANITIZE = process.env.DISCO_NATIVE_SANITIZE || '';
if (SANITIZE && !/^(address|undefined)(,(address|undefined))?$/.test(SANITIZE)) {
  console.error(`@disco/tensor-native: DISCO_NATIVE_SANITIZE='${SANITIZE}' is not address, undefined or address,undefined`);
  process.exit(1);
}
/** Where node-gyp runs: the package itself, or a staging folder for a sanitizer variant. */
const gypRoot = SANITIZE ? join(here, `build-sanitize-${SANITIZE.replace(',', '-')}`) : here;
const buildDir = join(gypRoot, 'build');
const addon = join(buildDir, 'Release', 'disco_tensor_native.node');
const skipNote = join(buildDir, 'skipped.json');
const TORCH_INCLUDE = process.env.DISCO_TORCH_INCLUDE || '/usr/include';
/** Debian's multiarch library folder for this CPU (libtorch-dev puts its libraries there). */
const MULTIARCH = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu' }[process.arch] ?? `${process.arch}-linux-gnu`;
const TORCH_LIB = process.env.DISCO_TORCH_LIB || `/usr/lib/${MULTIARCH}`;
process.env.DISCO_TORCH_LIB = TORCH_LIB; // what binding.gyp links against (node-gyp inherits the environment)

/** Why libtorch cannot be built against here, or undefined when its headers and libraries are present. */
function libtorchMissing() {
  const header = join(TORCH_INCLUDE, 'ATen', 'ATen.h');
  if (!existsSync(header)) return `libtorch headers not found (${header}; apt-get install libtorch-dev, or set DISCO_TORCH_INCLUDE)`;
  for (const lib of ['libtorch.so', 'libtorch_cpu.so', 'libc10.so']) {
    const path = join(TORCH_LIB, lib);
    if (!existsSync(path)) return `libtorch library not found (${path}; apt-get install libtorch-dev, or set DISCO_TORCH_LIB)`;
  }
  return undefined;
}

function skip(reason, missingLibtorch = false) {
  if (SANITIZE) {
    console.error(`@disco/tensor-native: sanitizer build (${SANITIZE}) not made: ${reason}`);
    process.exit(1);
  }
  rmSync(addon, { force: true }); // a stale build must not outlive the reason it cannot be made
  mkdirSync(buildDir, { recursive: true });
  writeFileSync(skipNote, JSON.stringify({ reason, libtorchMissing: missingLibtorch }) + '\n');
  console.log(`@disco/tensor-native: not built: ${reason}. disco runs on its wasm backend instead.`);
  process.exit(0);
}

/** Whether the built addon is newer than every source it is made from. */
function upToDate() {
  if (!existsSync(addon)) return false;
  const built = statSync(addon).mtimeMs;
  const sources = ['binding.gyp', 'install.mjs', ...readdirSync(join(here, 'src')).map((f) => join('src', f))];
  return sources.every((f) => statSync(join(here, f)).mtimeMs < built);
}

/** node-gyp: the one npm runs scripts with, else npm's bundled copy, else one on PATH. */
function nodeGyp() {
  if (process.env.npm_config_node_gyp && existsSync(process.env.npm_config_node_gyp)) return [process.execPath, process.env.npm_config_node_gyp];
  const bundled = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (existsSync(bundled)) return [process.execPath, bundled];
  return ['node-gyp'];
}

/** Node's own headers (Debian's nodejs-dev, or a tarball install) so node-gyp needs no download. */
function nodeDir() {
  const prefix = join(dirname(process.execPath), '..');
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? ['--nodedir=' + prefix] : [];
}

if (process.env.DISCO_NATIVE_BUILD === '0') skip('DISCO_NATIVE_BUILD=0');
const missing = libtorchMissing();
if (missing) skip(missing, true);
const cxx = process.env.CXX || 'c++';
if (spawnSync(cxx, ['--version'], { stdio: 'ignore' }).status !== 0) skip(`no C++ compiler (${cxx}; apt-get install g++)`);
if (upToDate()) {
  console.log('@disco/tensor-native: addon up to date');
  process.exit(0);
}
rmSync(skipNote, { force: true });
if (SANITIZE) {
  // The staging folder sees the package's binding.gyp and sources through links.
  mkdirSync(gypRoot, { recursive: true });
  for (const name of ['binding.gyp', 'src']) {
    rmSync(join(gypRoot, name), { force: true, recursive: false });
    symlinkSync(join(here, name), join(gypRoot, name));
  }
}
console.log(`@disco/tensor-native: building the libtorch addon${SANITIZE ? ` with -fsanitize=${SANITIZE}` : ''} (about a minute)…`);
const [cmd, ...pre] = nodeGyp();
const args = [...pre, 'rebuild', ...nodeDir(), '-j', String(Math.max(1, availableParallelism()))];
// No colours: binding.gyp reads values printed by node, which FORCE_COLOR (set by Nx and some CIs) would wrap in escape codes.
const { FORCE_COLOR: _colour, ...gypEnv } = process.env;
const run = spawnSync(cmd, args, { cwd: gypRoot, stdio: ['ignore', 'inherit', 'inherit'], env: gypEnv });
if (run.status !== 0 || !existsSync(addon)) {
  skip(`node-gyp ${args.slice(pre.length).join(' ')} failed (exit ${run.status ?? run.signal}); see the output above`);
}
console.log(`@disco/tensor-native: built ${addon}`);
