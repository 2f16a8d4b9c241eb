// The CLI-startup baseline: a plain Node script doing what a 1-step flow does (one keep-alive
// request with undici, check status and id), then exiting. Usage: node bench/raw-one.mjs <url>
import { Agent, request } from 'undici';

const url = process.argv[2];
if (!url) {
  console.error('usage: node bench/raw-one.mjs <url>');
  process.exit(2);
}
const agent = new Agent({ keepAliveTimeout: 10_000 });
const res = await request(url, { dispatcher: agent });
const body = await res.body.json();
const ok = res.statusCode === 200 && body.id === 0;
console.log(ok ? `ok ${res.statusCode} id=${body.id}` : `FAILED ${res.statusCode} ${JSON.stringify(body)}`);
await agent.close();
process.exitCode = ok ? 0 : 1;
