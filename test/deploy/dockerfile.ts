/**
 * Just enough of Docker to check our Dockerfiles without an engine: the instruction parser
 * (comments, line continuations, JSON or shell form), build stages with their `ARG` defaults
 * substituted into `FROM`, and `.dockerignore` matching as BuildKit does it (patterns in order,
 * the last match wins, a pattern matching a parent directory matches everything under it,
 * `!` re-includes, `**` spans directories).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface Instruction {
  keyword: string;
  /** Raw arguments after the keyword (continuations joined). */
  args: string;
  /** The exec-form array when the arguments are JSON, e.g. ENTRYPOINT ["node", ...]. */
  json?: string[];
  line: number;
}

export interface Stage {
  image: string;
  name?: string;
  instructions: Instruction[];
}

export function parseDockerfile(text: string): { globalArgs: Map<string, string>; stages: Stage[] } {
  const instructions: Instruction[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const first = lines[i].trim();
    if (first === '' || first.startsWith('#')) continue;
    const start = i;
    let joined = first;
    while (joined.endsWith('\\') && i + 1 < lines.length) {
      joined = joined.slice(0, -1);
      i++;
      const next = lines[i].trim();
      if (!next.startsWith('#')) joined += ' ' + next;
    }
    const m = /^(\w+)\s+([^]*)$/.exec(joined);
    if (!m) throw new Error(`line ${start + 1}: not an instruction: ${joined}`);
    const args = m[2].trim();
    let json: string[] | undefined;
    if (args.startsWith('[')) {
      try {
        json = JSON.parse(args) as string[];
      } catch {
        json = undefined;
      }
    }
    instructions.push({ keyword: m[1].toUpperCase(), args, json, line: start + 1 });
  }
  const globalArgs = new Map<string, string>();
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'ARG' && stages.length === 0) {
      const [name, value = ''] = ins.args.split('=', 2);
      globalArgs.set(name, value);
    } else if (ins.keyword === 'FROM') {
      const parts = ins.args.split(/\s+/).filter((p) => !p.startsWith('--'));
      const image = parts[0].replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a?: string, b?: string) => globalArgs.get((a ?? b)!) ?? '');
      const as = parts.findIndex((p) => p.toUpperCase() === 'AS');
      stages.push({ image, name: as >= 0 ? parts[as + 1] : undefined, instructions: [] });
    } else {
      if (stages.length === 0) throw new Error(`line ${ins.line}: ${ins.keyword} before the first FROM`);
      stages[stages.length - 1].instructions.push(ins);
    }
  }
  return { globalArgs, stages };
}

/** `pattern` (Docker/Go filepath.Match syntax plus `**`) as a RegExp over slash paths. */
function patternRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') {
      i++;
      if (pattern[i + 1] === '/') {
        i++;
        re += '(?:.*/)?';
      } else re += '.*';
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export class DockerIgnore {
  private readonly rules: { exclude: boolean; re: RegExp }[];

  constructor(text: string) {
    this.rules = text
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'))
      .map((l) => {
        const exclude = !l.startsWith('!');
        const p = (exclude ? l : l.slice(1)).trim().replace(/^\/+/, '').replace(/\/+$/, '');
        return { exclude, re: patternRegExp(p) };
      });
  }

  /** Whether the context path (relative, slash-separated) is left out of the build context. */
  excludes(path: string): boolean {
    const parts = path.split('/');
    const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let excluded = false;
    for (const rule of this.rules) if (prefixes.some((p) => rule.re.test(p))) excluded = rule.exclude;
    return excluded;
  }
}

/** Every file under `root` the build context would hold (skipping directories the ignore file drops whole). */
export function contextFiles(root: string, ignore: DockerIgnore): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, e.name);
      const rel = relative(root, full).split('\\').join('/');
      if (e.isDirectory()) {
        // A dropped directory can still hold re-included paths, so only prune the big ones.
        if (['node_modules', '.git'].includes(e.name) && ignore.excludes(rel)) continue;
        walk(full);
      } else if (!ignore.excludes(rel)) out.push(rel);
    }
  };
  walk(root);
  return out;
}

export function readDockerfile(path: string): ReturnType<typeof parseDockerfile> {
  return parseDockerfile(readFileSync(path, 'utf8'));
}
