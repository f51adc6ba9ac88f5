// Runs a Dockerfile's steps without a Docker engine: each stage gets its own directory standing in
// for the image's file system, COPY copies from the build context (minus .dockerignore) or from an
// earlier stage, RUN runs in the stage's WORKDIR with its ENV, on this machine's Node.js in place of
// the base image. What it proves: the files the Dockerfile copies are enough to install and bundle
// the app, and the final stage holds what the server needs to start. What it cannot: the base
// image itself, USER, and anything outside the stage directories.
import { cpSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import { sh } from './scratch-project.js';

export interface Instruction {
  op: string;
  args: string;
  line: number;
}

/** The instructions of a Dockerfile: comments dropped, `\` continuations joined. */
export function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending: Instruction | undefined;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (pending === undefined && (line === '' || line.startsWith('#'))) return;
    if (pending !== undefined && line.startsWith('#')) return;
    const continued = line.endsWith('\\');
    const body = continued ? line.slice(0, -1).trim() : line;
    if (pending === undefined) {
      const match = /^(\S+)\s*(.*)$/.exec(body)!;
      pending = { op: match[1]!.toUpperCase(), args: match[2]!, line: index + 1 };
    } else {
      pending.args = `${pending.args} ${body}`.trim();
    }
    if (!continued) {
      instructions.push(pending);
      pending = undefined;
    }
  });
  if (pending !== undefined) instructions.push(pending);
  return instructions;
}

export interface Stage {
  name: string | undefined;
  /** The directory standing in for the image's root. */
  root: string;
  workdir: string;
  env: Record<string, string>;
  entrypoint: string[];
  cmd: string[];
}

/** Where an absolute path of the image lies on this machine. */
export function inStage(stage: Stage, path: string): string {
  return join(stage.root, posix.resolve(stage.workdir, path));
}

/** Runs every stage; returns the last one, whose ENTRYPOINT and CMD start the image. */
export async function runDockerfile(dockerfile: string, context: string, scratch: string): Promise<Stage> {
  const ignored = dockerIgnore(context);
  const stages: Stage[] = [];
  let stage: Stage | undefined;
  for (const { op, args, line } of parseDockerfile(readFileSync(dockerfile, 'utf8'))) {
    const where = `${dockerfile}:${line}`;
    if (op === 'FROM') {
      const name = /\sAS\s+(\S+)$/i.exec(args)?.[1];
      stage = {
        name,
        root: join(scratch, `stage-${stages.length}`),
        workdir: '/',
        env: {},
        entrypoint: [],
        cmd: [],
      };
      mkdirSync(stage.root, { recursive: true });
      stages.push(stage);
      continue;
    }
    if (stage === undefined) throw new Error(`${where}: ${op} before FROM`);
    switch (op) {
      case 'WORKDIR':
        stage.workdir = posix.resolve(stage.workdir, args);
        mkdirSync(inStage(stage, '.'), { recursive: true });
        break;
      case 'ENV':
        for (const [, key, value] of args.matchAll(/(\w+)=(\S+)/g)) stage.env[key!] = value!;
        break;
      case 'COPY': {
        const words = args.split(/\s+/);
        const from = words[0]!.startsWith('--from=') ? words.shift()!.slice('--from='.length) : undefined;
        const dest = words.pop()!;
        const source = from === undefined ? undefined : stages.find((s) => s.name === from);
        if (from !== undefined && source === undefined) throw new Error(`${where}: no stage named ${from}`);
        for (const word of words) {
          const src = source === undefined ? join(context, word) : inStage(source, word);
          if (!existsSync(src)) throw new Error(`${where}: COPY ${word}: not in the build context`);
          const intoDir = dest.endsWith('/') || words.length > 1;
          const target =
            intoDir && !statSync(src).isDirectory()
              ? join(inStage(stage, dest), posix.basename(word))
              : inStage(stage, dest);
          cpSync(src, target, {
            recursive: true,
            filter: (path) => source !== undefined || !ignored(relative(context, path)),
          });
        }
        break;
      }
      case 'RUN':
        await sh('sh', ['-c', args], { cwd: inStage(stage, '.'), env: stage.env }).catch((error: Error) => {
          throw new Error(`${where}: ${error.message}`, { cause: error });
        });
        break;
      case 'ENTRYPOINT':
        stage.entrypoint = JSON.parse(args) as string[];
        break;
      case 'CMD':
        stage.cmd = JSON.parse(args) as string[];
        break;
      case 'USER':
      case 'EXPOSE':
        break;
      default:
        throw new Error(`${where}: ${op} is not handled here; teach dockerfile-run.ts what it means`);
    }
  }
  if (stage === undefined) throw new Error(`${dockerfile}: no FROM`);
  return stage;
}

/** A matcher for the context's .dockerignore patterns (`**` prefixes and plain names only). */
function dockerIgnore(context: string): (path: string) => boolean {
  const file = join(context, '.dockerignore');
  const patterns = existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '' && !line.startsWith('#'))
    : [];
  const tests = patterns.map((pattern) => {
    const anywhere = pattern.startsWith('**/');
    const body = (anywhere ? pattern.slice(3) : pattern)
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '[^/]*');
    return new RegExp(`${anywhere ? '(^|/)' : '^'}${body}(/|$)`);
  });
  return (path) => path !== '' && tests.some((test) => test.test(path));
}
