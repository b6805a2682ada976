// Starts a reference portal with a fresh database on a free loopback port, for one test.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

export async function startPortal({ idleTimeout } = {}) {
  const bin = process.env.CAREFRONT_PORTAL;
  const dist = process.env.CAREFRONT_DIST;
  if (!bin || !dist) throw new Error('CAREFRONT_PORTAL and CAREFRONT_DIST must be set (run through `cargo xtask test`)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carefront-e2e-'));
  const args = ['serve', '--bind', '127.0.0.1:0', '--db', path.join(dir, 'portal.db'), '--static', dist, '--demo'];
  if (idleTimeout) args.push('--idle-timeout', String(idleTimeout));
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = [];
  child.stderr.on('data', (d) => log.push(String(d)));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`portal did not start: ${log.join('')}`)), 30_000);
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      log.push(line);
      const m = line.match(/listening on (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`portal exited (${code}): ${log.join('\n')}`)));
  });
  return {
    url,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
