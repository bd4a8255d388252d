import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP gate on 127.0.0.1 in front of a server: `close()` cuts every connection and refuses new ones
 * (the backend "dies") while the gate keeps its port, so a test can bring a backend back — even a new
 * one on another port — at the same address without reusing a port someone else may have taken.
 */
export class TcpGate {
  url = '';
  /** Connections refused while closed: proof that a client tried. */
  refused = 0;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private open = true;

  constructor(private target: number) {
    this.server = createServer((client) => {
      if (!this.open) {
        this.refused++;
        return void client.destroy();
      }
      const upstream = connect(this.target, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.server.unref(); // a gate left open must not keep a test process alive
    const { port } = this.server.address() as { port: number };
    return (this.url = `http://127.0.0.1:${port}`);
  }

  /** Cuts every connection and refuses new ones. */
  close(): void {
    this.open = false;
    for (const s of this.sockets) s.destroy();
  }

  /** Lets connections through again, to `target` (a backend's port) if given. */
  reopen(target = this.target): void {
    this.target = target;
    this.open = true;
  }

  async stop(): Promise<void> {
    this.close();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
