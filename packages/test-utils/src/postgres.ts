import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian keeps the server binaries out of PATH, under /usr/lib/postgresql/VERSION/bin. */
function bin(name: string): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const version of versions) if (existsSync(join(root, version, 'bin', name))) return join(root, version, 'bin', name);
  return name; // on PATH elsewhere
}

/** A port free right now on 127.0.0.1 (the kernel picks it). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The PostgreSQL server refuses to run as root: as root, its commands run as the `postgres` user. */
function run(file: string, args: string[], owner?: { uid: number; gid: number }): void {
  const command = owner ? ['runuser', ['-u', 'postgres', '--', file, ...args]] as const : ([file, args] as const);
  execFileSync(command[0], command[1], { stdio: 'pipe' });
}

function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const entry = execFileSync('getent', ['passwd', 'postgres'], { encoding: 'utf8' }).split(':');
  return { uid: Number(entry[2]), gid: Number(entry[3]) };
}

export interface ThrowawayPostgres {
  /** `postgres://switchyard@127.0.0.1:PORT/switchyard`: trust auth, loopback only. */
  readonly url: string;
  readonly port: number;
  /** Stops the server at once (`immediate`: connections drop, as in a crash); the data stays. Nothing if halted. */
  halt(): void;
  /** Starts the halted server again on the same port (nothing if it runs). */
  resume(): void;
  /** Stops the server at once and deletes the cluster. */
  stop(): Promise<void>;
}

/**
 * A real PostgreSQL cluster for one test file: `initdb` into a temporary directory, `pg_ctl start` on
 * a random loopback port (socket in the same directory), deleted by `stop()`. Run as the `postgres`
 * user when the tests run as root.
 */
export async function startPostgres(): Promise<ThrowawayPostgres> {
  const owner = postgresUser();
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-pg-'));
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const data = join(dir, 'data');
  run(bin('initdb'), ['-D', data, '-U', 'switchyard', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C'], owner);
  let port = 0;
  let halted = false;
  const start = () => run(bin('pg_ctl'), ['-D', data, '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, '-l', join(dir, 'log'), '-w', '-t', '30', 'start'], owner);
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    try {
      start();
      break;
    } catch (e) {
      if (attempt >= 3) throw e; // the port was taken between picking and binding: pick again
    }
  }
  run(bin('createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'switchyard', 'switchyard'], owner);
  return {
    url: `postgres://switchyard@127.0.0.1:${port}/switchyard`,
    port,
    halt: () => {
      if (halted) return;
      run(bin('pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop'], owner);
      halted = true;
    },
    resume: () => {
      if (!halted) return;
      start();
      halted = false;
    },
    stop: async () => {
      try {
        if (!halted) run(bin('pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop'], owner);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
