/** One entry for every importer: detects the format (unless told) and translates the text. */
import { importCurl } from './curl';
import { formatOfDocument, detectFormat } from './detect';
import { checkSize, parseDocumentText } from './documentText';
import { importHar } from './har';
import { importOpenApi } from './openapi';
import { importPostman } from './postman';
import { ImportError, IMPORT_FORMATS, type ImportFormat, type ImportOptions, type ImportResult } from './model';

export interface ImportRequest extends ImportOptions {
  text: string;
  /** Name of the file the text came from (format hints, titles). */
  fileName?: string;
  /** The format, when the user named it. */
  from?: ImportFormat;
}

/** A title from a file name: `petstore.postman_collection.json` -> `petstore`. */
function titleFromFileName(fileName: string | undefined): string | undefined {
  if (!fileName) return undefined;
  const base = fileName.split(/[\\/]/).pop() ?? '';
  const stem = base.replace(/(\.postman_collection)?\.(json|ya?ml|har|sh|txt|curl)$/i, '');
  return stem || undefined;
}

export function importText(request: ImportRequest): ImportResult {
  checkSize(request.text, request.fileName ?? 'the input');
  const format = request.from ?? detectFormat(request.text, request.fileName);
  if (format === 'postman-environment')
    throw new ImportError(
      'this is a Postman environment, not a collection: import the collection and pass the environment with --environment',
    );
  if (!format || !IMPORT_FORMATS.includes(format))
    throw new ImportError(
      `cannot tell the format of ${request.fileName ?? 'the input'}: name it with --from curl|postman|openapi|har`,
    );
  if (format === 'curl')
    return importCurl(request.text, titleFromFileName(request.fileName) ?? 'Imported curl commands');
  const what = request.fileName ?? 'the input';
  const doc = parseDocumentText(request.text, what);
  const found = formatOfDocument(doc);
  if (found !== format)
    throw new ImportError(`${what} is not a ${format} document${found ? ` (it looks like ${found})` : ''}`);
  switch (format) {
    case 'postman':
      return importPostman(doc, request.environmentText);
    case 'openapi':
      return importOpenApi(doc, { schemaChecks: request.schemaChecks });
    case 'har':
      return importHar(doc, { keepNoise: request.keepNoise });
  }
}
