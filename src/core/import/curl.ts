/**
 * curl commands -> the steps of one flow. Reads the options people paste from documentation and
 * browsers (`-X -H -d --data-raw --data-binary --data-urlencode -F -u -b --json -G --url -A -e
 * -I -m --oauth2-bearer`, bundled short flags like `-sSL`, `-XPOST`), skips the ones that only
 * change curl's own output, and lists any other option as not translated.
 */
import { headerValue, hasHeader, setHeader } from './headers';
import { MAX_STEPS_PER_FLOW } from './limits';
import { ImportError, singleFlowResult, type ImportedRequest, type ImportedStep, type ImportResult } from './model';
import { stepIdFrom, UniqueNames } from './naming';
import { protectBody, protectHeader, protectUrl, VariableSink } from './secretValues';
import { splitCommands } from './curlWords';

/** Options that take a value and change the request. */
const VALUE_OPTIONS: Record<string, string> = {
  '-X': 'request',
  '--request': 'request',
  '-H': 'header',
  '--header': 'header',
  '-d': 'data',
  '--data': 'data',
  '--data-ascii': 'data',
  '--data-raw': 'data-raw',
  '--data-binary': 'data-binary',
  '--data-urlencode': 'data-urlencode',
  '--json': 'json',
  '-F': 'form',
  '--form': 'form',
  '--form-string': 'form',
  '-u': 'user',
  '--user': 'user',
  '-b': 'cookie',
  '--cookie': 'cookie',
  '--url': 'url',
  '-A': 'user-agent',
  '--user-agent': 'user-agent',
  '-e': 'referer',
  '--referer': 'referer',
  '-m': 'max-time',
  '--max-time': 'max-time',
  '--oauth2-bearer': 'bearer',
  '-T': 'upload',
  '--upload-file': 'upload',
};

/** Options without a value that do not change what is sent (output, progress, TLS checks, redirects). */
const IGNORED_FLAGS = new Set([
  '-s',
  '--silent',
  '-S',
  '--show-error',
  '-v',
  '--verbose',
  '-i',
  '--include',
  '-L',
  '--location',
  '-k',
  '--insecure',
  '--compressed',
  '-f',
  '--fail',
  '--fail-with-body',
  '-g',
  '--globoff',
  '-#',
  '--progress-bar',
  '-N',
  '--no-buffer',
  '--http1.1',
  '--http2',
  '--http2-prior-knowledge',
  '-4',
  '-6',
  '--no-progress-meter',
  '-j',
  '--junk-session-cookies',
  '-O',
  '--remote-name',
  '-J',
  '--remote-header-name',
  '-q',
  '--disable',
  '--raw',
  '--tr-encoding',
  '--no-keepalive',
  '--path-as-is',
  '--ssl-no-revoke',
]);

/** Options with a value that do not change what is sent; the value is skipped. */
const IGNORED_VALUE_OPTIONS = new Set([
  '-o',
  '--output',
  '-w',
  '--write-out',
  '--connect-timeout',
  '--retry',
  '--retry-delay',
  '--retry-max-time',
  '-c',
  '--cookie-jar',
  '--limit-rate',
  '--max-redirs',
  '-D',
  '--dump-header',
  '--trace',
  '--trace-ascii',
  '--stderr',
  '--cacert',
  '--capath',
  '--resolve',
  '--connect-to',
  '--interface',
  '--dns-servers',
]);

/** Options whose effect a flow step cannot express; their value is skipped and they are listed. */
const UNSUPPORTED_VALUE_OPTIONS = new Set([
  '-x',
  '--proxy',
  '-E',
  '--cert',
  '--key',
  '--pass',
  '-K',
  '--config',
  '-U',
  '--proxy-user',
  '-r',
  '--range',
  '--aws-sigv4',
  '--digest',
  '--ntlm',
  '--negotiate',
]);

const SHORT_WITH_VALUE = new Set([
  'X',
  'H',
  'd',
  'F',
  'u',
  'b',
  'A',
  'e',
  'm',
  'T',
  'o',
  'w',
  'c',
  'D',
  'x',
  'E',
  'K',
  'U',
  'r',
]);
const SHORT_FLAGS = new Set(['s', 'S', 'v', 'i', 'L', 'k', 'f', 'g', '#', 'N', '4', '6', 'j', 'O', 'J', 'q', 'G', 'I']);

interface ParsedCurl {
  request: ImportedRequest;
  notes: string[];
}

/** Expands `-sSLX POST` and `-XPOST` into separate words. */
function expandShort(word: string): string[] {
  if (word.length < 3 || !/^-[A-Za-z0-9#]/.test(word) || word.startsWith('--')) return [word];
  const out: string[] = [];
  for (let i = 1; i < word.length; i++) {
    const flag = word[i];
    if (SHORT_WITH_VALUE.has(flag)) {
      out.push(`-${flag}`);
      if (i + 1 < word.length) out.push(word.slice(i + 1));
      return out;
    }
    if (!SHORT_FLAGS.has(flag)) return [word];
    out.push(`-${flag}`);
  }
  return out;
}

function looksJson(text: string): boolean {
  const t = text.trim();
  return (t.startsWith('{') && t.endsWith('}')) || (t.startsWith('[') && t.endsWith(']'));
}

function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** One curl command's words (without `curl`) -> a request. */
function parseCurlWords(words: readonly string[], sink: VariableSink, where: string): ParsedCurl {
  const headers: Record<string, string> = {};
  const notes: string[] = [];
  const data: string[] = [];
  let method: string | undefined;
  let url: string | undefined;
  let get = false;
  let head = false;
  let jsonBody = false;
  let timeout: string | undefined;
  const expanded = words.flatMap(expandShort);
  for (let i = 0; i < expanded.length; i++) {
    let word = expanded[i];
    let attached: string | undefined;
    if (word.startsWith('--') && word.includes('=')) {
      const eq = word.indexOf('=');
      if (VALUE_OPTIONS[word.slice(0, eq)] || IGNORED_VALUE_OPTIONS.has(word.slice(0, eq))) {
        attached = word.slice(eq + 1);
        word = word.slice(0, eq);
      }
    }
    const value = () => {
      if (attached !== undefined) return attached;
      if (i + 1 >= expanded.length) throw new ImportError(`${where}: ${word} needs a value`);
      return expanded[++i];
    };
    const kind = VALUE_OPTIONS[word];
    if (kind) {
      const v = value();
      switch (kind) {
        case 'request':
          method = v.toUpperCase();
          break;
        case 'header': {
          if (v.startsWith('@')) {
            notes.push(`${word} ${v} (headers read from a file)`);
            break;
          }
          const colon = v.indexOf(':');
          const semi = v.indexOf(';');
          if (colon > 0) {
            const name = v.slice(0, colon).trim();
            const text = v.slice(colon + 1).trim();
            // `-H 'Name:'` removes a header curl would send; nothing to send here.
            if (text !== '') setHeader(headers, name, protectHeader(name, text, sink, where));
          } else if (semi > 0 && semi === v.length - 1) setHeader(headers, v.slice(0, semi).trim(), '');
          else notes.push(`${word} ${JSON.stringify(v)} (not a 'Name: value' header)`);
          break;
        }
        case 'data':
        case 'data-binary':
          if (v.startsWith('@')) notes.push(`${word} ${v} (the body is read from a file)`);
          else data.push(v);
          break;
        case 'data-raw':
          data.push(v);
          break;
        case 'data-urlencode': {
          const eq = v.indexOf('=');
          if (v.startsWith('@') || (eq < 0 && v.includes('@'))) notes.push(`${word} ${v} (read from a file)`);
          else if (eq < 0) data.push(encodeURIComponent(v));
          else if (eq === 0) data.push(encodeURIComponent(v.slice(1)));
          else data.push(`${v.slice(0, eq)}=${encodeURIComponent(v.slice(eq + 1))}`);
          break;
        }
        case 'json':
          if (v.startsWith('@')) notes.push(`${word} ${v} (the body is read from a file)`);
          else data.push(v);
          jsonBody = true;
          break;
        case 'form':
          notes.push(`${word} ${JSON.stringify(v)} (multipart form fields: http_request sends JSON or text bodies)`);
          break;
        case 'user': {
          const basic = Buffer.from(v.includes(':') ? v : `${v}:`, 'utf8').toString('base64');
          setHeader(headers, 'Authorization', protectHeader('Authorization', `Basic ${basic}`, sink, where));
          break;
        }
        case 'cookie':
          if (v.includes('=')) setHeader(headers, 'Cookie', protectHeader('Cookie', v, sink, where));
          else notes.push(`${word} ${v} (cookies read from a file)`);
          break;
        case 'url':
          url = v;
          break;
        case 'user-agent':
          setHeader(headers, 'User-Agent', v);
          break;
        case 'referer':
          setHeader(headers, 'Referer', v);
          break;
        case 'max-time': {
          const seconds = Number(v);
          if (Number.isFinite(seconds) && seconds > 0)
            timeout = Number.isInteger(seconds) ? `${seconds}s` : `${Math.ceil(seconds * 1000)}ms`;
          else notes.push(`${word} ${v} (not a number of seconds)`);
          break;
        }
        case 'bearer':
          setHeader(headers, 'Authorization', protectHeader('Authorization', `Bearer ${v}`, sink, where));
          break;
        case 'upload':
          notes.push(`${word} ${v} (uploads a file)`);
          method ??= 'PUT';
          break;
      }
      continue;
    }
    if (word === '-G' || word === '--get') {
      get = true;
      continue;
    }
    if (word === '-I' || word === '--head') {
      head = true;
      continue;
    }
    if (IGNORED_FLAGS.has(word)) continue;
    if (IGNORED_VALUE_OPTIONS.has(word)) {
      if (attached === undefined) i++;
      continue;
    }
    if (UNSUPPORTED_VALUE_OPTIONS.has(word)) {
      notes.push(`${word} ${attached ?? expanded[++i] ?? ''}`.trim());
      continue;
    }
    if (word.startsWith('-') && word.length > 1) {
      notes.push(`${word} (unknown curl option)`);
      continue;
    }
    if (url === undefined) url = word;
    else notes.push(`${JSON.stringify(word)} (a second URL; one step per command)`);
  }
  if (url === undefined) throw new ImportError(`${where}: no URL in the curl command`);
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url) && !url.startsWith('${') && !url.startsWith('{{')) url = `http://${url}`;
  const body = data.join('&');
  let requestBody: unknown;
  if (get && data.length) {
    url += (url.includes('?') ? '&' : '?') + body;
  } else if (data.length) {
    const type = headerValue(headers, 'content-type');
    if (jsonBody) {
      if (!type) setHeader(headers, 'Content-Type', 'application/json');
      if (!hasHeader(headers, 'accept')) setHeader(headers, 'Accept', 'application/json');
    } else if (!type) setHeader(headers, 'Content-Type', 'application/x-www-form-urlencoded');
    const isJson = jsonBody || (headerValue(headers, 'content-type') ?? '').includes('json');
    requestBody = isJson && looksJson(body) ? parseJsonBody(body) : body;
    requestBody = protectBody(requestBody, sink, where);
  }
  const finalMethod = method ?? (head ? 'HEAD' : get ? 'GET' : data.length ? 'POST' : 'GET');
  const request: ImportedRequest = { method: finalMethod, url: protectUrl(url, sink, where), headers };
  if (requestBody !== undefined) request.body = requestBody;
  if (timeout) request.timeout = timeout;
  return { request, notes };
}

/** A readable step name for a request: `POST /users`. */
function requestName(method: string, url: string): string {
  let path = url.replace(/^(?:[a-z][a-z0-9+.-]*:\/\/[^/?#]*|\$\{[^}]*\}|\{\{[^}]*\}\})/i, '');
  path = path.replace(/[?#].*$/, '') || '/';
  return `${method} ${path}`;
}

/** Whether a text holds at least one curl command. */
export function looksLikeCurl(text: string): boolean {
  return /^\s*(?:\$\s*)?curl(?:\.exe)?\s/im.test(text.slice(0, 64 * 1024));
}

/** Imports one or more curl commands as the steps of one flow. */
export function importCurl(text: string, title = 'Imported curl commands'): ImportResult {
  const sink = new VariableSink();
  const ids = new UniqueNames();
  const steps: ImportedStep[] = [];
  const notTranslated: string[] = [];
  const commands = splitCommands(text).map((words) => (words[0] === '$' ? words.slice(1) : words));
  let index = 0;
  for (const words of commands) {
    if (!/^curl(\.exe)?$/i.test(words[0] ?? '')) continue;
    index++;
    if (steps.length >= MAX_STEPS_PER_FLOW)
      throw new ImportError(`more than ${MAX_STEPS_PER_FLOW} curl commands; split the input`);
    const where = `curl command ${index}`;
    const { request, notes } = parseCurlWords(words.slice(1), sink, where);
    // Shell variables of the command (`$BASE_URL`) became placeholders: the environment names them.
    for (const m of JSON.stringify(request).matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g))
      if (!sink.has(m[1])) sink.plain(m[1], '', `a shell variable in ${where}`);
    const name = requestName(request.method, request.url);
    steps.push({ id: ids.take(stepIdFrom(name)), name, request, assert: [], output: {}, notes });
    for (const note of notes) notTranslated.push(`${where}: ${note}`);
  }
  if (steps.length === 0) throw new ImportError('no curl command found (a line must start with "curl")');
  return singleFlowResult('curl', title, steps, sink.list(), notTranslated);
}
