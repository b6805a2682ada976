// The throwaway PostgreSQL cluster (the workspace's `throwaway-postgres` program): one per run,
// started when a test first needs it, stopped and started again by tests of a database that goes
// away, and gone with its folder when the run ends.
import { spawn } from 'node:child_process';
import readline from 'node:readline';

let cluster = null;

export function postgres() {
  cluster ??= start();
  return cluster;
}

/// Ends the cluster, if one was started.
export async function endPostgres() {
  if (!cluster) return;
  const { child } = await cluster;
  cluster = null;
  const exited = new Promise((r) => child.once('exit', r));
  child.stdin.end();
  await exited;
}

async function start() {
  const bin = process.env.CAREFRONT_POSTGRES;
  if (!bin) throw new Error('CAREFRONT_POSTGRES must name the throwaway-postgres program (run through `cargo xtask test`)');
  const child = spawn(bin, [], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const said = async (expected) => {
    const { value, done } = await lines.next();
    if (done || (expected && value !== expected)) throw new Error(`throwaway-postgres said ${done ? 'nothing' : value}, not ${expected ?? 'its address'}`);
    return value;
  };
  const base = await said();
  let made = 0;
  return {
    child,
    /// The address of a database not made yet: the portal makes it.
    database() {
      made += 1;
      return `${base}e2e_${made}`;
    },
    /// The database server goes away (fast shutdown: open connections are cut); the data stays.
    async stopServer() {
      child.stdin.write('stop\n');
      await said('stopped');
    },
    async startServer() {
      child.stdin.write('start\n');
      await said('ready');
    },
  };
}
