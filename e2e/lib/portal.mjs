// Starts a reference portal with a fresh database on a free loopback port, for one test.
import { spawn, execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { freePort, listening, stopAtExit, stopped } from './net.mjs';
import { startNginx } from './nginx.mjs';
import { postgres } from './postgres.mjs';
import { NEW_INFORMATION_TOPIC, onHelios, startHelios } from './helios.mjs';

/// The Synthea patients the portal was given, with the sign-in made for each.
export const syntheaUsers = [];

/// Loads every Synthea Bundle (with the portal's `load` command, or into the record server as the
/// hospital would) and adds a sign-in for each patient.
async function loadSynthea(bin, db, env, helios) {
  const folder = process.env.CAREFRONT_SYNTHEA;
  if (!folder || !fs.existsSync(folder)) throw new Error('CAREFRONT_SYNTHEA must name the generated Bundles (run through `cargo xtask test`)');
  syntheaUsers.length = 0;
  const files = fs.readdirSync(folder).filter((f) => f.endsWith('.json')).sort();
  for (const [i, file] of files.entries()) {
    const patient = helios
      ? (await helios.load(fs.readFileSync(path.join(folder, file))))[0]
      : execFileSync(bin, ['load', path.join(folder, file), '--db', db], { encoding: 'utf8', env }).match(/patients: (\S+)/)[1];
    const username = `synthea${i + 1}`;
    execFileSync(bin, ['user', 'add', '--username', username, '--patient', patient, '--db', db], { input: 'carefront-demo\n', env });
    syntheaUsers.push({ username, patient, file });
  }
}

/// A real SMTP server (aiosmtpd, PyPI) on loopback that keeps each message in a Maildir.
async function startSmtpSink(dir) {
  const port = await freePort();
  const maildir = path.join(dir, 'maildir');
  const child = spawn('python3', ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${port}`,
    '-c', 'aiosmtpd.handlers.Mailbox', maildir], { stdio: ['ignore', 'ignore', 'pipe'] });
  const log = [];
  child.stderr.on('data', (d) => log.push(String(d)));
  await listening(port, child, 'the SMTP server', () => log.join(''));
  return { port, child, folder: path.join(maildir, 'new') };
}

/// Where a portal keeps its data: a SQLite file in its folder, or (CAREFRONT_E2E_DB=postgres, or
/// a test that asks) a new database on the run's PostgreSQL cluster, with the secrets key every
/// portal on that database shares.
async function database(bin, dir, onPostgres) {
  if (!onPostgres) return { db: path.join(dir, 'portal.db'), env: process.env };
  const key = path.join(dir, 'secrets.key');
  execFileSync(bin, ['secrets-key', '--out', key]);
  return { db: (await postgres()).database(), env: { ...process.env, CAREFRONT_SECRETS_KEY_FILE: key } };
}

/// The portal's own key pair for the record server's authorization server, made once per folder.
function portalKey(bin, dir) {
  const key = path.join(dir, 'records-client.key.json');
  const jwks = path.join(dir, 'records-client.jwks.json');
  if (!fs.existsSync(key)) execFileSync(bin, ['professional', 'keygen', '--private', key, '--public', jwks]);
  return { key, jwks };
}

/// A portal, or with `cluster` two started together on one PostgreSQL database behind nginx (as
/// docs/deploy.md describes): `url` is then nginx's, and `portals` each portal's own. On the
/// gateway pass (CAREFRONT_E2E_RECORDS=helios) the record is on a Helios FHIR server of its own,
/// which the demo patients are written to as the portal starts; the portal reaches it with
/// SMART Backend Services tokens from the hospital's authorization server, under a key of its own.
export async function startPortal({ idleTimeout, synthea, benchReports, benchSignIns, benchConversations, config, smtp, requireSecondFactor, cluster, recordTokenSeconds, recordsTopic,
  postgres: onPostgres = cluster || process.env.CAREFRONT_E2E_DB === 'postgres', gateway = onHelios,
  bin = process.env.CAREFRONT_PORTAL } = {}) {
  const dist = process.env.CAREFRONT_DIST;
  if (!bin || !dist) throw new Error('CAREFRONT_PORTAL and CAREFRONT_DIST must be set (run through `cargo xtask test`)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'carefront-e2e-'));
  const { db, env: dbEnv } = await database(bin, dir, onPostgres);
  const helios = gateway ? await startHelios(dir, { portalJwks: portalKey(bin, dir).jwks, tokenSeconds: recordTokenSeconds, topic: recordsTopic }) : null;
  const env = helios ? {
    ...dbEnv,
    CAREFRONT_RECORDS_FROM: helios.url,
    CAREFRONT_RECORDS_CLIENT_ID: 'carefront-portal',
    CAREFRONT_RECORDS_KEY_FILE: portalKey(bin, dir).key,
    ...(recordsTopic ? { CAREFRONT_RECORDS_TOPIC: NEW_INFORMATION_TOPIC } : {}),
  } : dbEnv;
  try {
    if (synthea) await loadSynthea(bin, db, env, helios);
    if (benchReports || benchSignIns) {
      execFileSync(bin, ['bench-patient', '--reports', String(benchReports || 1), '--sign-ins', String(benchSignIns || 0),
        '--conversations', String(benchConversations || 0), '--db', db], { env });
    }
  } catch (e) {
    // Nothing a failed start began is left running to hold the test run open.
    await helios?.stop();
    throw e;
  }
  // Plain http on loopback: the browser tests use the development cookie flag, as the demo does.
  const sink = smtp ? await startSmtpSink(dir) : null;
  if (sink) stopAtExit(sink.child);
  const outbox = sink ? sink.folder : path.join(dir, 'outbox');
  const args = ['serve', '--bind', '127.0.0.1:0', '--db', db, '--static', dist, '--demo', '--dev-insecure-cookies',
    ...(sink ? ['--smtp-url', `smtp://127.0.0.1:${sink.port}`] : ['--outbox', outbox])];
  if (idleTimeout) args.push('--idle-timeout', String(idleTimeout));
  if (requireSecondFactor) args.push('--require-second-factor');
  if (config) {
    fs.writeFileSync(path.join(dir, 'portal.json'), JSON.stringify(config));
    args.push('--portal-config', path.join(dir, 'portal.json'));
  }
  if (cluster) {
    args.push('--trusted-proxy', '127.0.0.1/32');
    // nginx's workers (user nobody) keep large answers in files under the folder.
    fs.chmodSync(dir, 0o755);
  }
  // Started together, as a hospital's would be: they take turns at the migrations and the demo
  // patients are added once.
  const portals = await Promise.all(Array.from({ length: cluster ? 2 : 1 }, () => launch(bin, args, env)));
  const balancer = cluster ? await startNginx(dir, portals.map((p) => p.url)) : null;
  const url = balancer ? balancer.url : portals[0].url;
  return {
    url,
    portals,
    /// The record server, on the gateway pass.
    helios,
    /// Runs a `carefront-portal` command against this portal's database: { status, out }. A last
    /// argument `{ input }` is its standard input (a password, say).
    cli(...command) {
      const { input } = typeof command.at(-1) === 'object' ? command.pop() : {};
      const r = spawnSync(bin, [...command, '--db', db], { encoding: 'utf8', env, input });
      return { status: r.status, out: `${r.stdout}${r.stderr}` };
    },
    /// Registers a system for a demo organisation, with a key made for it: a client that reads
    /// as a professional through `carefront-portal professional read`, returning { status, out }.
    /// `messages`: the hospital's own system, answering patients' messages (`reply` with the
    /// words, `what` naming the message).
    professional(clientId, organisation, organisationName, { messages = false } = {}) {
      const key = path.join(dir, `${clientId}.key.json`);
      const jwks = path.join(dir, `${clientId}.jwks.json`);
      for (const command of [
        ['professional', 'keygen', '--private', key, '--public', jwks],
        ['professional', 'register', '--client-id', clientId, '--organisation', organisation,
          '--organisation-name', organisationName, '--jwks', jwks, ...(messages ? ['--messages'] : [])],
      ]) {
        const r = this.cli(...command);
        if (r.status !== 0) throw new Error(`${command.join(' ')}: ${r.out}`);
      }
      return ({ name, role, purpose, patient = 'demo-ann', what = 'AllergyIntolerance', scope, reply }) => this.cli('professional', 'read',
        '--portal', url, '--client-id', clientId, '--key', key, '--name', name, '--role', role,
        '--purpose', purpose, '--patient', patient, ...(scope ? ['--scope', scope] : []),
        ...(reply ? ['--reply', reply] : []), what);
    },
    /// The emails the portal has sent (into the outbox, or received by the SMTP server), as text.
    mail() {
      if (!fs.existsSync(outbox)) return [];
      return fs.readdirSync(outbox).filter((f) => sink || f.endsWith('.eml')).map((f) => fs.readFileSync(path.join(outbox, f), 'utf8'));
    },
    async stop() {
      if (sink && sink.child.exitCode === null) sink.child.kill('SIGTERM');
      await balancer?.stop();
      await Promise.all(portals.map((p) => p.kill('SIGTERM')));
      await helios?.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/// Starts `carefront-portal serve`, returning once it says where it listens: its `url`, and
/// `kill(signal)`, which waits for it to go.
async function launch(bin, args, env) {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
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
    child,
    kill: (signal) => stopped(child, signal),
  };
}
