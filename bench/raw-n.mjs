// The whole-process baseline: a plain Node script doing what an N-step bench flow does (N
// sequential keep-alive GETs with undici, each checking status and id and chaining `next` into
// the next URL), then exiting. Usage: node bench/raw-n.mjs <base-url> <n>
import { Agent, request } from 'undici';

const [base, count] = process.argv.slice(2);
const n = Number(count);
if (!base || !Number.isInteger(n) || n < 1) {
  console.error('usage: node bench/raw-n.mjs <base-url> <n>');
  process.exit(2);
}
const agent = new Agent({ keepAliveTimeout: 10_000 });
let next = 0;
for (let i = 0; i < n; i++) {
  const res = await request(`${base}/items/${next}`, { dispatcher: agent });
  const body = await res.body.json();
  if (res.statusCode !== 200 || body.id !== i) {
    console.log(`FAILED at ${i}: ${res.statusCode} ${JSON.stringify(body)}`);
    process.exit(1);
  }
  next = body.next;
}
console.log(`ok ${n} requests`);
await agent.close();
