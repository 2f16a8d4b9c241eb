// Preloaded (node -r) into the processes bench/loading.ts measures: reports the process's CPU time
// and peak resident memory on stderr as it exits.
const { writeSync } = require('node:fs');
process.on('exit', () => {
  const usage = process.resourceUsage();
  writeSync(
    2,
    `\nUSAGE ${JSON.stringify({ cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000, maxRssKb: usage.maxRSS })}\n`,
  );
});
