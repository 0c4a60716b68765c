/**
 * Test-only preload for a trainer process (`NODE_OPTIONS=--import <this file>`): makes the
 * trainer freeze inside the write of one checkpoint so that the fault suite's SIGKILL lands in
 * the write window every time, not by luck. No trainer code knows about it: it wraps the
 * `node:fs` calls of `writeFileAtomic` (libs/models), which writes a checkpoint to
 * `checkpoints/step-N.safetensors.tmp-…`, fsyncs it and renames it into place.
 *
 * `FAULT_CHECKPOINT_BLOCK=<n>:<phase>` blocks at the n-th checkpoint file the process writes
 * (1-based):
 *   - `write`:  after half of its first tensor's bytes are written (a torn temporary file);
 *   - `rename`: after the whole file is written and fsynced, before the rename.
 * It prints `fault-hook: blocked <phase> <path>` on stderr (synchronous on a pipe), then the
 * main thread sleeps for 10 minutes; the test kills the process long before.
 *
 * Plain JavaScript: NODE_OPTIONS preloads run before tsx is registered.
 */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { isMainThread } from 'node:worker_threads';

const spec = process.env.FAULT_CHECKPOINT_BLOCK ?? '';
const match = /^(\d+):(write|rename)$/.exec(spec);
if (spec !== '' && !match) throw new Error(`FAULT_CHECKPOINT_BLOCK='${spec}': expected <n>:write or <n>:rename`);

if (match && isMainThread) {
  const nth = Number(match[1]);
  const phase = match[2];
  const TEMP = /[\\/]checkpoints[\\/]step-\d+\.safetensors\.tmp-/;
  let opened = 0;
  let target = { fd: -1, path: '', writes: 0 };

  const block = (path) => {
    process.stderr.write(`fault-hook: blocked ${phase} ${path}\n`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 600_000);
  };

  const { openSync, writeSync, renameSync } = fs;
  fs.openSync = function (path, ...rest) {
    const fd = openSync.call(fs, path, ...rest);
    if (TEMP.test(String(path)) && ++opened === nth) target = { fd, path: String(path), writes: 0 };
    return fd;
  };
  fs.writeSync = function (fd, buffer, ...rest) {
    // Writes to the file: the 8-byte header length, the JSON header, then the tensors.
    if (phase === 'write' && fd === target.fd && ++target.writes === 3) {
      const [offset = 0, length = buffer.byteLength - offset] = rest;
      writeSync.call(fs, fd, buffer, offset, Math.max(1, Math.floor(length / 2)));
      block(target.path);
    }
    return writeSync.call(fs, fd, buffer, ...rest);
  };
  fs.renameSync = function (from, to) {
    if (String(from) === target.path) {
      target.fd = -1;
      if (phase === 'rename') block(target.path);
    }
    return renameSync.call(fs, from, to);
  };
  syncBuiltinESMExports();
}
