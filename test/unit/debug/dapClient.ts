/** A small DAP client for tests: over a child's stdio (Content-Length framing) or inline with a session object. */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import type { DebugProtocol } from '@vscode/debugprotocol';

type Message = DebugProtocol.ProtocolMessage & Record<string, unknown>;

export class DapClient {
  private seq = 1;
  private readonly pending = new Map<number, (response: DebugProtocol.Response) => void>();
  readonly events: DebugProtocol.Event[] = [];
  private readonly waiters: Array<{
    test: (e: DebugProtocol.Event) => boolean;
    resolve: (e: DebugProtocol.Event) => void;
    from: number;
  }> = [];

  constructor(private readonly write: (message: Message) => void) {}

  receive(message: Message): void {
    if (message.type === 'response') {
      const response = message as unknown as DebugProtocol.Response;
      this.pending.get(response.request_seq)?.(response);
      this.pending.delete(response.request_seq);
    } else if (message.type === 'event') {
      const event = message as unknown as DebugProtocol.Event;
      this.events.push(event);
      for (const waiter of [...this.waiters]) {
        if (waiter.test(event)) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve(event);
        }
      }
    }
  }

  /** Sends a request; resolves with the response (success or not). */
  send<T extends DebugProtocol.Response = DebugProtocol.Response>(command: string, args?: unknown): Promise<T> {
    const seq = this.seq++;
    const response = new Promise<T>((resolve) => this.pending.set(seq, resolve as (r: DebugProtocol.Response) => void));
    this.write({ seq, type: 'request', command, arguments: args } as Message);
    return response;
  }

  /** Sends a request and fails the test when the adapter answers with an error. */
  async request<T extends DebugProtocol.Response = DebugProtocol.Response>(
    command: string,
    args?: unknown,
  ): Promise<T> {
    const response = await this.send<T>(command, args);
    if (!response.success)
      throw new Error(`${command} failed: ${response.message} ${JSON.stringify(response.body ?? {})}`);
    return response;
  }

  /** The next event of a kind (counting from now, or from `since` events ago), optionally matching. */
  waitForEvent<T extends DebugProtocol.Event = DebugProtocol.Event>(
    name: string,
    test: (e: T) => boolean = () => true,
    timeoutMs = 15000,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`timed out waiting for event '${name}'; got ${this.events.map((e) => e.event).join(', ')}`)),
        timeoutMs,
      );
      this.waiters.push({
        from: this.events.length,
        test: (e) => e.event === name && test(e as T),
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e as T);
        },
      });
    });
  }

  /** Console output so far, joined. */
  output(): string {
    return this.events
      .filter((e) => e.event === 'output')
      .map((e) => (e as DebugProtocol.OutputEvent).body.output)
      .join('');
  }
}

/** A client talking Content-Length framed JSON to a child process (`testmesh debug-adapter`). */
export function stdioClient(child: ChildProcessWithoutNullStreams): DapClient {
  const client = new DapClient((message) => {
    const json = JSON.stringify(message);
    child.stdin.write(`Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`);
  });
  let buffer = Buffer.alloc(0);
  child.stdout.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const headerEnd = buffer.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const header = buffer.subarray(0, headerEnd).toString('ascii');
      const length = Number(/Content-Length: (\d+)/i.exec(header)?.[1]);
      if (!Number.isFinite(length)) throw new Error(`bad DAP header from the adapter: ${header}`);
      if (buffer.length < headerEnd + 4 + length) return;
      const body = buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString('utf8');
      buffer = buffer.subarray(headerEnd + 4 + length);
      client.receive(JSON.parse(body) as Message);
    }
  });
  return client;
}

/** The inline shape VS Code uses (DebugAdapterInlineImplementation): handleMessage + onDidSendMessage. */
export interface InlineAdapter {
  handleMessage(message: DebugProtocol.ProtocolMessage): void;
  onDidSendMessage(listener: (message: DebugProtocol.ProtocolMessage) => void): { dispose(): void };
}

export function inlineClient(adapter: InlineAdapter): DapClient {
  const client = new DapClient((message) => setImmediate(() => adapter.handleMessage(message)));
  adapter.onDidSendMessage((message) => client.receive(message as Message));
  return client;
}
