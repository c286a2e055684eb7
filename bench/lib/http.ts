/** Sequential real HTTP requests over one keep-alive connection (node:http, no extra client library). */
import http from 'node:http';
import { nowMs } from './stats.ts';

export class Client {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  constructor(
    private readonly port: number,
    private readonly headers: Record<string, string> = {},
  ) {}

  /** GETs a path; resolves with the status and the body size once the whole body has arrived. */
  get(path: string): Promise<{ status: number; bytes: number }> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: this.port, path, method: 'GET', agent: this.agent, headers: this.headers },
        (res) => {
          let bytes = 0;
          res.on('data', (c: Buffer) => (bytes += c.length));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  /** Times `n` requests after `warmup` unmeasured ones; paths cycle through `paths`. Fails on a non-200. */
  async run(
    paths: readonly string[],
    n: number,
    warmup: number,
  ): Promise<{ samples: number[]; bytes: number }> {
    const samples: number[] = [];
    let bytes = 0;
    for (let i = 0; i < warmup + n; i++) {
      const path = paths[i % paths.length] as string;
      const t0 = nowMs();
      const res = await this.get(path);
      const ms = nowMs() - t0;
      if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}`);
      if (i >= warmup) {
        samples.push(ms);
        bytes += res.bytes;
      }
    }
    return { samples, bytes: bytes / Math.max(1, n) };
  }

  close(): void {
    this.agent.destroy();
  }
}
