/** What a result was measured on: CPU, cores, SIMD, memory, and the software on both sides. */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { BackendInfo } from '@disco/tensor';
import type { TorchProbe } from './python.ts';

export interface Machine {
  cpu_model: string;
  /** x86 `cpu family` / `model` numbers from /proc/cpuinfo (VMs often hide the model name). */
  cpu_family_model: string;
  /** Logical CPUs the OS shows this process. */
  cores: number;
  cpu_mhz: number;
  /** The SIMD extensions of interest that the CPU reports (x86 flags). */
  simd: string[];
  memory_gib: number;
  os: string;
  node: string;
  tfjs: string;
  backend: string;
  /** Threads our backend computes with (wasm under Node: 1). */
  backend_threads: number;
  backend_simd: boolean;
  torch: string | null;
  torchvision: string | null;
  /** `torch.set_num_threads` used for the PyTorch side. */
  torch_threads: number | null;
}

const SIMD_FLAGS = ['sse4_2', 'avx', 'avx2', 'fma', 'avx512f', 'avx512_bf16', 'avx512_vnni', 'amx_tile', 'neon', 'asimd'];

/** The value of the first `/proc/cpuinfo` line whose key matches, or '' (not Linux, no such line). */
function cpuinfo(key: RegExp): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => key.test(l.split(':')[0].trim()));
    return line?.split(':')[1]?.trim() ?? '';
  } catch {
    return '';
  }
}

/** The 1-minute load average (0 where the OS has none): other work on a shared machine skews timings. */
export function loadAverage(): number {
  return Math.round(os.loadavg()[0] * 100) / 100;
}

export function describeMachine(backend: BackendInfo, torch: TorchProbe | undefined, torchThreads: number | null): Machine {
  const cpus = os.cpus();
  const flags = new Set(cpuinfo(/^(flags|Features)$/).split(/\s+/));
  return {
    cpu_model: cpus[0]?.model.trim() ?? 'unknown',
    cpu_family_model: `family ${cpuinfo(/^cpu family$/) || '?'} model ${cpuinfo(/^model$/) || '?'}`,
    cores: cpus.length,
    cpu_mhz: cpus[0]?.speed || Math.round(Number(cpuinfo(/^cpu MHz$/)) || 0),
    simd: SIMD_FLAGS.filter((f) => flags.has(f)),
    memory_gib: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    tfjs: backend.tfjsVersion,
    backend: backend.name,
    backend_threads: backend.threads,
    backend_simd: backend.simd,
    torch: torch?.available ? torch.torch : null,
    torchvision: torch?.available ? torch.torchvision : null,
    torch_threads: torch?.available ? torchThreads : null,
  };
}
