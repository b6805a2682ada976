// Loopback ports for the servers a test starts.
import net from 'node:net';

/// A free loopback port, found by listening on port 0 and letting it go.
export async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/// Waits until a server started as `child` takes connections on `port`; `log()` says why not.
export async function listening(port, child, what, log) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ready = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => { socket.end(); resolve(true); });
      socket.on('error', () => resolve(false));
    });
    if (ready) return;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${what} did not start: ${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/// Sends a server started as `child` this signal and waits until it has gone (at once if it
/// already has).
export async function stopped(child, signal) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await exited;
}

/// Stops a started server if the test run ends first, forgetting it once it has gone (so a run
/// of many tests does not pile up handlers).
export function stopAtExit(child) {
  const kill = () => child.kill();
  process.once('exit', kill);
  child.once('exit', () => process.off('exit', kill));
}
