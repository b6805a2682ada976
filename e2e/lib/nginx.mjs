// Debian's nginx in front of several portals, with the configuration docs/deploy.md gives
// (docs/nginx.conf), its ${...} filled in with loopback addresses.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort, listening, stopped } from './net.mjs';

const TEMPLATE = new URL('../../docs/nginx.conf', import.meta.url);

/// `upstreams`: the portals' `http://127.0.0.1:PORT` addresses. nginx's workers run as `nobody`,
/// so `dir` must be one they can enter.
export async function startNginx(dir, upstreams) {
  const logs = path.join(dir, 'nginx');
  fs.mkdirSync(logs, { mode: 0o755 });
  const port = await freePort();
  const [a, b] = upstreams.map((u) => new URL(u).host);
  const config = fs.readFileSync(TEMPLATE, 'utf8')
    .replaceAll('${LOGS}', logs).replaceAll('${PORTAL_A}', a).replaceAll('${PORTAL_B}', b)
    .replaceAll('${LISTEN}', `127.0.0.1:${port}`);
  const unfilled = config.match(/\$\{[A-Z_]+\}/);
  if (unfilled) throw new Error(`docs/nginx.conf has ${unfilled[0]}, which the test does not fill`);
  const file = path.join(logs, 'nginx.conf');
  fs.writeFileSync(file, config);
  const child = spawn('nginx', ['-e', path.join(logs, 'error.log'), '-p', logs, '-c', file, '-g', 'daemon off;'],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  const log = [];
  child.stderr.on('data', (d) => log.push(String(d)));
  await listening(port, child, 'nginx', () => log.join('') + readIfThere(path.join(logs, 'error.log')));
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => stopped(child, 'SIGQUIT'),
  };
}

function readIfThere(file) {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
}
