// Preloaded (node -r) into both sides of the whole-process bench: reports the process's peak
// resident memory on stderr as it exits.
const { writeSync } = require('node:fs');
process.on('exit', () => writeSync(2, `\nMAXRSS_KB ${process.resourceUsage().maxRSS}\n`));
