import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP gate on 127.0.0.1 in front of a server. `close()` cuts every connection and refuses new ones
 * (the backend "dies"); `freeze()` keeps every connection open but lets nothing through, and holds new
 * ones (a hung server, or a proxy black-holing traffic). The gate keeps its port throughout, so a
 * test can bring a backend back — even a new one on another port — at the same address.
 */
export class TcpGate {
  url = '';
  /** Connections refused while closed: proof that a client tried. */
  refused = 0;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly pairs = new Set<[Socket, Socket]>();
  private readonly held = new Set<Socket>();
  private open = true;
  private frozen = false;
  private dropping = 0;

  constructor(private target: number) {
    this.server = createServer((client) => {
      if (!this.open || (this.dropping > 0 && this.dropping--)) {
        this.refused++;
        return void client.destroy();
      }
      this.track(client);
      if (this.frozen) this.held.add(client);
      else this.join(client);
    });
  }

  /** Connections held while frozen: proof that a client is waiting on the server. */
  get holding(): number {
    return this.held.size;
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

  /** The next `n` connections are cut as they arrive (a passing failure: a dropped connection), not the ones after. */
  drop(n: number): void {
    this.dropping = n;
  }

  /** Nothing passes any more, in either direction, and nothing is closed: silence. */
  freeze(): void {
    this.frozen = true;
    for (const [client, upstream] of this.pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
  }

  /** Traffic flows again, including what waited. */
  thaw(): void {
    this.frozen = false;
    for (const [client, upstream] of this.pairs) {
      client.pipe(upstream);
      upstream.pipe(client);
    }
    for (const client of this.held) this.join(client);
    this.held.clear();
  }

  async stop(): Promise<void> {
    this.close();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private track(s: Socket): void {
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
    s.on('error', () => undefined);
  }

  private join(client: Socket): void {
    const upstream = connect(this.target, '127.0.0.1');
    this.track(upstream);
    const pair: [Socket, Socket] = [client, upstream];
    this.pairs.add(pair);
    client.pipe(upstream).pipe(client);
    client.on('close', () => (upstream.destroy(), this.pairs.delete(pair)));
    upstream.on('close', () => client.destroy());
  }
}
